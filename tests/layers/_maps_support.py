"""Shared by the map tests: small count tables and areas, and finding a layer's parts."""

from __future__ import annotations

from pathlib import Path

import folium
import geopandas as gpd
import h3
import numpy as np
import pandas as pd
from shapely.geometry import box

from layers._assets import ASSETS
from layers._elements import KeyedShapes, LayerBox

ORIGIN = h3.latlng_to_cell(51.4545, -2.5879, 8)  # central Bristol


def _counts(cells: list[str], values: list[int], period: str = "all") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": pd.Series(cells, dtype="str"),
            "area_name": pd.Series([None] * len(cells), dtype="str"),
            "period": pd.Series([period] * len(cells), dtype="str"),
            "count": pd.Series(values, dtype="int64"),
        }
    )


def _areas(names: list[str], *, approximate: bool = False) -> gpd.GeoDataFrame:
    shapes = [box(-2.62 + 0.03 * i, 51.43, -2.59 + 0.03 * i, 51.46) for i in range(len(names))]
    frame = gpd.GeoDataFrame(
        {"code": [f"E0{i}" for i in range(len(names))], "name": names, "parent_code": "North"},
        geometry=shapes,
        crs="EPSG:4326",
    )
    frame.attrs["approximate"] = approximate
    return frame


def _children(element: folium.Element, kind: type) -> list:
    found = [c for c in element._children.values() if isinstance(c, kind)]
    for child in element._children.values():
        found += _children(child, kind)
    return found


def _fake_vendor(tmp_path: Path, keep: int | None = None) -> Path:
    for asset in ASSETS[:keep]:
        target = tmp_path / "vendor" / asset.local
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("/* local copy */")
    return tmp_path


def _keyed(layer: folium.FeatureGroup) -> tuple[KeyedShapes | None, str]:
    shapes = _children(layer, KeyedShapes)
    (legend,) = _children(layer, LayerBox)
    return (shapes[0] if shapes else None), legend.html


def _gi(cells: list[str], bins: list[int], *, fdr: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "count": [float(3 * i) for i in range(len(cells))],
            "gi_z": [1.5 * b for b in bins],
            "gi_bin": np.array(bins, dtype="int8"),
        },
        index=pd.Index(cells, name="h3_cell"),
    )
    frame.attrs["fdr"] = fdr
    return frame
