"""Hotspot accuracy of any method: PAI, PEI, RRI and persistence of a flagged top share of area.

The question is the analyst's "if we had patrolled (or planned for) the places this method
flagged last period, how much of this period's harm would they have covered?". Inputs are
plain series indexed by area code, so any method (counts, KDE, Gi*, emerging hotspots)
can be evaluated on any unit (H3 cells, wards):

- ``scores_1``: the method's score per area, computed from period 1 (higher = hotter);
- ``counts_2``: events per area in period 2 (the period being predicted);
- ``area``: area of each unit (km², say; any unit, only shares are used). Without it
  every area counts the same, which is right for H3 cells of one resolution (equal-area
  to within a few per cent);
- ``counts_1``: events per area in period 1 (only for the RRI).

Definitions
-----------
**Flagged set.** Areas are ranked by ``scores_1``, highest first; ties keep the order of
``scores_1`` (a stable sort), and the number of unflagged areas tied with the last
flagged one is returned as ``ties_at_cut`` (with an :class:`AccuracyWarning`, because
which of them is flagged is then arbitrary). The flagged set is the longest run of that
ranking whose area stays within ``top_share`` of the total area, but at least one area.

**PAI**, the Predictive Accuracy Index (Chainey, Tompson and Uhlig 2008):
``PAI = (n / N) / (a / A)``, the share of period-2 events in the flagged areas over the
share of area flagged.

**PEI**, the Predictive Efficiency Index (Hunt 2016): ``PEI = PAI / PAI*``, where ``PAI*``
is the PAI of the best possible set of the same area ``a`` in period 2, so
``PEI = n / n*``. The best set is found greedily by period-2 density (count / area),
taking a fraction of the last area when needed: for equal areas this is exactly the top
``k`` areas; for unequal areas the best whole-area set is a knapsack problem and this
fractional bound is never below it, so PEI is never above 1 (it errs on the low side).

**RRI**, Levine's Recapture Rate Index (Levine 2008, "The 'hottest' part of a hotspot:
comments on 'The utility of hotspot mapping for predicting spatial patterns of crime'",
Security Journal 21, 295-302): ``RRI = (n_2 / n_1) / (N_2 / N_1)``, the growth of events
in the flagged areas relative to the growth everywhere; above 1, the flagged areas kept
(recaptured) more than their share. Needs ``counts_1``; NaN when not given, when the
flagged areas had no period-1 events, or when either period had none at all.

**Persistence**: the Jaccard overlap ``|F ∩ B| / |F ∪ B|`` of the flagged set ``F`` and
the top set ``B`` of period 2 (areas ranked by period-2 density, the same area rule as the
flagged set, ties in the order of ``scores_1``). 1 means the same places were the top
places in both periods.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hotspots._accuracy_input import validated

__all__ = ["AccuracyResult", "AccuracyWarning", "hotspot_accuracy"]

_TOLERANCE = 1e-9  # relative slack when comparing cumulative area with the budget


class AccuracyWarning(UserWarning):
    """The accuracy was computed, but part of it rests on an arbitrary choice (tied scores)."""


@dataclass(frozen=True)
class AccuracyResult:
    """Hotspot accuracy of one flagged top share of area.

    Attributes
    ----------
    top_share
        Share of the total area asked to be flagged.
    area_share
        Share of the total area actually flagged (whole areas are flagged).
    n_areas
        Number of areas evaluated.
    flagged
        Area codes flagged from the period-1 scores, hottest first.
    best
        Area codes of the top set of period 2 (by density), hottest first.
    captured
        Period-2 events in the flagged areas (``n``).
    total
        Period-2 events in all areas (``N``).
    hit_rate
        ``captured / total``: share of period-2 events in the flagged areas.
    pai
        Predictive Accuracy Index (NaN when period 2 has no events).
    pai_max
        PAI of the best possible set of the same area in period 2.
    pei
        Predictive Efficiency Index, ``pai / pai_max`` in [0, 1].
    rri
        Levine's Recapture Rate Index (NaN without ``counts_1`` or when undefined).
    persistence
        Jaccard overlap of ``flagged`` and ``best`` in [0, 1].
    ties_at_cut
        Unflagged areas whose score equals the last flagged area's score.
    choice
        How the flagged set was chosen, in plain English.
    sentence
        The result in plain English.
    """

    top_share: float
    area_share: float
    n_areas: int
    flagged: tuple[Hashable, ...]
    best: tuple[Hashable, ...]
    captured: float
    total: float
    hit_rate: float
    pai: float
    pai_max: float
    pei: float
    rri: float
    persistence: float
    ties_at_cut: int
    choice: str
    sentence: str


def hotspot_accuracy(
    scores_1: pd.Series,
    counts_2: pd.Series,
    *,
    top_share: float = 0.05,
    area: pd.Series | None = None,
    counts_1: pd.Series | None = None,
) -> AccuracyResult:
    """Flag the top share of area by a period-1 score and measure how it covers period 2.

    Parameters
    ----------
    scores_1
        Score per area from period 1 (higher = hotter), indexed by area code.
    counts_2
        Events per area in period 2, same area codes (any order).
    top_share
        Share of the total area to flag, in (0, 1).
    area
        Size of each area, same codes, positive (any unit). None: equal areas (H3 cells
        of one resolution).
    counts_1
        Events per area in period 1, same codes; needed for the RRI only.

    Returns
    -------
    AccuracyResult
        PAI, PEI, RRI, persistence, the flagged and best sets and a sentence (see the
        module docstring for the exact definitions and the handling of ties).

    Raises
    ------
    SchemaError
        When an argument is not a numeric series over the same area codes, has missing
        values, negative counts or non-positive areas, or ``top_share`` is outside (0, 1).

    Warns
    -----
    AccuracyWarning
        When the cut falls among areas with equal scores, so which of them is flagged
        follows the order of ``scores_1``.
    """
    frame = validated(scores_1, counts_2, top_share, area, counts_1)
    flagged, ties = _flag(frame, top_share)
    best, _ = _flag(frame.assign(score=_density(frame)), top_share)
    result = _indices(frame, flagged, best, top_share, ties)
    if ties:
        warnings.warn(_tie_message(ties, frame, flagged), AccuracyWarning, stacklevel=2)
    return result


# --- steps ----------------------------------------------------------------------------


def _density(frame: pd.DataFrame) -> pd.Series:
    """Period-2 events per unit of area."""
    return frame["count_2"] / frame["area"]


def _flag(frame: pd.DataFrame, top_share: float) -> tuple[np.ndarray, int]:
    """Positions of the flagged areas (hottest first) and the ties at the cut."""
    score = frame["score"].to_numpy()
    order = np.argsort(-score, kind="stable")
    cumulative = np.cumsum(frame["area"].to_numpy()[order])
    budget = top_share * cumulative[-1] * (1 + _TOLERANCE)
    count = max(int(np.searchsorted(cumulative, budget, side="right")), 1)
    flagged = order[:count]
    ties = int((score[order[count:]] == score[flagged[-1]]).sum())
    return flagged, ties


def _best_capture(frame: pd.DataFrame, budget: float) -> float:
    """Most period-2 events any set of area ``budget`` can hold (fractional greedy bound)."""
    density = _density(frame).to_numpy()
    order = np.argsort(-density, kind="stable")
    sizes = frame["area"].to_numpy()[order]
    taken = np.clip(budget - (np.cumsum(sizes) - sizes), 0.0, sizes)
    return float((density[order] * taken).sum())


def _indices(
    frame: pd.DataFrame, flagged: np.ndarray, best: np.ndarray, top_share: float, ties: int
) -> AccuracyResult:
    """PAI, PEI, RRI and persistence of the flagged set, with the sentences."""
    total_area = float(frame["area"].sum())
    flagged_area = float(frame["area"].iloc[flagged].sum())
    area_share = flagged_area / total_area
    total = float(frame["count_2"].sum())
    captured = float(frame["count_2"].iloc[flagged].sum())
    hit_rate = _ratio(captured, total)
    best_capture = _best_capture(frame, flagged_area)
    union = np.union1d(flagged, best).size
    result = AccuracyResult(
        top_share=float(top_share),
        area_share=area_share,
        n_areas=len(frame),
        flagged=tuple(frame.index[flagged]),
        best=tuple(frame.index[best]),
        captured=captured,
        total=total,
        hit_rate=hit_rate,
        pai=hit_rate / area_share,
        pai_max=_ratio(best_capture, total) / area_share,
        pei=_ratio(captured, best_capture),
        rri=_rri(frame, flagged),
        persistence=np.intersect1d(flagged, best).size / union,
        ties_at_cut=ties,
        choice=_choice(frame, flagged, top_share, area_share),
        sentence="",
    )
    return _with_sentence(result)


def _ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``, NaN when the denominator is 0."""
    return numerator / denominator if denominator > 0 else float("nan")


