"""Shared helpers of the KDE tests: tiny point sets and the brute-force kernel sum."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj

from hotspots.kde import KdeResult

BNG = "EPSG:27700"
X0, Y0 = 358_000.0, 173_000.0  # central Bristol, metres
TO_LONLAT = pyproj.Transformer.from_crs(BNG, "EPSG:4326", always_xy=True)


def points(x: np.ndarray, y: np.ndarray, **columns: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(x, y), crs=BNG)


def clustered(seed: int = 1, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """A few hundred points: three clusters plus a sparse background (isolated rims)."""
    rng = np.random.default_rng(seed)
    centres = [(X0, Y0), (X0 + 1500, Y0 - 900), (X0 - 1200, Y0 + 1300)]
    parts = [rng.normal(c, 180, (n // 4, 2)) for c in centres]
    parts.append(rng.uniform((X0 - 2500, Y0 - 2500), (X0 + 2500, Y0 + 2500), (n - 3 * (n // 4), 2)))
    xy = np.concatenate(parts)
    return xy[:, 0], xy[:, 1]


def brute_force(
    result: KdeResult, x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None
) -> np.ndarray:
    """The kernel sum at every cell centre, point by point, in events per km²."""
    h = result.bandwidth
    weight = np.ones_like(x) if w is None else w
    east, north = result.cell_centres()
    total = np.zeros(east.size)
    for start in range(0, east.size, 20_000):
        ex, ny = east.ravel()[start : start + 20_000], north.ravel()[start : start + 20_000]
        d2 = (ex[:, None] - x[None, :]) ** 2 + (ny[:, None] - y[None, :]) ** 2
        if result.kernel == "quartic":
            k = np.where(d2 < h * h, 3 / (math.pi * h * h) * (1 - d2 / (h * h)) ** 2, 0.0)
        else:
            k = np.exp(-d2 / (2 * h * h)) / (2 * math.pi * h * h)  # not cut: the true Gaussian
        total[start : start + 20_000] = k @ weight
    return total.reshape(east.shape) * 1e6


def worst_relative_error(result: KdeResult, exact: np.ndarray, *, above: float = 0.01) -> float:
    mask = exact > above * exact.max()
    return float(np.max(np.abs(result.density[mask] / exact[mask] - 1)))
