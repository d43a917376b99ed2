"""Exact rim corrections of the quartic expansion, point by point and row by row.

The FFT expansion adds each point's kernel polynomial ``P(o - d)`` at the node offsets
o inside the node's disc (``|o| < R``), while the kernel is ``P(o - d)`` inside the
point's own disc (``|o - d| < R``) and 0 outside. Row by row, each disc is an interval
of columns; the two intervals differ only by a cell or two at each end. Adding ``+P``
where only the point's disc reaches and ``-P`` where only the node's does makes the sum
exact. Which columns a point's disc covers is decided in single precision: a point
that lands on the other side of the rim by rounding changes the sum by ``P`` at the
rim, where ``P`` is 0 to within about 1e-12 of its peak.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hotspots._kde_expansion import Nodes

Pieces = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # lo, hi, sign, point


def rim_correction(
    nodes: Nodes,
    out_shape: tuple[int, int],
    *,
    polynomial: Callable[[np.ndarray], np.ndarray],
    radius: float,
) -> np.ndarray:
    """Return the corrections on the output cells (cell units), to add to the expansion.

    They are summed on the widened grid of the nodes (where every node offset lands)
    and cut to the output grid at the end.
    """
    width = nodes.shape[1]
    dx, dy = nodes.dx, nodes.dy
    dx32, dy32 = dx.astype(np.float32), dy.astype(np.float32)
    weighted = not bool(np.all(nodes.w == 1))
    widened = np.zeros(math.prod(nodes.shape))
    reach = math.floor(radius) + 1
    for oy in range(-reach, reach + 1):
        lo, hi, sign, point = _row_pieces(oy, dx32, dy32, radius)
        ox, sign, point = _columns(lo, hi, sign, point)
        value = sign * polynomial((ox - dx[point]) ** 2 + (oy - dy[point]) ** 2)
        value = value * nodes.w[point] if weighted else value
        cells = nodes.flat[point] + (oy * width + ox)
        widened += np.bincount(cells, value, minlength=widened.size)
    m = nodes.margin
    return widened.reshape(nodes.shape)[m : m + out_shape[0], m : m + out_shape[1]]


def _columns(
    lo: np.ndarray, hi: np.ndarray, sign: np.ndarray, point: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every column of every run, with its run's sign and point (runs are mostly 1 long)."""
    counts = hi - lo + 1
    if not counts.size or counts.max() == 1:
        return lo, sign, point
    first = np.cumsum(counts) - counts
    run = np.repeat(np.arange(counts.size), counts)
    return lo[run] + (np.arange(run.size) - first[run]), sign[run], point[run]


def _node_interval(oy: int, radius: float) -> tuple[int, int]:
    """Columns ox with ox² + oy² < radius² (as lo > hi when none)."""
    room = radius * radius - oy * oy
    if room <= 0:
        return 0, -1
    a = math.floor(math.sqrt(room))
    if a * a >= room:
        a -= 1
    return (-a, a) if a >= 0 else (0, -1)


def _row_pieces(oy: int, dx: np.ndarray, dy: np.ndarray, radius: float) -> Pieces:
    """Column runs (lo, hi) where one disc reaches and the other not, their sign and point.

    Per point, the point's disc covers the columns ``(dx - b, dx + b)`` of row oy. Both
    intervals contain column 0 or its neighbour when not empty, so they differ by a run
    at each end; an empty interval makes the other one a single run.
    """
    ry = np.float32(oy) - dy
    room = np.float32(radius * radius) - ry * ry
    half = np.sqrt(np.maximum(room, np.float32(0)))
    lo = np.floor(dx - half) + 1  # whole numbers, still float32
    hi = np.ceil(dx + half) - 1
    reaches = (room > 0) & (lo <= hi)
    node_lo, node_hi = _node_interval(oy, radius)
    if node_lo > node_hi:  # the node's disc misses this row: the point's run is all extra
        (point,) = np.nonzero(reaches)
        return _ints(lo[point]), _ints(hi[point]), np.ones(point.size), point
    (missing,) = np.nonzero(~reaches)  # the point's disc misses the row: the node's is extra
    (left,) = np.nonzero(reaches & (lo != node_lo))
    (right,) = np.nonzero(reaches & (hi != node_hi))
    left_lo, right_hi = _ints(lo[left]), _ints(hi[right])
    return (
        np.concatenate(
            [
                np.full(missing.size, node_lo),
                np.minimum(left_lo, node_lo),
                np.minimum(right_hi, node_hi) + 1,
            ]
        ),
        np.concatenate(
            [
                np.full(missing.size, node_hi),
                np.maximum(left_lo, node_lo) - 1,
                np.maximum(right_hi, node_hi),
            ]
        ),
        np.concatenate(
            [
                -np.ones(missing.size),
                np.where(left_lo < node_lo, 1.0, -1.0),
                np.where(right_hi > node_hi, 1.0, -1.0),
            ]
        ),
        np.concatenate([missing, left, right]),
    )


def _ints(values: np.ndarray) -> np.ndarray:
    return values.astype(np.int64)
