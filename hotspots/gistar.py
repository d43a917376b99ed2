"""Getis-Ord Gi* hot and cold spots of counts on H3 cells, polygons or any neighbour list."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from hotspots import _gi_weights as gw
from hotspots._gi import (
    DEFAULT_ALPHA,
    conditional_permutation_p,
    critical_p_values,
    gi_star_scores,
    significance_bins,
)
from hotspots._gi_checks import (
    GiOptions,
    count_problems,
    option_problems,
    options_of,
    raise_problems,
    values_of,
)

COUNT = "count"
"""float64: the count analysed (as given)."""
GI_Z = "gi_z"
"""float64: Gi* z-score; positive = more than expected around the area (hot)."""
GI_P = "gi_p"
"""float64: two-sided p-value of ``gi_z`` from the standard normal."""
GI_P_SIM = "gi_p_sim"
"""float64: one-sided (folded) pseudo p from conditional permutations; NaN without them."""
GI_BIN = "gi_bin"
"""int8: confidence bin, 3 / 2 / 1 = hot at 99 / 95 / 90 %, 0 = none, negative = cold."""
N_NEIGHBOURS = "n_neighbours"
"""int64: neighbours of the area within the study area, the area itself not counted."""

COLUMNS: dict[str, str] = {
    COUNT: "float64",
    GI_Z: "float64",
    GI_P: "float64",
    GI_P_SIM: "float64",
    GI_BIN: "int8",
    N_NEIGHBOURS: "int64",
}
"""Output columns of every Gi* function and their dtypes."""


class GiStarWarning(UserWarning):
    """Gi* ran, but some areas have no neighbour (islands).

    An island's z only compares its own count with the mean, and no permutation p can
    be computed for it; the islands are listed in ``attrs["islands"]``.
    """


@dataclass(frozen=True)
class _Study:
    """What was analysed, for the sentence in ``attrs["method"]``."""

    what: str  # "1,234 H3 cells (resolution 8)"
    neighbours: str  # "the cell and its 6 adjacent cells (k=1)"
    k: int | None
    function: str  # the public function, for messages


# --- public functions -----------------------------------------------------------------
def gi_star(
    counts: pd.Series,
    *,
    k: int = 1,
    permutations: int = 0,
    seed: int | None = None,
    fdr: bool = True,
    alpha: tuple[float, ...] = DEFAULT_ALPHA,
) -> pd.DataFrame:
    """Return the Getis-Ord Gi* hot and cold spots of counts on H3 cells.

    Neighbours are binary: each cell's k-ring (``h3.grid_disk``), the cell itself
    included, restricted to the cells given (a cell outside the study area is never a
    neighbour, so edge cells have fewer).

    Parameters
    ----------
    counts
        Count per H3 cell, indexed by cell (hex strings or uint64), one resolution, every
        cell of the study area included (0 where nothing happened). At least 30 cells
        and 30 events, not all counts equal. An empty Series gives an empty result.
    k
        Ring distance of the neighbours (1: the 6 adjacent cells; 2: 18 cells).
    permutations
        Conditional permutations for ``gi_p_sim`` (0: none, the column is NaN).
    seed
        Seed of the permutations; None draws one, reported in ``attrs["seed"]``.
    fdr
        Benjamini-Hochberg false discovery rate correction of the bins, per level.
    alpha
        One to three significance levels of the bins (largest = bin 1).

    Returns
    -------
    pandas.DataFrame
        Same index as ``counts``; columns ``count`` (float64), ``gi_z`` (float64),
        ``gi_p`` (float64, two-sided, analytical), ``gi_p_sim`` (float64, one-sided
        folded pseudo p as esda's ``p_sim``), ``gi_bin`` (int8, from ``gi_p``; see
        :func:`hotspots._gi.significance_bins`) and ``n_neighbours`` (int64). ``attrs``:
        ``method`` (a sentence), ``k``, ``fdr``, ``alpha``, ``critical_p``
        ({alpha: p threshold}), ``permutations``, ``seed``, ``seed_note`` and
        ``islands`` (labels of cells without a neighbour).

    Raises
    ------
    SchemaError
        When the counts or options cannot be used (the message lists every problem).

    Warns
    -----
    GiStarWarning
        When some cells have no neighbour within the study area (islands).

    Notes
    -----
    The z-score and its analytical p are Getis and Ord's (see
    :func:`hotspots._gi.gi_star_scores`; equal to esda's ``G_Local(star=True,
    transform="B")``). The bins use the analytical two-sided p, as ArcGIS's Hot Spot
    Analysis does, with the Benjamini-Hochberg thresholds of each level reported in
    ``attrs["critical_p"]``. ``gi_p_sim`` is a check on the normal approximation (it
    matters most for small counts): a one-sided pseudo p, so compare it with
    ``gi_p / 2`` (see :func:`hotspots._gi.conditional_permutation_p`).
    """
    problems = option_problems(permutations=permutations, seed=seed, fdr=fdr, alpha=alpha)
    if not (isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 1):
        problems.append(f"k must be a whole number >= 1; received {k!r}. Use 1 or 2")
    problems += count_problems(counts, unit="cells")
    cells, resolution, cell_problems = _h3_input(counts)
    raise_problems(problems + cell_problems, function="gi_star")
    options = options_of(permutations=permutations, seed=seed, fdr=fdr, alpha=alpha)
    weights = gw.star_weights(*gw.k_ring_pairs(cells, k=int(k)), cells.size)
    return _analyse(counts, weights, options, _h3_study(cells.size, resolution, int(k)))


def gi_star_areas(
    counts: pd.Series,
    areas: gpd.GeoDataFrame,
    *,
    permutations: int = 0,
    seed: int | None = None,
    fdr: bool = True,
    alpha: tuple[float, ...] = DEFAULT_ALPHA,
) -> pd.DataFrame:
    """Return the Getis-Ord Gi* hot and cold spots of counts on polygons (wards, LSOAs).

    Neighbours are binary queen contiguity: the area itself and every area sharing at
    least one boundary point with it (``shapely`` intersection, so overlapping polygons
    are neighbours too).

    Parameters
    ----------
    counts
        Count per area, indexed by area code, every area of ``areas`` included. At
        least 30 areas and 30 events, not all counts equal.
    areas
        The polygons, labelled by their ``code`` column, or by the index without one.
    permutations, seed, fdr, alpha
        As for :func:`gi_star`.

    Returns
    -------
    pandas.DataFrame
        As for :func:`gi_star`, with ``attrs["k"]`` None.

    Raises
    ------
    SchemaError
        When the counts, the areas or the options cannot be used.

    Warns
    -----
    GiStarWarning
        When some areas touch no other area (islands).
    """
    problems = option_problems(permutations=permutations, seed=seed, fdr=fdr, alpha=alpha)
    problems += count_problems(counts, unit="areas")
    if isinstance(counts, pd.Series):
        problems += gw.area_problems(areas, counts.index)
    raise_problems(problems, function="gi_star_areas")
    options = options_of(permutations=permutations, seed=seed, fdr=fdr, alpha=alpha)
    weights = gw.star_weights(*gw.queen_pairs(areas, counts.index), counts.size)
    study = _Study(
        f"{counts.size:,} areas",
        "the area and every area sharing at least a boundary point with it (queen contiguity)",
        None,
        "gi_star_areas",
    )
    return _analyse(counts, weights, options, study)


def gi_star_neighbours(
    counts: pd.Series,
    neighbours: Mapping[Any, Iterable[Any]],
    *,
    permutations: int = 0,
    seed: int | None = None,
    fdr: bool = True,
    alpha: tuple[float, ...] = DEFAULT_ALPHA,
) -> pd.DataFrame:
    """Return the Getis-Ord Gi* hot and cold spots of counts on areas with given neighbours.

    Parameters
    ----------
    counts
        Count per area, indexed by area label. At least 30 areas and 30 events, not all
        counts equal.
    neighbours
        For every area of ``counts``, the areas it neighbours (binary weights; the area
        itself is added where absent; an empty list makes an island). The list need not
        be symmetric.
    permutations, seed, fdr, alpha
        As for :func:`gi_star`.

    Returns
    -------
    pandas.DataFrame
        As for :func:`gi_star`, with ``attrs["k"]`` None.

    Raises
    ------
    SchemaError
        When the counts, the neighbour list or the options cannot be used.

    Warns
    -----
    GiStarWarning
        When some areas have no neighbour listed (islands).
    """
    problems = option_problems(permutations=permutations, seed=seed, fdr=fdr, alpha=alpha)
    problems += count_problems(counts, unit="areas")
    if isinstance(counts, pd.Series):
        problems += gw.mapping_problems(neighbours, counts.index)
    raise_problems(problems, function="gi_star_neighbours")
    options = options_of(permutations=permutations, seed=seed, fdr=fdr, alpha=alpha)
    weights = gw.star_weights(*gw.mapping_pairs(neighbours, counts.index), counts.size)
    study = _Study(
        f"{counts.size:,} areas", "the area and the areas listed for it", None, "gi_star_neighbours"
    )
    return _analyse(counts, weights, options, study)


# --- private steps --------------------------------------------------------------------
def _analyse(
    counts: pd.Series, weights: sp.csr_matrix, options: GiOptions, study: _Study
) -> pd.DataFrame:
    """Scores, bins and the result frame: the pipeline shared by the public functions."""
    n_neighbours = gw.neighbour_counts(weights)
    if counts.size and not n_neighbours.any():
        raise_problems(
            [
                (
                    "no area has a neighbour, so there is no neighbourhood to compare; check "
                    "that the areas touch (or use a larger k for H3 cells)"
                )
            ],
            function=study.function,
        )
    seed = _seed(options)
    values = values_of(counts)
    z, p = gi_star_scores(values, weights)
    p_sim = conditional_permutation_p(values, weights, permutations=options.permutations, seed=seed)
    bins = significance_bins(z, p, alpha=options.alpha, fdr=options.fdr)
    frame = pd.DataFrame(
        {
            COUNT: values,
            GI_Z: z,
            GI_P: p,
            GI_P_SIM: p_sim,
            GI_BIN: bins,
            N_NEIGHBOURS: n_neighbours,
        },
        index=counts.index.copy(),
    ).astype(COLUMNS)
    frame.attrs = _attrs(frame, options, study, seed)
    _warn_islands(frame.attrs["islands"])
    return frame


def _h3_input(counts: object) -> tuple[np.ndarray, int, list[str]]:
    """Return the counts' cells as uint64, their resolution, and the problems with them."""
    if not isinstance(counts, pd.Series):
        return np.zeros(0, dtype=np.uint64), -1, []
    cells, problems = gw.h3_cells(counts.index)
    if problems:
        return cells, -1, problems
    resolution, problems = gw.h3_resolution(cells)
    return cells, resolution, problems


