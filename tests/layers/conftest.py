"""Fixtures shared by the layer tests: four small wards in British National Grid, a folder."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Four 1 km squares in British National Grid (central Bristol), a 2 x 2 block.

    Fields ``wd_id`` (W4, W3, W2, W1) and ``wd_nm`` (Four ... One), CRS EPSG:27700.
    """
    x0, y0 = 358_000, 172_000
    boxes = [shapely.box(x0 + i * 1000, y0 + j * 1000, x0 + (i + 1) * 1000, y0 + (j + 1) * 1000)
             for j in range(2) for i in range(2)]  # fmt: skip
    table = {"wd_id": ["W4", "W3", "W2", "W1"], "wd_nm": ["Four", "Three", "Two", "One"]}
    return gpd.GeoDataFrame(table, geometry=boxes, crs="EPSG:27700")


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    """A temporary folder kept for the whole module (the fuzz tests write into it)."""
    with tempfile.TemporaryDirectory(prefix="atlas-fuzz-") as name:
        yield Path(name)
