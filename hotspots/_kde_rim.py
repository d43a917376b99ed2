"""Exact rim corrections of the quartic expansion, by class of the points' offsets from their nodes.

The FFT expansion adds each point's kernel polynomial ``P(o - d)`` at the node offsets
o inside the node's disc (``|o| < R``), while the kernel is ``P(o - d)`` inside the
point's own disc (``|o - d| < R``) and 0 outside. The two discs differ only at offsets
o within a cell's half-diagonal of the rim. There, adding ``+P`` where only the point's
disc reaches and ``-P`` where only the node's does makes the sum exact.

The offsets d (each coordinate within half a cell) fall into 16 x 16 classes. For each
class, the offsets o where some d of the class could lie on the other side of the rim
from its node are listed once (about 19 for a radius of 12.6 cells). For the points of
a class and its listed offsets, ``U = 1 - |o - d|² / H²`` comes out of one small matrix
product (``P = A U²``) and is cut at 0 where the two discs agree, so a point costs a few
passes over about 19 numbers instead of a test of every row of its disc. Points sit in
no particular order within a class; each block of pairs is added to the grid at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hotspots._kde_expansion import Nodes

CLASSES_PER_SIDE = 16
"""Classes of the offset d per axis: more classes list fewer offsets per point."""
_BLOCK = 65_536  # (point, offset) pairs per matrix product: small enough for one thread
_LEAST_BLOCK = 256  # points per product, however many offsets a class lists
_EPS = 1e-9  # a class's box of offsets is widened by this (cells) to list every offset
_HALF_DIAGONAL = 0.75  # a little over half a cell's diagonal: the rim's reach into cells


@dataclass(frozen=True)
class _Table:
    """Per class (``starts[c]:starts[c + 1]``), the node offsets where the discs can differ.

    ``inside`` first: offsets inside the node's disc (the point's disc may miss them),
    then those outside it (the point's disc may reach them).
    """

    starts: np.ndarray
    inside_count: np.ndarray
    ox: np.ndarray
    oy: np.ndarray


@dataclass(frozen=True)
class _Sorted:
    """The points ordered by class: class c holds ``starts[c]:starts[c + 1]``."""

    starts: np.ndarray
    basis: np.ndarray  # (n, 4): dx, dy, 1, |d|²
    flat: np.ndarray
    w: np.ndarray | None  # None when every weight is 1


def rim_correction(
    nodes: Nodes, out_shape: tuple[int, int], *, h: float, radius: float
) -> np.ndarray:
    """Return the corrections on the output cells (cell units), to add to the expansion.

    ``h`` is the quartic's bandwidth in cells and ``radius`` its support (equal to
    ``h``). The corrections are summed on the widened grid of the nodes, with rows
    added above and below so that every listed offset of every node lands on it, and
    cut to the output grid at the end.
    """
    ny, nx = nodes.shape
    pad = math.floor(radius) + 2  # rows beyond the farthest offset: no index below 0
    grid = np.zeros((ny + 2 * pad) * nx)
    _add_pairs(
        grid,
        _sorted_points(nodes),
        _offset_table(radius),
        width=nx,
        shift=pad * nx,
        h=h,
    )
    top, m = pad + nodes.margin, nodes.margin
    return grid.reshape(-1, nx)[top : top + out_shape[0], m : m + out_shape[1]]


def _offset_table(radius: float) -> _Table:
    """List, per class of d, the node offsets o where ``|o - d| < R`` and ``|o| < R`` can differ.

    A class is the box of d (widened by a hair); over the box, ``|o - d|`` runs from its
    nearest to its farthest corner or edge. An offset inside the node's disc is listed
    when the box's farthest d reaches the rim; one outside, when its nearest d does.
    """
    ox, oy = _near_rim(radius)
    inside = ox * ox + oy * oy < radius**2  # as the expansion's stencils are cut
    order = np.argsort(~inside, kind="stable")  # inside offsets first
    ox, oy, inside = ox[order], oy[order], inside[order]
    g = CLASSES_PER_SIDE
    edges = np.arange(g + 1) / g - 0.5
    near_x, far_x = _box_distances(ox, edges[:-1] - _EPS, edges[1:] + _EPS)
    near_y, far_y = _box_distances(oy, edges[:-1] - _EPS, edges[1:] + _EPS)
    near = near_x[:, None, :] + near_y[None, :, :]  # (class x, class y, offsets)
    far = far_x[:, None, :] + far_y[None, :, :]
    listed = np.where(inside, far >= radius**2, near <= radius**2).reshape(g * g, -1)
    _, pick = np.nonzero(listed)  # class by class, inside offsets first
    return _Table(
        starts=np.concatenate([[0], np.cumsum(listed.sum(axis=1))]),
        inside_count=listed[:, inside].sum(axis=1),
        ox=ox[pick],
        oy=oy[pick],
    )


def _near_rim(radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Return every whole offset (ox, oy) within a cell's half-diagonal of the rim, and a few more.

    Row by row, the columns with ``(R - 0.75)² <= ox² + oy² <= (R + 0.75)²`` on both
    sides of the row's centre (rounded outwards).
    """
    reach = math.floor(radius) + 1
    oy = np.arange(-reach, reach + 1, dtype="float64")
    outer = np.floor(np.sqrt(np.maximum((radius + _HALF_DIAGONAL) ** 2 - oy * oy, 0.0)))
    inner = np.ceil(np.sqrt(np.maximum((radius - _HALF_DIAGONAL) ** 2 - oy * oy, 0.0)))
    inner = np.maximum(np.minimum(inner, outer) - 1, 0.0)
    counts = (outer - inner + 1).astype(np.int64)
    row = np.repeat(np.arange(oy.size), counts)
    right = inner[row] + (np.arange(row.size) - np.repeat(np.cumsum(counts) - counts, counts))
    left = right > 0  # mirrored to the left of the centre column
    return np.concatenate([right, -right[left]]), np.concatenate([oy[row], oy[row][left]])


