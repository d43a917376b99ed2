"""Plain-English words of a profile: numbers, comparisons with the city, trends and changes."""

from __future__ import annotations

import math

from hotspots._trend_words import chance_clause, p_text, ratio_phrase
from hotspots.trends import Comparison, TrendResult

_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_words(n: int) -> str:
    """Write a small whole number in words (``three``), larger ones in figures (``1,234``).

    Used for things that are not counts of events (hexagons, interventions), so that a
    printed profile never shows a bare 1-4 a reader could take for a hidden count.
    """
    return _SMALL[n] if 0 <= n < len(_SMALL) else f"{n:,}"


def plural(n: int, singular: str, many: str | None = None) -> str:
    """``one hexagon``, ``12 hexagons``."""
    return f"{number_words(n)} {singular if n == 1 else many or singular + 's'}"


def city_words(ratio: float, basis: str, p: float) -> str:
    """Say how an area's rate compares with the city's: "2.1 times the city's rate per resident".

    Parameters
    ----------
    ratio
        The area's rate over the city's.
    basis
        ``residents`` or ``km²``: what the rates are per.
    p
        Exact Poisson p of the difference.
    """
    per = "per resident" if basis == "residents" else "per km²"
    if not math.isfinite(ratio):
        return "no comparison: no events in the city"
    if 0.9 <= ratio <= 1.1:
        head = f"about the city's rate {per}"
    elif ratio > 1:
        head = f"{ratio:.1f} times the city's rate {per}"
    else:
        head = f"{ratio:.2f} times the city's rate {per} (lower)"
    chance = "unlikely to be chance" if p < 0.05 else "could well be chance"
    subject = "the difference is " if ratio < 0.9 or ratio > 1.1 else ""
    return f"{head}; {subject}{chance} ({p_text(p)})"


def trend_words(trend: TrendResult | None) -> str:
    """One sentence on the trend over the whole period, without counts."""
    if trend is None:
        return "The trend over the whole period could not be tested."
    test = "seasonal Mann-Kendall test" if trend.seasonal else "Mann-Kendall test"
    if trend.direction == "rising":
        what = "A steady rise"
    elif trend.direction == "falling":
        what = "A steady fall"
    else:
        what = "No clear upward or downward trend"
    return f"{what} over the {plural(trend.months, 'month')} ({test}, {p_text(trend.p)})."


def change_words(
    label: str,
    change: Comparison | None,
    recent: str,
    baseline: str,
    *,
    shown: bool,
    coarse: bool,
) -> str:
    """One sentence on the recent window against the one before, with the counts as shown.

    ``recent`` and ``baseline`` are the counts after disclosure control; ``shown`` is
    False when either is hidden, and then the change is not described (a ratio of small
    counts gives them away). ``coarse`` (rounded counts) gives the ratio and its interval
    to one decimal only, so that they do not give the exact counts back.
    """
    if change is None:
        return f"{label}: too few months to compare two periods."
    window = _window(change.months)
    if change.recent == 0 and change.baseline == 0:
        return f"{label}: none in {window} or {_before(change.months)}."
    if not shown:
        return (
            f"{label}: {recent} in {window} against {baseline} in {_before(change.months)}; "
            "too few to describe a change."
        )
    digits = 1 if coarse else 2
    about = "about " if coarse else ""
    if math.isinf(change.rate_ratio):
        ci = f"95% CI from {change.ci_low:.{digits}f} up"
    else:
        ci = (
            f"rate ratio {about}{change.rate_ratio:.{digits}f}, 95% CI "
            f"{change.ci_low:.{digits}f} to {change.ci_high:.{digits}f}"
        )
    return (
        f"{label} {_phrase(change.rate_ratio, coarse)} in {window} against "
        f"{_before(change.months)} ({recent} against {baseline}; {ci}); "
        f"{chance_clause(change.direction, change.p)}."
    )


def change_cells(change: Comparison | None, *, shown: bool, coarse: bool) -> tuple[str, str]:
    """Write the change as a table shows it (``-6% (-18% to +8%)``) and if it may be chance.

    ``coarse`` rounds the percentages to the nearest 5 (so that, with rounded counts,
    they do not give the exact counts back); an unshown change reads "too few to say".
    """
    if change is None:
        return "too few months", ""
    if change.recent == 0 and change.baseline == 0:
        return "none in either", ""
    if not shown:
        return "too few to say", ""
    if math.isinf(change.rate_ratio):
        return "new (none before)", _chance(change)
    low, high = _percent(change.ci_low, coarse), _percent(change.ci_high, coarse)
    return f"{_percent(change.rate_ratio, coarse)} ({low} to {high})", _chance(change)


def trend_cell(trend: TrendResult | None) -> str:
    """Write the whole-period trend for a table: ``rising (p = 0.003)``, ``none (p = 0.41)``."""
    if trend is None:
        return "not tested"
    word = {"rising": "rising", "falling": "falling"}.get(trend.direction, "none")
    return f"{word} ({p_text(trend.p)})"


def headline_change(change: Comparison | None, *, shown: bool, coarse: bool) -> str | None:
    """Write the summary's short form of a change, or None when it cannot be said.

    "rose by a quarter against the previous 12 months; the rise is unlikely to be chance".
    """
    if change is None or not shown or (change.recent == 0 and change.baseline == 0):
        return None
    clause = chance_clause(change.direction, change.p).split(" (")[0]
    return f"{_phrase(change.rate_ratio, coarse)} against {_before(change.months)}; {clause}"


def _phrase(ratio: float, coarse: bool) -> str:
    """Say a ratio in words; ``coarse`` first rounds it to the nearest 0.05 (5 %)."""
    if coarse and math.isfinite(ratio):
        ratio = round(ratio * 20) / 20
    return ratio_phrase(ratio)


def _chance(change: Comparison) -> str:
    words = chance_clause(change.direction, change.p)
    return (
        words.replace("the rise is ", "")
        .replace("the fall is ", "")
        .replace("a change this size ", "")
    )


def _percent(ratio: float, coarse: bool) -> str:
    if math.isinf(ratio):
        return "no limit"
    change = 100 * (ratio - 1)
    change = 5 * round(change / 5) if coarse else round(change)
    return "0%" if change == 0 else f"{change:+,.0f}%".replace("-", "\u2212")


def _window(months: int) -> str:
    return "the last month" if months == 1 else f"the last {number_words(months)} months"


def _before(months: int) -> str:
    return "the month before" if months == 1 else f"the previous {number_words(months)} months"
