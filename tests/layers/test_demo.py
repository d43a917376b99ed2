"""Tests of layers.demo: argument checks, the frame contract and every planted pattern."""

from __future__ import annotations

import importlib.util
import time
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from layers import schema as s
from layers._errors import SchemaError
from layers.demo import DemoData, PlantedPattern, demo_data

END = date(2025, 6, 1)
LAYER_KINDS = {s.Kind.INCIDENTS, s.Kind.MISSING, s.Kind.KNIFE, s.Kind.SURVEYS, s.Kind.INTERVENTIONS}
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def square_wards(lon0: float = -2.70, lat0: float = 51.40) -> gpd.GeoDataFrame:
    """16 square wards (4 x 4) over lon lon0..lon0+0.18, lat lat0..lat0+0.14, EPSG:4326."""
    lons, lats = np.linspace(lon0, lon0 + 0.18, 5), np.linspace(lat0, lat0 + 0.14, 5)
    localities = ("North", "East Central", "South")
    rows = [
        {
            s.CODE: f"W{i}{j}",
            s.NAME: f"Ward {i}{j}",
            s.PARENT_CODE: localities[min(2, (3 - j) * 3 // 4)],
            "geometry": shapely.box(lons[i], lats[j], lons[i + 1], lats[j + 1]),
        }
        for i in range(4)
        for j in range(4)
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


@pytest.fixture(scope="module")
def wards() -> gpd.GeoDataFrame:
    return square_wards()


@pytest.fixture(scope="module")
def demo(wards: gpd.GeoDataFrame) -> DemoData:
    return demo_data(wards, seed=7, end=END)


def metres(lon: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    x, y = _TO_BNG.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def distance(
    frame: pd.DataFrame, pattern: PlantedPattern, lon: str = s.LON, lat: str = s.LAT
) -> np.ndarray:
    x, y = metres(frame[lon], frame[lat])
    cx, cy = metres(pattern.lon, pattern.lat)
    return np.hypot(x - cx, y - cy)


def pattern(demo: DemoData, name: str) -> PlantedPattern:
    (found,) = [p for p in demo.planted if p.name == name]
    return found


def monthly(frame: pd.DataFrame, mask: np.ndarray, demo: DemoData) -> pd.Series:
    months = pd.period_range(demo.start, demo.end, freq="M")
    sub = frame.loc[mask, s.DATE].dt.to_period("M")
    return sub.value_counts().reindex(months, fill_value=0).sort_index()


# --- input errors -----------------------------------------------------------------------


def test_every_bad_argument_is_named_in_one_error() -> None:
    with pytest.raises(SchemaError) as caught:
        demo_data(pd.DataFrame({"a": [1]}), seed="x", months=3, scale=0)  # type: ignore[arg-type]
    message = str(caught.value)
    for name in ("wards", "seed", "months", "scale"):
        assert name in message


@pytest.mark.parametrize("scale", [-1.0, float("nan"), 1e6, True])
def test_scale_out_of_range_is_refused(wards: gpd.GeoDataFrame, scale: float) -> None:
    with pytest.raises(SchemaError, match="scale"):
        demo_data(wards, seed=1, scale=scale)


def test_end_in_the_current_month_is_refused(wards: gpd.GeoDataFrame) -> None:
    with pytest.raises(SchemaError, match="end must be a complete month"):
        demo_data(wards, seed=1, end=date.today())


def test_wards_without_crs_are_refused() -> None:
    with pytest.raises(SchemaError, match="no CRS"):
        demo_data(square_wards().set_crs(None, allow_override=True), seed=1)


def test_wards_away_from_bristol_are_refused() -> None:
    london = square_wards(lon0=-0.20, lat0=51.45)
    with pytest.raises(SchemaError, match="outside the wards"):
        demo_data(london, seed=1, end=END)


# --- output contract ----------------------------------------------------------------------


def test_frames_are_exactly_the_layer_schema(demo: DemoData) -> None:
    assert set(demo.layers) == LAYER_KINDS
    for kind, frame in demo.layers.items():
        assert list(frame.columns) == list(s.LAYER_COLUMNS[kind])
        pd.testing.assert_frame_equal(frame, s.conform(frame, kind))
        assert len(frame) > 0
        assert frame[s.EVENT_ID].is_unique
        assert (frame[s.KIND] == kind.value).all()
    assert demo.layers[s.Kind.INCIDENTS][s.LSOA].isna().all()


def test_same_seed_same_frames_other_seed_other_frames(wards: gpd.GeoDataFrame) -> None:
    first = demo_data(wards, seed=11, end=END, months=12, scale=0.2)
    again = demo_data(wards, seed=11, end=END, months=12, scale=0.2)
    other = demo_data(wards, seed=12, end=END, months=12, scale=0.2)
    for kind in LAYER_KINDS:
        pd.testing.assert_frame_equal(first.layers[kind], again.layers[kind])
    assert first.planted == again.planted
    for kind in LAYER_KINDS - {s.Kind.INTERVENTIONS}:
        mine, theirs = first.layers[kind], other.layers[kind]
        assert len(mine) != len(theirs) or not mine[s.LON].equals(theirs[s.LON])


def test_wards_are_not_changed(wards: gpd.GeoDataFrame) -> None:
    before = wards.copy()
    demo_data(wards, seed=3, end=END, months=12, scale=0.05)
    pd.testing.assert_frame_equal(pd.DataFrame(wards), pd.DataFrame(before))


def test_period_covers_the_months_asked_for(demo: DemoData) -> None:
    assert (demo.start, demo.end) == (date(2022, 7, 1), END)
    mid_month = demo_data(square_wards(), seed=1, end=date(2024, 2, 29), months=12, scale=0.05)
    assert (mid_month.start, mid_month.end) == (date(2023, 3, 1), date(2024, 2, 1))


def test_every_point_is_inside_a_ward(demo: DemoData, wards: gpd.GeoDataFrame) -> None:
    points = [
        (kind, lon, lat)
        for kind in LAYER_KINDS
        for lon, lat in [(s.LON, s.LAT), (s.FOUND_LON, s.FOUND_LAT)]
        if lon in demo.layers[kind].columns
    ]
    for kind, lon, lat in points:
        frame = demo.layers[kind].dropna(subset=[lon, lat])
        assert len(frame) > 0.9 * len(demo.layers[kind])
        located = gpd.GeoDataFrame(geometry=gpd.points_from_xy(frame[lon], frame[lat]), crs=4326)
        # "intersects": a rounded point may sit exactly on the edge shared by two wards
        joined = gpd.sjoin(located, wards, predicate="intersects", how="left")
        assert joined[s.CODE].notna().all(), f"{kind} {lon}/{lat} outside every ward"


def test_dates_lie_in_the_period_and_never_in_the_future(demo: DemoData) -> None:
    first, after = pd.Timestamp(demo.start), pd.Timestamp(demo.end) + pd.offsets.MonthBegin(1)
    now = pd.Timestamp.now()
    columns = (s.DATE, s.DATETIME, s.FOUND_DATETIME, s.START_DATE, s.END_DATE)
    for kind, frame in demo.layers.items():
        for column in (c for c in columns if c in frame.columns):
            values = frame[column].dropna()
            assert (values <= now).all(), f"{kind}.{column} in the future"
            assert ((values >= first) & (values < after)).all(), f"{kind}.{column}"


def test_dates_follow_their_precision(demo: DemoData) -> None:
    incidents = demo.layers[s.Kind.INCIDENTS]
    shares = incidents[s.DATE_PRECISION].value_counts(normalize=True)
    assert shares["month"] > 0.6
    assert shares["day"] > 0.05
    assert shares["datetime"] > 0.05
    by_month = incidents[incidents[s.DATE_PRECISION] == "month"]
    assert (by_month[s.DATE].dt.day == 1).all()
    assert by_month[s.DATETIME].isna().all()
    timed = pd.concat(
        [incidents[incidents[s.DATE_PRECISION] == "datetime"], demo.layers[s.Kind.MISSING]]
    )
    assert (timed[s.DATE] == timed[s.DATETIME].dt.normalize()).all()
    for kind in (s.Kind.KNIFE, s.Kind.SURVEYS):
        assert (demo.layers[kind][s.DATE_PRECISION] == "day").all()


def test_incident_categories_follow_police_uk_shares(demo: DemoData) -> None:
    incidents = demo.layers[s.Kind.INCIDENTS]
    assert 40_000 <= len(incidents) <= 60_000
    assert set(incidents[s.CATEGORY]) == set(s.INCIDENT_CATEGORIES)
    shares = incidents[s.CATEGORY].value_counts(normalize=True)
    expected = {
        "Violence and sexual offences": 0.27,
        "Anti-social behaviour": 0.22,
        "Public order": 0.11,
        "Shoplifting": 0.05,
        "Possession of weapons": 0.005,
    }
    for category, share in expected.items():
        assert shares[category] == pytest.approx(share, abs=0.025)
    asb = incidents[s.CATEGORY] == "Anti-social behaviour"
    assert incidents.loc[asb, s.OUTCOME].isna().all()
    assert incidents.loc[~asb, s.OUTCOME].notna().all()
    assert incidents.loc[asb, s.SOURCE_REF].isna().all()
    assert incidents[s.LOCATION_DESC].str.startswith("On or near ").all()


def test_flags_sit_on_plausible_categories(demo: DemoData) -> None:
    incidents = demo.layers[s.Kind.INCIDENTS]
    assert incidents[list(s.FLAG_COLUMNS)].notna().all().all()
    allowed = {
        s.KNIFE_ENABLED: {"Violence and sexual offences", "Robbery", "Possession of weapons"},
        s.CCE: {"Violence and sexual offences", "Robbery", "Drugs", "Possession of weapons"},
        s.CSE: {"Violence and sexual offences"},
        s.SYV: {"Violence and sexual offences", "Robbery"},
    }
    for flag, categories in allowed.items():
        flagged = incidents.loc[incidents[flag], s.CATEGORY]
        assert len(flagged) > 0
        assert set(flagged) <= categories


# --- planted patterns ---------------------------------------------------------------------


def test_planted_patterns_are_listed(demo: DemoData) -> None:
    names = [p.name for p in demo.planted]
    assert names.count("missing found cluster") == 3
    for name in ("persistent hotspot", "emerging hotspot", "intervention effect"):
        assert names.count(name) == 1
    assert all(p.description and p.radius_m > 0 for p in demo.planted)


def test_persistent_hotspot_beats_ordinary_discs_every_month(demo: DemoData) -> None:
    hot = pattern(demo, "persistent hotspot")
    assert hot.monthly_extra is not None
    incidents = demo.layers[s.Kind.INCIDENTS]
    in_hot = monthly(incidents, distance(incidents, hot) <= hot.radius_m, demo).to_numpy()
    lon, lat = np.meshgrid(np.linspace(-2.69, -2.53, 9), np.linspace(51.41, 51.53, 9))
    grid = np.column_stack(metres(lon.ravel(), lat.ravel()))
    median = np.median(disc_counts(incidents, demo, grid, hot.radius_m), axis=0)
    assert (in_hot >= 5 * np.maximum(median, 1)).all()
    # equal discs as far from the city centre as the hotspot share its background
    cx, cy = metres(-2.588, 51.458)
    hx, hy = metres(hot.lon, hot.lat)
    turns = np.arctan2(hy - cy, hx - cx) + np.pi * np.arange(1, 8) / 4
    reach = np.hypot(hx - cx, hy - cy)
    ring = np.column_stack([cx + reach * np.cos(turns), cy + reach * np.sin(turns)])
    controls = disc_counts(incidents, demo, ring, hot.radius_m)
    assert (in_hot > controls.max(axis=0)).all()
    assert in_hot.mean() > 3 * controls.mean()
    assert in_hot.mean() - controls.mean() > 0.7 * hot.monthly_extra


def disc_counts(
    frame: pd.DataFrame, demo: DemoData, centres: np.ndarray, radius: float
) -> np.ndarray:
    """Monthly counts (disc x month) of rows within ``radius`` of each centre (x, y metres)."""
    x, y = metres(frame[s.LON], frame[s.LAT])
    rows = [monthly(frame, np.hypot(x - cx, y - cy) <= radius, demo) for cx, cy in centres]
    return np.array([r.to_numpy() for r in rows])


def test_emerging_hotspot_rises_in_the_last_months(demo: DemoData) -> None:
    emerging = pattern(demo, "emerging hotspot")
    assert emerging.rate_ratio is not None
    incidents = demo.layers[s.Kind.INCIDENTS]
    counts = monthly(incidents, distance(incidents, emerging) <= emerging.radius_m, demo)
    late = counts.index >= pd.Period(emerging.first_month, "M")
    assert late.sum() == 6
    ratio = counts[late].mean() / counts[~late].mean()
    assert 0.7 * emerging.rate_ratio <= ratio <= 1.3 * emerging.rate_ratio
    city = monthly(incidents, np.ones(len(incidents), bool), demo)
    assert 0.8 <= city[late].mean() / city[~late].mean() <= 1.25
    near = incidents[distance(incidents, emerging) <= emerging.radius_m]
    is_late = near[s.DATE] >= pd.Timestamp(emerging.first_month)
    knife_late, knife_early = (near.loc[w, s.KNIFE_ENABLED].mean() for w in (is_late, ~is_late))
    assert knife_late > 5 * knife_early
    assert near.loc[is_late, s.CCE].mean() > 0.3


def test_intervention_cuts_harm_inside_but_not_around(demo: DemoData) -> None:
    effect = pattern(demo, "intervention effect")
    assert effect.expected_reduction is not None
    interventions = demo.layers[s.Kind.INTERVENTIONS].set_index(s.EVENT_ID)
    row = interventions.loc[effect.intervention_id]
    start = pd.Timestamp(effect.first_month)
    assert row[s.START_DATE] == start
    incidents = demo.layers[s.Kind.INCIDENTS]
    polygon = shapely.from_wkt(row[s.GEOMETRY_WKT])
    inside = shapely.contains_xy(polygon, incidents[s.LON], incidents[s.LAT])
    d = distance(incidents, effect)
    ring = (d > 2 * effect.radius_m) & (d <= 1000)
    before = incidents[s.DATE].between(start - pd.DateOffset(months=12), start, inclusive="left")
    after = incidents[s.DATE].between(start, start + pd.DateOffset(months=12), inclusive="left")
    inside_ratio = (inside & after).sum() / (inside & before).sum()
    ring_ratio = (ring & after).sum() / (ring & before).sum()
    assert (inside & before).sum() > 300
    assert inside_ratio == pytest.approx(1 - effect.expected_reduction, abs=0.1)
    assert ring_ratio == pytest.approx(1.0, abs=0.12)


def test_missing_children_repeat(demo: DemoData) -> None:
    missing = demo.layers[s.Kind.MISSING]
    episodes = missing[s.PERSON_REF].value_counts()
    assert episodes.max() >= 10
    assert (episodes >= 5).sum() >= 20
    assert (episodes == 1).mean() == pytest.approx(0.70, abs=0.04)
    assert missing[s.PERSON_REF].str.fullmatch(r"[0-9a-f]{64}").all()
    assert missing[s.IN_CARE].mean() == pytest.approx(0.30, abs=0.05)
    in_care = missing[s.CATEGORY] == "Missing from care"
    assert (in_care == missing[s.IN_CARE]).all()
    assert missing[s.AGE].between(10, 17).all()
    found = missing.dropna(subset=[s.FOUND_DATETIME])
    assert (found[s.FOUND_DATETIME] > found[s.DATETIME]).all()
    assert (missing[s.LOCATION_BASIS] == "last seen").all()
    assert not missing.loc[missing[s.FOUND_DATETIME].isna(), s.RETURN_INTERVIEW].any()


def test_found_locations_cluster_at_the_planted_places(demo: DemoData) -> None:
    missing = demo.layers[s.Kind.MISSING].dropna(subset=[s.FOUND_LON])
    places = [p for p in demo.planted if p.name == "missing found cluster"]
    shares = [p.expected_share for p in places if p.expected_share is not None]
    assert len(shares) == len(places) == 3
    near_any = np.zeros(len(missing), bool)
    for place, share in zip(places, shares, strict=True):
        near = distance(missing, place, s.FOUND_LON, s.FOUND_LAT) <= place.radius_m
        assert near.mean() == pytest.approx(share, abs=0.02)
        near_any |= near
    assert near_any.mean() == pytest.approx(sum(shares), abs=0.03)


def test_surveys_feel_less_safe_near_the_hotspot(demo: DemoData) -> None:
    surveys = demo.layers[s.Kind.SURVEYS]
    low = pattern(demo, "low felt safety")
    assert low.score_shift is not None
    assert 2000 <= len(surveys) <= 5000
    near = distance(surveys, low) <= low.radius_m
    safe = surveys[s.QUESTION] == "I feel safe in my area after dark"
    knives = ~safe
    assert set(surveys.loc[safe, s.SCORE]) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert set(surveys.loc[knives, s.SCORE]) <= {0.0, 1.0}
    assert ((surveys.loc[knives, s.ANSWER] == "Yes") == (surveys.loc[knives, s.SCORE] == 1)).all()
    gap = surveys.loc[safe & near, s.SCORE].mean() - surveys.loc[safe & ~near, s.SCORE].mean()
    assert (safe & near).sum() >= 50
    assert gap < min(-0.5, 0.5 * low.score_shift)
    seen = surveys.loc[knives & near, s.SCORE].mean() - surveys.loc[knives & ~near, s.SCORE].mean()
    assert seen > 0.15
    groups = {"young person", "parent", "professional", "business"}
    assert set(surveys[s.RESPONDENT_GROUP]) == groups


def test_interventions_are_points_and_small_polygons(demo: DemoData) -> None:
    frame = demo.layers[s.Kind.INTERVENTIONS]
    assert 6 <= len(frame) <= 10
    geoms = gpd.GeoSeries(shapely.from_wkt(frame[s.GEOMETRY_WKT]), crs=4326)
    polygons = geoms[geoms.geom_type == "Polygon"].to_crs(27700)
    assert len(polygons) >= 3
    assert (geoms.geom_type == "Point").sum() >= 3
    width = polygons.bounds["maxx"] - polygons.bounds["minx"]
    assert width.between(150, 400).all()
    assert frame[s.END_DATE].isna().any()
    assert frame[s.END_DATE].notna().any()
    ended = frame.dropna(subset=[s.END_DATE])
    assert (ended[s.END_DATE] > ended[s.START_DATE]).all()
    points = gpd.points_from_xy(frame[s.LON], frame[s.LAT])
    assert shapely.dwithin(geoms.to_numpy(), points, 1e-6).all()


def test_knife_injuries_are_hundreds_a_year(demo: DemoData) -> None:
    knife = demo.layers[s.Kind.KNIFE]
    assert 150 * 3 <= len(knife) <= 600 * 3
    assert (knife[s.CATEGORY] == "Knife injury").all()
    assert set(knife[s.AGE_BAND]) == {"10-14", "15-17", "18-24", "25+"}
    assert set(knife[s.SETTING]) <= {"street", "home", "school", "licensed premises", "other"}


# --- volume, speed and other wards -------------------------------------------------------------


def test_scale_multiplies_volume_quickly(wards: gpd.GeoDataFrame, demo: DemoData) -> None:
    started = time.perf_counter()
    double = demo_data(wards, seed=7, end=END, scale=2.0)
    seconds = time.perf_counter() - started
    ratio = len(double.layers[s.Kind.INCIDENTS]) / len(demo.layers[s.Kind.INCIDENTS])
    assert ratio == pytest.approx(2.0, rel=0.05)
    assert seconds * 10 < 45, f"scale=2 took {seconds:.1f} s; scale=20 would miss a minute"


@pytest.mark.skipif(
    importlib.util.find_spec("layers.boundaries") is None, reason="layers.boundaries not written"
)
def test_runs_on_the_shipped_demo_wards() -> None:
    from layers import boundaries

    shipped = boundaries.demo_wards()
    small = demo_data(shipped, seed=1, end=END, months=12, scale=0.1)
    incidents = small.layers[s.Kind.INCIDENTS]
    assert shapely.contains_xy(shipped.union_all(), incidents[s.LON], incidents[s.LAT]).all()


@pytest.mark.realdata
def test_runs_on_the_real_bristol_wards(shared_data: Path) -> None:
    real = gpd.read_file(shared_data / "boundaries" / "bristol_wards_2016_34wards_bcc.geojson")
    small = demo_data(real, seed=1, end=END, months=12, scale=0.1)
    union = real.union_all()
    for kind in (s.Kind.INCIDENTS, s.Kind.KNIFE, s.Kind.SURVEYS):
        frame = small.layers[kind]
        assert shapely.contains_xy(union, frame[s.LON], frame[s.LAT]).all()
