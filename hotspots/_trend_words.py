"""Plain-English words for trends and period comparisons: ratios, slopes, p-values."""

from __future__ import annotations

import math

RISING = "rising"
FALLING = "falling"
NO_CHANGE = "no significant change"

_FRACTIONS: tuple[tuple[float, str], ...] = (
    (1 / 10, "a tenth"),
    (1 / 5, "a fifth"),
    (1 / 4, "a quarter"),
    (1 / 3, "a third"),
    (1 / 2, "a half"),
    (2 / 3, "two thirds"),
    (3 / 4, "three quarters"),
)
_MULTIPLES = {2: "doubled", 3: "tripled", 4: "quadrupled"}
_PARTS = {3: "a third", 4: "a quarter", 5: "a fifth", 10: "a tenth"}
_NEAR = 0.015  # how close a change must be to a fraction to be called by its name


def direction_word(p: float, sign: float, alpha: float) -> str:
    """``rising`` / ``falling`` when ``p < alpha``, else ``no significant change``."""
    if not (math.isfinite(p) and p < alpha) or sign == 0:
        return NO_CHANGE
    return RISING if sign > 0 else FALLING


def p_text(p: float) -> str:
    """Write a p-value as people read it: ``p = 0.003``, ``p = 0.41``, ``p < 0.001``."""
    if p < 0.001:
        return "p < 0.001"
    if p < 0.01:
        return f"p = {p:.3f}"
    return f"p = {p:.2f}"


def amount(value: float) -> str:
    """Write a magnitude with sensible precision: 14, 2.5, 0.31."""
    size = abs(value)
    if size >= 10:
        return f"{size:,.0f}"
    return f"{size:.1f}" if size >= 1 else f"{size:.2f}"


def ratio_phrase(ratio: float) -> str:
    """Say a rate ratio as a verb phrase: "rose by a quarter", "halved", "doubled"."""
    if math.isinf(ratio):
        return "rose from none"
    if abs(ratio - 1) < 0.005:
        return "stayed about the same"
    return _rise(ratio) if ratio > 1 else _fall(ratio)


def chance_clause(direction: str, p: float, *, label: str = "", detail: str = "") -> str:
    """Whether a change is likely to be chance, with its p-value (and ``detail`` after it)."""
    where = f"{label} {p_text(p)}{detail}".strip()
    if direction == RISING:
        return f"the rise is unlikely to be chance ({where})"
    if direction == FALLING:
        return f"the fall is unlikely to be chance ({where})"
    return f"a change this size could well be chance ({where})"


def comparison_sentence(
    subject: str,
    *,
    recent: int,
    baseline: int,
    window: str,
    against: str,
    ratio: float,
    interval: tuple[float, float, float],
    p: float,
    direction: str,
    label: str = "",
) -> str:
    """One sentence comparing ``window`` with ``against`` (``interval``: low, high, level)."""
    if recent == 0 and baseline == 0:
        return f"{subject}: no events in {window} or {against}, so no change to measure."
    low, high, confidence = interval
    ci = f"{confidence:.0%} CI {low:.2f}-{high:.2f}"
    if math.isinf(ratio):
        ci = f"rate ratio not defined, {confidence:.0%} CI from {low:.2f} up"
    else:
        ci = f"rate ratio {ratio:.2f}, {ci}"
    return (
        f"{subject} {ratio_phrase(ratio)} against {against} ({recent:,} vs {baseline:,}, "
        f"{ci}); {chance_clause(direction, p, label=label)}."
    )


def trend_sentence(
    subject: str,
    *,
    slope_per_year: float,
    percent: float,
    direction: str,
    p: float,
    months: int,
    seasonal: bool,
) -> str:
    """One sentence on a Mann-Kendall trend and Sen's slope."""
    share = f"; {abs(percent):.0f}% of the average month" if math.isfinite(percent) else ""
    signed = "+" if slope_per_year > 0 else "-" if slope_per_year < 0 else ""
    if slope_per_year == 0 and direction == NO_CHANGE:
        head = f"{subject} shows no clear trend: 0 a month each year"
    elif direction == RISING:
        head = f"{subject} rose by about {amount(slope_per_year)} a month each year"
    elif direction == FALLING:
        head = f"{subject} fell by about {amount(slope_per_year)} a month each year"
    else:
        head = (
            f"{subject} shows no clear trend: about {signed}{amount(slope_per_year)} a month "
            "each year"
        )
    detail = f", {months} months, {'seasonal' if seasonal else 'plain'} test"
    clause = chance_clause(direction, p, label="Mann-Kendall", detail=detail)
    return f"{head} (Sen's slope{share}); {clause}."


def _rise(ratio: float) -> str:
    """Words for a ratio above 1."""
    if ratio >= 1.9:
        times = round(ratio)
        if abs(ratio - times) <= 0.05 * times:
            return _MULTIPLES.get(times, f"rose about {times}-fold")
        return f"rose to {ratio:.1f} times the level"
    change = ratio - 1
    return f"rose by {_fraction(change) or f'{change:.0%}'}"


def _fall(ratio: float) -> str:
    """Words for a ratio below 1."""
    if ratio == 0:
        return "fell to none"
    if abs(ratio - 0.5) <= _NEAR:
        return "halved"
    for parts, word in _PARTS.items():
        if abs(ratio - 1 / parts) <= _NEAR:
            return f"fell to {word}"
    drop = 1 - ratio
    return f"fell by {_fraction(drop) or f'{drop:.0%}'}"


def _fraction(change: float) -> str | None:
    """Name the simple fraction within reach of ``change``, if any."""
    for value, word in _FRACTIONS:
        if abs(change - value) <= _NEAR:
            return word
    return None