def _rri(frame: pd.DataFrame, flagged: np.ndarray) -> float:
    """Levine's RRI: (n_2 / n_1 in the flagged areas) / (N_2 / N_1); NaN when undefined."""
    counts_1 = frame["count_1"]
    if counts_1.isna().all():
        return float("nan")
    inside = _ratio(
        float(frame["count_2"].iloc[flagged].sum()), float(counts_1.iloc[flagged].sum())
    )
    everywhere = _ratio(float(frame["count_2"].sum()), float(counts_1.sum()))
    return _ratio(inside, everywhere) if np.isfinite(inside) else float("nan")


# --- words ----------------------------------------------------------------------------


def _choice(frame: pd.DataFrame, flagged: np.ndarray, top_share: float, share: float) -> str:
    """How the flagged set was chosen."""
    basis = (
        "every area counted as the same size (no area given)"
        if not frame.attrs.get("area_given")
        else "areas weighted by their size"
    )
    return (
        f"{len(flagged)} of {len(frame)} areas flagged ({share:.1%} of the total area, asked "
        f"for {top_share:.1%}): the highest period-1 scores, as many as fit within the "
        f"share; {basis}; ties kept in the order given."
    )


def _with_sentence(result: AccuracyResult) -> AccuracyResult:
    """Return the result with its plain-English sentence."""
    head = (
        f"Flagging the top {result.area_share:.1%} of the area ({len(result.flagged)} of "
        f"{result.n_areas} areas) by the period-1 score"
    )
    if not result.total > 0:
        return replace(result, sentence=f"{head}: period 2 has no events to predict.")
    best = result.pai_max * result.area_share * result.total
    text = (
        f"{head} covered {result.hit_rate:.0%} of period-2 events "
        f"({_number(result.captured)} of {_number(result.total)}): PAI {result.pai:.2f}, "
        f"{result.pai:.1f} times what the same area would hold if events were spread evenly; "
        f"PEI {result.pei:.2f} (the best possible set of that area would hold "
        f"{_number(best)}); {_rri_words(result.rri)}; persistence (overlap with the top "
        f"areas of period 2, Jaccard) {result.persistence:.2f}."
    )
    return replace(result, sentence=text)


def _rri_words(rri: float) -> str:
    """Say the RRI in words."""
    if not np.isfinite(rri):
        return "RRI not computed (needs period-1 counts in the flagged areas)"
    if np.isclose(rri, 1.0):
        return f"RRI {rri:.2f} (the flagged areas changed in step with the whole area)"
    side = "rose more or fell less" if rri > 1 else "rose less or fell more"
    return f"RRI {rri:.2f} (the flagged areas {side} than the whole area)"


def _number(value: float) -> str:
    """Write a count as a whole number when it is one, else with one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _tie_message(ties: int, frame: pd.DataFrame, flagged: np.ndarray) -> str:
    """Write the warning for ties at the cut."""
    score = frame["score"].iloc[flagged[-1]]
    return (
        f"hotspot_accuracy: the cut falls among areas with equal scores ({ties} unflagged "
        f"areas share the last flagged area's score {score:g}); which of them are flagged "
        "follows the order of scores_1, so PAI and persistence depend on it. Use a finer "
        "score (a KDE or Gi* z) or a top_share that ends between distinct scores."
    )
