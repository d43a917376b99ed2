"""Plain-English words for map tooltips: hot spot bins, emerging classes and time steps."""

from __future__ import annotations

from datetime import date

import h3
import pandas as pd

CONFIDENCE: dict[int, str] = {1: "90%", 2: "95%", 3: "99%"}
"""Confidence of each Gi* bin level (the sign says hot or cold)."""

NO_PATTERN = "No Pattern Detected"
"""The emerging-hotspot class of a place with no lasting hot or cold cluster."""

_STEP_NOUNS = {"month": ("month", "months"), "quarter": ("quarter", "quarters")}


def gi_bin_words(gi_bin: int) -> str:
    """Return a Gi* confidence bin in words: 3 -> "Hot spot, 99% confidence".

    Parameters
    ----------
    gi_bin
        -3 to 3: positive hot, negative cold, 0 neither (as ``hotspots.gistar`` bins them).

    Returns
    -------
    str
        "Hot spot, 95% confidence", "Cold spot, 90% confidence" or "Neither a hot nor a
        cold spot".

    Raises
    ------
    ValueError
        When ``gi_bin`` is not a whole number from -3 to 3.
    """
    level = _bin_level(gi_bin)
    if level == 0:
        return "Neither a hot nor a cold spot"
    side = "Hot" if gi_bin > 0 else "Cold"
    return f"{side} spot, {CONFIDENCE[level]} confidence"


def step_words(step: str, n: int) -> str:
    """Return a number of time steps in words: ("month", 1) -> "1 month".

    Parameters
    ----------
    step
        ``"month"`` or ``"quarter"``.
    n
        How many.

    Returns
    -------
    str
        The number and the noun, singular for 1.

    Raises
    ------
    ValueError
        When ``step`` is neither ``"month"`` nor ``"quarter"``.
    """
    return f"{n:,} {_noun(step, n)}"


def emerging_sentence(
    pattern: str, *, hot_steps: int, cold_steps: int, steps: int, step: str, last_bin: int
) -> str:
    """Return what an emerging-hotspot class means for one place, with its numbers.

    "Persistent hot spot: hot in 44 of 48 months, 99% confidence in the latest month."

    Parameters
    ----------
    pattern
        The class (``hotspots.emerging.PATTERN_MEANINGS`` names it, e.g. "Persistent Hot
        Spot" or "No Pattern Detected").
    hot_steps, cold_steps
        Steps in which the place was a significant hot / cold spot.
    steps
        Steps analysed.
    step
        ``"month"`` or ``"quarter"``.
    last_bin
        Gi* bin of the latest step, -3 to 3.

    Returns
    -------
    str
        One sentence, in words.

    Raises
    ------
    ValueError
        When ``step`` or ``last_bin`` is not usable.
    """
    label = pattern[:1] + pattern[1:].lower()
    noun = _noun(step, steps)
    level = _bin_level(last_bin)
    if pattern == NO_PATTERN and hot_steps == cold_steps == 0:
        return f"{label}: never a hot or cold spot in {steps:,} {noun}."
    record = _record(hot_steps, cold_steps, steps, noun)
    if level == 0:
        return f"{label}: {record}, but not in the latest {_noun(step, 1)}."
    return f"{label}: {record}, {CONFIDENCE[level]} confidence in the latest {_noun(step, 1)}."


def month_range_label(first: str | date, last: str | date) -> str:
    """Return a month range in words: ("2020-03", "2021-02") -> "Mar 2020 – Feb 2021".

    Parameters
    ----------
    first, last
        ``YYYY-MM`` strings or dates.

    Returns
    -------
    str
        One month ("Mar 2020") when both are the same month.
    """
    words = [pd.Timestamp(str(v)[:7] + "-01").strftime("%b %Y") for v in (first, last)]
    return words[0] if words[0] == words[1] else f"{words[0]} – {words[1]}"


def hexagon_area_words(res: int) -> str:
    """Return the average area of an H3 hexagon in words: 8 -> "0.74 km²".

    Parameters
    ----------
    res
        H3 resolution, 0-15.

    Returns
    -------
    str
        In km² from 0.1 km², else in m².
    """
    km2 = h3.average_hexagon_area(res, unit="km^2")
    return f"{km2:.2g} km²" if km2 >= 0.1 else f"{km2 * 1e6:,.0f} m²"


def _record(hot: int, cold: int, steps: int, noun: str) -> str:
    parts = [f"hot in {hot:,}"] if hot else []
    parts += [f"cold in {cold:,}"] if cold else []
    return f"{' and '.join(parts)} of {steps:,} {noun}"


def _noun(step: str, n: int) -> str:
    if step not in _STEP_NOUNS:
        raise ValueError(f"step must be 'month' or 'quarter'; received {step!r}")
    return _STEP_NOUNS[step][0 if n == 1 else 1]


def _bin_level(gi_bin: int) -> int:
    if isinstance(gi_bin, bool) or int(gi_bin) != gi_bin or not -3 <= gi_bin <= 3:
        raise ValueError(f"a Gi* bin is a whole number from -3 to 3; received {gi_bin!r}")
    return abs(int(gi_bin))