def _seed(options: GiOptions) -> int | None:
    """Return the seed given, or one drawn (and reported) when permutations run without one."""
    if options.seed is not None or options.permutations == 0:
        return options.seed
    return int(np.random.SeedSequence().entropy % 2**32)  # type: ignore[operator]


def _attrs(
    frame: pd.DataFrame, options: GiOptions, study: _Study, seed: int | None
) -> dict[str, object]:
    critical = critical_p_values(frame[GI_P].to_numpy(), alpha=options.alpha, fdr=options.fdr)
    islands = frame.index[frame[N_NEIGHBOURS].to_numpy() == 0].tolist()
    return {
        "method": _method(frame, options, study, critical, islands),
        "k": study.k,
        "fdr": options.fdr,
        "alpha": options.alpha,
        "critical_p": critical,
        "permutations": options.permutations,
        "seed": seed,
        "seed_note": _seed_note(options, seed),
        "islands": islands,
    }


def _method(
    frame: pd.DataFrame,
    options: GiOptions,
    study: _Study,
    critical: dict[float, float],
    islands: list[object],
) -> str:
    counts = frame[N_NEIGHBOURS]
    spread = f" ({counts.min()}-{counts.max()} neighbours, median {counts.median():g})"
    isolated = f", {len(islands)} without any neighbour" if islands else ""
    sim = (
        f"; gi_p_sim from {options.permutations:,} conditional permutations (not used for the bins)"
        if options.permutations
        else ""
    )
    return (
        f"Getis-Ord Gi* on {study.what}, neighbours: {study.neighbours}"
        f"{spread if len(frame) else ''}{isolated}; {_bins_sentence(options, critical)}{sim}."
    )


