"""Getis-Ord Gi* core on arrays: z-scores, analytical and permutation p, confidence bins."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy import stats

from layers._errors import SchemaError

DEFAULT_ALPHA: tuple[float, ...] = (0.10, 0.05, 0.01)
"""Significance levels of the bins 1, 2, 3 (90 %, 95 %, 99 % confidence), as ArcGIS reports."""

_CHUNK_ENTRIES = 2_000_000  # gathered values per block of the permutation test (~16 MB)
_FLOYD_MAX = 48  # neighbour counts above this draw subsets with Generator.choice per row


# --- public functions -----------------------------------------------------------------
def gi_star_scores(values: np.ndarray, weights: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Return the Getis-Ord Gi* z-score and analytical two-sided p-value of every location.

    With ``x`` the values, ``n`` their number, ``xbar`` their mean, ``S`` their
    population standard deviation (``sqrt(mean(x**2) - xbar**2)``), ``W_i`` the sum and
    ``S1_i`` the sum of squares of row ``i`` of the weights (the row *includes* the self
    weight ``w_ii``)::

        z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i**2) / (n - 1)))

    (Getis & Ord 1992; Ord & Getis 1995). For binary weights this is exactly what
    ``esda.G_Local(y, w, transform="B", star=True)`` computes as ``Zs``; the p-value is
    ``2 * norm.sf(|z|)``, i.e. twice esda's one-sided ``p_norm``.

    Parameters
    ----------
    values
        One non-negative value per location (counts), shape ``(n,)``.
    weights
        ``(n, n)`` spatial weights with the self weight on the diagonal (1 for binary
        Gi*). Rows need not be symmetric.

    Returns
    -------
    z : numpy.ndarray
        float64 z-scores. NaN everywhere when the values have zero variance, and NaN for a
        row with no weight at all; 0 where the row weighs every location equally (the
        neighbourhood is the whole study area, so it carries no information).
    p : numpy.ndarray
        float64 two-sided p-values from the standard normal; NaN where ``z`` is NaN.
    """
    y = np.asarray(values, dtype="float64").reshape(-1)
    w = sp.csr_matrix(weights, dtype="float64")
    mean, sd = _moments(y)
    row_sum = np.asarray(w.sum(axis=1)).reshape(-1)
    row_sq = np.asarray(w.multiply(w).sum(axis=1)).reshape(-1)
    z = _z_scores(w @ y, row_sum, row_sq, mean=mean, sd=sd, n=y.size)
    return z, 2.0 * stats.norm.sf(np.abs(z))


