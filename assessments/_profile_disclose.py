"""A profile's figures as they may be shown: every count through the disclosure policy."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from assessments import _disclose_tables as T
from assessments._profile_events import LAYERS
from assessments._profile_places import SHARE
from assessments._profile_words import (
    change_cells,
    change_words,
    city_words,
    headline_change,
    number_words,
    plural,
    trend_cell,
    trend_words,
)
from assessments.disclosure import DisclosurePolicy, disclose_count, protect_rate
from layers._map_words import CONFIDENCE, month_range_label

if TYPE_CHECKING:
    from assessments.profile import AreaProfile

ALPHA = 0.05
"""Level at which a difference from the city is called unlikely to be chance."""

NOT_AVAILABLE = "not available"
"""What a figure that cannot be computed reads as."""

_EMERGING_WORTH = ("New", "Consecutive", "Intensifying", "Persistent", "Sporadic")


def disclosed(profile: AreaProfile, policy: DisclosurePolicy) -> dict[str, Any]:
    """Build the JSON-ready, disclosure-controlled figures (see ``disclosed_profile``)."""
    out: dict[str, Any] = {
        "area": {
            "spec": profile.area,
            "kind": profile.kind,
            "name": profile.name,
            "title": profile.title,
            "how": profile.how,
        },
        "period": {
            "from": profile.date_from,
            "to": profile.date_to,
            "months": profile.months,
            "label": T.period_label(profile.date_from, profile.date_to, profile.months),
        },
        "policy": {"name": policy.name, "statement": policy.statement()},
        "generated": profile.generated.isoformat(timespec="minutes"),
        "layers": _layers(profile, policy),
        "categories": T.categories(profile, policy),
        "chart": T.chart(profile, policy),
        "map": T.map_cells(profile, policy),
        "trends": _trends(profile, policy),
        "hotspots": _hotspots(profile),
        "locations": T.locations(profile, policy),
        "times": T.times(profile, policy),
        "surveys": _surveys(profile, policy),
        "interventions": _interventions(profile),
        "context": _context(profile),
        "sources": _sources(profile),
        "notes": list(profile.notes),
    }
    out["summary"] = _summary(profile, out)
    return out


# --- sections ---------------------------------------------------------------------------


def _layers(profile: AreaProfile, policy: DisclosurePolicy) -> list[dict[str, Any]]:
    rows = []
    for r in profile.layers.itertuples():
        count, city = int(r.count), int(r.city_count)
        rows.append(
            {
                "layer": str(r.layer),
                "label": str(r.label),
                "count": _count(count, policy),
                "city_count": _count(city, policy),
                "per_1000_residents": _rate(r.per_1000_residents, count, policy),
                "per_1000_children": _rate(r.per_1000_children, count, policy),
                "city_per_1000_residents": _rate(r.city_per_1000_residents, city, policy),
                "city_per_1000_children": _rate(r.city_per_1000_children, city, policy),
                "per_km2": _rate(r.per_km2, count, policy),
                "city_per_km2": _rate(r.city_per_km2, city, policy),
                "compared_with_city": _compared(count, r, policy),
                "city_ratio": _ratio_cell(count, float(r.rate_ratio), policy),
                "city_significant": bool(
                    not _small(count, policy) and count and float(r.ratio_p) < ALPHA
                ),
            }
        )
    return rows


def _trends(profile: AreaProfile, policy: DisclosurePolicy) -> dict[str, dict[str, Any]]:
    out = {}
    for layer, label in LAYERS.items():
        result = profile.trends[layer]
        change = result.change
        recent = _count(change.recent, policy) if change else ""
        baseline = _count(change.baseline, policy) if change else ""
        shown = change is not None and not (
            _small(change.recent, policy) or _small(change.baseline, policy)
        )
        cell, chance = change_cells(change, shown=shown, coarse=policy.round_to > 1)
        out[layer] = {
            "label": label,
            "change_cell": cell,
            "chance": chance,
            "trend_cell": trend_cell(result.trend),
            "trend": trend_words(result.trend),
            "change": change_words(
                label, change, recent, baseline, shown=shown, coarse=policy.round_to > 1
            ),
            "headline": headline_change(change, shown=shown, coarse=policy.round_to > 1) or "",
            "recent_months": change.recent_months if change else "",
            "previous_months": change.baseline_months if change else "",
            "recent": recent,
            "previous": baseline,
            "window": result.window,
        }
    return out


def _hotspots(profile: AreaProfile) -> dict[str, Any]:
    cells = profile.hexagons
    per_layer = {layer: _hot_words(cells, layer, label) for layer, label in LAYERS.items()}
    patterns = cells["pattern"][cells["pattern"].str.len() > 0]
    counted = patterns.value_counts().sort_index()
    emerging = [
        {"pattern": str(p), "hexagons": number_words(int(n))}
        for p, n in counted.items()
        if p != "No Pattern Detected"
    ]
    return {
        "resolution": profile.hotspot_resolution,
        "reason": profile.hotspot_reason,
        "method": profile.hotspot_method,
        "hexagons": number_words(len(cells)),
        "layers": per_layer,
        "emerging": emerging,
        "emerging_computed": bool(len(patterns)),
    }


def _hot_words(cells: pd.DataFrame, layer: str, label: str) -> str:
    bins = cells[f"gi_bin_{layer}"].dropna().astype("int64")
    if bins.empty:
        return f"{label}: hot spots not computed (see the notes)."
    hot, cold = int((bins > 0).sum()), int((bins < 0).sum())
    levels = [
        f"{number_words(int((bins == b).sum()))} at {CONFIDENCE[b]}"
        for b in (3, 2, 1)
        if (bins == b).any()
    ]
    detail = f" ({', '.join(levels)} confidence)" if levels else ""
    if len(bins) == 1:
        side = "a hot spot" if hot else "a cold spot" if cold else "neither a hot nor a cold spot"
        return f"{label}: the hexagon is {side}{detail if hot else ''}."
    some = number_words(hot) if hot else "none"
    verb = "are hot spots" if hot > 1 else "is a hot spot"
    head = f"{label}: {some} of the {number_words(len(bins))} hexagons {verb}{detail}"
    tail = f"; {number_words(cold)} {'is a cold spot' if cold == 1 else 'are cold spots'}"
    return f"{head}{tail if cold else ''}."


def _surveys(profile: AreaProfile, policy: DisclosurePolicy) -> list[dict[str, str]]:
    rows = []
    for r in profile.surveys.itertuples():
        mine = _survey_value(str(r.measure), float(r.value), int(r.responses), policy)
        city = _survey_value(str(r.measure), float(r.city_value), int(r.city_responses), policy)
        rows.append(
            {
                "survey": str(r.survey),
                "question": str(r.question),
                "measure": str(r.measure),
                "responses": _count(int(r.responses), policy),
                "value": mine,
                "city_responses": _count(int(r.city_responses), policy),
                "city_value": city,
            }
        )
    return rows


def _interventions(profile: AreaProfile) -> list[dict[str, str]]:
    return [
        {
            "name": str(r.name),
            "type": str(r.intervention_type),
            "lead_agency": "" if pd.isna(r.lead_agency) else str(r.lead_agency),
            "start": _month(r.start_date),
            "end": _month(r.end_date),
            "status": str(r.status),
        }
        for r in profile.interventions.itertuples()
    ]


def _context(profile: AreaProfile) -> dict[str, str]:
    c = profile.context
    return {
        "population": _people(c.population),
        "children": _people(c.children),
        "city_population": _people(c.city_population),
        "imd_decile": NOT_AVAILABLE if c.imd_decile is None else f"{c.imd_decile:.1f}",
        "area_km2": f"{c.area_km2:.1f}",
        "source": c.source,
        "note": c.note,
    }


def _sources(profile: AreaProfile) -> list[str]:
    span = month_range_label(profile.date_from, profile.date_to)
    sources = [
        (
            f"Sources ({span}): police incidents (police.uk and partnership records), "
            "missing-child episodes, hospital knife injuries, surveys and interventions as "
            "loaded in the Safer Options Atlas store."
        ),
        profile.hotspot_reason,
        profile.hotspot_method,
    ]
    first = next(iter(profile.trends.values()))
    if first.window != 12:
        sources.append(f"What changed compares {first.window_reason}.")
    if profile.context.source:
        sources.append(f"Population and deprivation: {profile.context.source}.")
    if profile.boundaries_approximate:
        sources.append("Ward boundaries: the shipped demo approximation, not official.")
    if profile.how:
        sources.append(profile.how)
    return sources


def _summary(profile: AreaProfile, out: dict[str, Any]) -> list[str]:
    layers = {row["layer"]: row for row in out["layers"]}
    parts = [f"{layers[k]['count']} {LAYERS[k].lower()}" for k in LAYERS]
    lines = [f"{out['period']['label']}: {', '.join(parts[:-1])} and {parts[-1]}."]
    for layer in LAYERS:
        compared = layers[layer]["compared_with_city"].split(";")[0]
        headline = out["trends"][layer]["headline"]
        said = [compared] if not compared.startswith(("not", "none", "no ")) else []
        said += [headline] if headline else []
        if said:
            lines.append(f"{LAYERS[layer]}: {'; '.join(said)}.")
    lines.append(_hot_line(out["hotspots"]))
    lines += _intervention_line(out["interventions"])
    if out["context"]["imd_decile"] != NOT_AVAILABLE:
        lines.append(
            f"Deprivation: IMD decile {out['context']['imd_decile']} (decile one is the most "
            "deprived tenth of England, decile ten the least)."
        )
    return [line[:1].upper() + line[1:] for line in lines]


def _hot_line(hotspots: dict[str, Any]) -> str:
    words = hotspots["layers"]["incidents"].rstrip(".")
    body = words.split(": ", 1)[1] if ": " in words else words
    for said in ("hot spots", "a hot spot", "a cold spot"):
        body = body.replace(said, f"{said} of police incidents", 1)
    worth = [e for e in hotspots["emerging"] if e["pattern"].split()[0] in _EMERGING_WORTH]
    if not worth:
        return f"{body}."
    said = ", ".join(f"{e['hexagons']} {e['pattern'].split()[0].lower()}" for e in worth)
    return f"{body}; emerging hot spot classes: {said}."


def _intervention_line(rows: list[dict[str, str]]) -> list[str]:
    running = [r["name"] for r in rows if r["status"].startswith("running")]
    if not rows:
        return ["No intervention is recorded in or touching the area."]
    if not running:
        return [f"No intervention running now; {plural(len(rows), 'earlier or planned one')}."]
    return [f"{plural(len(running), 'intervention')} running: {'; '.join(running)}."]


# --- small steps ----------------------------------------------------------------------


def _count(value: int, policy: DisclosurePolicy) -> str:
    return T.grouped(disclose_count(value, policy))


def _small(count: int, policy: DisclosurePolicy) -> bool:
    return 0 < count < policy.suppress_below


def _rate(value: float, count: int, policy: DisclosurePolicy) -> str:
    if not math.isfinite(value):
        return NOT_AVAILABLE
    return protect_rate(float(value), count, policy)


def _compared(count: int, row: Any, policy: DisclosurePolicy) -> str:
    if _small(count, policy):
        return f"not compared: fewer than {policy.suppress_below} in the area"
    if count == 0:
        return "none in the area"
    return city_words(float(row.rate_ratio), str(row.ratio_basis), float(row.ratio_p))


def _ratio_cell(count: int, ratio: float, policy: DisclosurePolicy) -> str:
    if _small(count, policy) or not math.isfinite(ratio):
        return "\u2013"
    if count == 0:
        return "none"
    return f"{ratio:.1f}\u00d7" if ratio >= 1 else f"{ratio:.2f}\u00d7"


def _survey_value(measure: str, value: float, responses: int, policy: DisclosurePolicy) -> str:
    if not math.isfinite(value) or responses == 0:
        return NOT_AVAILABLE
    if _small(responses, policy):
        return policy.small_label + " answers"
    if measure == SHARE:
        yes = round(value * responses)
        if _small(yes, policy) or _small(responses - yes, policy):
            return "hidden (few answers either way)"
        return f"{value:.0%}"
    return f"{value:.1f}"


def _month(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%b %Y}"


def _people(value: float | None) -> str:
    return NOT_AVAILABLE if value is None else f"{round(value, -2):,.0f}"
