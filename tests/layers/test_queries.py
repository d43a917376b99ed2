"""Queries beyond counts, against direct computations on a small demo store."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from layers import schema as S
from layers.demo_store import build_demo_store
from layers.queries import (
    event_points,
    import_log,
    interventions,
    loaded_summary,
    suggest_resolution,
    survey_summary,
)
from layers.settings import load_settings
from layers.store import Store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    tmp = tmp_path_factory.mktemp("queries")
    settings = load_settings(store=tmp / "demo.duckdb", rejected_dir=tmp / "rejected")
    build_demo_store(settings, seed=11, scale=0.3)
    return Store(settings.store)


def test_suggested_resolution_follows_its_rule(store: Store) -> None:
    chosen = suggest_resolution(store)
    events = store.query("SELECT h3_cell FROM incidents WHERE h3_cell IS NOT NULL")["h3_cell"]
    cells = [h3.int_to_str(int(c)) for c in events]

    def mean_per_occupied(res: int) -> float:
        parents = pd.Series([h3.cell_to_parent(c, res) for c in cells])
        return len(parents) / parents.nunique()

    def study_cells(res: int) -> int:
        return int(
            store.query("SELECT count(*) FROM coverage WHERE resolution = ?", [res]).iloc[0, 0]
        )

    ok = [r for r in (10, 9, 8, 7, 6) if study_cells(r) <= 2500 and mean_per_occupied(r) >= 5]
    assert chosen.resolution == (ok[0] if ok else 6)
    assert f"H3 resolution {chosen.resolution}" in chosen.reason
    assert "chosen automatically" in chosen.reason
    rare = suggest_resolution(store, categories=["Possession of weapons"])
    assert rare.resolution <= chosen.resolution


def test_event_points_hold_every_located_event(store: Store) -> None:
    points = event_points(store, kinds=["incidents", "knife"], date_from="2024-01")
    raw = store.query(
        "SELECT lon, lat FROM incidents WHERE date >= '2024-01-01' "
        "UNION ALL SELECT lon, lat FROM knife WHERE date >= '2024-01-01'"
    )
    assert points["weight"].sum() == len(raw)
    assert not points.duplicated(["lon", "lat"]).any()
    assert points.dtypes.astype(str).to_dict() == {
        "lon": "float64",
        "lat": "float64",
        "weight": "int64",
    }


def test_survey_summary_matches_a_groupby(store: Store) -> None:
    table = survey_summary(store, by="ward")
    raw = store.query(
        "SELECT ward_code, survey, question, score FROM surveys WHERE ward_code IS NOT NULL"
    )
    expected = raw.groupby(["ward_code", "survey", "question"]).agg(
        n=("score", "size"), m=("score", "mean")
    )
    got = table.set_index(["area_code", "survey", "question"])
    assert got["responses"].to_dict() == expected["n"].to_dict()
    np.testing.assert_allclose(
        got["mean_score"].to_numpy(), expected.loc[got.index, "m"].to_numpy()
    )
    assert table["area_name"].notna().all()
    by_cell = survey_summary(store, by="h3:8")
    assert by_cell["responses"].sum() == len(
        store.query("SELECT 1 FROM surveys WHERE h3_cell IS NOT NULL")
    )
    with pytest.raises(ValueError, match="h3:6"):
        survey_summary(store, by="lsoa")


def test_interventions_logs_and_loaded_layers(store: Store) -> None:
    register = interventions(store)
    assert len(register) == int(store.query("SELECT count(*) FROM interventions").iloc[0, 0]) > 0
    assert register.crs == S.CRS_STORE
    assert register.geometry.notna().all()
    log = import_log(store)
    assert set(log["kind"]) >= {"incidents", "boundaries"}
    summary = loaded_summary(store).set_index("layer")
    assert summary.loc["incidents", "rows"] == int(
        store.query("SELECT count(*) FROM incidents").iloc[0, 0]
    )
    assert summary.loc["incidents", "first_month"] < summary.loc["incidents", "last_month"]


def test_a_store_with_nothing_suggests_the_coarsest(tmp_path: Path) -> None:
    chosen = suggest_resolution(Store(tmp_path / "empty.duckdb"))
    assert chosen.resolution == 6
    assert event_points(Store(tmp_path / "empty.duckdb")).empty


def test_the_demo_store_has_a_synthetic_ward_population_that_says_so(store: Store) -> None:
    from layers.queries import area_context

    context = area_context(store)
    assert len(context) == len(store.boundaries("ward"))
    assert "synthetic" in context.attrs["source"]
    assert (context["children"] < context["population"]).all()


def test_replace_event_edits_a_row_in_place(store: Store, tmp_path: Path) -> None:
    import shutil

    from layers.ingest import replace_event

    copy = tmp_path / "edit.duckdb"
    shutil.copyfile(store.path, copy)
    edited = Store(copy)
    settings = load_settings(store=copy, rejected_dir=tmp_path / "rejected")
    row = edited.query("SELECT * FROM interventions ORDER BY event_id LIMIT 1")
    changed = row.assign(name="Renamed <b>hub</b>", lead_agency="Youth service")
    assert replace_event("interventions", changed, store=edited, settings=settings) == 1
    after = edited.query("SELECT * FROM interventions WHERE event_id = ?", [row.loc[0, "event_id"]])
    assert len(after) == 1
    assert (after.loc[0, "name"], after.loc[0, "lead_agency"]) == (
        "Renamed <b>hub</b>",
        "Youth service",
    )
    assert len(edited.query("SELECT 1 FROM interventions")) == len(
        store.query("SELECT 1 FROM interventions")
    )
