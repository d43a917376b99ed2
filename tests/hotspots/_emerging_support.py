"""Shared by the emerging hot spot tests: a study area around central Bristol, and cubes."""

from __future__ import annotations

import warnings

import h3
import numpy as np
import pandas as pd

from hotspots.emerging import (
    FewTimeStepsWarning,
    SpaceTimeCube,
    SparseCountsWarning,
    emerging_hotspots,
)

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
