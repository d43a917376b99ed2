"""Map layers around the counts: density surfaces, survey results and interventions."""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from layers import schema as S
from layers._map_checks import area_problems, frame_problems, raise_problems, unit_problems
from layers._map_keyed import KEY, PLACE, TIP, Key, area_shapes, keyed_layer

DENSITY_COLOURS: tuple[str, ...] = ("#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f")
"""Fill of density contours from the widest (lightest) to the densest."""

SURVEY_COLOURS: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
"""Fill of survey mean scores from low to high (equal intervals of the observed range)."""

INTERVENTION_COLOURS: tuple[str, ...] = (
    "#009e73",
    "#e69f00",
    "#0072b2",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#7f7f00",
    "#555555",
)
"""Outline of interventions, one per type in order of first appearance (Okabe-Ito)."""

_DENSITY_STYLE = {"fillOpacity": 0.42, "weight": 1.2, "opacity": 0.95}
_INTERVENTION_STYLE = {"fillOpacity": 0.18, "weight": 3, "opacity": 1, "dashArray": "6 4"}
_SURVEY_COLUMNS = ("area_code", "question", "responses", "mean_score")
_INTERVENTION_COLUMNS = ("name", "intervention_type", "start_date", "end_date", "lead_agency")


def density_levels(density: np.ndarray, *, shares: Sequence[float]) -> np.ndarray:
    """Return, for each share, the density above which the densest cells hold that share.

    The surface's "highest density regions": the contour at ``level[i]`` encloses the
    smallest area that holds ``shares[i]`` of the events (grid cells are of equal area).

    Parameters
    ----------
    density
        A density surface (``hotspots.kde.KdeResult.density``), any shape, values >= 0.
    shares
        Shares of the events, each in (0, 1].

    Returns
    -------
    numpy.ndarray
        float64 levels, one per share (a larger share gives a lower level); NaN for
        every share when the surface is all zero.

    Raises
    ------
    ValueError
        When a share is outside (0, 1].
    """
    wanted = np.asarray(list(shares), dtype="float64")
    if wanted.size == 0 or not np.all((wanted > 0) & (wanted <= 1)):
        raise ValueError(f"shares must be numbers in (0, 1]; received {list(shares)!r}")
    values = np.sort(np.asarray(density, dtype="float64").ravel())[::-1]
    values = values[values > 0]
    if values.size == 0:
        return np.full(wanted.size, np.nan)
    held = np.cumsum(values) / values.sum()
    at = np.minimum(np.searchsorted(held, wanted - 1e-12, side="left"), values.size - 1)
    return values[at]


def density_layer(
    contours: gpd.GeoDataFrame,
    *,
    shares: Sequence[float],
    unit: tuple[str, str] = ("event", "events"),
    name: str,
    notes: Sequence[str] = (),
    show: bool = False,
) -> folium.FeatureGroup:
    """Return a layer of density contours: the densest areas holding given shares of events.

    Parameters
    ----------
    contours
        ``hotspots.kde.contours`` at :func:`density_levels`: ``level`` and polygons,
        EPSG:4326, one row per share, ``attrs["unit"]`` the density unit.
    shares
        The share of events each row's polygon holds, in the order of the rows.
    unit
        Singular and plural of what is counted.
    name
        Layer name for the layer control and legend.
    notes
        Plain-text lines for the legend (bandwidth and cell size, how chosen).
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The contours, widest first (drawn beneath), and a legend.
    """
    problems = frame_problems(contours, ("level",), name="contours", source="hotspots.kde.contours")
    if not problems and len(contours) != len(shares):
        problems.append(
            f"shares has {len(shares)} values for {len(contours)} contours; give one each"
        )
    raise_problems(problems + unit_problems(unit))
    order = np.argsort(-np.asarray(shares, dtype="float64"), kind="stable")
    ranked = contours.iloc[order].reset_index(drop=True)
    ranked["share"] = np.asarray(shares, dtype="float64")[order]
    colours = list(DENSITY_COLOURS[-len(ranked) :]) if len(ranked) else []
    per = str(contours.attrs.get("unit", "events per km²")).replace("events", unit[1])
    shapes = ranked[~ranked.geometry.is_empty].copy()
    shapes[KEY] = shapes.index.to_numpy()
    shapes[TIP] = [
        f"<b>{html.escape(_share_words(s, unit))}</b><br>"
        + html.escape(f"density at least {level:,.3g} {per}")
        for s, level in zip(shapes["share"], shapes["level"], strict=True)
    ]
    key = Key(name, colours, [_share_words(s, unit) for s in ranked["share"]], list(notes))
    return keyed_layer(
        shapes,
        key,
        name=name,
        show=show,
        style=_DENSITY_STYLE,
        outline_by_key=True,
        legend_position="bottomleft",
    )


