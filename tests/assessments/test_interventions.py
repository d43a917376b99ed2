"""Tests of assessments.interventions: the planted effect, placebos, hand cases, the register."""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from assessments._intervention_stats import displacement_quotient, rate_ratio_did
from assessments.disclosure import POLICIES
from assessments.interventions import (
    RESULT_COLUMNS,
    STATUSES,
    EvaluationOptions,
    InterventionEvaluation,
    add_intervention,
    edit_intervention,
    evaluate_intervention,
    evaluate_interventions,
    evaluation_chart_data,
    evaluation_summary,
    evaluation_table,
    geometry_from_text,
)
from layers import grid
from layers import schema as S
from layers._errors import SchemaError
from layers.aggregate import counts
from layers.boundaries import demo_wards
from layers.demo import PlantedPattern, demo_data
from layers.demo_store import build_demo_store
from layers.queries import import_log, interventions
from layers.settings import Settings, load_settings
from layers.store import Store

SEED = 11
SCALE = 0.3
BNG = "EPSG:27700"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("interventions")
    config = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(config, seed=SEED, scale=SCALE)
    return config


@pytest.fixture(scope="module")
def store(settings: Settings) -> Store:
    return Store(settings.store)


@pytest.fixture(scope="module")
def patterns() -> tuple[PlantedPattern, ...]:
    return demo_data(demo_wards(), seed=SEED, scale=SCALE).planted


@pytest.fixture(scope="module")
def planted(patterns: tuple[PlantedPattern, ...]) -> PlantedPattern:
    (effect,) = [p for p in patterns if p.name == "intervention effect"]
    return effect


@pytest.fixture(scope="module")
def placebos(store: Store, patterns: tuple[PlantedPattern, ...]) -> gpd.GeoDataFrame:
    """Incident places at least 1.5 km from the planted intervention and hotspots."""
    points = incidents_in_metres(store).drop_duplicates(["lon", "lat"])
    incidents = [p for p in patterns if p.kind == S.Kind.INCIDENTS]
    sites = gpd.GeoSeries(
        gpd.points_from_xy([p.lon for p in incidents], [p.lat for p in incidents]), crs=S.CRS_STORE
    )
    far = np.all([points.distance(site) > 1500 for site in sites.to_crs(BNG)], axis=0)
    return points[far].to_crs(S.CRS_STORE)


@pytest.fixture(scope="module")
def evaluation(store: Store, planted: PlantedPattern) -> InterventionEvaluation:
    assert planted.intervention_id is not None
    return evaluate_intervention(store, planted.intervention_id)


@pytest.fixture
def own_store(settings: Settings, tmp_path: Path) -> tuple[Store, Settings]:
    """A private copy of the demo store, for tests that write."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(settings.store, copy)
    config = load_settings(
        store=copy, secret_file=settings.secret_file, rejected_dir=tmp_path / "rejected"
    )
    return Store(copy), config


def incidents_in_metres(store: Store) -> gpd.GeoDataFrame:
    rows = store.query("SELECT lon, lat, date FROM incidents WHERE lon IS NOT NULL")
    points = gpd.GeoDataFrame(
        rows, geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=S.CRS_STORE
    )
    return points.to_crs(BNG)


def placebo_sites(store: Store, places: gpd.GeoDataFrame, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` placebo interventions: random places among ``places``, starts mid-period."""
    rng = np.random.default_rng(seed)
    chosen = places.iloc[rng.choice(len(places), n, replace=False)]
    span = store.date_range()
    assert span is not None
    months = pd.period_range(span[0], span[1], freq="M")
    starts = [months[i].start_time for i in rng.integers(12, len(months) - 11, n)]
    return gpd.GeoDataFrame(
        {S.EVENT_ID: [f"placebo-{i}" for i in range(n)], S.NAME: "placebo", S.START_DATE: starts},
        geometry=gpd.points_from_xy(chosen["lon"], chosen["lat"]),
        crs=S.CRS_STORE,
    )


# --- the planted effect and placebos ------------------------------------------------------


