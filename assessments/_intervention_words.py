"""An intervention's evaluation in plain English, every count through disclosure control."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import h3
import pandas as pd

from assessments._intervention_eval import EVALUATED, NO_AFTER, NO_BEFORE
from assessments._intervention_options import EvaluationOptions
from assessments._intervention_stats import before_after_ratio
from assessments.disclosure import DisclosurePolicy, disclose_count, protect_table

KIND_WORDS: dict[str, str] = {
    "incidents": "police incidents",
    "missing": "missing-child episodes",
    "knife": "knife injuries",
}
"""What each harm layer counts, in words."""

CAVEATS = (
    "Other changes at the same time (other work in the area, changes in how incidents are "
    "recorded, one-off events) could explain part of any change. The intervals assume "
    "events happen independently; repeat places and people make the real uncertainty larger."
)
"""The caveats every evaluation ends with."""


def month_words(month: str) -> str:
    """Return ``YYYY-MM`` as ``Mar 2024``."""
    return pd.Timestamp(f"{month}-01").strftime("%b %Y")


def window_words(row: Mapping[str, Any]) -> tuple[str, str]:
    """Return the before and after windows in words (``Jan 2023 – Dec 2023``)."""
    return (
        f"{month_words(row['before_from'])} – {month_words(row['before_to'])}",
        f"{month_words(row['after_from'])} – {month_words(row['after_to'])}",
    )


def harm_words(options: EvaluationOptions) -> str:
    """Return what is counted: ``police incidents (Violence and sexual offences)``."""
    layers = " and ".join(KIND_WORDS[k] for k in options.kinds)
    extra = []
    if options.categories:
        extra.append(", ".join(options.categories))
    if options.flags:
        extra.append("flagged " + " or ".join(options.flags))
    return layers + (f" ({'; '.join(extra)})" if extra else "")


def change_words(ratio: float, low: float, high: float) -> str:
    """Return a ratio as a change with its interval: ``fell by 40% (95% CI 25% to 52%)``."""
    if ratio < 1 and high < 1:
        return f"fell by {_pct(1 - ratio)} (95% CI {_pct(1 - high)} to {_pct(1 - low)})"
    if ratio > 1 and low > 1:
        return f"rose by {_pct(ratio - 1)} (95% CI {_pct(low - 1)} to {_pct(high - 1)})"
    way = "fell by" if ratio < 1 else "rose by"
    size = _pct(abs(1 - ratio))
    return (
        f"{way} {size} (95% CI from a fall of {_pct(1 - low)} to a rise of {_pct(high - 1)}, "
        "so no clear change)"
    )


def summary(row: Mapping[str, Any], options: EvaluationOptions, policy: DisclosurePolicy) -> str:
    """Return the plain-English summary of one evaluation (see ``evaluation_summary``)."""
    name, harm = row["name"], harm_words(options)
    if row["status"] == NO_BEFORE:
        return (
            f"{name} cannot be evaluated: the data holds fewer than "
            f"{options.min_window_months} months before its start."
        )
    if row["status"] == NO_AFTER:
        return (
            f"{name} cannot be evaluated yet: the data holds fewer than "
            f"{options.min_window_months} months from its start on."
        )
    if row["status"] != EVALUATED:
        return _too_few(row, harm, options)
    if _small(row, "treated", policy):
        return (
            f"Too few {harm} in the treated area to show the size of any change under the "
            f"{policy.name} disclosure policy. {CAVEATS}"
        )
    parts = [
        _headline(row, harm),
        _against_ring(row, policy),
        _displacement(row, policy),
        _net(row, harm, policy),
        _window_note(row, options),
        CAVEATS,
    ]
    return " ".join(part for part in parts if part)


def _too_few(row: Mapping[str, Any], harm: str, options: EvaluationOptions) -> str:
    if row["treated_before"] + row["treated_after"] < options.min_events:
        return (
            f"Too few {harm} in the treated area to tell whether anything changed: fewer than "
            f"{options.min_events} over the two windows together."
        )
    empty = [
        what
        for what, value in (
            ("in the treated area before the start", row["treated_before"]),
            ("in the treated area after the start", row["treated_after"]),
            ("in the similar areas before the start", row["control_before"]),
            ("in the similar areas after the start", row["control_after"]),
        )
        if value == 0
    ]
    return f"No {harm} {' or '.join(empty)}, so a rate of change cannot be formed."


def _headline(row: Mapping[str, Any], harm: str) -> str:
    before, after = window_words(row)
    change = change_words(row["ratio_vs_similar"], row["low_vs_similar"], row["high_vs_similar"])
    months = int(row["window_months"])
    chance = (
        f"A change this large is unlikely to be chance (p {_p(row['p_vs_similar'])})."
        if row["p_vs_similar"] < 0.05
        else f"This could well be chance (p {_p(row['p_vs_similar'])})."
    )
    return (
        f"Compared with similar areas elsewhere, {harm} in the treated area {change} in the "
        f"{months} months from the start ({after}) against the {months} months before "
        f"({before}). {chance}"
    )


def _against_ring(row: Mapping[str, Any], policy: DisclosurePolicy) -> str:
    if _small(row, "ring", policy):
        return "The streets around it had too few events to compare with."
    change = change_words(row["ratio_vs_ring"], row["low_vs_ring"], row["high_vs_ring"])
    return f"Compared with the streets around it, the treated area {change}."


def _displacement(row: Mapping[str, Any], policy: DisclosurePolicy) -> str:
    if _small(row, "ring", policy):
        return ""
    low, high, wdq = row["low_ring_vs_similar"], row["high_ring_vs_similar"], row["wdq"]
    quotient = (
        "" if math.isnan(wdq) else f" (weighted displacement quotient {round(wdq, 2) + 0.0:.2f})"
    )
    if low <= 1 <= high:
        return (
            "No sign that harm moved to the streets around it: they changed much as similar "
            f"areas did{quotient}."
        )
    change = change_words(row["ratio_ring_vs_similar"], low, high)
    if high < 1:
        return (
            f"A sign of diffusion of benefit: compared with similar areas, harm in the streets "
            f"around it {change}{quotient}."
        )
    outweighs = "" if math.isnan(wdq) or wdq >= -1 else "; the rise there outweighs the fall"
    return (
        f"A sign that harm moved to the streets around it (displacement): compared with "
        f"similar areas, harm there {change}{quotient}{outweighs}."
    )


def _net(row: Mapping[str, Any], harm: str, policy: DisclosurePolicy) -> str:
    net = row["net_effect"]
    if math.isnan(net) or _small(row, "ring", policy):
        return ""
    size = disclose_count(round(abs(net)), policy)
    if size == "0":
        return "All told, the treated area and the streets around it had about as many as expected."
    way = "fewer" if net > 0 else "more"
    return (
        f"All told, the treated area and the streets around it had about {size} {way} {harm} "
        "than the change in similar areas would predict (the total net effect)."
    )


def _window_note(row: Mapping[str, Any], options: EvaluationOptions) -> str:
    if int(row["window_months"]) >= options.window_months:
        return ""
    return (
        f"The windows are {int(row['window_months'])} months each, not "
        f"{options.window_months}, because the data does not reach further on one side."
    )


def _small(row: Mapping[str, Any], area: str, policy: DisclosurePolicy) -> bool:
    """Whether a before or after count of an area would be hidden by the policy."""
    return any(
        0 < int(row[f"{area}_{when}"]) < policy.suppress_below for when in ("before", "after")
    )


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def choices(
    row: Mapping[str, Any],
    options: EvaluationOptions,
    *,
    from_point: bool,
    unlocated: bool,
) -> list[str]:
    """Return every choice behind one evaluation, one sentence each (defaults included)."""
    buffer, width = options.point_buffer_m, options.ring_width_m
    treated = (
        f"Treated area: the {buffer:g} m around the intervention's point."
        if from_point
        else f"Treated area: the intervention's own shape ({row['treated_area_km2']:.2f} km²)."
    )
    around = f" ({buffer:g}-{buffer + width:g} m from the point)" if from_point else ""
    out = [
        f"Counted: {harm_words(options)}.",
        treated,
        f"Surrounding ring: the {width:g} m around the treated area{around}.",
    ]
    if int(row["window_months"]) > 0:
        before, after = window_words(row)
        cut = (
            f", cut from {options.window_months} to fit the data"
            if int(row["window_months"]) < options.window_months
            else ""
        )
        out.append(
            f"Windows: {int(row['window_months'])} months before the start ({before}) and as "
            f"many from the start month on ({after}){cut}."
        )
    out.append(similar_words(int(row["control_cells"]), options))
    out.append(METHOD)
    if unlocated:
        out.append(
            f"Some {harm_words(options)} are recorded without a point (by area only): they "
            "cannot be placed in these areas and are not counted."
        )
    return out


def similar_words(cells: int, options: EvaluationOptions) -> str:
    """Return how the similar areas elsewhere were chosen."""
    size = h3.average_hexagon_area(options.control_resolution, unit="km^2")
    return (
        f"Similar areas elsewhere: the {cells} H3 hexagons (resolution "
        f"{options.control_resolution}, about {size:.2g} km² each) outside the treated area "
        "and ring whose usual count (per window, before and after together) is closest to "
        "the treated area's count before the start, the nearer first among equals, taken "
        "together. Using both windows keeps hexagons that were busy by chance before from "
        "being picked, which would make them seem to fall back afterwards."
    )


METHOD = (
    "Method: difference-in-differences as a rate ratio, (treated after / treated before) / "
    "(comparison after / comparison before), with a 95% interval from the Poisson variance of "
    "the four counts; displacement by the weighted displacement quotient (Bowers and Johnson "
    "2003) of the ring against the similar areas."
)
"""The method in one sentence."""


def table(
    row: Mapping[str, Any], options: EvaluationOptions, policy: DisclosurePolicy
) -> pd.DataFrame:
    """Return the before / after counts of the three areas after disclosure control."""
    counts = pd.DataFrame(
        {
            "Area": [
                "Treated area",
                f"Streets around it (the {options.ring_width_m:g} m ring)",
                f"Similar areas elsewhere ({int(row['control_cells'])} hexagons)",
            ],
            "Before": [int(row[f"{a}_before"]) for a in ("treated", "ring", "control")],
            "After": [int(row[f"{a}_after"]) for a in ("treated", "ring", "control")],
        }
    )
    shown = protect_table(counts, count_columns=["Before", "After"], policy=policy)
    hidden = shown.attrs["suppressed"].any(axis=1).to_numpy()
    change = [
        "not shown"
        if hide
        else "none before"
        if before == 0
        else f"{100 * (after / before - 1):+.0f}%"
        for hide, before, after in zip(hidden, counts["Before"], counts["After"], strict=True)
    ]
    out = shown.assign(Change=change)
    if int(row["window_months"]) > 0:
        before, after = window_words(row)
        out = out.rename(columns={"Before": f"Before ({before})", "After": f"After ({after})"})
    out.attrs = {"statement": policy.statement(), "policy": policy.name}
    return out


def chart_data(
    row: Mapping[str, Any], options: EvaluationOptions, policy: DisclosurePolicy
) -> pd.DataFrame:
    """Return the change of each area (percent, with its interval) where its counts may be shown."""
    names = {"treated": "Treated area", "ring": "Around it", "control": "Similar areas"}
    rows = []
    for area, label in names.items():
        after, before = int(row[f"{area}_after"]), int(row[f"{area}_before"])
        if _small(row, area, policy) or before == 0 or after == 0:
            continue
        ratio = before_after_ratio(after, before, confidence=options.confidence)
        rows.append([label, *(100 * (float(ratio[k]) - 1) for k in ("ratio", "low", "high"))])
    return pd.DataFrame(rows, columns=["area", "change_percent", "low_percent", "high_percent"])
