"""Shared by the fuzz tests: Hypothesis settings and strategies, and the reader contract.

The runs are derandomised, so CI sees the same examples every time.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st

from layers import schema as sc
from layers._errors import FileRefused
from layers._reasons import FIELD_LIMIT
from layers.readers import Limits, ReadResult

TODAY = date(2024, 6, 30)
LIMITS = Limits(max_bytes=4 * 1024 * 1024, max_rows=500, max_ratio=100)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(FUZZ, max_examples=25)

# --- checking a result against the schema ---------------------------------------------


def check_result(result: ReadResult, *, extent: sc.Extent | None = None) -> None:
    """Assert the reader's contract and that every valid row passes the layer's schema."""
    kind, valid, rejected = result.kind, result.valid, result.rejected
    assert len(valid) + len(rejected) == sum(s.rows_read for s in result.sources)
    expected = {c: str(pd.Series(dtype=d).dtype) for c, d in sc.LAYER_COLUMNS[kind].items()}
    assert {c: str(t) for c, t in valid.dtypes.items()} == expected
    assert list(rejected.columns) == list(sc.REJECTED_COLUMNS)
    assert (rejected[sc.ROW_NUMBER] >= 1).all()
    assert rejected[sc.REASON].str.len().min() > 0 if len(rejected) else True
    assert set(rejected[sc.SOURCE]) <= {s.name for s in result.sources}
    if valid.empty:
        return
    assert valid[sc.EVENT_ID].notna().all()
    assert valid[sc.EVENT_ID].is_unique
    for field in sc.REQUIRED[kind]:
        assert valid[sc.DATE if field == sc.DATETIME else field].notna().all(), field
    _check_dates(kind, valid)
    _check_location(kind, valid, extent)
    if kind in sc.KNOWN_CATEGORIES:
        assert valid[sc.CATEGORY].isin(sc.KNOWN_CATEGORIES[kind]).all()
    for column, dtype in sc.LAYER_COLUMNS[kind].items():
        if dtype == "str":
            assert (valid[column].str.len().fillna(0) <= FIELD_LIMIT).all(), column


def _check_dates(kind: sc.Kind, valid: pd.DataFrame) -> None:
    column = sc.START_DATE if kind is sc.Kind.INTERVENTIONS else sc.DATE
    assert (valid[column] >= pd.Timestamp(1900, 1, 1)).all()
    latest = pd.Timestamp(2199, 12, 31) if kind is sc.Kind.INTERVENTIONS else pd.Timestamp(TODAY)
    assert (valid[column] <= latest).all()


def _check_location(kind: sc.Kind, valid: pd.DataFrame, extent: sc.Extent | None) -> None:
    lon, lat = valid[sc.LON].to_numpy(), valid[sc.LAT].to_numpy()
    point = np.isfinite(lon) & np.isfinite(lat)
    assert (np.isnan(lon) == np.isnan(lat)).all()
    assert ((np.abs(lon[point]) <= 180) & (np.abs(lat[point]) <= 90)).all()
    assert not ((lon[point] == 0) & (lat[point] == 0)).any()
    if extent is not None:
        assert extent.contains(lon[point], lat[point]).all()
    if kind in (sc.Kind.KNIFE, sc.Kind.SURVEYS):
        assert (point | valid[sc.AREA_CODE].notna().to_numpy()).all()
    else:
        assert point.all()
    if kind is sc.Kind.INTERVENTIONS:
        shapes = shapely.from_wkt(valid[sc.GEOMETRY_WKT].to_numpy(dtype=object))
        assert shapely.is_valid(shapes).all()


def check_areas(areas: gpd.GeoDataFrame, codes: set[str]) -> None:
    """Assert read_boundaries' contract: one valid polygon per distinct code, WGS84."""
    assert list(areas.columns) == ["code", "name", "level", "parent_code", "geometry"]
    assert areas.crs == "EPSG:4326"
    assert set(areas["code"]) == codes
    assert areas["code"].is_unique
    geoms = areas.geometry.to_numpy()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # Polygon, MultiPolygon
    assert shapely.is_valid(geoms).all()
    assert not shapely.is_empty(geoms).any()
    coords = shapely.get_coordinates(geoms)
    assert np.isfinite(coords).all()
    assert ((np.abs(coords[:, 0]) <= 180) & (np.abs(coords[:, 1]) <= 90)).all()


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def attempt(read: Callable[[], Any]) -> Any:
    """Return what ``read`` returns, or None when it refuses the file."""
    try:
        out = read()
    except FileRefused as refusal:
        message = str(refusal)
    else:
        event("read")
        return out
    assert message.strip()  # a refusal says what is wrong
    event("refused")
    return None


# --- strategies -----------------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(
        exclude_categories=["Cs", "Cc"], include_characters="\t\n\r\"',;=|+-@<>é日本🙂\u202e"
    ),
    max_size=20,
)
_EXTREME = st.sampled_from(
    [
        "nan", "NaN", "inf", "-inf", "1e308", "-1e308", "1e309", "9" * 400, "-0", "0", " ",
        "0001-01-01", "1899-12-31", "9999-12-31", "2150-06-01", "2025-01-01", "2021-02-30",
        "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)", "-2+3", '"quoted, "" twice"', "line\nbreak",
        "<img src=x onerror=alert(1)>", "x" * (FIELD_LIMIT + 1), "",
    ]
)  # fmt: skip
_GOOD = st.sampled_from(
    ["2021-03-05", "2021-03", "05/03/2021", "Burglary", "drugs", "-2.59", "51.45", "-2.6", "51.4"]
)
_CELL = _TEXT | _EXTREME | _GOOD
_VALUES = {
    "event_id": st.just("id"),
    "date": st.sampled_from(["2021-03-05", "2021-03", "05/03/2021", "2021-03-05 14:30"]),
    "category": st.sampled_from(["Burglary", "drugs", "Robbery"]),
    "lon": st.sampled_from(["-2.59", "-2.6", "-2.55"]),
    "lat": st.sampled_from(["51.45", "51.4", "51.5"]),
    "easting": st.sampled_from(["358500", "359000"]),
    "northing": st.sampled_from(["173000", "172500"]),
}