def test_planted_reduction_lies_in_the_interval(
    evaluation: InterventionEvaluation, planted: PlantedPattern
) -> None:
    result = evaluation.result
    assert planted.expected_reduction == pytest.approx(0.4)
    assert result["status"] == "evaluated"
    assert result["window_months"] == 12
    assert result["after_from"] == f"{planted.first_month:%Y-%m}"
    low, high = 1 - result["high_vs_similar"], 1 - result["low_vs_similar"]
    assert low < planted.expected_reduction < high
    assert result["p_vs_similar"] < 0.01
    assert 1 - result["high_vs_ring"] < planted.expected_reduction < 1 - result["low_vs_ring"]
    assert result["low_ring_vs_similar"] < 1 < result["high_ring_vs_similar"]  # no displacement


def test_a_placebo_site_shows_no_effect(store: Store, placebos: gpd.GeoDataFrame) -> None:
    # the first of 20 random places with 30 events or more over both windows together:
    # choosing on the total says nothing about how it splits between before and after
    results = evaluate_interventions(store, placebo_sites(store, placebos, 20, seed=3))
    busy = results[results["treated_before"] + results["treated_after"] >= 30]
    result = busy.iloc[0]
    assert result["status"] == "evaluated"
    assert result["low_vs_similar"] < 1 < result["high_vs_similar"]
    assert result["p_vs_similar"] > 0.05
    words = evaluation_summary(
        evaluate_intervention(
            store, placebo_sites(store, placebos, 20, seed=3).iloc[[busy.index[0]]]
        ),
        POLICIES["public"],
    )
    assert "so no clear change" in words
    assert "could well be chance" in words


def test_placebos_are_rarely_significant(store: Store, placebos: gpd.GeoDataFrame) -> None:
    results = evaluate_interventions(store, placebo_sites(store, placebos, 200, seed=4))
    tested = results[results["status"] == "evaluated"]
    assert len(tested) >= 60
    assert (tested["p_vs_similar"] < 0.05).mean() <= 0.12
    assert abs(np.log(tested["ratio_vs_similar"]).median()) < 0.1


# --- the counts, against an independent computation ------------------------------------------


def test_counts_equal_an_independent_count(
    store: Store, evaluation: InterventionEvaluation, planted: PlantedPattern
) -> None:
    row = interventions(store).set_index(S.EVENT_ID).loc[planted.intervention_id]
    square = gpd.GeoSeries([row.geometry], crs=S.CRS_STORE).to_crs(BNG).iloc[0]
    ring = square.buffer(400).difference(square)
    events = incidents_in_metres(store)
    month = events["date"].dt.to_period("M")
    start = pd.Period(planted.first_month, freq="M")
    before = (month >= start - 12) & (month < start)
    after = (month >= start) & (month < start + 12)
    inside = events.intersects(square)
    around = events.within(ring)
    result = evaluation.result
    assert result["treated_before"] == int((inside & before).sum())
    assert result["treated_after"] == int((inside & after).sum())
    assert result["ring_before"] == int((around & before).sum())
    assert result["ring_after"] == int((around & after).sum())
    assert result["treated_area_km2"] == pytest.approx(square.area / 1e6)
    monthly = evaluation.monthly
    assert monthly["treated"].sum() == result["treated_before"] + result["treated_after"]
    assert monthly["similar"].sum() == result["control_before"] + result["control_after"]


def test_similar_areas_are_matched_on_level_outside_the_ring(
    store: Store, evaluation: InterventionEvaluation
) -> None:
    result = evaluation.result
    windows = {
        name: counts(
            store, by="h3:9", date_from=result[f"{name}_from"], date_to=result[f"{name}_to"]
        ).set_index("area_code")["count"]
        for name in ("before", "after")
    }
    chosen = list(evaluation.similar_cells)
    assert len(chosen) == result["control_cells"] == 20
    assert int(windows["before"][chosen].sum()) == result["control_before"]
    assert int(windows["after"][chosen].sum()) == result["control_after"]
    hexagons = grid.cell_polygons(grid.str_to_cells(windows["before"].index.to_numpy()))
    hexagons.index = windows["before"].index
    region = shapely.union(evaluation.treated, evaluation.ring)
    outside = ~hexagons.intersects(region)
    assert outside[chosen].all()
    level = (windows["before"] + windows["after"]) / 2
    gap = (level - result["treated_before"]).abs()
    assert gap[chosen].max() <= gap[outside[outside].index.difference(chosen)].min()


