"""Emerging hot spots, the 17 classes: planted, by rule, in the demo data and in real data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from hotspots._ehsa_rules import classify
from hotspots.emerging import (
    PATTERN_MEANINGS,
    SpaceTimeCube,
    SparseCountsWarning,
    emerging_hotspots,
    space_time_cube,
)
from layers.schema import DATE, H3_CELL
from tests.hotspots._emerging_support import CENTRE, _area, _cube, _quiet

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
