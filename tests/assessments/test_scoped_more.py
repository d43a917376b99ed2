"""The scoped door beyond counts: surveys, profiles, places, evaluations, admin, downloads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import h3
import pandas as pd
import pytest
import shapely

from assessments import scoped
from assessments.disclosure import get_policy
from assessments.interventions import evaluate_intervention, evaluate_interventions
from assessments.priority import PriorityWeights, candidate_places
from assessments.profile import area_profile, disclosed_profile
from layers import queries
from layers._errors import AccessDenied
from layers.access import User
from layers.aggregate import counts as aggregate_counts
from layers.readers import read_layer
from layers.settings import Settings
from layers.store import Store
from tests.assessments._scoped_support import (
    ADMIN,
    ENGAGE,
    FIRST,
    LAST,
    LEAD,
    NORTH,
    USERS,
    demo_settings,
    ward_codes,
)

YEAR: dict[str, Any] = {"date_from": "2025-01", "date_to": "2025-12"}


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return demo_settings(tmp_path_factory.mktemp("scoped_more"))


@pytest.fixture(scope="module")
def store(settings: Settings) -> Store:
    return Store(settings.store)


def _north_shape(store: Store) -> shapely.Geometry:
    wards = store.boundaries("ward")
    return shapely.union_all(wards.loc[wards["parent_code"] == "North"].geometry.to_numpy())


def _inside(shape: shapely.Geometry, geometry: shapely.Geometry) -> bool:
    return bool(shapely.covered_by(geometry, shapely.buffer(shape, 1e-7)))


def _cell(cell: str) -> shapely.Polygon:
    return shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)])


def _north_cells(store: Store, resolution: int = 9) -> tuple[str, str]:
    """A North cell wholly inside North's wards, and one straddling its edge."""
    shape = _north_shape(store)
    found = store.query(
        "SELECT c.h3_cell FROM coverage c JOIN boundaries b ON b.code = c.ward_code "
        "WHERE c.resolution = ? AND b.parent_code = 'North' ORDER BY c.h3_cell",
        [resolution],
    )
    cells = [h3.int_to_str(int(c)) for c in found["h3_cell"]]
    inner = next(c for c in cells if _inside(shape, _cell(c)))
    edge = next(c for c in cells if not _inside(shape, _cell(c)))
    return inner, edge


# --- surveys -------------------------------------------------------------------------------


def test_ward_means_of_few_answers_are_hidden_outside_detail(store: Store) -> None:
    survey: dict[str, Any] = {
        "date_from": "2026-10",
        "date_to": "2026-10",
    }  # one month: few answers
    full = queries.survey_summary(store, by="ward", **survey)
    few = full["responses"] < 5
    assert few.any()
    north = full["area_code"].isin(ward_codes(store, "North"))
    for user, hide in ((ADMIN, few & False), (NORTH, few & ~north), (ENGAGE, few)):
        got = scoped.survey_summary(store, user, by="ward", **survey)
        assert got["mean_score"].isna().tolist() == (hide | full["mean_score"].isna()).tolist()
        assert set(got.loc[hide, "shown"]) <= {"<5 answers"}
        kept = ~hide
        pd.testing.assert_series_equal(got.loc[kept, "mean_score"], full.loc[kept, "mean_score"])


def test_survey_hexagons_count_only_answers_in_north(store: Store) -> None:
    got = scoped.survey_summary(store, NORTH, by="h3:8")
    rows = store.query("SELECT h3_cell, ward_code FROM surveys WHERE h3_cell IS NOT NULL")
    rows = rows[rows["ward_code"].isin(ward_codes(store, "North"))]
    cells = pd.Series([h3.cell_to_parent(h3.int_to_str(int(c)), 8) for c in rows["h3_cell"]])
    expected = cells.value_counts().sort_index()
    assert got.groupby("area_code")["responses"].sum().sort_index().to_dict() == expected.to_dict()
    with pytest.raises(AccessDenied):
        scoped.survey_summary(store, ENGAGE, by="h3:8")


# --- profiles ------------------------------------------------------------------------------


