"""Tests of assessments.surveys: pandas groupby and scipy references, the planted low safety."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from assessments.disclosure import POLICIES
from assessments.surveys import (
    MIN_RESPONSES,
    RESULT_COLUMNS,
    rule_words,
    survey_results,
    survey_table,
)
from layers import grid
from layers import schema as S
from layers._errors import SchemaError
from layers.boundaries import assign_areas, demo_wards
from layers.demo import PlantedPattern, demo_data
from layers.demo_store import build_demo_store
from layers.ingest import import_result, study_areas
from layers.readers import ReadResult, SourceFile
from layers.settings import load_settings
from layers.store import Store

SEED = 5
SCALE = 0.3
SAFE = "I feel safe in my area after dark"
KNIVES = "Have you seen knives carried in this area?"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("surveys")
    config = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(config, seed=SEED, scale=SCALE)
    return Store(config.store)


@pytest.fixture(scope="module")
def answers(store: Store) -> pd.DataFrame:
    """Every stored answer, read plainly."""
    return store.query("SELECT ward_code, h3_cell, question, answer, score, date FROM surveys")


@pytest.fixture(scope="module")
def low_safety() -> PlantedPattern:
    demo = demo_data(demo_wards(), seed=SEED, scale=SCALE)
    (pattern,) = [p for p in demo.planted if p.name == "low felt safety"]
    return pattern


@pytest.fixture(scope="module")
def by_ward(store: Store) -> pd.DataFrame:
    return survey_results(store)


# --- against independent computations -------------------------------------------------------


def test_counts_means_and_shares_equal_a_pandas_groupby(
    by_ward: pd.DataFrame, answers: pd.DataFrame
) -> None:
    placed = answers.dropna(subset=["ward_code"])
    expected = placed.groupby(["ward_code", "question"])["score"].agg(["size", "mean"])
    got = by_ward.set_index(["area_code", "question"])
    assert len(got) == len(expected)
    pd.testing.assert_series_equal(
        got["responses"].sort_index(),
        expected["size"].sort_index(),
        check_names=False,
        check_index_type=False,
    )
    shown = got[got["shown"]]
    np.testing.assert_allclose(shown["value"], expected.loc[shown.index, "mean"])
    assert (got.xs(KNIVES, level="question")["answer"] == "Yes").all()
    assert (got.xs(SAFE, level="question")["measure"] == "mean score").all()
    city = placed.groupby("question")["score"].mean()
    for question in (SAFE, KNIVES):
        assert got.xs(question, level="question")["city_value"].iloc[0] == pytest.approx(
            city[question]
        )


def test_welch_t_equals_scipy_against_the_rest_of_the_city(
    by_ward: pd.DataFrame, answers: pd.DataFrame
) -> None:
    placed = answers.dropna(subset=["ward_code"])
    safe = placed[placed["question"] == SAFE]
    rows = by_ward[(by_ward["question"] == SAFE) & by_ward["shown"]]
    for _, row in rows.iterrows():
        inside = safe.loc[safe["ward_code"] == row["area_code"], "score"]
        rest = safe.loc[safe["ward_code"] != row["area_code"], "score"]
        reference = stats.ttest_ind(inside, rest, equal_var=False)
        assert row["statistic"] == pytest.approx(reference.statistic)
        assert row["p_value"] == pytest.approx(reference.pvalue)


def test_two_proportion_z_by_hand(by_ward: pd.DataFrame, answers: pd.DataFrame) -> None:
    knives = answers.dropna(subset=["ward_code"])
    knives = knives[knives["question"] == KNIVES]
    row = by_ward[(by_ward["question"] == KNIVES) & by_ward["shown"]].iloc[0]
    inside = knives.loc[knives["ward_code"] == row["area_code"], "score"]
    rest = knives.loc[knives["ward_code"] != row["area_code"], "score"]
    pooled = (inside.sum() + rest.sum()) / (len(inside) + len(rest))
    z = (inside.mean() - rest.mean()) / math.sqrt(
        pooled * (1 - pooled) * (1 / len(inside) + 1 / len(rest))
    )
    assert row["statistic"] == pytest.approx(z)
    assert row["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert row["difference"] == pytest.approx(inside.mean() - knives["score"].mean())


def test_hexagons_equal_a_groupby_of_parent_cells(store: Store, answers: pd.DataFrame) -> None:
    table = survey_results(store, by="h3:8", question=SAFE)
    safe = answers[(answers["question"] == SAFE) & answers["h3_cell"].notna()]
    parents = grid.cells_to_str(
        grid.cell_parents(safe["h3_cell"].to_numpy(dtype="uint64"), resolution=8)
    )
    expected = safe.groupby(parents)["score"].agg(["size", "mean"])
    got = table.set_index("area_code")
    assert got["responses"].sort_index().tolist() == expected["size"].sort_index().tolist()
    shown = got[got["shown"]]
    np.testing.assert_allclose(shown["value"], expected.loc[shown.index, "mean"])
    assert table["area_name"].isna().all()


def test_dates_filter_the_answers(store: Store, answers: pd.DataFrame) -> None:
    first = answers["date"].min().strftime("%Y-%m")
    table = survey_results(store, question=SAFE, date_from=first, date_to=first)
    month = answers["date"].dt.strftime("%Y-%m") == first
    expected = answers[month & (answers["question"] == SAFE)].dropna(subset=["ward_code"])
    assert table["responses"].sum() == len(expected)


# --- the planted pattern --------------------------------------------------------------------


def test_planted_low_safety_ward_is_significantly_below_the_city(
    store: Store, by_ward: pd.DataFrame, low_safety: PlantedPattern
) -> None:
    (ward,) = assign_areas([low_safety.lon], [low_safety.lat], store.boundaries("ward"))
    row = by_ward[(by_ward["area_code"] == ward) & (by_ward["question"] == SAFE)].iloc[0]
    assert row["shown"]
    assert row["difference"] < -0.3
    assert row["significant"]
    assert row["p_adjusted"] < 0.05


# --- suppression, contract ------------------------------------------------------------------


def test_small_response_counts_are_not_shown(by_ward: pd.DataFrame) -> None:
    assert list(by_ward.columns) == list(RESULT_COLUMNS)
    assert by_ward.dtypes.astype(str).to_dict() == RESULT_COLUMNS
    small = by_ward["responses"] < MIN_RESPONSES
    assert small.any()
    assert (~small).any()
    assert (by_ward["shown"] == ~small).all()
    hidden = by_ward[small]
    for column in ("value", "difference", "statistic", "p_value", "p_adjusted"):
        assert hidden[column].isna().all(), column
    assert not hidden["significant"].any()
    assert by_ward.attrs["rule"] == rule_words(MIN_RESPONSES)
    assert "fewer than 10 answers are not shown" in by_ward.attrs["rule"]


def test_the_threshold_can_be_raised(store: Store) -> None:
    strict = survey_results(store, min_responses=40)
    assert (strict["shown"] == (strict["responses"] >= 40)).all()


def test_table_hides_small_counts_and_states_the_policy(by_ward: pd.DataFrame) -> None:
    table = survey_table(by_ward, POLICIES["public"])
    assert all(v == "<5" or v == "[c]" or int(v) % 5 == 0 for v in table["Responses"])
    assert "<5" in set(table["Responses"])
    assert table.attrs["statement"].startswith("Disclosure control (public)")
    hidden = ~by_ward["shown"].to_numpy()
    assert (table.loc[hidden, "Result"] == "not shown (too few answers)").all()


def test_categories_by_hand(tmp_path: Path) -> None:
    config = load_settings(
        store=tmp_path / "s.duckdb",
        secret_file=tmp_path / "key",
        rejected_dir=tmp_path / "rejected",
    )
    store = Store(config.store)
    areas = study_areas(store, config)
    wards = areas.wards.sort_values("code").head(2)
    centres = wards.geometry.representative_point()
    answers = ["Bus"] * 8 + ["Walk"] * 4 + ["Bus"] * 2 + ["Car"] * 10
    where = [0] * 12 + [1] * 12
    frame = pd.DataFrame(
        {
            S.EVENT_ID: [f"r{i}" for i in range(24)],
            S.KIND: "surveys",
            S.SURVEY: "Travel",
            S.QUESTION: "How do you get home?",
            S.ANSWER: answers,
            S.DATE: pd.Timestamp("2024-03-01"),
            S.DATE_PRECISION: "day",
            S.LON: centres.x.to_numpy()[where],
            S.LAT: centres.y.to_numpy()[where],
        }
    )
    result = ReadResult(
        kind=S.Kind.SURVEYS,
        valid=S.conform(frame, S.Kind.SURVEYS),
        rejected=S.empty_rejected(),
        sources=(SourceFile(name="hand", sha256="hand", rows_read=24),),
    )
    import_result(result, store=store, settings=config, areas=areas)
    table = survey_results(store).set_index(["area_code", "answer"])
    first, second = wards["code"].tolist()
    assert table.loc[(first, "Bus"), "value"] == pytest.approx(8 / 12)
    assert table.loc[(first, "Car"), "value"] == 0
    assert table.loc[(second, "Car"), "value"] == pytest.approx(10 / 12)
    assert table.loc[(first, "Bus"), "city_value"] == pytest.approx(10 / 24)
    assert (table["measure"] == "share").all()
    assert table.groupby(level=0)["value"].sum().tolist() == pytest.approx([1.0, 1.0])


# --- input errors ---------------------------------------------------------------------------


def test_bad_arguments_are_named_at_once(store: Store) -> None:
    with pytest.raises(SchemaError) as caught:
        survey_results(store, by="lsoa", survey=3, date_from="March", min_responses=0)  # type: ignore[arg-type]
    message = str(caught.value)
    for part in ("by='lsoa'", "survey must be text", "date_from='March'", "min_responses"):
        assert part in message
    with pytest.raises(SchemaError, match="swap them"):
        survey_results(store, date_from="2025-03", date_to="2024-03")


def test_table_refuses_other_frames(by_ward: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="pass survey_results"):
        survey_table(by_ward.drop(columns="shown"), POLICIES["public"])
