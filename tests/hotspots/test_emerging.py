"""Emerging hot spots: cubes, space-time Gi* against esda, the 17 classes, planted and real data."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import esda
import h3
import libpysal
import numpy as np
import pandas as pd
import pytest

from hotspots._ehsa_rules import classify
from hotspots.emerging import (
    EMERGING_COLUMNS,
    GI_COLUMNS,
    PATTERN_MEANINGS,
    FewTimeStepsWarning,
    SpaceTimeCube,
    SparseCountsWarning,
    cube_from_counts,
    cube_to_quarters,
    emerging_hotspots,
    space_time_cube,
    space_time_gi_star,
)
from layers._errors import SchemaError
from layers.schema import DATE, H3_CELL

CENTRE = h3.latlng_to_cell(51.4545, -2.5879, 9)  # central Bristol
MONTHS = [f"2020-{m:02d}" for m in range(1, 13)]


def _area(rings: int = 3) -> np.ndarray:
    """Sorted uint64 cells within ``rings`` of the centre (37 cells for 3 rings)."""
    return np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, rings)), np.uint64)


def _cube(counts: np.ndarray, cells: np.ndarray | None = None) -> SpaceTimeCube:
    cells = _area() if cells is None else cells
    steps = [f"{2020 + i // 12}-{i % 12 + 1:02d}" for i in range(counts.shape[1])]
    return SpaceTimeCube(counts.astype(np.int64), cells, steps, "month", 9)


def _quiet(cube: SpaceTimeCube, **options: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SparseCountsWarning)
        warnings.simplefilter("ignore", FewTimeStepsWarning)
        return emerging_hotspots(cube, **options)  # type: ignore[arg-type]


# --- the 17 classes, each planted in the centre cell and its first ring ------------------
# Background 20 events per cell and month; "H" 40 (hot), "C" 0 (cold), "." background.
B, HOT, COLD = 20, 40, 0


def _states(text: str) -> np.ndarray:
    return np.array([{".": B, "H": HOT, "C": COLD}[c] for c in text])


RAMP = (np.arange(12) * 0.75).astype(int)  # 0 0 1 2 3 3 4 5 6 6 7 8
PLANTED: dict[str, np.ndarray] = {
    "New Hot Spot": _states("...........H"),
    "Consecutive Hot Spot": _states(".........HHH"),
    "Intensifying Hot Spot": 40 + 2 * np.arange(12),
    "Persistent Hot Spot": _states("HHHHHHHHHHHH"),
    "Diminishing Hot Spot": 62 - 2 * np.arange(12),
    "Sporadic Hot Spot": _states(".H...H....HH"),
    "Oscillating Hot Spot": _states("H...C......H"),
    "Historical Hot Spot": _states("HHHHHHHHHHH."),  # 11 of 12 = 92 % hot, final not
    "New Cold Spot": _states("...........C"),
    "Consecutive Cold Spot": _states(".........CCC"),
    "Intensifying Cold Spot": 8 - RAMP,
    "Persistent Cold Spot": _states("CCCCCCCCCCCC"),
    "Diminishing Cold Spot": RAMP,
    "Sporadic Cold Spot": _states(".C...C....CC"),
    "Oscillating Cold Spot": _states("C...H......C"),
    "Historical Cold Spot": _states("CCCCCCCCCCC."),
    "No Pattern Detected": _states("...H........"),  # hot once, not at the end
}


def _planted_cube(sequence: np.ndarray) -> SpaceTimeCube:
    cells = _area()
    cluster = np.isin(cells, [h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 1)])
    counts = np.full((cells.size, sequence.size), B)
    counts[cluster] = sequence
    return _cube(counts, cells)


@pytest.mark.parametrize("pattern", sorted(PLANTED))
def test_each_class_is_found_where_planted(pattern: str) -> None:
    # time_window=0: each step's bins stand alone, so the planted states are the bins.
    result = emerging_hotspots(_planted_cube(PLANTED[pattern]), time_window=0)
    assert result.loc[CENTRE, "pattern"] == pattern


@pytest.mark.parametrize("pattern", sorted(set(PLANTED) - {"Historical Hot Spot",
                                                           "Historical Cold Spot"}))  # fmt: skip
def test_classes_survive_the_default_one_step_time_window(pattern: str) -> None:
    # With time_window=1 the final step's neighbourhood reaches back into the hot (cold)
    # step before it, so a Historical plant reads as Persistent: only the others are here.
    result = emerging_hotspots(_planted_cube(PLANTED[pattern]))
    assert result.loc[CENTRE, "pattern"] == pattern


def test_pattern_meanings_name_the_seventeen_classes() -> None:
    words = ("New", "Consecutive", "Intensifying", "Persistent", "Diminishing", "Sporadic",
             "Oscillating", "Historical")  # fmt: skip
    expected = {f"{w} {side} Spot" for w in words for side in ("Hot", "Cold")}
    assert set(PATTERN_MEANINGS) == expected | {"No Pattern Detected"}
    assert all(line.endswith(".") and len(line) < 100 for line in PATTERN_MEANINGS.values())


# --- the rules on bins directly (ArcGIS's 90 % and final-step wording) ------------------


def _rule(bins: str, trend_z: float = 0.0, trend_p: float = 1.0) -> str:
    row = np.array([[{"+": 1, "-": -1, ".": 0}[c] for c in bins]], dtype=np.int8)
    return str(classify(row, np.array([trend_z]), np.array([trend_p]), 0.10)[0])


def test_ninety_percent_rule_counts_steps_exactly() -> None:
    # "at least 90 % of the time-step intervals": hot steps >= 0.9 n, final step apart
    assert _rule("+" * 18 + ".+") == "Persistent Hot Spot"  # 19 of 20
    assert _rule("+" * 17 + "..+") == "Persistent Hot Spot"  # 18 of 20 = 90 % exactly
    assert _rule("+" * 16 + "...+") == "Sporadic Hot Spot"  # 17 of 20 = 85 %
    assert _rule("+" * 8 + ".+") == "Persistent Hot Spot"  # 9 of 10 = 90 %
    assert _rule("+" * 7 + "..+") == "Sporadic Hot Spot"  # 8 of 10
    assert _rule("+" * 18 + "+.") == "Historical Hot Spot"  # 19 of 20, final not hot
    assert _rule("+" * 18 + "..") == "Historical Hot Spot"  # 18 of 20 = 90 %
    assert _rule("+" * 17 + "...") == "No Pattern Detected"  # 85 %, final not hot


def test_trend_decides_between_intensifying_persistent_and_diminishing() -> None:
    assert _rule("+" * 10, trend_z=2.5, trend_p=0.01) == "Intensifying Hot Spot"
    assert _rule("+" * 10, trend_z=-2.5, trend_p=0.01) == "Diminishing Hot Spot"
    assert _rule("+" * 10, trend_z=1.5, trend_p=0.13) == "Persistent Hot Spot"
    assert _rule("-" * 10, trend_z=-2.5, trend_p=0.01) == "Intensifying Cold Spot"
    assert _rule("-" * 10, trend_z=2.5, trend_p=0.01) == "Diminishing Cold Spot"


def test_final_step_rules_and_precedence() -> None:
    assert _rule("++++......") == "No Pattern Detected"  # hot once, but not at the end
    assert _rule("--.......+") == "New Hot Spot"  # a former cold spot turning hot
    assert _rule("--......++") == "Consecutive Hot Spot"
    assert _rule("-+.......+") == "Oscillating Hot Spot"
    assert _rule("+" * 9 + "-") == "New Cold Spot"  # final-step classes before Historical
    assert _rule("+") == "New Hot Spot"
    assert _rule("") == "No Pattern Detected"


# --- planted patterns in the demo data ----------------------------------------------------


@pytest.fixture(scope="module")
def demo_events() -> tuple[pd.DataFrame, object, np.ndarray]:
    from layers import grid
    from layers import schema as s
    from layers.boundaries import demo_wards
    from layers.demo import demo_data

    wards = demo_wards()
    demo = demo_data(wards, seed=7, end=date(2024, 12, 1), months=36)
    incidents = demo.layers[s.Kind.INCIDENTS]
    events = pd.DataFrame({
        H3_CELL: grid.cells_from_points(incidents[s.LON], incidents[s.LAT], resolution=9),
        DATE: incidents[DATE],
        "flagged": (incidents[s.KNIFE_ENABLED].fillna(False) | incidents[s.CCE].fillna(False)),
    })  # fmt: skip
    return events, demo.planted, grid.cells_covering(wards, resolution=9)


def _site_cell(planted: object, name: str) -> str:
    site = next(p for p in planted if p.name == name)  # type: ignore[attr-defined]
    return str(h3.latlng_to_cell(site.lat, site.lon, 9))


def test_planted_emerging_hotspot_is_emerging(demo_events: tuple) -> None:
    # Knife-enabled / CCE-flagged incidents are a rare harm: pool="auto" pools the months
    # into quarters, and Lockleaze's last two quarters stand out for the first time.
    events, planted, study = demo_events
    cube = space_time_cube(events[events["flagged"].to_numpy(bool)], cells=study)
    with pytest.warns(SparseCountsWarning):
        result = emerging_hotspots(cube, pool="auto")
    assert result.attrs["pooling"].startswith("Pooled months into quarters")
    row = result.loc[_site_cell(planted, "emerging hotspot")]
    assert row["pattern"] in {"New Hot Spot", "Consecutive Hot Spot", "Intensifying Hot Spot"}


def test_planted_persistent_hotspot_is_persistent(demo_events: tuple) -> None:
    events, planted, study = demo_events
    cube = space_time_cube(events, cells=study)
    cell = _site_cell(planted, "persistent hotspot")
    alone = _quiet(cube, time_window=0)  # 4 events per neighbourhood: sparse, warned
    assert alone.loc[cell, "pattern"] == "Persistent Hot Spot"
    assert alone.loc[cell, "hot_steps"] == 36
    # With the default one-step window consecutive z-scores share half their bins; the
    # Mann-Kendall test (independence assumed, as in ArcGIS) then reads the demo's
    # +3 %/year background rise as intensifying. Hot in every month either way.
    default = emerging_hotspots(cube)
    assert default.loc[cell, "pattern"] in {"Persistent Hot Spot", "Intensifying Hot Spot"}
    assert default.loc[cell, "hot_steps"] == 36


# --- real police.uk data ----------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize("category", ["Violence and sexual offences", "Possession of weapons"])
def test_real_police_uk_hottest_cells_are_hot(shared_data: Path, category: str) -> None:
    import geopandas as gpd

    from layers import grid

    raw = pd.read_csv(
        shared_data / "police_uk" / "bristol_street_2018-01_to_2021-09.csv.gz",
        usecols=["Month", "Longitude", "Latitude", "Crime type"],
    )
    raw = raw[(raw["Crime type"] == category) & raw["Longitude"].notna()]
    wards = gpd.read_file(shared_data / "boundaries" / "bristol_wards_2016_34wards_bcc.geojson")
    events = pd.DataFrame({
        H3_CELL: grid.cells_from_points(raw["Longitude"], raw["Latitude"], resolution=8),
        DATE: pd.to_datetime(raw["Month"] + "-01"),
    })  # fmt: skip
    cube = space_time_cube(events, cells=grid.cells_covering(wards, resolution=8))
    assert (len(cube.steps), cube.steps[0], cube.steps[-1]) == (45, "2018-01", "2021-09")
    result = _quiet(cube, pool="auto")
    hottest = result.sort_values("count_total", ascending=False).head(3)
    assert hottest["pattern"].str.endswith("Hot Spot").all()
    assert result["count_total"].sum() == cube.counts.sum()


# --- space-time Gi* against esda ---------------------------------------------------------


def _brute_force_neighbours(cells: np.ndarray, steps: int, k: int, window: int) -> dict:
    index = {int(c): i for i, c in enumerate(cells)}
    neighbours: dict[int, list[int]] = {}
    for t in range(steps):
        for i, cell in enumerate(cells):
            ring = [index[h3.str_to_int(c)] for c in h3.grid_disk(h3.int_to_str(int(cell)), k)
                    if h3.str_to_int(c) in index]  # fmt: skip
            node = t * cells.size + i
            neighbours[node] = [
                s * cells.size + j for s in range(max(t - window, 0), t + 1) for j in ring
            ]
    return neighbours


@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected")
@pytest.mark.parametrize(("k", "window"), [(1, 1), (2, 0), (1, 3)])
def test_space_time_gi_star_matches_esda_on_brute_force_weights(k: int, window: int) -> None:
    cells = _area(2)
    counts = np.random.default_rng(k + window).poisson(3, (cells.size, 8))
    neighbours = _brute_force_neighbours(cells, 8, k, window)
    focal = [i for i in neighbours for _ in neighbours[i]]
    w = libpysal.weights.W.from_adjlist(pd.DataFrame({
        "focal": focal, "neighbor": [j for i in neighbours for j in neighbours[i]],
        "weight": 1.0,
    }))  # fmt: skip
    y = counts.T.ravel().astype(float)
    esda_result = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    ours = space_time_gi_star(_cube(counts, cells), k=k, time_window=window)
    z = ours["gi_z"].to_numpy().reshape(cells.size, 8).T.ravel()  # back to node order
    np.testing.assert_allclose(z, esda_result.Zs, atol=1e-9)
    p = ours["gi_p"].to_numpy().reshape(cells.size, 8).T.ravel()
    np.testing.assert_allclose(p, 2 * esda_result.p_norm, atol=1e-9)


def test_space_time_gi_star_contract_and_seeded_permutations() -> None:
    cube = _cube(np.random.default_rng(0).poisson(4, (37, 12)))
    first = space_time_gi_star(cube, permutations=99, seed=3)
    again = space_time_gi_star(cube, permutations=99, seed=3)
    assert dict(first.dtypes.astype(str)) == GI_COLUMNS
    assert len(first) == 37 * 12
    assert first["step"].iloc[:12].tolist() == MONTHS
    pd.testing.assert_frame_equal(first, again)
    assert first["gi_p_sim"].between(1 / 100, 1).all()
    assert first["gi_bin"].between(-3, 3).all()
    assert "permutation" in first.attrs["significance"]
    assert space_time_gi_star(cube)["gi_p_sim"].isna().all()


def test_fdr_per_step_never_adds_significant_bins() -> None:
    cube = _cube(np.random.default_rng(1).poisson(4, (37, 12)))
    raw = space_time_gi_star(cube, fdr=False)
    corrected = space_time_gi_star(cube, fdr=True)
    assert (corrected["gi_bin"].abs() <= raw["gi_bin"].abs()).all()
    assert "Benjamini-Hochberg" in corrected.attrs["significance"]
    assert "no multiple-testing" in raw.attrs["significance"]


# --- output contract --------------------------------------------------------------------


def test_output_contract() -> None:
    rng = np.random.default_rng(4)
    counts = rng.poisson(5, (37, 16))
    counts[:7, -5:] += 12
    cube = _cube(counts)
    result = emerging_hotspots(cube, seed=1)
    assert dict(result.dtypes.astype(str)) == EMERGING_COLUMNS
    assert result.index.name == H3_CELL
    assert str(result.index.dtype) == "str"
    assert result.index.tolist() == [h3.int_to_str(int(c)) for c in cube.cells]
    assert result["pattern"].isin(list(PATTERN_MEANINGS)).all()
    assert (result["pattern_meaning"] == result["pattern"].map(PATTERN_MEANINGS)).all()
    assert ((result["hot_steps"] + result["cold_steps"]) <= 16).all()
    assert result["last_bin"].between(-3, 3).all()
    for column in ("trend_p", "count_trend_p"):
        assert result[column].between(0, 1).all()
    assert set(result["trend_direction"]) <= {"rising", "falling", "no significant trend"}
    assert (result["count_total"].to_numpy() == counts.sum(axis=1)).all()
    assert {"parameters", "neighbourhood", "significance", "trend_test", "pooling", "notes",
            "warnings"} <= set(result.attrs)  # fmt: skip
    assert result.attrs["parameters"]["levels"] == [0.10, 0.05, 0.01]
    assert "14 bins" in result.attrs["neighbourhood"]


def test_count_trend_is_reported_beside_the_z_trend() -> None:
    counts = np.full((37, 16), 5)
    counts[0] = np.arange(16)  # a lone rising cell
    result = emerging_hotspots(_cube(counts))
    row = result.iloc[0]
    assert row["count_trend_direction"] == "rising"
    assert row["count_slope"] == pytest.approx(1.0)


def test_empty_study_area_keeps_the_schema() -> None:
    cube = SpaceTimeCube(np.zeros((0, 12), np.int64), np.array([], np.uint64), MONTHS, "month", 9)
    result = emerging_hotspots(cube)
    assert result.empty
    assert dict(result.dtypes.astype(str)) == EMERGING_COLUMNS
    assert dict(space_time_gi_star(cube).dtypes.astype(str)) == GI_COLUMNS


def test_inputs_are_not_modified() -> None:
    counts = np.random.default_rng(2).poisson(3, (37, 12))
    cube = _cube(counts)
    before = cube.counts.copy()
    dates = pd.to_datetime(["2020-01-05", "2020-02-01", "2020-02-09"])
    events = pd.DataFrame({H3_CELL: [h3.str_to_int(CENTRE)] * 3, DATE: dates})
    copy = events.copy()
    emerging_hotspots(cube, pool="auto")
    space_time_cube(events, cells=_area())
    np.testing.assert_array_equal(cube.counts, before)
    pd.testing.assert_frame_equal(events, copy)


# --- warnings and pooling -----------------------------------------------------------------


def test_fewer_than_ten_steps_warns_that_arcgis_needs_ten() -> None:
    cube = _cube(np.random.default_rng(0).poisson(8, (37, 8)))
    with pytest.warns(FewTimeStepsWarning, match="needs at least 10"):
        result = emerging_hotspots(cube)
    assert "needs at least 10" in result.attrs["warnings"][0]


def test_sparse_counts_warn_and_auto_pools_months_into_quarters() -> None:
    counts = np.random.default_rng(5).poisson(0.05, (37, 40))
    with pytest.warns(SparseCountsWarning, match="pool='auto'"):
        emerging_hotspots(_cube(counts))
    with pytest.warns(SparseCountsWarning):  # still sparse after pooling: say so
        pooled = emerging_hotspots(_cube(counts), pool="auto")
    assert pooled.attrs["parameters"]["step"] == "quarter"
    assert pooled.attrs["parameters"]["steps"] == 13  # 2020-01 .. 2023-04: 13 whole quarters
    assert "Pooled months into quarters" in pooled.attrs["pooling"]
    assert "(2023-04: 0 events)" in pooled.attrs["notes"][-1]  # the left-out month is named


def test_auto_does_not_pool_dense_counts_or_below_ten_quarters() -> None:
    dense = emerging_hotspots(_cube(np.random.default_rng(1).poisson(6, (37, 24))), pool="auto")
    assert dense.attrs["pooling"].startswith("Not pooled: the median")
    short = _cube(np.random.default_rng(1).poisson(0.05, (37, 24)))
    result = _quiet(short, pool="auto")
    assert result.attrs["parameters"]["step"] == "month"
    assert "coarser H3 resolution (8" in result.attrs["pooling"]


def test_a_cube_without_variation_warns_and_finds_nothing() -> None:
    with pytest.warns(SparseCountsWarning, match="same count"):
        result = emerging_hotspots(_cube(np.zeros((37, 12))))
    assert (result["pattern"] == "No Pattern Detected").all()


# --- building cubes -----------------------------------------------------------------------


def _events() -> pd.DataFrame:
    cells = _area(1)
    hexes = [h3.int_to_str(int(c)) for c in cells]
    return pd.DataFrame({
        H3_CELL: [hexes[0], hexes[0], hexes[1], hexes[2], None, h3.grid_ring(CENTRE, 3)[0]],
        DATE: pd.to_datetime(["2021-01-03", "2021-03-30", "2021-03-01", "2021-07-01",
                              "2021-02-02", "2021-02-02"]),
    })  # fmt: skip


def test_space_time_cube_counts_every_cell_and_month_with_zeros_and_notes() -> None:
    events = _events()
    cube = space_time_cube(events, cells=_area(1), start="2021-01", end="2021-06")
    assert cube.steps == ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"]
    assert cube.counts.shape == (7, 6)
    assert cube.counts.dtype == np.int64
    assert cube.counts.sum() == 3
    assert cube.counts[0].tolist() == [1, 0, 1, 0, 0, 0]
    assert cube.notes == (
        "3 of 6 events counted.",
        "1 events without a cell or a date were not counted.",
        "1 events outside the study area's cells were not counted.",
        "1 events before the first or after the last step were not counted.",
    )


def test_space_time_cube_by_quarter_from_uint64_and_default_range() -> None:
    events = _events().iloc[:4]
    events[H3_CELL] = pd.array([h3.str_to_int(c) for c in events[H3_CELL]], dtype="UInt64")
    cube = space_time_cube(events, cells=_area(1), step="quarter")
    assert cube.steps == ["2021Q1", "2021Q2", "2021Q3"]
    assert cube.counts.sum(axis=0).tolist() == [3, 0, 1]


def test_space_time_cube_takes_parents_when_given_a_resolution() -> None:
    children = [h3.cell_to_children(h3.int_to_str(int(c)), 11)[0] for c in _area(1)]
    events = pd.DataFrame({H3_CELL: children, DATE: pd.Timestamp("2021-05-01")})
    cube = space_time_cube(events, cells=_area(1), resolution=9)
    assert cube.counts.sum() == 7
    assert (cube.counts[:, 0] == 1).all()
    with pytest.raises(SchemaError, match="pass resolution=9"):
        space_time_cube(events, cells=_area(1))


def test_cube_from_counts_round_trip_and_gap_filling() -> None:
    cells = _area(1)
    table = pd.DataFrame({
        "area_code": [h3.int_to_str(int(c)) for c in cells for _ in range(2)],
        "area_name": pd.Series([None] * 14, dtype="str"),
        "period": ["2021-01", "2021-03"] * 7,
        "count": np.arange(14, dtype=np.int64),
    })  # fmt: skip
    cube = cube_from_counts(table)
    assert cube.steps == ["2021-01", "2021-02", "2021-03"]
    assert cube.resolution == 9
    assert cube.counts[:, 1].sum() == 0
    assert cube.counts.sum() == table["count"].sum()
    assert cube.notes == ("1 period(s) absent from the table were filled with zeros.",)


def test_cube_to_quarters_leaves_out_months_of_incomplete_quarters() -> None:
    cube = _cube(np.ones((37, 14)))  # 2020-01 .. 2021-02
    quarters = cube_to_quarters(cube)
    assert quarters.steps == ["2020Q1", "2020Q2", "2020Q3", "2020Q4"]
    assert (quarters.counts == 3).all()
    assert "2021-01, 2021-02: 74 events" in quarters.notes[-1]


# --- input errors -------------------------------------------------------------------------


def test_emerging_refuses_bad_options_all_at_once() -> None:
    cube = _cube(np.ones((37, 12)))
    with pytest.raises(SchemaError) as caught:
        emerging_hotspots(cube, k=-1, time_window=1.5, fdr="yes", alpha=1.0, seed=-3,  # type: ignore[arg-type]
                          permutations=True, pool="sometimes")  # type: ignore[arg-type]  # fmt: skip
    message = str(caught.value)
    for name in ("k=-1", "time_window=1.5", "fdr='yes'", "alpha=1.0", "seed=-3",
                 "permutations=True", "pool='sometimes'"):  # fmt: skip
        assert name in message


def test_emerging_refuses_what_is_not_a_cube() -> None:
    with pytest.raises(SchemaError, match="cube: expected a SpaceTimeCube, received DataFrame"):
        emerging_hotspots(pd.DataFrame())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"counts": np.ones((36, 12))}, r"shape \(36, 12\)"),
        ({"counts": -np.ones((37, 12))}, "must be >= 0"),
        ({"cells": _area()[::-1].copy()}, "not sorted and unique"),
        ({"cells": _area().astype(np.int64)}, "pass uint64 H3 cells"),
        ({"resolution": 8}, "cube.resolution=8"),
        ({"step": "week"}, "cube.step='week'"),
        ({"steps": [*MONTHS[:11], "2021-05"]}, "consecutive periods"),
        ({"steps": [*MONTHS[:11], "2020Q4"]}, "every label must be a month"),
    ],
)
def test_emerging_refuses_a_malformed_cube(change: dict, match: str) -> None:
    fields = {"counts": np.ones((37, 12)), "cells": _area(), "steps": MONTHS, "step": "month",
              "resolution": 9} | change  # fmt: skip
    with pytest.raises(SchemaError, match=match):
        emerging_hotspots(SpaceTimeCube(**fields))


@pytest.mark.parametrize(
    ("events", "options", "match"),
    [
        ([1, 2], {}, "events: expected a pandas DataFrame, received list"),
        (pd.DataFrame({"cell": [1]}), {}, r"missing column\(s\) \['h3_cell', 'date'\]"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: ["2021-01"]}), {}, "convert it with pd.to_dat"),
        (pd.DataFrame({H3_CELL: ["nonsense"], DATE: [pd.Timestamp("2021-01-01")]}), {},
         "neither H3 hex strings nor integers"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"step": "week"}, "step='week'"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"start": "2021-06", "end": "2021-01"}, "is after end"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"start": "soon"}, "start='soon' is not a date"),
        (pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]}),
         {"resolution": 8}, "resolution=8 differs from the resolution of cells"),
    ],
)  # fmt: skip
def test_space_time_cube_refuses(events: object, options: dict, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        space_time_cube(events, cells=_area(), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cells", "match"),
    [
        ([CENTRE, CENTRE], "1 duplicate cell"),
        ([CENTRE, h3.cell_to_parent(CENTRE, 8)], r"mixes H3 resolutions \[8, 9\]"),
        ([CENTRE, None], "holds missing values"),
        ([12345], "are not H3 cells"),
    ],
)
def test_space_time_cube_refuses_bad_study_cells(cells: list, match: str) -> None:
    events = pd.DataFrame({H3_CELL: [CENTRE], DATE: [pd.Timestamp("2021-01-01")]})
    with pytest.raises(SchemaError, match=match):
        space_time_cube(events, cells=cells)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (pd.DataFrame({"area_code": ["E05010885"], "period": ["2021-01"], "count": [1]}),
         "not H3 cells|neither H3"),
        (pd.DataFrame({"area_code": [CENTRE], "period": ["all"], "count": [1]}),
         "every label must be a month"),
        (pd.DataFrame({"area_code": [CENTRE, CENTRE], "period": ["2021-01"] * 2, "count": [1, 2]}),
         "appears twice"),
        (pd.DataFrame({"area_code": [CENTRE], "period": ["2021-01"], "count": [-1]}),
         "negative or fractional"),
        (pd.DataFrame({"code": [CENTRE]}), r"missing column\(s\)"),
    ],
)  # fmt: skip
def test_cube_from_counts_refuses(table: pd.DataFrame, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        cube_from_counts(table)


def test_cube_to_quarters_refuses_a_quarterly_cube() -> None:
    cube = SpaceTimeCube(np.ones((37, 4)), _area(), ["2020Q1", "2020Q2", "2020Q3", "2020Q4"],
                         "quarter", 9)  # fmt: skip
    with pytest.raises(SchemaError, match="only a monthly cube can be pooled"):
        cube_to_quarters(cube)