def test_raw_profiles_only_wholly_inside_detail(store: Store) -> None:
    north = sorted(ward_codes(store, "North"))[0]
    south = sorted(ward_codes(store, "South"))[0]
    inner, edge = _north_cells(store)
    mine = scoped.profile(store, NORTH, f"ward:{north}", **YEAR)
    want = area_profile(store, f"ward:{north}", **YEAR)
    pd.testing.assert_frame_equal(mine.layers, want.layers)
    assert scoped.profile(store, NORTH, f"h3:{inner}", **YEAR).cells == (inner,)
    assert scoped.profile(store, NORTH, "locality:North", **YEAR).wards is not None
    refused = [f"ward:{south}", "locality:South", f"h3:{edge}", _cell(edge).buffer(0.01)]
    for area in refused:
        with pytest.raises(AccessDenied, match="not wholly inside North"):
            scoped.profile(store, NORTH, area, **YEAR)
    assert scoped.profile(store, LEAD, f"h3:{edge}", **YEAR).cells == (edge,)
    with pytest.raises(AccessDenied):
        scoped.profile(store, ENGAGE, f"ward:{north}", **YEAR)


@pytest.mark.parametrize("user", USERS, ids=lambda u: u.role.value)
def test_every_role_gets_the_disclosed_ward_profile(store: Store, user: User) -> None:
    south = f"ward:{sorted(ward_codes(store, 'South'))[0]}"
    got = scoped.disclosed(store, user, south, **YEAR)
    want = disclosed_profile(area_profile(store, south, **YEAR), get_policy("partnership"))
    assert got["layers"] == want["layers"]
    assert got["policy"]["name"] == "partnership"


# --- candidate places ----------------------------------------------------------------------


def test_full_detail_users_rank_every_place_as_the_planner_does(store: Store) -> None:
    got = scoped.candidate_places(store, ADMIN, unit="ward", **YEAR)
    want = candidate_places(store, unit="ward", **YEAR)
    pd.testing.assert_frame_equal(got, want)


def test_north_ranks_only_north_wards_among_themselves(store: Store) -> None:
    got = scoped.candidate_places(store, NORTH, unit="ward", **YEAR)
    assert set(got["area_code"]) == ward_codes(store, "North")
    assert got["rank"].tolist() == list(range(1, len(got) + 1))
    assert got["score"].is_monotonic_decreasing
    weights = PriorityWeights().layers()  # harm: weighted mean of shares of North's top ward
    layers = {
        kind: aggregate_counts(
            store, by="ward", kinds=(kind,), within="locality:North", **YEAR
        ).set_index("area_code")["count"]
        for kind in weights
    }
    shares = sum(w * layers[k] / layers[k].max() for k, w in weights.items())
    expected = (shares / sum(weights.values())).reindex(got["area_code"])
    assert got["harm_value"].to_numpy() == pytest.approx(expected.to_numpy())


@pytest.mark.parametrize("unit", ["h3:9", "hotspots"])
def test_north_places_of_hexagons_lie_wholly_in_north(store: Store, unit: str) -> None:
    got = scoped.candidate_places(store, NORTH, unit=unit, **YEAR)
    shape = _north_shape(store)
    cells = [c for joined in got["cells"] for c in str(joined).split(",")]
    assert cells
    assert all(_inside(shape, _cell(c)) for c in cells)
    everywhere = scoped.candidate_places(store, ADMIN, unit=unit, **YEAR)
    assert len(everywhere) > len(got)


def test_engagement_officers_get_no_ranked_places(store: Store) -> None:
    with pytest.raises(AccessDenied):
        scoped.candidate_places(store, ENGAGE, unit="ward", **YEAR)


# --- evaluations ---------------------------------------------------------------------------


def test_evaluations_only_for_interventions_in_north(store: Store) -> None:
    register = scoped.interventions(store, ENGAGE)
    assert len(register) == len(queries.interventions(store))  # the register is for all
    shape = _north_shape(store)
    inside = pd.Series([_inside(shape, g) for g in register.geometry], index=register.index)
    assert inside.any()
    assert not inside.all()
    assert scoped.interventions_in_scope(store, NORTH, register).equals(inside)
    mine = register[inside]
    got = scoped.evaluate_interventions(store, NORTH, mine)
    pd.testing.assert_frame_equal(got, evaluate_interventions(store, mine))
    one = str(mine["event_id"].iloc[0])
    single = scoped.evaluate_intervention(store, NORTH, one)
    pd.testing.assert_series_equal(single.result, evaluate_intervention(store, one).result)
    with pytest.raises(AccessDenied, match="North only"):
        scoped.evaluate_interventions(store, NORTH, register)
    with pytest.raises(AccessDenied, match="North only"):
        scoped.evaluate_intervention(store, NORTH, str(register[~inside]["event_id"].iloc[0]))
    with pytest.raises(AccessDenied):
        scoped.evaluate_intervention(store, ENGAGE, one)


