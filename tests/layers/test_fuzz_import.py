"""Property-based fuzzing (Hypothesis) of an import into a real store: whole, or not at all.

An import either lands whole (the store gains exactly the valid rows) or, refused, leaves
the store file byte-identical.
"""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from layers._errors import FileRefused
from layers.boundaries import extent_of
from layers.ingest import import_files, study_areas
from layers.readers import read_layer
from layers.settings import Settings, load_settings
from layers.store import Store
from tests.layers._fuzz_support import FEW, generic_csv, write

# --- an import into a real store --------------------------------------------------------


@pytest.fixture(scope="module")
def store_settings(folder: Path) -> Settings:
    config = load_settings(store=folder / "store.duckdb", rejected_dir=folder / "rejected")
    seed = write(
        folder, "seed.csv", b"event_id,date,category,lon,lat\nseed,2021-03-05,Drugs,-2.59,51.45\n"
    )
    import_files("incidents", [seed], settings=config)
    return config


def _snapshot(config: Settings) -> tuple[bytes, int, int, int]:
    store = Store(config.store)
    counts = store.query(
        "SELECT (SELECT count(*) FROM incidents), (SELECT count(*) FROM rejected), "
        "(SELECT count(*) FROM imports)"
    ).iloc[0]
    return config.store.read_bytes(), int(counts.iloc[0]), int(counts.iloc[1]), int(counts.iloc[2])


_COUNTER = itertools.count()
_HOSTILE = st.sampled_from(["none", "none", "latin", "nul", "bomb", "gz"])


def _hostile(data: bytes, how: str) -> tuple[bytes, str]:
    if how == "latin":
        return data + "café\n".encode("cp1252"), "x.csv"
    if how == "nul":
        return data + b"a\x00b\n", "x.csv"
    if how == "bomb":
        return gzip.compress(data + b"\n" * (2 * 1024 * 1024)), "x.csv.gz"
    if how == "gz":
        return gzip.compress(data), "x.csv.gz"
    return data, "x.csv"


@FEW
@given(table=generic_csv(), how=_HOSTILE)
def test_an_import_lands_whole_or_leaves_the_store_unchanged(
    folder: Path, store_settings: Settings, table: tuple[bytes, int], how: str
) -> None:
    prefix = f"i{next(_COUNTER)}-".encode()
    data = table[0]
    for i in range(8):  # ids unique across examples
        data = data.replace(f"r{i}-".encode(), prefix + f"r{i}-".encode())
    data, name = _hostile(data, how)
    path = write(folder, name, data)
    before = _snapshot(store_settings)
    try:
        report = import_files("incidents", [path], settings=store_settings)
    except FileRefused:
        event("refused")
        assert _snapshot(store_settings) == before
        return
    event("imported")
    areas = study_areas(Store(store_settings.store), store_settings)
    extent = extent_of(areas.wards, buffer_m=store_settings.extent_buffer_m)
    expected = read_layer("incidents", [path], extent=extent)
    after = _snapshot(store_settings)
    assert (report.imported, report.duplicates) == (len(expected.valid), 0)
    assert after[1] - before[1] == len(expected.valid)
    assert after[2] - before[2] == len(expected.rejected)
    assert after[3] - before[3] == 1
