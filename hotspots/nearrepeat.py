"""Near-repeat analysis: the Knox test of space-time clustering, as the Near Repeat Calculator.

Every pair of events is placed in a cell of a (distance band x time band) table by how
far apart the two events are in space (metres, Euclidean, British National Grid) and in
time (whole days). The observed table is compared with tables in which the dates are
shuffled among the events (Monte Carlo permutations: locations and the set of dates stay
fixed, only which date belongs to which place changes), exactly as Ratcliffe's Near
Repeat Calculator does (Johnson et al. 2007, Ratcliffe 2009).

Bands
-----
``distance_bands=[0, 100, 200, 400]`` gives the rows "same location" (exactly 0 m apart:
the calculator's first row, important because police data put many events on the same
address or snap point), "up to 100 m" (more than 0 and at most 100 m), "100 to 200 m"
(more than 100, at most 200) and "200 to 400 m", then "more than 400 m". Each distance
band holds ``distance_from < d <= distance_to`` (same location: ``d == 0``).

``time_bands=[0, 7, 14, 28]`` gives the columns "0 to 7 days", "8 to 14 days",
"15 to 28 days" and "more than 28 days": whole days apart (calendar dates; a time of day
is ignored), both ends included, ``time_from <= days <= time_to``. These are the bands
the calculator's labels name; Davies (github.com/tobydavies/NearRepeat) found that
version 1.3 of the calculator actually counts ``[a - 1, b)`` for a label "a to b", one
day (and one metre) short, so its figures for the shortest band can differ from these.

The "more than" row and column are counted as the calculator counts them, over all
``n(n - 1) / 2`` pairs, without listing the far pairs: the totals per distance band and
per time band do not change under permutation (only pairs change cells), so the far
cells follow from the near ones.

Statistics
----------
For each cell: ``observed`` pairs; ``expected``, the mean over the permutations (the
calculator's expected value); ``knox_ratio = observed / expected``; ``z`` from the mean
and standard deviation of the permutations; ``p_poisson``, the analytical upper-tail p of
Knox (1964) with a Poisson count whose mean is the exact permutation expectation
``S_i T_j / P`` (pairs in the distance band x pairs in the time band / all pairs); and
``p_sim = (number of permutations with a count >= observed + 1) / (permutations + 1)``,
one-sided (more pairs than chance), with ``significant = p_sim <= alpha`` as the
calculator marks its cells. No multiple-testing correction is applied (as in the
calculator): with ``k`` cells about ``alpha * k`` are expected to be marked by chance;
this is stated in ``attrs["correction"]``.

Pairs within the largest distance are found once (``scipy.spatial.cKDTree.query_pairs``);
only their time gaps change between permutations, and each permutation is one gather and
one ``numpy.bincount`` over those pairs.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import spatial, stats

from hotspots._knox_input import KnoxInput, NearRepeatWarning, validated_input

__all__ = ["KNOX_COLUMNS", "NearRepeatWarning", "knox_test"]

X = "x"
Y = "y"
DISTANCE_BAND = "distance_band"
DISTANCE_FROM = "distance_from"
DISTANCE_TO = "distance_to"
TIME_BAND = "time_band"
TIME_FROM = "time_from"
TIME_TO = "time_to"
OBSERVED = "observed"
EXPECTED = "expected"
KNOX_RATIO = "knox_ratio"
Z = "z"
P_POISSON = "p_poisson"
P_SIM = "p_sim"
SIGNIFICANT = "significant"

KNOX_COLUMNS: dict[str, str] = {
    DISTANCE_BAND: "str",
    DISTANCE_FROM: "float64",
    DISTANCE_TO: "float64",
    TIME_BAND: "str",
    TIME_FROM: "float64",
    TIME_TO: "float64",
    OBSERVED: "int64",
    EXPECTED: "float64",
    KNOX_RATIO: "float64",
    Z: "float64",
    P_POISSON: "float64",
    P_SIM: "float64",
    SIGNIFICANT: "bool",
}
"""Columns and dtypes of the table :func:`knox_test` returns."""


def knox_test(
    points: pd.DataFrame,
    *,
    distance_bands: Sequence[float],
    time_bands: Sequence[float],
    permutations: int = 99,
    seed: int | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Knox test of near repeats: pairs close in space and time, against shuffled dates.

    Parameters
    ----------
    points
        One row per event: a frame with columns ``x``, ``y`` (EPSG:27700 metres) and
        ``date`` (datetime64), or a GeoDataFrame of points with a CRS (converted to
        EPSG:27700 when needed) and a ``date`` column. Missing values are refused.
    distance_bands
        Band edges in metres, starting at 0 and strictly increasing, e.g.
        ``[0, 100, 200, 400]``.
    time_bands
        Band edges in whole days, starting at 0 and strictly increasing, e.g.
        ``[0, 7, 14, 28]``.
    permutations
        Number of date shuffles (99 gives p down to 0.01; the calculator's 20 iterations
        correspond to 19).
    seed
        Seed of the permutations; None draws one, which is returned in
        ``attrs["seed"]`` so that the run can be repeated.
    alpha
        Level at which a cell is marked ``significant`` (``p_sim <= alpha``).

    Returns
    -------
    pandas.DataFrame
        One row per (distance band, time band), distance bands outer, including the
        "same location" row and the "more than" row and column, with columns
        ``distance_band`` (str), ``distance_from``, ``distance_to`` (float64 metres,
        inf for the last row), ``time_band`` (str), ``time_from``, ``time_to``
        (float64 whole days, inf for the last column), ``observed`` (int64),
        ``expected``, ``knox_ratio``, ``z``, ``p_poisson``, ``p_sim`` (float64) and
        ``significant`` (bool). ``attrs`` holds ``seed``, ``permutations``, ``alpha``,
        ``n_events``, ``n_pairs``, ``pairs_within`` (pairs within the largest distance),
        ``correction``, ``method`` and ``crs`` (plain-English notes). With fewer than two
        events every count is 0 and ratios are NaN.

    Raises
    ------
    SchemaError
        When columns are missing, values are missing or not numbers / dates, the bands do
        not start at 0 or do not increase, time bands are not whole days, or
        ``permutations``, ``seed`` or ``alpha`` are unusable.

    Warns
    -----
    NearRepeatWarning
        When every date is the first of a month (month precision, as police.uk) while a
        time band is shorter than a month, or when ``permutations`` is below 19.
    """
    data = validated_input(
        points, distance_bands, time_bands, permutations=permutations, seed=seed, alpha=alpha
    )
    for message in data.warnings:
        warnings.warn(message, NearRepeatWarning, stacklevel=2)
    pairs = _close_pairs(data)
    observed = _table(pairs, data.days)
    simulated = _simulate(pairs, data)
    return _result(observed, simulated, pairs, data)