def significance_bins(
    z: np.ndarray,
    p: np.ndarray,
    *,
    alpha: Sequence[float] = DEFAULT_ALPHA,
    fdr: bool = True,
) -> np.ndarray:
    """Return ArcGIS-style confidence bins: ±3 (99 %), ±2 (95 %), ±1 (90 %), 0 (none).

    The sign is the sign of ``z`` (positive = hot spot, negative = cold spot). Levels
    are the values of ``alpha`` sorted from largest to smallest: bin 1 for the largest
    (0.10), up to bin ``len(alpha)`` for the smallest (0.01).

    Without ``fdr`` a location reaches a level when ``p <= alpha``. With ``fdr`` the
    Benjamini-Hochberg procedure is run once per level, as ArcGIS's "FDR correction"
    does: over the ``m`` finite p-values sorted ascending, the level's critical p is the
    largest ``p_(k)`` with ``p_(k) <= k * alpha / m``; a location reaches the level when
    its p is at most that critical p (none does when no ``p_(k)`` qualifies). Each
    location gets the highest level it reaches. This controls the expected share of
    false discoveries among the significant locations at each level; the BH critical
    p is never larger than ``alpha``.

    Parameters
    ----------
    z
        z-scores, shape ``(n,)``.
    p
        Two-sided p-values, same shape; NaN gives bin 0.
    alpha
        One to three distinct significance levels in (0, 1).
    fdr
        Apply the Benjamini-Hochberg false discovery rate correction per level.

    Returns
    -------
    numpy.ndarray
        int8 bins in ``-len(alpha) .. len(alpha)``.

    Raises
    ------
    SchemaError
        When ``alpha`` is not one to three distinct numbers in (0, 1), or ``z`` and ``p``
        differ in shape.
    """
    z_a = np.asarray(z, dtype="float64").reshape(-1)
    p_a = np.asarray(p, dtype="float64").reshape(-1)
    if z_a.shape != p_a.shape:
        raise SchemaError(f"z and p must have the same length; received {z_a.size} and {p_a.size}.")
    thresholds = critical_p_values(p_a, alpha=alpha, fdr=fdr)
    reached = np.zeros(p_a.size, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        for level, threshold in enumerate(thresholds.values(), start=1):
            reached = np.where(p_a <= threshold, np.int8(level), reached)
    return (np.sign(np.nan_to_num(z_a)).astype(np.int8) * reached).astype(np.int8)


def critical_p_values(
    p: np.ndarray, *, alpha: Sequence[float] = DEFAULT_ALPHA, fdr: bool = True
) -> dict[float, float]:
    """Return the p-value threshold of each confidence level, as :func:`significance_bins` uses.

    Parameters
    ----------
    p
        Two-sided p-values; NaN are left out of the Benjamini-Hochberg count ``m``.
    alpha
        One to three distinct significance levels in (0, 1).
    fdr
        Benjamini-Hochberg critical p per level (else the level itself).

    Returns
    -------
    dict of float to float
        ``{alpha: threshold}`` from the largest alpha to the smallest; a location reaches
        a level when ``p <= threshold``. -1.0 means no location can reach the level.

    Raises
    ------
    SchemaError
        When ``alpha`` is not one to three distinct numbers in (0, 1).
    """
    levels = _checked_alpha(alpha)
    p_a = np.asarray(p, dtype="float64").reshape(-1)
    return {a: (_bh_critical_p(p_a, a) if fdr else a) for a in levels}


def conditional_permutation_p(
    values: np.ndarray,
    weights: sp.csr_matrix,
    *,
    permutations: int,
    seed: int | None,
) -> np.ndarray:
    """Return the pseudo p-value of every location's Gi* under conditional randomisation.

    For location ``i`` its own value stays in place and its ``k_i`` neighbours (the
    off-diagonal entries of its weights row) take values drawn without replacement from
    the other ``n - 1`` locations, ``permutations`` times. The test is *folded* toward
    the observed side, exactly as esda's ``p_sim``: with ``M`` the smaller of the number
    of draws at or above the observed statistic and the number strictly below it, the
    pseudo p is ``(M + 1) / (permutations + 1)``. It is one-sided (at least
    ``1 / (permutations + 1)``, at most about 0.5); compare it with half the two-sided
    analytical p.

    Draws are shared by the locations with the same number of neighbours (esda shares
    one set among all locations), so p-values of different locations are not
    independent; each one's distribution is exact.

    Parameters
    ----------
    values
        One value per location, shape ``(n,)``.
    weights
        ``(n, n)`` weights with the self weight on the diagonal.
    permutations
        Number of random draws per location; 0 returns all NaN.
    seed
        Seed of ``numpy.random.default_rng``; None draws fresh entropy (not reproducible).

    Returns
    -------
    numpy.ndarray
        float64 pseudo p-values; NaN for a location without neighbours (nothing to
        permute) and everywhere when ``permutations`` is 0.
    """
    y = np.asarray(values, dtype="float64").reshape(-1)
    p = np.full(y.size, np.nan)
    if permutations <= 0 or y.size < 2:
        return p
    w = sp.csr_matrix(weights, dtype="float64")
    self_w = w.diagonal()
    others = sp.csr_matrix(w - sp.diags(self_w))
    others.eliminate_zeros()
    others.sort_indices()
    counts = np.diff(others.indptr)
    rng = np.random.default_rng(seed)
    for k in np.unique(counts[counts > 0]):
        rows = np.flatnonzero(counts == k)
        draws = _draw_subsets(rng, population=y.size - 1, k=int(k), size=permutations)
        p[rows] = _group_p(y, others, self_w, rows, draws)
    return p


# --- private steps --------------------------------------------------------------------
def _moments(y: np.ndarray) -> tuple[float, float]:
    """Mean and population standard deviation, computed as esda does (E[x^2] - E[x]^2)."""
    if y.size == 0:
        return float("nan"), float("nan")
    mean = float(y.mean())
    variance = float((y**2).mean() - mean**2)
    return mean, float(np.sqrt(max(variance, 0.0)))


def _z_scores(
    lag: np.ndarray, row_sum: np.ndarray, row_sq: np.ndarray, *, mean: float, sd: float, n: int
) -> np.ndarray:
    numerator = lag - mean * row_sum
    spread = np.maximum(n * row_sq - row_sum**2, 0.0) / max(n - 1, 1)
    denominator = sd * np.sqrt(spread)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(denominator > 0, numerator / denominator, 0.0)
    undefined = (row_sum == 0) | (not sd > 0)
    return np.where(undefined, np.nan, z)


def _checked_alpha(alpha: Sequence[float]) -> list[float]:
    try:
        levels = sorted({float(a) for a in alpha}, reverse=True)
        ok = 1 <= len(levels) <= 3 and len(levels) == len(alpha)
        ok = ok and all(0.0 < a < 1.0 for a in levels)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SchemaError(
            f"alpha must be one to three distinct significance levels between 0 and 1; "
            f"received {alpha!r}. Use for example (0.10, 0.05, 0.01)."
        )
    return levels


def _bh_critical_p(p: np.ndarray, alpha: float) -> float:
    """Largest sorted p with p_(k) <= k alpha / m (Benjamini-Hochberg); -1 when none."""
    finite = np.sort(p[np.isfinite(p)])
    m = finite.size
    if m == 0:
        return -1.0
    passing = np.flatnonzero(finite <= alpha * np.arange(1, m + 1) / m)
    return float(finite[passing[-1]]) if passing.size else -1.0


def _draw_subsets(rng: np.random.Generator, *, population: int, k: int, size: int) -> np.ndarray:
    """``size`` rows of ``k`` distinct indices from ``range(population)``, in random order.

    Floyd's algorithm, vectorised over rows (O(size k^2)); the order is then shuffled so
    that each neighbour slot gets a uniformly random other location.
    """
    if k > _FLOYD_MAX:
        return np.stack([rng.choice(population, size=k, replace=False) for _ in range(size)])
    out = np.empty((size, k), dtype=np.int64)
    for step, top in enumerate(range(population - k, population)):
        pick = rng.integers(0, top + 1, size=size)
        seen = (out[:, :step] == pick[:, None]).any(axis=1)
        out[:, step] = np.where(seen, top, pick)
    return rng.permuted(out, axis=1)


def _group_p(
    y: np.ndarray, others: sp.csr_matrix, self_w: np.ndarray, rows: np.ndarray, draws: np.ndarray
) -> np.ndarray:
    """Folded pseudo p for the locations ``rows``, which all have ``k`` neighbours."""
    permutations, k = draws.shape
    slots = others.indptr[rows][:, None] + np.arange(k)
    cols, wts = others.indices[slots], others.data[slots]
    fixed = self_w[rows] * y[rows]
    observed = np.einsum("ck,ck->c", y[cols], wts) + fixed
    larger = np.empty(rows.size, dtype=np.int64)
    step = max(1, _CHUNK_ENTRIES // (permutations * k))
    for start in range(0, rows.size, step):
        part = slice(start, start + step)
        own = rows[part][:, None, None]
        picked = y[draws[None, :, :] + (draws[None, :, :] >= own)]
        simulated = np.einsum("crk,ck->cr", picked, wts[part]) + fixed[part][:, None]
        larger[part] = (simulated >= observed[part][:, None]).sum(axis=1)
    folded = np.minimum(larger, permutations - larger)  # esda's "directed" p_sim
    return (folded + 1.0) / (permutations + 1.0)