def _box_distances(o: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """Smallest and largest ``(o - d)²`` for d in each interval ``[lo, hi]``, per offset."""
    o, lo, hi = o[None, :], lo[:, None], hi[:, None]
    gap = np.maximum(np.maximum(lo - o, o - hi), 0.0)
    span = np.maximum(np.abs(o - lo), np.abs(o - hi))
    return gap * gap, span * span


def _sorted_points(nodes: Nodes) -> _Sorted:
    """Order the points by class (a radix sort), their offsets row by row (one cache line)."""
    g = CLASSES_PER_SIDE
    cls = (_class_of(nodes.dx, g) * g + _class_of(nodes.dy, g)).astype(np.uint16)
    order = np.argsort(cls, kind="stable")
    rows = np.empty((nodes.dx.size, 4))
    rows[:, 0], rows[:, 1], rows[:, 2] = nodes.dx, nodes.dy, 1.0
    rows[:, 3] = nodes.dx * nodes.dx + nodes.dy * nodes.dy
    w = None if bool(np.all(nodes.w == 1)) else nodes.w[order]
    starts = np.concatenate([[0], np.cumsum(np.bincount(cls, minlength=g * g))])
    return _Sorted(starts, np.take(rows, order, axis=0), nodes.flat[order], w)


def _class_of(d: np.ndarray, g: int) -> np.ndarray:
    """Class (0 to g - 1) of offsets d in [-0.5, 0.5] along one axis."""
    return np.minimum(((d + 0.5) * g).astype(np.int64), g - 1)  # truncation: -0.5 - tiny is 0


def _add_pairs(
    grid: np.ndarray,
    points: _Sorted,
    table: _Table,
    *,
    width: int,
    shift: int,
    h: float,
) -> None:
    """Add ``± A U²`` at node + o for every point and listed offset o of its class.

    ``U = 1 - |o - d|² / H²`` is the product of the offset's coefficients with the
    point's basis (dx, dy, 1, |d|²), ``sqrt(A)`` folded into the coefficients. Blocks
    of points are small enough that the product runs on one thread.
    """
    coefficients = _coefficients(table.ox, table.oy, h)
    steps = (table.oy * width + table.ox).astype(np.int64) + shift
    for c in range(table.starts.size - 1):
        offsets = slice(int(table.starts[c]), int(table.starts[c + 1]))
        inside, listed = int(table.inside_count[c]), offsets.stop - offsets.start
        if not listed:
            continue
        lo, hi = int(points.starts[c]), int(points.starts[c + 1])
        block = max(_LEAST_BLOCK, _BLOCK // listed)
        for a in range(lo, hi, block):
            b = min(a + block, hi)
            u = _signed_squares(coefficients[offsets] @ points.basis[a:b].T, inside)
            if points.w is not None:
                u *= points.w[None, a:b]
            np.add.at(grid, (steps[offsets, None] + points.flat[None, a:b]).ravel(), u.ravel())


def _signed_squares(u: np.ndarray, inside: int) -> np.ndarray:
    """Turn ``U`` (offsets by points) into the corrections ``-U²`` or ``+U²``, in place.

    The first ``inside`` rows are offsets inside the node's disc: ``U <= 0`` there means
    the point's disc misses o (``-U²``). The other rows lie outside it: ``U > 0`` means
    the point's disc reaches o (``+U²``). Everywhere else the discs agree (0).
    """
    np.minimum(u[:inside], 0.0, out=u[:inside])
    np.maximum(u[inside:], 0.0, out=u[inside:])
    u *= u
    np.negative(u[:inside], out=u[:inside])
    return u


def _coefficients(ox: np.ndarray, oy: np.ndarray, h: float) -> np.ndarray:
    """Rows (2 ox, 2 oy, H² - |o|², -1) / H² times ``sqrt(3 / pi) / H``, one per offset."""
    rows = np.stack([2 * ox, 2 * oy, h * h - ox * ox - oy * oy, np.full(ox.size, -1.0)], axis=1)
    return rows * (math.sqrt(3 / math.pi) / h / (h * h))
