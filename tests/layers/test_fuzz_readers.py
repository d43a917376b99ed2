"""Property-based fuzzing (Hypothesis) of every reader: a refusal, or a result keeping the contract.

The property of every reader: it raises the documented refusal (``FileRefused``), or its
result keeps the contract (valid + rejected = rows read, every valid row passes the
layer's schema).
"""

from __future__ import annotations

import gzip
import random
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from layers import schema as sc
from layers.boundaries import read_boundaries
from layers.context import read_context
from layers.readers import read_layer, read_police_uk
from tests.layers._fuzz_support import (
    _EXTREME,
    _MUTATIONS,
    FEW,
    FUZZ,
    LIMITS,
    TODAY,
    _csv_bytes,
    attempt,
    check_areas,
    check_result,
    feature_collection,
    generic_csv,
    mutated,
    police_rows,
    write,
)

# --- every reader, fuzzed --------------------------------------------------------------


@FUZZ
@given(
    data=st.binary(max_size=400),
    header=st.booleans(),
    suffix=st.sampled_from(["csv", "geojson", "csv.gz"]),
)
def test_random_bytes_are_read_or_refused_by_read_layer(
    folder: Path, data: bytes, header: bool, suffix: str
) -> None:
    content = (b"event_id,date,category,lon,lat\n" if header else b"") + data
    if suffix == "csv.gz" and header:
        content = gzip.compress(content)
    path = write(folder, f"random.{suffix}", content)
    result = attempt(lambda: read_layer("incidents", [path], today=TODAY, limits=LIMITS))
    if result is not None:
        check_result(result)


@FUZZ
@given(data=st.binary(max_size=400), police=st.booleans())
def test_random_bytes_are_read_or_refused_by_read_police_uk(
    folder: Path, data: bytes, police: bool
) -> None:
    head = (",".join(sc.POLICE_UK_COLUMNS) + "\n").encode() if police else b""
    path = write(folder, "random.csv", head + data)
    result = attempt(lambda: read_police_uk([path], today=TODAY, limits=LIMITS))
    if result is not None:
        check_result(result)


@FUZZ
@given(seed=st.integers(0, 10_000), n=st.integers(0, 12), mutations=_MUTATIONS, gz=st.booleans())
def test_mutated_police_files_are_read_or_refused(
    folder: Path, seed: int, n: int, mutations: list[tuple[str, float, bytes]], gz: bool
) -> None:
    data = mutated(_csv_bytes(list(sc.POLICE_UK_COLUMNS), police_rows(n, seed)), mutations)
    path = write(
        folder, "2021-03-street.csv" + (".gz" if gz else ""), gzip.compress(data) if gz else data
    )
    result = attempt(lambda: read_layer("incidents", [path], today=TODAY, limits=LIMITS))
    if result is not None:
        check_result(result)


@FEW
@given(seed=st.integers(0, 10_000), n=st.integers(1, 12), order=st.randoms(use_true_random=False))
def test_police_columns_in_any_order_read_the_same(
    folder: Path, seed: int, n: int, order: random.Random
) -> None:
    header, rows = list(sc.POLICE_UK_COLUMNS), police_rows(n, seed)
    plain = read_police_uk(
        [write(folder, "a.csv", _csv_bytes(header, rows))], today=TODAY, limits=LIMITS
    )
    permutation = order.sample(range(len(header)), len(header))
    shuffled_rows = [[row[i] for i in permutation] for row in rows]
    path = write(folder, "b.csv", _csv_bytes([header[i] for i in permutation], shuffled_rows))
    shuffled = read_police_uk([path], today=TODAY, limits=LIMITS)
    pd.testing.assert_frame_equal(shuffled.valid, plain.valid)
    assert shuffled.rejected[[sc.ROW_NUMBER, sc.REASON]].equals(
        plain.rejected[[sc.ROW_NUMBER, sc.REASON]]
    )
    extra = [[*row, "more"] for row in rows]
    added = write(folder, "c.csv", _csv_bytes([*header, "Extra"], extra))
    pd.testing.assert_frame_equal(
        read_police_uk([added], today=TODAY, limits=LIMITS).valid, plain.valid
    )