def _cell(column: str) -> st.SearchStrategy[str]:
    good = _VALUES.get(column, _TEXT)
    return good | good | good | _EXTREME | _TEXT  # mostly plausible, often hostile


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # quotes fields holding \r or \n
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def generic_csv(draw: st.DrawFn) -> tuple[bytes, int]:
    """An incidents CSV (columns in any order, extras) with extreme values, and its rows."""
    located = draw(st.sampled_from([["lon", "lat"], ["easting", "northing"]]))
    extras = draw(st.lists(st.sampled_from(["location_desc", "outcome", "notes"]), unique=True))
    header = draw(st.permutations(["event_id", "date", "category", *located, *extras]))
    row = st.tuples(*[_cell(column) for column in header]).map(list)
    rows = draw(st.lists(row, max_size=8))
    rows = [[f"r{i}-{c}" if header[j] == "event_id" and c else c for j, c in enumerate(row)]
            for i, row in enumerate(rows)]  # fmt: skip
    blank = sum(all(not c.strip() for c in row) for row in rows)
    return _csv_bytes(header, rows), len(rows) - blank


def police_rows(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    force = "Avon and Somerset Constabulary"
    months = ["2021-03", "2021-04", "2099-01", "1850-01", "2021-13", ""]
    out = []
    for i in range(n):
        lon, lat = rng.choice([("-2.59", "51.45"), ("", ""), ("nan", "51.4"), ("-2.5", "inf")])
        crime_id = rng.choice([f"c{seed}-{i}", "", f"c{seed}-0"])
        crime = rng.choice(["Burglary", "Anti-social behaviour", "Jaywalking", ""])
        month, place = rng.choice(months), ["On or near X", "E01014601", "Bristol 001A"]
        out.append([crime_id, month, force, force, lon, lat, *place, crime, "", ""])
    return out


_MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete"]),
        st.floats(0, 1),
        st.binary(min_size=1, max_size=4),
    ),
    max_size=4,
)


def mutated(data: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    buffer = bytearray(data)
    for action, where, chunk in mutations:
        at = int(where * max(len(buffer) - 1, 0))
        if action == "flip" and buffer:
            buffer[at] ^= chunk[0] or 1
        elif action == "insert":
            buffer[at:at] = chunk
        else:
            del buffer[at : at + len(chunk)]
    return bytes(buffer)


_NUMBER = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [-2.59, 51.45, 0.0, 1e308]
)
_POSITION = st.lists(_NUMBER, min_size=0, max_size=3)
_RING = st.lists(_POSITION, max_size=6)
_GEOMETRY = st.recursive(
    st.one_of(
        st.builds(lambda p: {"type": "Point", "coordinates": p}, _POSITION),
        st.builds(lambda r: {"type": "LineString", "coordinates": r}, _RING),
        st.builds(lambda r: {"type": "Polygon", "coordinates": r}, st.lists(_RING, max_size=2)),
        st.builds(lambda r: {"type": "MultiPoint", "coordinates": r}, _RING),
        st.sampled_from([None, {}, {"type": "Polygon"}, {"type": "Nonsense", "coordinates": 1}]),
    ),
    lambda inner: st.builds(
        lambda g: {"type": "GeometryCollection", "geometries": g}, st.lists(inner, max_size=3)
    ),
    max_leaves=6,
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _NUMBER | _CELL,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


def _squares() -> st.SearchStrategy[dict[str, Any]]:
    x, y = st.floats(-2.7, -2.5), st.floats(51.4, 51.5)
    return st.builds(
        lambda a, b, d: {
            "type": "Polygon",
            "coordinates": [[[a, b], [a + d, b], [a + d, b + d], [a, b + d], [a, b]]],
        },
        x, y, st.sampled_from([0.01, 0.0, -0.01]),
    )  # fmt: skip


_CODE = st.sampled_from(["W1", "W2", " W1 ", "W3", "E05001"] * 3 + ["", " "]) | st.text("WE0123 ")


@st.composite
def feature_collection(draw: st.DrawFn, keys: tuple[str, ...]) -> tuple[bytes, list[Any]]:
    """A FeatureCollection of odd geometries and properties; also its features' codes."""
    n = draw(st.integers(0, 6))
    features, codes = [], []
    for i in range(n):
        values = {key: draw(_CODE if key == "code" else _JSON | _GOOD) for key in keys}
        if "event_id" in values:
            values["event_id"] = f"g{i}"
        square = "code" in keys and draw(st.integers(0, 9)) > 0  # boundaries: mostly polygons
        geometry = draw(_squares() if square else _GEOMETRY | _squares())
        features.append({"type": "Feature", "properties": values, "geometry": geometry})
        codes.append(values.get("code"))
    shape = draw(st.sampled_from(["collection"] * 8 + ["bare", "junk"]))
    document: Any = {"type": "FeatureCollection", "features": features}
    if shape == "bare":
        document, codes = (features[0] if features else {}), codes[:1]
    elif shape == "junk":
        document, codes = draw(_JSON), []
    return json.dumps(document, allow_nan=True).encode(), codes
