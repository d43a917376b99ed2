"""Validation of emerging hot spot inputs: the cube and the options, every problem at once."""

from __future__ import annotations

from typing import Any

import numpy as np
from h3.api import basic_int as h3i

from hotspots._cube import STEPS, SpaceTimeCube, label_ordinal, resolutions
from layers._errors import SchemaError

POOLS: tuple[str, ...] = ("none", "auto", "quarter")
"""Values of the ``pool`` option."""


def raise_problems(problems: list[str]) -> None:
    """Raise one SchemaError listing every problem, if there is any."""
    if problems:
        raise SchemaError("; ".join(problems) + ".")


def option_problems(
    *,
    k: Any,
    time_window: Any,
    fdr: Any,
    alpha: Any,
    seed: Any,
    permutations: Any,
    pool: Any,
) -> list[str]:
    """Problems with the options of the space-time Gi* and the emerging classes."""
    problems = [
        f"{name}={value!r}: expected an integer >= 0{hint}"
        for name, value, hint in (
            ("k", k, " (rings of neighbouring cells, e.g. 1)"),
            ("time_window", time_window, " (previous steps in the neighbourhood, e.g. 1)"),
            ("permutations", permutations, " (e.g. 0 or 999)"),
        )
        if not _is_count(value)
    ]
    if not isinstance(fdr, bool | np.bool_):
        problems.append(f"fdr={fdr!r}: expected True or False")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        problems.append(f"alpha={alpha!r}: expected a significance level in (0, 1), e.g. 0.10")
    if seed is not None and not _is_count(seed):
        problems.append(f"seed={seed!r}: expected None or a non-negative integer, e.g. 42")
    if pool not in POOLS:
        problems.append(f"pool={pool!r}: choose one of {', '.join(POOLS)}")
    return problems


def cube_problems(cube: Any) -> list[str]:
    """Problems with a cube built by hand (those from the builders have none)."""
    if not isinstance(cube, SpaceTimeCube):
        return [
            (
                f"cube: expected a SpaceTimeCube, received {type(cube).__name__}; build one with "
                "space_time_cube(events, cells=...) or cube_from_counts(table)"
            )
        ]
    counts = np.asarray(cube.counts)
    cells = np.asarray(cube.cells)
    problems = _count_problems(counts, cells.size, len(cube.steps))
    problems += _cell_problems(cells, cube.resolution)
    problems += _step_problems(list(cube.steps), cube.step)
    return problems


def _is_count(value: Any) -> bool:
    return bool(isinstance(value, int | np.integer) and not isinstance(value, bool) and value >= 0)


def _count_problems(counts: np.ndarray, n_cells: int, n_steps: int) -> list[str]:
    if counts.ndim != 2 or counts.shape != (n_cells, n_steps):
        return [
            f"cube.counts: shape {counts.shape}, expected (cells, steps) = ({n_cells}, {n_steps})"
        ]
    if not np.issubdtype(counts.dtype, np.number):
        return [f"cube.counts: dtype {counts.dtype}; counts must be numbers"]
    if counts.size and (not np.isfinite(counts).all() or (counts < 0).any()):
        return ["cube.counts: holds negative, missing or infinite values; counts must be >= 0"]
    return []


def _cell_problems(cells: np.ndarray, resolution: int | None) -> list[str]:
    if cells.dtype != np.uint64:
        return [f"cube.cells: dtype {cells.dtype}; pass uint64 H3 cells"]
    if not _sorted(cells):
        return ["cube.cells: not sorted and unique; build the cube with space_time_cube"]
    bad = [int(c) for c in cells if not h3i.is_valid_cell(int(c))]
    if bad:
        return [f"cube.cells: {len(bad)} value(s) are not H3 cells (e.g. {bad[0]})"]
    found = np.unique(resolutions(cells))
    if found.size > 1 or (found.size == 1 and resolution != int(found[0])):
        return [f"cube.resolution={resolution!r} but the cells have resolution(s) {found.tolist()}"]
    return []


def _sorted(cells: np.ndarray) -> bool:
    return bool(np.all(cells[1:] > cells[:-1]))


def _step_problems(steps: list[str], step: str) -> list[str]:
    if step not in STEPS:
        return [f"cube.step={step!r}: must be 'month' or 'quarter'"]
    parsed = [label_ordinal(str(s)) for s in steps]
    if any(p is None or p[1] != step for p in parsed):
        return [
            (
                f"cube.steps: every label must be a {step} label such as "
                f"{'2021-03' if step == 'month' else '2021Q1'}"
            )
        ]
    ordinals = np.array([p[0] for p in parsed if p is not None], dtype=np.int64)
    if ordinals.size > 1 and (np.diff(ordinals) != 1).any():
        return ["cube.steps: must be consecutive periods in time order, without gaps"]
    return []