def test_ratios_follow_the_formula(evaluation: InterventionEvaluation) -> None:
    r = evaluation.result
    a, b, c, d = (
        r[k] for k in ("treated_after", "treated_before", "control_after", "control_before")
    )
    ratio = (a / b) / (c / d)
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert r["ratio_vs_similar"] == pytest.approx(ratio)
    assert r["low_vs_similar"] == pytest.approx(ratio * np.exp(-1.959964 * se))
    assert r["high_vs_similar"] == pytest.approx(ratio * np.exp(1.959964 * se))


# --- hand-computed statistics ---------------------------------------------------------------


def test_wdq_of_complete_displacement_is_minus_one() -> None:
    out = displacement_quotient(treated=(100, 50), ring=(100, 150), control=(100, 100))
    assert out["success"] == pytest.approx(-0.5)
    assert out["wdq"] == pytest.approx(-1.0)
    assert out["net_effect"] == pytest.approx(0.0)


def test_wdq_with_a_control_trend_and_diffusion() -> None:
    # controls rise 20 %: expected A after 120, R after 240; A fell to 60, R rose only to 220
    out = displacement_quotient(treated=(100, 60), ring=(200, 220), control=(100, 120))
    assert out["wdq"] == pytest.approx((220 / 120 - 200 / 100) / (60 / 120 - 100 / 100))
    assert out["wdq"] == pytest.approx(1 / 3)
    assert out["net_effect"] == pytest.approx((120 - 60) + (240 - 220))


def test_wdq_is_not_read_without_success() -> None:
    out = displacement_quotient(
        treated=(np.array([100, 5]), np.array([120, 5])),
        ring=(np.array([100, 5]), np.array([90, 5])),
        control=(np.array([100, 0]), np.array([100, 0])),
    )
    assert np.isnan(out["wdq"]).all()
    assert out["net_effect"][0] == pytest.approx(-20 + 10)
    assert np.isnan(out["net_effect"][1])


def test_rate_ratio_did_by_hand() -> None:
    out = rate_ratio_did([60, 0], [100, 10], [120, 10], [100, 10])
    se = np.sqrt(1 / 60 + 1 / 100 + 1 / 120 + 1 / 100)
    assert out["ratio"][0] == pytest.approx(0.5)
    assert out["low"][0] == pytest.approx(0.5 * np.exp(-1.959964 * se))
    assert out["p"][0] == pytest.approx(math.erfc(abs(math.log(0.5)) / se / math.sqrt(2)))
    assert np.isnan(out["ratio"][1])
    assert np.isnan(out["p"][1])


# --- the output contract --------------------------------------------------------------------


def test_one_row_per_intervention_with_the_documented_columns(store: Store) -> None:
    register = interventions(store)
    before = register.copy()
    table = evaluate_interventions(store, register)
    pd.testing.assert_frame_equal(register, before)
    assert list(table.columns) == list(RESULT_COLUMNS)
    assert table.dtypes.astype(str).to_dict() == RESULT_COLUMNS
    assert table["event_id"].tolist() == register[S.EVENT_ID].tolist()
    assert set(table["status"]) <= set(STATUSES)
    not_evaluated = table["status"] != "evaluated"
    assert table.loc[not_evaluated, "ratio_vs_similar"].isna().all()
    assert table.loc[~not_evaluated, "ratio_vs_similar"].notna().all()


def test_the_register_as_stored_text_works_too(store: Store) -> None:
    frame = store.query("SELECT event_id, name, start_date, geometry_wkt FROM interventions")
    from_text = evaluate_interventions(store, frame)
    from_shapes = evaluate_interventions(store, interventions(store).sort_values(S.EVENT_ID))
    key = from_text.sort_values("event_id", ignore_index=True)
    pd.testing.assert_frame_equal(key, from_shapes.sort_values("event_id", ignore_index=True))


def test_sites_outside_the_data_or_too_quiet_say_so(
    store: Store, placebos: gpd.GeoDataFrame
) -> None:
    span = store.date_range()
    assert span is not None
    site = placebo_sites(store, placebos, 1, seed=5)
    rows = pd.concat([site] * 3, ignore_index=True)
    rows[S.EVENT_ID] = ["early", "late", "quiet"]
    rows.loc[0, S.START_DATE] = pd.Timestamp(span[0]) + pd.DateOffset(months=1)
    rows.loc[1, S.START_DATE] = pd.Timestamp(span[1]) - pd.DateOffset(months=1)
    options = EvaluationOptions(point_buffer_m=1.0, ring_width_m=50.0)
    table = evaluate_interventions(store, rows, options=options)
    assert table["status"].tolist() == [
        "too little data before the start",
        "too little data after the start",
        "too few events",
    ]
    policy = POLICIES["public"]
    for event_id in ("early", "quiet"):
        one = evaluate_intervention(store, rows[rows[S.EVENT_ID] == event_id], options=options)
        text = evaluation_summary(one, policy)
        assert "cannot be evaluated" in text or "Too few" in text