def _bins_sentence(options: GiOptions, critical: dict[float, float]) -> str:
    if not options.fdr:
        levels = ", ".join(f"{1 - a:.0%} p <= {a:g}" for a in options.alpha)
        return (
            f"uncorrected confidence bins from the two-sided p ({levels}); about "
            f"{options.alpha[0]:.0%} of places reach the lowest bin by chance alone"
        )
    levels = ", ".join(
        f"{1 - a:.0%} p <= {c:.3g}" if c >= 0 else f"{1 - a:.0%} no place"
        for a, c in critical.items()
    )
    return (
        "FDR-corrected (Benjamini-Hochberg) confidence bins from the two-sided p, thresholds "
        f"chosen from the data by the Benjamini-Hochberg procedure per level ({levels})"
    )


def _seed_note(options: GiOptions, seed: int | None) -> str:
    if options.permutations == 0:
        return "no permutations were run, so no seed was used"
    if options.seed is None:
        return f"seed {seed} drawn at random because none was given; pass seed={seed} to repeat"
    return f"seed {seed} as given"


def _h3_study(n: int, resolution: int, k: int) -> _Study:
    if n == 0:
        return _Study("0 H3 cells", f"k-ring (k={k})", k, "gi_star")
    ring = 3 * k * (k + 1)
    near = "adjacent cells" if k == 1 else f"cells within {k} steps"
    return _Study(
        f"{n:,} H3 cells (resolution {resolution})",
        f"the cell and its {ring} {near} (k={k}), fewer at the edge of the study area",
        k,
        "gi_star",
    )


def _warn_islands(islands: list[object]) -> None:
    if islands:
        warnings.warn(
            f"{len(islands)} area(s) have no neighbour, e.g. {islands[:3]}; their Gi* only "
            "compares their own count with the mean (listed in attrs['islands'])",
            GiStarWarning,
            stacklevel=3,
        )
