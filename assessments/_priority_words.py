"""The assessment planner in words: why each place ranks where it does, and its figures shown."""

from __future__ import annotations

import math

import pandas as pd

from assessments._priority_measures import LAYER_WORDS
from assessments._priority_weights import NEEDS
from assessments.disclosure import DisclosurePolicy, disclose_count

HIGH, MODERATE = 0.6, 0.3
"""Harm component from which harm is called high, and moderate (below: low)."""

SAFETY_MARGIN = 0.2
"""Points (on the 1-5 scale) a place's mean must differ from the city's to be called so."""

_MINUS = "\u2212"


def why_sentences(
    table: pd.DataFrame, *, unit: str, policy: DisclosurePolicy, city_safety: float
) -> list[str]:
    """One plain-English sentence per row: its components, largest contribution first."""
    return [_sentence(row, unit, policy, city_safety) for _, row in table.iterrows()]


def change_words(row: pd.Series, policy: DisclosurePolicy) -> str:
    """Write the change between the windows in percent, unless a count in it is small."""
    recent, previous = int(row["recent"]), int(row["previous"])
    if recent == previous == 0:
        return "no events"
    if min(recent, previous) < policy.suppress_below and min(recent, previous) > 0:
        return f"small numbers ({policy.small_label})"
    if previous == 0:
        return "new (none before)"
    percent = (recent / previous - 1) * 100
    sign = "+" if percent >= 0.5 else (_MINUS if percent <= -0.5 else "")
    return f"{sign}{abs(percent):.0f}%"


def safety_words(row: pd.Series, policy: DisclosurePolicy) -> str:
    """Write the mean felt-safety score and how many answered (small numbers hidden)."""
    answers = int(row["safety_answers"])
    if answers == 0:
        return "no answers"
    if math.isnan(float(row["safety_mean"])):
        return f"too few answers ({disclose_count(answers, policy)})"
    return f"{float(row['safety_mean']):.1f} ({disclose_count(answers, policy)} answers)"


def layer_list(keys: str) -> str:
    """``"incidents, knife"`` -> ``"police incidents and knife injuries"``."""
    words = [LAYER_WORDS[k.strip()] for k in keys.split(",") if k.strip() in LAYER_WORDS]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --- private steps ----------------------------------------------------------------------


def _sentence(row: pd.Series, unit: str, policy: DisclosurePolicy, city: float) -> str:
    phrases = {
        "harm": _harm(row),
        "trend": _trend(row, policy),
        "emerging": _emerging(row, unit),
        "overlap": _overlap(row),
        "safety": _safety(row, city),
    }
    order = sorted(NEEDS, key=lambda c: -float(row[f"{c}_points"]))
    said = ", ".join(phrases[c] for c in order if phrases[c])
    text = f"{said}; {_intervention(row)}."
    return text[:1].upper() + text[1:]


def _harm(row: pd.Series) -> str:
    value = float(row["harm_value"])
    if value <= 0:
        return "no harm recorded"
    layers = layer_list(str(row["harm_layers"]))
    if value < MODERATE:
        return f"low harm (mostly {layers})" if layers else "low harm"
    level = "high" if value >= HIGH else "moderate"
    return f"{level} harm across {layers}" if layers else f"{level} harm"


def _trend(row: pd.Series, policy: DisclosurePolicy) -> str:
    recent, previous = int(row["recent"]), int(row["previous"])
    if recent == previous == 0:
        return ""
    change = change_words(row, policy)
    if bool(row["significant"]) and recent > previous:
        return f"rising ({change}, unlikely to be chance)"
    if float(row["trend_value"]) > 0:
        return f"rising ({change}, though it could be chance among so many places)"
    if bool(row["significant"]) and recent < previous:
        return f"falling ({change})"
    return "no clear change"


def _emerging(row: pd.Series, unit: str) -> str:
    pattern = str(row["emerging_pattern"])
    if not pattern:
        return ""
    article = "an" if pattern[0].lower() in "aeiou" else "a"
    where = "among its hexagons" if unit != "h3" else "over the months"
    return f"{article} {pattern.lower()} {where}"


def _overlap(row: pd.Series) -> str:
    layers = layer_list(str(row["hot_layers"]))
    return f"hot for {layers}" if layers else ""


def _safety(row: pd.Series, city: float) -> str:
    mean = float(row["safety_mean"])
    if math.isnan(mean) or math.isnan(city):
        return "too few survey answers on feeling safe (counted as neutral)"
    figures = f"({mean:.1f} against {city:.1f})"
    if mean <= city - SAFETY_MARGIN:
        return f"people there feel less safe than the city {figures}"
    if mean >= city + SAFETY_MARGIN:
        return f"people there feel safer than the city {figures}"
    return f"people there feel about as safe as the city {figures}"


def _intervention(row: pd.Series) -> str:
    if float(row["intervention_value"]) <= 0:
        return "no intervention running"
    names = str(row["intervention_names"]).split("; ")
    listed = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
    return f"an intervention already runs there ({listed}), lowering its priority"