def test_windows_are_cut_to_the_data_and_said(store: Store, placebos: gpd.GeoDataFrame) -> None:
    span = store.date_range()
    assert span is not None
    site = placebo_sites(store, placebos, 1, seed=6)
    site[S.START_DATE] = pd.Timestamp(span[1]) - pd.DateOffset(months=4)
    one = evaluate_intervention(store, site)
    assert one.result["window_months"] == 5
    assert len(one.monthly) == 10
    assert any("cut from 12" in choice for choice in one.choices)


# --- words, tables and disclosure -----------------------------------------------------------


def test_summary_says_the_reduction_in_words(evaluation: InterventionEvaluation) -> None:
    text = evaluation_summary(evaluation, POLICIES["public"])
    reduction = round(100 * (1 - evaluation.result["ratio_vs_similar"]))
    assert f"fell by {reduction}% (95% CI" in text
    assert "similar areas" in text
    assert "No sign that harm moved to the streets around it" in text
    assert "Other changes at the same time" in text


def test_table_passes_disclosure_control(evaluation: InterventionEvaluation) -> None:
    table = evaluation_table(evaluation, POLICIES["public"])
    counts_shown = table.iloc[:, 1:3].to_numpy().ravel()
    assert all(v == "<5" or int(v) % 5 == 0 for v in counts_shown)
    assert table.attrs["statement"].startswith("Disclosure control (public)")
    exact = evaluation_table(evaluation, POLICIES["partnership"])
    assert exact.iloc[0, 1] == str(evaluation.result["treated_before"])


def test_small_counts_never_reach_the_words_or_the_chart(
    evaluation: InterventionEvaluation,
) -> None:
    small = evaluation.result.copy()
    small[["treated_before", "treated_after", "ring_before", "ring_after"]] = [8, 3, 40, 41]
    small_eval = replace(evaluation, result=small)
    policy = POLICIES["public"]
    text = evaluation_summary(small_eval, policy)
    assert "Too few" in text
    assert "3" not in text
    table = evaluation_table(small_eval, policy)
    assert table.iloc[0, 1:].tolist()[1:] == ["<5", "not shown"]
    chart = evaluation_chart_data(small_eval, policy)
    assert "Treated area" not in chart["area"].tolist()


def test_choices_state_every_default(evaluation: InterventionEvaluation) -> None:
    said = " ".join(evaluation.choices)
    for phrase in ("own shape", "400 m", "12 months", "20 H3 hexagons", "resolution 9", "Poisson"):
        assert phrase in said


# --- the register ---------------------------------------------------------------------------


def test_an_added_intervention_is_stored_indexed_and_logged(
    own_store: tuple[Store, Settings],
) -> None:
    store, config = own_store
    square = shapely.box(-2.600, 51.440, -2.596, 51.443)
    event_id = add_intervention(
        store,
        settings=config,
        name="  Test lighting ",
        intervention_type="street lighting",
        geometry=square,
        start_date=date(2024, 5, 1),
        lead_agency="Bristol City Council",
    )
    assert event_id.startswith("int-")
    assert len(event_id) == 16
    row = interventions(store).set_index(S.EVENT_ID).loc[event_id]
    assert row[S.NAME] == "Test lighting"
    assert row[S.START_DATE] == pd.Timestamp("2024-05-01")
    assert pd.isna(row[S.END_DATE])
    assert pd.isna(row[S.NOTES])
    assert row.geometry.equals_exact(square, 1e-7)
    assert isinstance(row[S.WARD], str)
    assert import_log(store)["files"].iloc[0] == "register entry made by hand"