# --- pairs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pairs:
    """Pairs within the largest distance, their distance bands and the fixed totals.

    ``offset`` is each pair's distance band times the number of time columns, so that
    adding a time band gives the pair's cell in the flattened near table.
    """

    first: np.ndarray
    second: np.ndarray
    offset: np.ndarray
    lookup: np.ndarray
    n_distance: int
    n_time: int
    total: int
    distance_totals: np.ndarray
    time_totals: np.ndarray


def _close_pairs(data: KnoxInput) -> _Pairs:
    """Find the pairs within the largest distance once, with their distance bands."""
    found = spatial.cKDTree(data.xy).query_pairs(
        r=float(data.distance_edges[-1]), output_type="ndarray"
    )
    first, second = found[:, 0].astype(np.int64), found[:, 1].astype(np.int64)
    gap = np.hypot(*(data.xy[first] - data.xy[second]).T)
    band = np.searchsorted(data.distance_edges, gap, side="left")  # 0: same location
    n_distance, n_time = len(data.distance_edges), len(data.time_edges)
    total = len(data.days) * (len(data.days) - 1) // 2
    return _Pairs(
        first=first,
        second=second,
        offset=band.astype(np.int64) * n_time,
        lookup=_time_lookup(data.time_edges),
        n_distance=n_distance,
        n_time=n_time,
        total=total,
        distance_totals=np.append(np.bincount(band, minlength=n_distance), total - band.size),
        time_totals=_time_totals(data.days, data.time_edges, total),
    )


def _time_lookup(edges: np.ndarray) -> np.ndarray:
    """Time band of each gap 0..last edge + 1 (the last index: "more than")."""
    gaps = np.arange(int(edges[-1]) + 2)
    band = np.searchsorted(edges, gaps, side="left") - 1
    return np.clip(band, 0, len(edges) - 1).astype(np.int64)


def _time_totals(days: np.ndarray, edges: np.ndarray, total: int) -> np.ndarray:
    """Pairs (over all pairs) in each time band and beyond, from sorted dates."""
    ordered = np.sort(days)
    position = np.arange(ordered.size)
    within = np.array(
        [
            int((np.searchsorted(ordered, ordered + edge, side="right") - position - 1).sum())
            for edge in edges[1:]
        ],
        dtype=np.int64,
    )
    return np.diff(np.concatenate([[0], within, [total]]))


# --- counting -------------------------------------------------------------------------