@FUZZ
@given(table=generic_csv(), kind=st.sampled_from(["incidents", "knife"]))
def test_extreme_values_are_read_or_refused_and_every_row_accounted(
    folder: Path, table: tuple[bytes, int], kind: str
) -> None:
    data, rows = table
    path = write(folder, "extreme.csv", data)
    extent = sc.Extent(-2.75, 51.38, -2.50, 51.56)
    options: dict[str, Any] = {"today": TODAY, "limits": LIMITS, "extent": extent}
    result = attempt(lambda: read_layer(kind, [path], **options))
    if result is not None:
        assert sum(s.rows_read for s in result.sources) == rows
        check_result(result, extent=extent)


_LAYER_KEYS = ("event_id", "date", "category", "name", "intervention_type", "start_date")


@FUZZ
@given(
    collection=feature_collection(_LAYER_KEYS), kind=st.sampled_from(["incidents", "interventions"])
)
def test_random_geojson_is_read_or_refused_by_read_layer(
    folder: Path, collection: tuple[bytes, list[Any]], kind: str
) -> None:
    path = write(folder, "random.geojson", collection[0])
    result = attempt(lambda: read_layer(kind, [path], today=TODAY, limits=LIMITS))
    if result is not None:
        check_result(result)


@FUZZ
@given(collection=feature_collection(("code", "name")), zipped=st.booleans())
def test_random_geojson_is_read_or_refused_by_read_boundaries(
    folder: Path, collection: tuple[bytes, list[Any]], zipped: bool
) -> None:
    data, codes = collection
    path = write(folder, "wards.geojson", data)
    if zipped:
        with zipfile.ZipFile(folder / "wards.zip", "w") as archive:
            archive.write(path, "wards.geojson")
        path = folder / "wards.zip"
    areas = attempt(lambda: read_boundaries(path, limits=LIMITS))
    if areas is not None:
        check_areas(areas, {str(c).strip() for c in codes})


@FUZZ
@given(data=st.binary(max_size=300), kind=st.sampled_from(["geojson", "zip", "gpkg", "shp"]))
def test_random_bytes_are_refused_by_read_boundaries(folder: Path, data: bytes, kind: str) -> None:
    path = write(folder, f"random.{kind}", data)
    areas = attempt(lambda: read_boundaries(path, limits=LIMITS))
    if areas is not None:
        check_areas(areas, set(areas["code"]))


_COUNT = st.sampled_from(["1", "29,199", "10", "", "0.5"])
_DECILE = st.sampled_from(["1", "10", "5", "", "3.5"])


@FUZZ
@given(
    rows=st.lists(st.tuples(_COUNT, _DECILE), max_size=8),
    poison=st.lists(st.tuples(st.integers(0, 7), st.integers(1, 2), _EXTREME), max_size=2),
    mutations=st.just([]) | _MUTATIONS,
)
def test_context_tables_are_read_or_refused(
    folder: Path,
    rows: list[tuple[str, str]],
    poison: list[tuple[int, int, str]],
    mutations: list[tuple[str, float, bytes]],
) -> None:
    table = [[f"E{i}", *row] for i, row in enumerate(rows)]
    for row, column, value in poison:
        if row < len(table):
            table[row][column] = value
    data = _csv_bytes(["lsoa_code", "population", "imd_decile"], table)
    path = write(folder, "context.csv", mutated(data, mutations))
    frame = attempt(lambda: read_context(path, limits=LIMITS))
    if frame is None:
        return
    assert list(frame.columns) == ["lsoa_code", "ward_code", "population", "children", "imd_decile"]
    assert frame["lsoa_code"].is_unique
    for field, (low, high) in {"population": (0, np.inf), "imd_decile": (1, 10)}.items():
        known = frame[field].dropna()
        assert known.between(low, high).all()
        assert np.isfinite(known).all()
    if not mutations:
        assert len(frame) == len(rows)