def test_only_admins_and_leads_keep_the_register(store: Store, settings: Settings) -> None:
    assert [scoped.may_edit_register(u) for u in USERS] == [True, True, False, False]
    with pytest.raises(AccessDenied, match="keep the intervention register"):
        scoped.add_intervention(
            store,
            NORTH,
            settings=settings,
            name="x",
            intervention_type="y",
            geometry=shapely.Point(-2.59, 51.46),
            start_date="2025-01-01",
        )


# --- administration ------------------------------------------------------------------------


def test_import_log_and_loads_are_for_admins(store: Store, settings: Settings) -> None:
    pd.testing.assert_frame_equal(scoped.import_log(store, ADMIN), queries.import_log(store))
    pd.testing.assert_frame_equal(
        scoped.loaded_summary(store, ADMIN), queries.loaded_summary(store)
    )
    for user in (LEAD, NORTH, ENGAGE):
        with pytest.raises(AccessDenied, match="Only an administrator"):
            scoped.import_log(store, user)
        with pytest.raises(AccessDenied, match="Only an administrator"):
            scoped.loaded_summary(store, user)
        with pytest.raises(AccessDenied, match="Only an administrator"):
            scoped.study_areas(store, user, settings)


def test_imports_are_for_admins(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "knife.csv"
    path.write_text("event_id,date,lon,lat\nk-new-1,2026-10-03,-2.59,51.46\n", encoding="utf-8")
    result = read_layer("knife", [path])
    for user in (LEAD, NORTH, ENGAGE):
        with pytest.raises(AccessDenied, match="Only an administrator"):
            scoped.preview(store, user, result)
        with pytest.raises(AccessDenied, match="Only an administrator"):
            scoped.import_result(store, user, result, settings=settings)
    before = store.version()
    assert scoped.preview(store, ADMIN, result)["imported"] == 1
    assert store.version() == before  # a preview writes nothing


# --- downloads -----------------------------------------------------------------------------


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("user", USERS, ids=lambda u: u.role.value)
def test_exported_ward_counts_are_protected_for_every_role(store: Store, user: User) -> None:
    view: dict[str, Any] = {"kinds": ("knife",), "date_from": FIRST, "date_to": LAST}
    data = scoped.export_counts(store, user, by="ward", what="ward counts", **view)
    table = _csv(data)
    assert table.iloc[-1, 0].startswith("Disclosure control (partnership)")
    figures = table.iloc[:-1]["count"]
    assert "<5" in set(figures)
    assert not figures.isin(["1", "2", "3", "4"]).any()
    assert len(figures) == len(store.boundaries("ward"))


def test_exported_hexagons_stay_in_scope(store: Store) -> None:
    view: dict[str, Any] = {"kinds": ("incidents",), "date_from": FIRST, "date_to": LAST}
    table = _csv(scoped.export_counts(store, NORTH, by="h3:8", **view)).iloc[:-1]
    north = ward_codes(store, "North")
    cover = store.query("SELECT h3_cell, ward_code FROM coverage WHERE resolution = 8")
    allowed = {
        h3.int_to_str(int(c))
        for c, w in zip(cover["h3_cell"], cover["ward_code"], strict=True)
        if w in north
    }
    events = store.query(
        "SELECT h3_cell FROM incidents WHERE list_contains(?, ward_code)", [sorted(north)]
    )
    allowed |= {h3.cell_to_parent(h3.int_to_str(int(c)), 8) for c in events["h3_cell"].dropna()}
    assert set(table["area_code"]) <= allowed
    assert not table["count"].isin(["1", "2", "3", "4"]).any()
    with pytest.raises(AccessDenied):
        scoped.export_counts(store, NORTH, by="h3:8", within="locality:South", **view)
    with pytest.raises(AccessDenied):
        scoped.export_counts(store, ENGAGE, by="h3:8", **view)


def test_exports_are_written_to_the_audit_log(store: Store) -> None:
    audit = pytest.importorskip("layers.audit")
    view: dict[str, Any] = {"kinds": ("incidents",), "date_from": FIRST, "date_to": LAST}
    scoped.export_counts(store, ENGAGE, by="ward", what="ward counts", **view)
    log = audit.audit_log(store, user=ENGAGE.name, action="export")
    assert len(log) >= 1
    assert "ward counts" in str(log["detail"].iloc[0])
