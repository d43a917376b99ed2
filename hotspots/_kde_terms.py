"""The terms ``moment(d) * stencil(o)`` whose sum over terms is each kernel's ``K(o - d)``.

Cells as unit, ``t = o.d`` and ``s = |d|²``. Quartic, exactly inside the disc:
``K = A [a² + 2a (2t - s) / H² + (4t² - 4ts + s²) / H⁴]`` with ``A = 3 / (pi H²)`` and
``a = 1 - |o|² / H²``. Gaussian (sigma = H), to third order in d:
``K = G(o) [1 + t/H² - s/2H² + t²/2H⁴ - ts/2H⁴ + t³/6H⁶]``; its stencils are ``G(o)``
times sums of monomials ``c ox^a oy^b``, each separable into an x and a y factor.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

QUARTIC = "quartic"
GAUSSIAN = "gaussian"
Moment = Callable[[np.ndarray, np.ndarray], np.ndarray]
Stencil = Callable[[np.ndarray, np.ndarray, float], np.ndarray]
Monomial = tuple[Callable[[float], float], int, int]  # (coefficient of H, a, b): c ox^a oy^b


def one(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Return the zeroth moment: the weight itself."""
    return np.ones_like(dx)


def _q(ox: np.ndarray, oy: np.ndarray, h: float) -> np.ndarray:
    return 3 / (math.pi * h * h) * np.ones_like(ox)


def _a(ox: np.ndarray, oy: np.ndarray, h: float) -> np.ndarray:
    return 1 - (ox * ox + oy * oy) / (h * h)


QUARTIC_TERMS: tuple[tuple[Moment, Stencil], ...] = (
    (one, lambda ox, oy, h: _q(ox, oy, h) * _a(ox, oy, h) ** 2),
    (lambda dx, dy: dx, lambda ox, oy, h: _q(ox, oy, h) * 4 * _a(ox, oy, h) * ox / h**2),
    (lambda dx, dy: dy, lambda ox, oy, h: _q(ox, oy, h) * 4 * _a(ox, oy, h) * oy / h**2),
    (
        lambda dx, dy: dx * dx,
        lambda ox, oy, h: _q(ox, oy, h) * (4 * ox * ox / h**4 - 2 * _a(ox, oy, h) / h**2),
    ),
    (
        lambda dx, dy: dy * dy,
        lambda ox, oy, h: _q(ox, oy, h) * (4 * oy * oy / h**4 - 2 * _a(ox, oy, h) / h**2),
    ),
    (lambda dx, dy: dx * dy, lambda ox, oy, h: _q(ox, oy, h) * 8 * ox * oy / h**4),
    (lambda dx, dy: dx * (dx * dx + dy * dy), lambda ox, oy, h: _q(ox, oy, h) * -4 * ox / h**4),
    (lambda dx, dy: dy * (dx * dx + dy * dy), lambda ox, oy, h: _q(ox, oy, h) * -4 * oy / h**4),
    (lambda dx, dy: (dx * dx + dy * dy) ** 2, lambda ox, oy, h: _q(ox, oy, h) / h**4),
)
"""Nine terms: exact for the quartic wherever the node's and the point's discs agree."""

GAUSSIAN_MONOMIALS: tuple[tuple[Moment, tuple[Monomial, ...]], ...] = (
    (one, ((lambda h: 1.0, 0, 0),)),
    (lambda dx, dy: dx, ((lambda h: h**-2, 1, 0),)),
    (lambda dx, dy: dy, ((lambda h: h**-2, 0, 1),)),
    (lambda dx, dy: dx * dx, ((lambda h: h**-4 / 2, 2, 0), (lambda h: -(h**-2) / 2, 0, 0))),
    (lambda dx, dy: dy * dy, ((lambda h: h**-4 / 2, 0, 2), (lambda h: -(h**-2) / 2, 0, 0))),
    (lambda dx, dy: dx * dy, ((lambda h: h**-4, 1, 1),)),
    (lambda dx, dy: dx * dx * dx, ((lambda h: h**-6 / 6, 3, 0), (lambda h: -(h**-4) / 2, 1, 0))),
    (lambda dx, dy: dx * dx * dy, ((lambda h: h**-6 / 2, 2, 1), (lambda h: -(h**-4) / 2, 0, 1))),
    (lambda dx, dy: dx * dy * dy, ((lambda h: h**-6 / 2, 1, 2), (lambda h: -(h**-4) / 2, 1, 0))),
    (lambda dx, dy: dy * dy * dy, ((lambda h: h**-6 / 6, 0, 3), (lambda h: -(h**-4) / 2, 0, 1))),
)
"""Ten terms: the Gaussian to third order in the point's offset from its node."""


def gaussian_factor(o: np.ndarray, h: float) -> np.ndarray:
    """Return one axis's factor of the Gaussian, ``exp(-o² / 2h²)``.

    Times the other axis's factor and ``1 / (2 pi h²)`` it is the kernel.
    """
    return np.exp(-(o * o) / (2 * h * h))


def _gaussian_stencil(monomials: tuple[Monomial, ...]) -> Stencil:
    def stencil(ox: np.ndarray, oy: np.ndarray, h: float) -> np.ndarray:
        g = gaussian_factor(ox, h) * gaussian_factor(oy, h) / (2 * math.pi * h * h)
        return g * sum((c(h) * ox**a * oy**b for c, a, b in monomials), np.zeros_like(ox))

    return stencil


GAUSSIAN_TERMS: tuple[tuple[Moment, Stencil], ...] = tuple(
    (moment, _gaussian_stencil(monomials)) for moment, monomials in GAUSSIAN_MONOMIALS
)
"""The same ten terms with their stencils as functions of (ox, oy, H)."""