def survey_layer(
    summary: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    name: str,
    show: bool = False,
) -> folium.FeatureGroup:
    """Return a layer of survey results: the mean score of one question in each area.

    Parameters
    ----------
    summary
        ``layers.queries.survey_summary`` for one question (``by="ward"``): columns
        ``area_code``, ``question``, ``responses``, ``mean_score``.
    areas
        The areas' polygons (``Store.boundaries``).
    name
        Layer name for the layer control and legend.
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        Areas coloured by mean score in equal steps of the observed range, with the
        number of answers in each tooltip; areas without answers are not drawn.
    """
    problems = frame_problems(
        summary, _SURVEY_COLUMNS, name="summary", source="layers.queries.survey_summary"
    )
    if not problems and summary["question"].nunique() > 1:
        problems.append("summary holds several questions; filter it to one (question=...)")
    raise_problems(problems + area_problems(areas, "areas"))
    scored = summary[summary["mean_score"].notna()]
    shapes = area_shapes(scored["area_code"].astype("str"), areas)
    rows = scored.set_index("area_code").loc[shapes[S.CODE]]
    means = rows["mean_score"].to_numpy(dtype="float64")
    edges = _equal_steps(means, len(SURVEY_COLOURS))
    shapes[KEY] = np.clip(np.searchsorted(edges[1:-1], means, side="right"), 0, len(edges) - 2)
    question = str(summary["question"].iloc[0]) if len(summary) else ""
    shapes[TIP] = [
        _survey_tip(m, int(n), place, question)
        for m, n, place in zip(means, rows["responses"], shapes[PLACE], strict=True)
    ]
    labels = [f"{lo:.2f} – {hi:.2f}" for lo, hi in itertools.pairwise(edges)]
    notes = [f"Question: {question}", "Not coloured: no answers."]
    key = Key(name, list(SURVEY_COLOURS[: len(labels)]), labels, notes)
    return keyed_layer(shapes, key, name=name, show=show, legend_position="bottomleft")


def interventions_layer(
    interventions: gpd.GeoDataFrame, *, name: str, show: bool = True
) -> folium.FeatureGroup:
    """Return a layer of location interventions: dashed outlines and circles, by type.

    Parameters
    ----------
    interventions
        ``layers.queries.interventions``: ``name``, ``intervention_type``,
        ``start_date``, ``end_date``, ``lead_agency`` (``notes`` used when present),
        points or polygons with a CRS.
    name
        Layer name for the layer control and legend.
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        One shape per intervention with its name, type, agency and dates in the tooltip.
    """
    problems = frame_problems(
        interventions,
        _INTERVENTION_COLUMNS,
        name="interventions",
        source="layers.queries.interventions",
    )
    if not problems and getattr(interventions, "crs", None) is None:
        problems.append("interventions has no CRS; set it (the store keeps EPSG:4326)")
    raise_problems(problems)
    shapes = interventions.to_crs(S.CRS_STORE).reset_index(drop=True)
    types = list(dict.fromkeys(shapes["intervention_type"].fillna("Other").astype("str")))
    colours = [INTERVENTION_COLOURS[i % len(INTERVENTION_COLOURS)] for i in range(len(types))]
    shapes[KEY] = [
        types.index(t) for t in shapes["intervention_type"].fillna("Other").astype("str")
    ]
    shapes[TIP] = [_intervention_tip(row) for row in shapes.to_dict("records")]
    key = Key(name, colours, types, ["Dashed: an area; circle: a site."])
    return keyed_layer(
        shapes,
        key,
        name=name,
        show=show,
        style=_INTERVENTION_STYLE,
        outline_by_key=True,
        legend_position="bottomleft",
    )


# --- steps -------------------------------------------------------------------------------


def _share_words(share: float, unit: tuple[str, str]) -> str:
    return f"Densest area holding {share:.0%} of the {unit[1]}"


def _equal_steps(values: np.ndarray, k: int) -> np.ndarray:
    if values.size == 0:
        return np.array([0.0, 0.0])
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        return np.array([lo, hi])
    return np.linspace(lo, hi, k + 1)


def _survey_tip(mean: float, responses: int, place: str, question: str) -> str:
    answers = "1 answer" if responses == 1 else f"{responses:,} answers"
    return "<br>".join(
        [
            f"<b>Mean score {mean:.2f}</b> from {answers}",
            html.escape(place[:1].upper() + place[1:]),
            html.escape(f"“{question}”"),
        ]
    )


def _intervention_tip(row: dict[str, Any]) -> str:
    kind = _text(row.get("intervention_type")) or "Intervention"
    agency = _text(row.get("lead_agency"))
    lines = [
        f"<b>{html.escape(_text(row.get('name')) or 'Unnamed intervention')}</b>",
        html.escape(kind + (f", led by {agency}" if agency else "")),
        html.escape(_dates(row.get("start_date"), row.get("end_date"))),
    ]
    notes = _text(row.get("notes"))
    return "<br>".join(lines + ([html.escape(notes)] if notes else []))


def _dates(start: Any, end: Any) -> str:
    first = _day(start)
    last = _day(end)
    if first and last:
        return f"From {first} to {last}"
    if first:
        return f"From {first}, no end date recorded"
    return "Dates not recorded"


def _day(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return pd.Timestamp(value).strftime("%-d %b %Y")


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()
