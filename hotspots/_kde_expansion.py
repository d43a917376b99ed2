"""The FFT part of the kernel sum: points on nodes, moment grids, coefficient stencils, error bound.

Work is in cell units (cell side 1, bandwidth ``H``). Each point p goes to its nearest
node n (a cell centre of the grid widened by a margin), with offset ``d = p - n``, each
coordinate within half a cell. For a cell centre g and node offset ``o = g - n`` the
kernel ``K(o - d)`` is a sum of terms ``moment(d) * stencil(o)``; summing over points
gives, per term, a moment grid convolved (by FFT) with a stencil. The quartic kernel is
a polynomial of degree 4 inside its disc, so nine terms give it exactly wherever the
node's and the point's discs agree; the Gaussian is expanded to third order (ten terms)
below 8 cells per sigma, to second order (six terms) from there. The Gaussian's stencils
are separable, so their spectra are outer products of one spectrum per axis. Where the
expansion can err (a kernel's rim; the Gaussian's higher orders) a bound of the error,
sampled over the cell, is convolved with the weights the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import fft

from hotspots._kde_terms import (
    GAUSSIAN_MONOMIALS,
    GAUSSIAN_TERMS,
    QUARTIC,
    QUARTIC_TERMS,
    Moment,
    Stencil,
    gaussian_factor,
)

SECOND_ORDER_FROM = 8.0
"""From this many cells per sigma, the Gaussian is expanded to second order (six terms)."""
Spectrum = np.ndarray | tuple[np.ndarray, np.ndarray]
_SECOND_ORDER = 6  # the first six Gaussian terms make the second-order expansion
_SAFETY = 1.5  # the largest sampled error of the expansion is multiplied by this
_SAMPLES = 7  # offsets d sampled per axis of the cell (corners included) for that bound


@dataclass(frozen=True)
class Nodes:
    """Kept points on the widened grid: node (flat index), position and offset, weight.

    Positions ``fx, fy`` are in cells with node (row i, column j) at (j, i); the output
    grid's cell (r, c) is node (r + margin, c + margin). Offsets ``dx, dy`` from the
    node are each within half a cell.
    """

    flat: np.ndarray
    fx: np.ndarray
    fy: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    w: np.ndarray
    shape: tuple[int, int]
    margin: int


def nodes_of(
    fx: np.ndarray, fy: np.ndarray, w: np.ndarray, out_shape: tuple[int, int], *, margin: int
) -> Nodes:
    """Return the points whose nearest node lies on the output grid widened by ``margin``.

    ``fx, fy`` are positions in cells with output cell (r, c) centred at (c, r).
    """
    ny, nx = out_shape[0] + 2 * margin, out_shape[1] + 2 * margin
    fx, fy = fx + margin, fy + margin
    col, row = np.rint(fx), np.rint(fy)
    keep = (col >= 0) & (col <= nx - 1) & (row >= 0) & (row <= ny - 1)
    if not keep.all():
        fx, fy, col, row, w = fx[keep], fy[keep], col[keep], row[keep], w[keep]
    flat = row.astype(np.int64) * nx + col.astype(np.int64)
    return Nodes(flat, fx, fy, fx - col, fy - row, w, (ny, nx), margin)


def expansion(
    nodes: Nodes,
    *,
    kernel: str,
    radius: float,
    h: float,
    out_shape: tuple[int, int],
    kernel_at: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the expanded kernel sum on the output cells and, given ``kernel_at``, its bound.

    The bound compares the expansion with ``kernel_at(dx, dy)`` (see
    :func:`_error_stencil`); without it the bound is an empty array. The quartic's
    stencils are cut to the disc ``|o| < radius``, the Gaussian's to the square
    ``|ox|, |oy| < radius``, whose spectra are products of one spectrum per axis.
    """
    size = tuple(fft.next_fast_len(n, real=True) for n in nodes.shape)
    iy, ix, oy, ox = _offsets(math.floor(radius), size)
    order = len(GAUSSIAN_TERMS) if h < SECOND_ORDER_FROM else _SECOND_ORDER
    terms = QUARTIC_TERMS if kernel == QUARTIC else GAUSSIAN_TERMS[:order]
    if kernel == QUARTIC:
        inside = ox * ox + oy * oy < radius**2
        stencils = [np.where(inside, stencil(ox, oy, h), 0.0) for _, stencil in terms]
        spectra: Iterator[Spectrum] = (_spectrum(st, iy, ix, size) for st in stencils)
    else:
        inside = (np.abs(ox) < radius) & (np.abs(oy) < radius)
        stencils = [np.where(inside, stencil(ox, oy, h), 0.0) for _, stencil in terms]
        spectra = _separable_spectra(radius, h, size, order)
    padded = (nodes.flat // nodes.shape[1]) * size[1] + nodes.flat % nodes.shape[1]
    dx, dy = nodes.dx, nodes.dy
    weights = _moment_spectrum(padded, nodes.w, size)  # terms[0]: the weights themselves
    total = _times(weights.copy(), next(spectra))
    for (moment, _), spectrum in zip(terms[1:], spectra, strict=True):
        total += _times(_moment_spectrum(padded, nodes.w * moment(dx, dy), size), spectrum)
    cut = (
        slice(nodes.margin, nodes.margin + out_shape[0]),
        slice(nodes.margin, nodes.margin + out_shape[1]),
    )
    summed = np.ascontiguousarray(fft.irfft2(total, s=size)[cut])
    if kernel_at is None:
        return summed, np.empty(0)
    error = _spectrum(_error_stencil(terms, stencils, kernel_at, ox, oy), iy, ix, size)
    return summed, np.abs(fft.irfft2(weights * error, s=size)[cut])


def _moment_spectrum(padded: np.ndarray, values: np.ndarray, size: tuple[int, ...]) -> np.ndarray:
    """Spectrum of the values summed on their nodes, laid out on the zero-padded FFT grid."""
    grid = np.bincount(padded, values, minlength=math.prod(size))
    return fft.rfft2(grid.reshape(size))


def _times(spectrum: np.ndarray, factor: Spectrum) -> np.ndarray:
    """Multiply in place by a full spectrum or by an outer product (y factor, x factor)."""
    if isinstance(factor, tuple):
        spectrum *= factor[0][:, None]
        spectrum *= factor[1][None, :]
    else:
        spectrum *= factor
    return spectrum


def _separable_spectra(
    radius: float, h: float, size: tuple[int, ...], order: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Spectra of the Gaussian's stencils as (y factor, x factor) pairs.

    Each stencil's monomials share their power of x or their power of y, so that its
    spectrum is one outer product of axis spectra.
    """
    reach = math.floor(radius)
    steps = np.arange(-reach - 1, reach + 2).astype("float64")
    factor = np.where(np.abs(steps) < radius, gaussian_factor(steps, h), 0.0)
    y_axis = [fft.fft(_wrapped(factor * steps**p, steps, size[0])) for p in range(4)]
    x_axis = [fft.rfft(_wrapped(factor * steps**p, steps, size[1])) for p in range(4)]
    scale = 1 / (2 * math.pi * h * h)
    for _, monomials in GAUSSIAN_MONOMIALS[:order]:
        if len({a for _, a, _ in monomials}) == 1:
            a = monomials[0][1]
            y = sum((c(h) * scale * y_axis[b] for c, _, b in monomials), np.zeros_like(y_axis[0]))
            yield y, x_axis[a]
        else:
            b = monomials[0][2]
            x = sum((c(h) * scale * x_axis[a] for c, a, _ in monomials), np.zeros_like(x_axis[0]))
            yield y_axis[b], x


def _wrapped(values: np.ndarray, steps: np.ndarray, length: int) -> np.ndarray:
    line = np.zeros(length)
    line[steps.astype(np.int64) % length] = values
    return line


def _offsets(reach: int, size: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Return wrapped indices and offsets (cells) of the stencil's square, centred on 0."""
    steps = np.arange(-reach - 1, reach + 2)
    oy, ox = np.meshgrid(steps, steps, indexing="ij")
    return oy % size[0], ox % size[1], oy.astype("float64"), ox.astype("float64")


def _spectrum(
    values: np.ndarray, iy: np.ndarray, ix: np.ndarray, size: tuple[int, ...]
) -> np.ndarray:
    stencil = np.zeros(size)
    stencil[iy, ix] = values
    return fft.rfft2(stencil)


def _error_stencil(
    terms: tuple[tuple[Moment, Stencil], ...],
    stencils: list[np.ndarray],
    kernel_at: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ox: np.ndarray,
    oy: np.ndarray,
) -> np.ndarray:
    """Largest error of the expansion per unit weight at each node offset, with a margin.

    The expansion is compared with the kernel at 7 x 7 offsets d spread over the cell,
    corners included; the largest difference is multiplied by 1.5.
    """
    bound = np.zeros_like(ox)
    for d in np.linspace(-0.5, 0.5, _SAMPLES):
        for e in np.linspace(-0.5, 0.5, _SAMPLES):
            dx, dy = np.array([d]), np.array([e])
            approx = sum(
                (m(dx, dy)[0] * s for (m, _), s in zip(terms, stencils, strict=True)),
                start=np.zeros_like(ox),
            )
            exact = kernel_at(ox - d, oy - e)
            np.maximum(bound, np.abs(exact - approx), out=bound)
    return _SAFETY * bound