def _table(pairs: _Pairs, days: np.ndarray) -> np.ndarray:
    """Count the pairs of every (distance x time) cell for one assignment of dates."""
    gap = np.abs(days[pairs.first] - days[pairs.second])
    np.minimum(gap, pairs.lookup.size - 1, out=gap)
    near = np.bincount(
        pairs.offset + pairs.lookup[gap], minlength=pairs.n_distance * pairs.n_time
    ).reshape(pairs.n_distance, pairs.n_time)
    far = pairs.time_totals - near.sum(axis=0)
    return np.vstack([near, far])


def _simulate(pairs: _Pairs, data: KnoxInput) -> np.ndarray:
    """Tables of ``permutations`` date shuffles, shape (permutations, rows, columns)."""
    rng = np.random.default_rng(np.random.SeedSequence(data.seed))
    return np.stack([_table(pairs, rng.permutation(data.days)) for _ in range(data.permutations)])


# --- result ---------------------------------------------------------------------------


def _result(
    observed: np.ndarray, simulated: np.ndarray, pairs: _Pairs, data: KnoxInput
) -> pd.DataFrame:
    """Build the table with the statistics of every cell, in the documented schema."""
    mean = simulated.mean(axis=0)
    spread = simulated.std(axis=0)
    exact = np.outer(pairs.distance_totals, pairs.time_totals) / max(pairs.total, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(mean > 0, observed / mean, np.nan)
        z = np.where(spread > 0, (observed - mean) / spread, np.nan)
    exceed = (simulated >= observed[None]).sum(axis=0)
    p_sim = (exceed + 1) / (data.permutations + 1)
    frame = _bands(data).assign(
        **{
            OBSERVED: observed.ravel().astype(np.int64),
            EXPECTED: mean.ravel(),
            KNOX_RATIO: ratio.ravel(),
            Z: z.ravel(),
            P_POISSON: stats.poisson.sf(observed.ravel() - 1, exact.ravel()),
            P_SIM: p_sim.ravel(),
            SIGNIFICANT: p_sim.ravel() <= data.alpha,
        }
    )
    frame = frame.astype(KNOX_COLUMNS)[list(KNOX_COLUMNS)]
    frame.attrs = _attrs(pairs, data)
    return frame


def _bands(data: KnoxInput) -> pd.DataFrame:
    """Labels and limits of every (distance band, time band) cell, distance outer."""
    distance = _distance_bands(data.distance_edges)
    time = _time_bands(data.time_edges)
    return distance.merge(time, how="cross")


def _distance_bands(edges: np.ndarray) -> pd.DataFrame:
    """Rows: same location, each band, more than the last edge."""
    low = np.concatenate([[0.0], edges[:-1], [edges[-1]]])
    high = np.concatenate([[0.0], edges[1:], [np.inf]])
    labels = ["same location", f"up to {edges[1]:g} m"]
    labels += [f"{a:g} to {b:g} m" for a, b in itertools.pairwise(edges[1:])]
    labels.append(f"more than {edges[-1]:g} m")
    return pd.DataFrame({DISTANCE_BAND: labels, DISTANCE_FROM: low, DISTANCE_TO: high})


def _time_bands(edges: np.ndarray) -> pd.DataFrame:
    """Columns: each band of whole days (both ends included), more than the last edge."""
    low = np.concatenate([[0.0], edges[1:-1] + 1, [edges[-1] + 1]])
    high = np.concatenate([edges[1:], [np.inf]])
    labels = [_days(a, b) for a, b in zip(low[:-1], high[:-1], strict=True)]
    labels.append(f"more than {edges[-1]:g} days")
    return pd.DataFrame({TIME_BAND: labels, TIME_FROM: low, TIME_TO: high})


def _days(low: float, high: float) -> str:
    """Name a band of whole days."""
    if low == high:
        return f"{high:g} day" + ("" if high == 1 else "s")
    return f"{low:g} to {high:g} days"


def _attrs(pairs: _Pairs, data: KnoxInput) -> dict[str, object]:
    """Parameters and plain-English notes returned with the table."""
    cells = (pairs.n_distance + 1) * pairs.n_time
    return {
        "seed": data.seed,
        "permutations": data.permutations,
        "alpha": data.alpha,
        "n_events": len(data.days),
        "n_pairs": pairs.total,
        "pairs_within": int(pairs.first.size),
        "correction": (
            f"none, as in the Near Repeat Calculator: each of the {cells} cells is tested on "
            f"its own, so about {data.alpha * cells:.1f} may be marked significant by chance"
        ),
        "method": (
            f"expected = mean of {data.permutations} shuffles of the dates among the "
            f"{len(data.days)} events (seed {data.seed}); p_poisson from Knox's Poisson "
            "approximation with the exact permutation mean; Euclidean distances in metres"
        ),
        "crs": data.crs_note,
    }