def test_an_edit_keeps_the_id_and_changes_only_what_is_given(
    own_store: tuple[Store, Settings],
) -> None:
    store, config = own_store
    point = shapely.Point(-2.59, 51.46)
    event_id = add_intervention(
        store,
        settings=config,
        name="Patrols",
        intervention_type="patrol",
        geometry=point,
        start_date="2024-01-01",
        notes="first",
    )
    moved = shapely.Point(-2.58, 51.45)
    edit_intervention(
        store,
        settings=config,
        event_id=event_id,
        end_date=date(2024, 12, 31),
        geometry=moved,
        notes=None,
    )
    register = interventions(store)
    assert (register[S.EVENT_ID] == event_id).sum() == 1
    row = register.set_index(S.EVENT_ID).loc[event_id]
    assert row[S.END_DATE] == pd.Timestamp("2024-12-31")
    assert row[S.NAME] == "Patrols"
    assert pd.isna(row[S.NOTES])
    assert row.geometry.equals(moved)
    lon, lat = store.query(
        "SELECT lon, lat FROM interventions WHERE event_id = ?", [event_id]
    ).iloc[0]
    assert (lon, lat) == pytest.approx((-2.58, 51.45))


def test_bad_entries_are_refused_with_every_problem_named(
    own_store: tuple[Store, Settings],
) -> None:
    store, config = own_store
    with pytest.raises(SchemaError) as caught:
        add_intervention(
            store,
            settings=config,
            name=" ",
            intervention_type="x",
            geometry=shapely.LineString([(0, 0), (1, 1)]),
            start_date=date(2024, 5, 1),
            end_date=date(2024, 1, 1),
        )
    message = str(caught.value)
    assert "name must be non-empty" in message
    assert "geometry must be a shapely Point" in message
    assert "end_date 2024-01-01 is before start_date" in message
    with pytest.raises(SchemaError, match="outside the study area"):
        add_intervention(
            store,
            settings=config,
            name="Swapped",
            intervention_type="x",
            geometry=shapely.Point(51.45, -2.59),
            start_date="2024-01-01",
        )
    with pytest.raises(SchemaError, match="start_date must be a date"):
        add_intervention(
            store,
            settings=config,
            name="No start",
            intervention_type="x",
            geometry=shapely.Point(-2.59, 51.45),
            start_date="May 2024",
        )
    assert len(interventions(store)) == len(interventions(Store(config.store)))


def test_bad_edits_are_refused(own_store: tuple[Store, Settings]) -> None:
    store, config = own_store
    with pytest.raises(SchemaError) as caught:
        edit_intervention(store, settings=config, event_id="nope", colour="red")
    assert "unknown field(s) ['colour']" in str(caught.value)
    assert "'nope' is not in the register" in str(caught.value)
    with pytest.raises(SchemaError, match="no change given"):
        edit_intervention(store, settings=config, event_id="demo-int-01")


def test_geometry_from_text_reads_wkt_and_geojson() -> None:
    assert geometry_from_text("POINT (-2.59 51.45)").equals(shapely.Point(-2.59, 51.45))
    polygon = geometry_from_text('{"type": "Point", "coordinates": [-2.59, 51.45]}')
    assert polygon.equals(shapely.Point(-2.59, 51.45))
    with pytest.raises(SchemaError, match="neither WKT"):
        geometry_from_text("somewhere near the park")


# --- input errors ---------------------------------------------------------------------------


def test_bad_options_are_named_at_once(store: Store) -> None:
    bad: dict[str, Any] = {
        "kinds": ("crimes",),
        "flags": ("red",),
        "window_months": 0,
        "control_cells": 2.5,
        "confidence": 2.0,
    }
    options = EvaluationOptions(**bad)
    with pytest.raises(SchemaError) as caught:
        evaluate_interventions(store, interventions(store), options=options)
    message = str(caught.value)
    for part in ("kinds=", "flags ['red']", "window_months", "control_cells", "confidence"):
        assert part in message


def test_bad_intervention_rows_are_named(store: Store) -> None:
    with pytest.raises(SchemaError, match="lacks the column"):
        evaluate_interventions(store, pd.DataFrame({"event_id": ["a"]}))
    frame = store.query("SELECT event_id, name, start_date, geometry_wkt FROM interventions")
    frame.loc[0, "geometry_wkt"] = "not a shape"
    frame.loc[1, "start_date"] = pd.NaT
    with pytest.raises(SchemaError) as caught:
        evaluate_interventions(store, frame)
    assert "no usable start_date" in str(caught.value)
    assert "no usable geometry" in str(caught.value)
    with pytest.raises(SchemaError, match="not in the register"):
        evaluate_intervention(store, "int-000000000000")
    with pytest.raises(SchemaError, match="must be a"):
        evaluate_interventions(store, cast(Any, ["demo-int-01"]))
