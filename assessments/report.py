"""Printed area profiles: A4 HTML and PDF (WeasyPrint) of the disclosure-controlled figures.

The document prints exactly the figures of
:func:`assessments.profile.disclosed_profile` under the policy given (the policy is
stated on every page), with a static SVG map and SVG charts that need no tile server
and no plotting library. Every text that comes from data is escaped (Jinja2 autoescape
for the page, :func:`html.escape` inside the SVG).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from assessments import _svg as V
from assessments._disclose_tables import HOUR_BANDS, band_label
from assessments._profile_events import DAYS, LAYERS
from assessments._profile_places import SHARE
from assessments._report_map import area_map, intervention_letter, legend_svg
from assessments.disclosure import DisclosurePolicy
from assessments.profile import AreaProfile, disclosed_profile

__all__ = ["map_svg", "render_html", "render_pdf"]

LAYER_COLOURS: dict[str, str] = {"incidents": "#2f6f9f", "missing": "#7a4e9c", "knife": "#b5472d"}
"""Bar colour of each layer's charts."""

CONTENT_MM = 186.0
"""Width of the printed page's text block (A4 less 12 mm margins)."""
WIDE_MM, NARROW_MM = 100.0, 80.0
"""Widths of the wide and the narrow column of a two-column row (with a 4 mm gap)."""

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""Folder of the page template (``profile.html``, Jinja2) and its A4 style sheet."""

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_KIND_WORDS = {
    "ward": "Ward",
    "locality": "Locality",
    "h3": "H3 hexagon",
    "hotspot": "Hot spot (connected Gi* hot spot hexagons)",
    "drawn": "Drawn area",
}


def render_html(profile: AreaProfile, *, policy: DisclosurePolicy) -> str:
    """Return the printable profile as one self-contained HTML page.

    Parameters
    ----------
    profile
        From :func:`assessments.profile.area_profile`.
    policy
        The disclosure policy in force (stated on the page).

    Returns
    -------
    str
        HTML with its style sheet and inline SVG; no external file or request.
    """
    shown = disclosed_profile(profile, policy)
    template = _ENVIRONMENT.get_template("profile.html")
    return template.render(**_context(profile, shown, policy))


def render_pdf(profile: AreaProfile, *, policy: DisclosurePolicy) -> bytes:
    """Return the printable profile as an A4 PDF (two pages for a ward).

    Parameters
    ----------
    profile
        From :func:`assessments.profile.area_profile`.
    policy
        The disclosure policy in force (stated on every page).

    Returns
    -------
    bytes
        The PDF.
    """
    import weasyprint  # imported here: it takes a moment and only printing needs it

    document = weasyprint.HTML(string=render_html(profile, policy=policy))
    return bytes(document.write_pdf())


def map_svg(profile: AreaProfile, *, policy: DisclosurePolicy) -> tuple[str, str]:
    """Return the profile's static map as printed, and its legend, as two SVG documents.

    Parameters
    ----------
    profile
        From :func:`assessments.profile.area_profile`.
    policy
        The disclosure policy in force (the map's counts pass it).

    Returns
    -------
    tuple of str
        The map and the legend (SVG; every data text escaped).
    """
    drawn, legend = area_map(profile, disclosed_profile(profile, policy), policy, mm=WIDE_MM)
    return drawn, legend_svg(legend, mm=WIDE_MM)


def _context(
    profile: AreaProfile, shown: dict[str, Any], policy: DisclosurePolicy
) -> dict[str, Any]:
    map_svg, legend = area_map(profile, shown, policy, mm=WIDE_MM)
    by_people = shown["context"]["population"] != "not available"
    return {
        "d": shown,
        "style": Markup((TEMPLATES / "profile.css").read_text(encoding="utf-8")),  # no data
        "map_svg": Markup(map_svg),  # safe: every data text escaped in _svg
        "legend": legend,
        "charts": {layer: _chart(shown["chart"][layer], layer, policy) for layer in LAYERS},
        "category_svg": Markup(_categories(shown)),  # safe: escaped in _svg
        "kind_words": _KIND_WORDS.get(profile.kind, profile.kind),
        "generated": profile.generated.strftime("%d %b %Y, %H:%M"),
        "policy_title": f"{policy.name.capitalize()} version",
        "rate_head": "Per 1,000 residents a year" if by_people else "Per km² a year",
        "rate_key": "per_1000_residents" if by_people else "per_km2",
        "rate_note": _rate_note(shown, by_people),
        "small_label": f"{policy.small_label} (hidden)",
        "recent_head": _window_head(shown, "recent_months", "Last"),
        "previous_head": _window_head(shown, "previous_months", "Previous"),
        "seasonal_words": (
            " (seasonal: each calendar month against itself)" if profile.months >= 24 else ""
        ),
        "days": DAYS,
        "measure_words": {SHARE: "% yes"},
        "bands": [band_label(a, b) for a, b in HOUR_BANDS],
        "letters": [intervention_letter(i) for i in range(len(shown["interventions"]))],
    }


def _chart(chart: dict[str, Any], layer: str, policy: DisclosurePolicy) -> Markup | str:
    if not chart["step"]:
        return ""
    big = layer == "incidents"
    labels = [_period_words(p) for p in chart["periods"]]
    drawn = V.bar_chart(
        labels,
        chart["values"],
        chart["rolling"],
        width=680 if big else 300,
        height=120 if big else 88,
        colour=LAYER_COLOURS[layer],
        label=f"{chart['label']} by {chart['step']}",
        small_label=policy.small_label,
        threshold=policy.suppress_below,
        mm=CONTENT_MM if big else NARROW_MM,
    )
    return Markup(drawn)  # safe: every data text escaped in _svg


def _categories(shown: dict[str, Any]) -> str:
    rows = [(r["category"], r["count"]) for r in shown["categories"] if r["layer"] == "incidents"]
    return V.horizontal_bars(
        rows,
        width=420,
        colour=LAYER_COLOURS["incidents"],
        label="Police incidents by category",
        mm=WIDE_MM,
    )


def _rate_note(shown: dict[str, Any], by_people: bool) -> str:
    against = (
        " vs city: the area's rate over the city's; in bold where the difference "
        "is unlikely to be chance (exact Poisson test, p < 0.05)."
    )
    if by_people:
        return (
            "Rates per 1,000 residents a year over the whole period; per 1,000 children: "
            + "; ".join(f"{r['label']} {r['per_1000_children']}" for r in shown["layers"])
            + "."
            + against
        )
    return "Rates per km² a year: population is not known for this area." + against


def _window_head(shown: dict[str, Any], key: str, word: str) -> str:
    first = next(iter(shown["trends"].values()))
    months = first["window"]
    span = first[key].replace(" to ", "\u2013") if first[key] else ""
    return f"{word} {months} months" + (f" {_span_words(span)}" if span else "")


def _span_words(span: str) -> str:
    ends = span.split("\u2013")
    return "\u2013".join(_period_words(e.strip()) for e in ends)


def _period_words(period: str) -> str:
    if len(period) == 7 and period[4] == "-":
        months = (
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        )
        return f"{months[int(period[5:]) - 1]} {period[:4]}"
    return period
