"""Knox test: hand-computed and brute-force tables, exact expectation, planted near repeats."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from hotspots.nearrepeat import KNOX_COLUMNS, NearRepeatWarning, knox_test
from layers._errors import SchemaError

DISTANCE = [0, 100, 200, 400]
TIME = [0, 7, 14, 28]


def _events(x: np.ndarray, y: np.ndarray, day: np.ndarray) -> pd.DataFrame:
    dates = pd.Timestamp("2021-01-04") + pd.to_timedelta(np.asarray(day), unit="D")
    return pd.DataFrame({"x": np.asarray(x, float), "y": np.asarray(y, float), "date": dates})


def _random(n: int, seed: int, *, side: float = 5000.0, days: int = 365) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return _events(
        rng.uniform(0, side, n).round(), rng.uniform(0, side, n).round(), rng.integers(0, days, n)
    )


def _cell(table: pd.DataFrame, distance: str, time_band: str) -> pd.Series:
    row = table[(table["distance_band"] == distance) & (table["time_band"] == time_band)]
    assert len(row) == 1
    return row.iloc[0]


def _brute_force(events: pd.DataFrame, d_edges: list[float], t_edges: list[int]) -> np.ndarray:
    """Every pair, one at a time, placed by the documented rules."""
    xy = events[["x", "y"]].to_numpy()
    days = (events["date"] - events["date"].min()).dt.days.to_numpy()
    table = np.zeros((len(d_edges) + 1, len(t_edges)), dtype=np.int64)
    for i in range(len(events)):
        for j in range(i + 1, len(events)):
            d = float(np.hypot(*(xy[i] - xy[j])))
            gap = abs(int(days[i]) - int(days[j]))
            row = 0 if d == 0 else next((k for k in range(1, len(d_edges)) if d <= d_edges[k]), -1)
            col = next((k - 1 for k in range(1, len(t_edges)) if gap <= t_edges[k]), -1)
            table[row, col] += 1
    return table


# --- reference values -----------------------------------------------------------------


def test_hand_computed_tiny_case() -> None:
    events = _events(
        x=[0, 0, 50, 300, 150], y=[0, 0, 0, 0, 0], day=[0, 3, 10, 40, 25]
    )  # pairs worked out by hand below
    table = knox_test(events, distance_bands=[0, 100, 200], time_bands=[0, 7, 14], seed=1)
    observed = table.set_index(["distance_band", "time_band"])["observed"]
    expected = {
        ("same location", "0 to 7 days"): 1,  # (0, 1): 0 m, 3 days
        ("up to 100 m", "0 to 7 days"): 1,  # (1, 2): 50 m, 7 days (7 included)
        ("up to 100 m", "8 to 14 days"): 1,  # (0, 2): 50 m, 10 days
        ("up to 100 m", "more than 14 days"): 1,  # (2, 4): 100 m (included), 15 days
        ("100 to 200 m", "more than 14 days"): 3,  # (0, 4), (1, 4), (3, 4): 150 m
        ("more than 200 m", "more than 14 days"): 3,  # (0, 3), (1, 3), (2, 3)
    }
    assert observed.sum() == 10
    for cell, count in observed.items():
        assert count == expected.get(cell, 0), cell


def test_observed_table_matches_brute_force() -> None:
    events = _random(150, seed=3, side=1500, days=60)
    events.loc[5:9, ["x", "y"]] = events.loc[0, ["x", "y"]].to_numpy()  # shared snap point
    table = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=1)
    brute = _brute_force(events, DISTANCE, TIME)
    np.testing.assert_array_equal(table["observed"].to_numpy(), brute.ravel())


def test_permutation_mean_matches_the_exact_expectation() -> None:
    events = _random(300, seed=8, side=2000, days=120)
    table = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, permutations=999, seed=2)
    counts = table.pivot_table(
        index="distance_band", columns="time_band", values="observed", aggfunc="sum", sort=False
    ).to_numpy()
    total = counts.sum()
    exact = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / total  # S_i T_j / P
    mean = table["expected"].to_numpy().reshape(exact.shape)
    big = exact > 20
    np.testing.assert_allclose(mean[big], exact[big], rtol=0.05)


# --- planted patterns ---------------------------------------------------------------------


def test_planted_near_repeats_are_found() -> None:
    rng = np.random.default_rng(21)
    base = _random(600, seed=20)
    parents = rng.choice(600, 150)
    angle = rng.uniform(0, 2 * np.pi, 150)
    radius = rng.uniform(10, 90, 150)
    gap = rng.integers(1, 6, 150)
    offspring = pd.DataFrame(
        {
            "x": base["x"].to_numpy()[parents] + radius * np.cos(angle),
            "y": base["y"].to_numpy()[parents] + radius * np.sin(angle),
            "date": base["date"].to_numpy()[parents] + pd.to_timedelta(gap, unit="D"),
        }
    )
    events = pd.concat([base, offspring], ignore_index=True)
    table = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=5)
    near = _cell(table, "up to 100 m", "0 to 7 days")
    assert near["knox_ratio"] > 3
    assert near["p_sim"] == pytest.approx(0.01)
    assert near["p_poisson"] < 0.001
    assert near["z"] > 5
    assert near["significant"]
    far = _cell(table, "200 to 400 m", "15 to 28 days")
    assert far["knox_ratio"] == pytest.approx(1.0, abs=0.25)


def test_space_time_randomness_gives_ratios_near_one() -> None:
    events = _random(800, seed=31)
    table = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=6)
    busy = table[table["expected"] >= 50]
    assert len(busy) >= 10
    assert busy["knox_ratio"].between(0.75, 1.25).all()
    assert (table["p_sim"] < 0.05).sum() <= 4


# --- seeds and speed ------------------------------------------------------------------------


def test_seed_reproduces_the_table() -> None:
    events = _random(200, seed=4)
    first = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=9)
    again = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=9)
    other = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=10)
    pd.testing.assert_frame_equal(first, again)
    assert not first["expected"].equals(other["expected"])
    drawn = knox_test(events, distance_bands=DISTANCE, time_bands=TIME)
    replay = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=drawn.attrs["seed"])
    pd.testing.assert_frame_equal(drawn, replay)


def test_thousand_events_and_99_permutations_take_well_under_a_second() -> None:
    events = _random(1000, seed=12)
    knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=1)  # warm up
    start = time.perf_counter()
    knox_test(events, distance_bands=DISTANCE, time_bands=TIME, permutations=99, seed=1)
    assert time.perf_counter() - start < 0.5


# --- contract -------------------------------------------------------------------------------


def test_output_contract() -> None:
    events = _random(120, seed=2)
    before = events.copy()
    table = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=3)
    assert dict(table.dtypes.astype(str)) == KNOX_COLUMNS
    assert len(table) == (len(DISTANCE) + 1) * len(TIME)
    assert table["observed"].sum() == 120 * 119 // 2
    assert table["p_sim"].between(1 / 100, 1).all()
    assert table["p_poisson"].between(0, 1).all()
    assert list(table["distance_band"].unique()) == [
        "same location",
        "up to 100 m",
        "100 to 200 m",
        "200 to 400 m",
        "more than 400 m",
    ]
    assert list(table["time_band"].unique()) == [
        "0 to 7 days",
        "8 to 14 days",
        "15 to 28 days",
        "more than 28 days",
    ]
    assert table["distance_to"].iloc[-1] == np.inf
    assert table["time_to"].iloc[-1] == np.inf
    assert {"seed", "permutations", "correction", "method", "crs"} <= set(table.attrs)
    assert "none" in table.attrs["correction"]
    pd.testing.assert_frame_equal(events, before)


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_events_keep_the_schema(n: int) -> None:
    table = knox_test(_random(5, seed=1).iloc[:n], distance_bands=DISTANCE, time_bands=TIME)
    assert dict(table.dtypes.astype(str)) == KNOX_COLUMNS
    assert len(table) == 20
    assert (table["observed"] == 0).all()
    assert table["knox_ratio"].isna().all()
    assert not table["significant"].any()


def test_geodataframe_in_wgs84_is_measured_in_british_national_grid() -> None:
    events = _random(80, seed=5, side=800, days=30)
    events["x"] += 358000
    events["y"] += 173000  # Bristol
    points = gpd.GeoDataFrame(
        {"date": events["date"]},
        geometry=gpd.points_from_xy(events["x"], events["y"]),
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    from_geo = knox_test(points, distance_bands=DISTANCE, time_bands=TIME, seed=1)
    from_xy = knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=1)
    pd.testing.assert_series_equal(from_geo["observed"], from_xy["observed"])
    assert "converted from EPSG:4326" in from_geo.attrs["crs"]


# --- warnings and input errors -----------------------------------------------------------------


def test_month_precision_dates_warn() -> None:
    events = _random(50, seed=1)
    events["date"] = events["date"].dt.to_period("M").dt.to_timestamp()
    with pytest.warns(NearRepeatWarning, match="first of a month"):
        knox_test(events, distance_bands=DISTANCE, time_bands=TIME, seed=1)


def test_few_permutations_warn() -> None:
    with pytest.warns(NearRepeatWarning, match="p_sim cannot go below"):
        knox_test(
            _random(30, seed=1), distance_bands=DISTANCE, time_bands=TIME, permutations=9, seed=1
        )


def _with(column: str, values: object) -> pd.DataFrame:
    events = _random(10, seed=1)
    events[column] = values
    return events


@pytest.mark.parametrize(
    ("points", "options", "match"),
    [
        (_with("date", pd.NaT), {}, "10 dates missing"),
        (_random(10, seed=1).drop(columns="date"), {}, "no column 'date'"),
        (_with("date", "2021-01-01"), {}, "expected datetime64"),
        (_random(10, seed=1).drop(columns="x"), {}, "no column 'x'"),
        (_with("y", np.nan), {}, "points\\['y'\\]: 10 missing"),
        (_with("x", "east"), {}, "expected metres as numbers"),
        ([(0, 0)], {}, "points: expected a DataFrame"),
        (None, {"distance_bands": [0, 200, 100]}, "distance_bands: expected band edges"),
        (None, {"distance_bands": [50, 100]}, "starting at 0"),
        (None, {"distance_bands": [0]}, "distance_bands"),
        (None, {"time_bands": [0, 7, 7]}, "time_bands: expected band edges"),
        (None, {"time_bands": [0, 3.5, 7]}, "whole days"),
        (None, {"time_bands": "0,7"}, "time_bands"),
        (None, {"permutations": 0}, "permutations: expected an integer >= 1"),
        (None, {"permutations": 9.5}, "permutations"),
        (None, {"seed": -1}, "seed: expected None or an integer"),
        (None, {"alpha": 1.0}, "alpha: expected a number in"),
    ],
)
def test_input_errors(points: object, options: dict[str, object], match: str) -> None:
    arguments: dict[str, object] = {"distance_bands": DISTANCE, "time_bands": TIME, "seed": 1}
    arguments |= options
    with pytest.raises(SchemaError, match=match):
        knox_test(_random(10, seed=1) if points is None else points, **arguments)  # type: ignore[arg-type]


def test_geodataframe_errors() -> None:
    events = _random(4, seed=1)
    no_crs = gpd.GeoDataFrame(
        {"date": events["date"]}, geometry=gpd.points_from_xy(events["x"], events["y"])
    )
    with pytest.raises(SchemaError, match="no CRS"):
        knox_test(no_crs, distance_bands=DISTANCE, time_bands=TIME)
    lines = gpd.GeoDataFrame(
        {"date": events["date"]},
        geometry=gpd.GeoSeries.from_wkt(["LINESTRING (0 0, 1 1)"] * 4),
        crs="EPSG:27700",
    )
    with pytest.raises(SchemaError, match="must be points"):
        knox_test(lines, distance_bands=DISTANCE, time_bands=TIME)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(SchemaError) as caught:
        knox_test(_with("date", pd.NaT), distance_bands=[0, 0], time_bands=[1, 2], permutations=0)
    message = str(caught.value)
    for part in ("dates missing", "distance_bands", "time_bands", "permutations"):
        assert part in message
