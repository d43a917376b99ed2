"""The assessment planner: places ranked for a Contextual Safeguarding neighbourhood assessment.

A place's priority adds up five needs and takes off one thing, each scaled 0-1 across the
candidates and weighted by :class:`PriorityWeights`:

- **harm**: harm recorded in the months chosen, per layer (police incidents,
  missing-child episodes, knife injuries), as counts: harm outside the home happens where
  young people go, not where they live, so residents make a poor denominator. Each layer
  is scaled as a share of the highest place (1 = the highest, 0 = none), then the layers
  are averaged with their weights.
- **trend**: the last months against as many months before, all layers counted together
  (``hotspots.trends.trends_by_area``: exact test, Benjamini-Hochberg over the places).
  The smallest rise the 95 % interval of the rate ratio allows (its lower end, on a log
  scale; 0 when the interval allows no change or a fall), as a share of the largest.
- **emerging**: the emerging hot spot class of the place's hexagons
  (``hotspots.emerging``, monthly, pooled to quarters when sparse), scored by
  :data:`EMERGING_SCORES` (new 1, intensifying and consecutive 0.9 ... no pattern 0; an
  intensifying hot spot whose own counts show no significant rise scores as persistent);
  a ward or hot spot takes the mean score of its hexagons weighted by their recent events.
- **overlap**: the share of the layers counted in which a hexagon is a Getis-Ord Gi*
  hot spot at 95 % confidence (``hotspots.overlap.multi_harm_overlap``); a ward or hot
  spot takes the mean over its hexagons weighted by their events.
- **safety**: the mean answer to the "feel safe" survey question, inverted (the lowest
  mean 1, the highest 0); fewer answers than the disclosure threshold count as neutral
  (0.5), and the sentence says so.
- **intervention** (taken off): 1 when an intervention from the register reaches the place
  and ran at some time in the months chosen.

The score is ``100 x (sum of weight x value over the needs - intervention weight x
cover) / (sum of the needs' weights)``. Every automatic choice is in ``attrs["notes"]``.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from assessments import _priority_measures as measures
from assessments._priority_measures import EMERGING_SCORES, LAYER_WORDS
from assessments._priority_places import (
    CELL_RESOLUTION,
    UNITS,
    CellStats,
    Places,
    Request,
    candidates,
    cell_outlines,
    cell_stats,
    request_of,
)
from assessments._priority_weights import COMPONENTS, NEEDS, PriorityWeights
from assessments._priority_words import change_words, layer_list, safety_words, why_sentences
from assessments.disclosure import DisclosurePolicy, get_policy, protect_table
from layers import schema as S
from layers._errors import SchemaError
from layers.store import Store

__all__ = [
    "CELL_RESOLUTION",
    "COMPONENTS",
    "EMERGING_SCORES",
    "PRIORITY_COLUMNS",
    "UNITS",
    "PriorityWeights",
    "candidate_places",
    "place_shapes",
]

PRIORITY_COLUMNS: dict[str, str] = {
    "rank": "int64",
    "area_code": "str",
    "area_name": "str",
    "score": "float64",
    "why": "str",
    **{f"{c}_{part}": "float64" for c in COMPONENTS for part in ("value", "points")},
    "incidents": "str",
    "missing": "str",
    "knife": "str",
    "change": "str",
    "emerging_pattern": "str",
    "hot_layers": "str",
    "feel_safe": "str",
    "interventions": "str",
    "profile": "str",
    "cells": "str",
}
"""Columns and dtypes of :func:`candidate_places`, in order (see its Returns)."""

_COUNTED = tuple(LAYER_WORDS)


def candidate_places(
    store: Store,
    *,
    unit: str = "ward",
    date_from: str | None = None,
    date_to: str | None = None,
    weights: PriorityWeights | None = None,
    policy: str | DisclosurePolicy = "partnership",
) -> pd.DataFrame:
    """Rank places for a neighbourhood assessment, saying why each ranks where it does.

    Parameters
    ----------
    store
        The store.
    unit
        ``ward`` (every ward), ``h3:RES`` (every hexagon of H3 resolution 6-10 with at
        least one event) or ``hotspots`` / ``hotspots:RES`` (each group of touching
        hexagons that are Gi* hot spots of police incidents at 95 %; resolution 9 unless
        given).
    date_from, date_to
        First and last month, ``YYYY-MM``; None: the first / last month with data.
    weights
        How much each component counts; None: the documented defaults.
    policy
        Disclosure policy of the counts shown: ``partnership`` (default), ``public``, or
        a :class:`~assessments.disclosure.DisclosurePolicy`.

    Returns
    -------
    pandas.DataFrame
        One row per place, best first, columns of :data:`PRIORITY_COLUMNS`: ``rank``
        (1 = highest priority), ``area_code``, ``area_name``, ``score`` (0-100; below 0
        only when the intervention weight outweighs the needs), ``why`` (one sentence),
        then for each of ``harm``, ``trend``, ``emerging``, ``overlap``, ``safety`` and
        ``intervention`` its ``_value`` (0-1) and ``_points`` (its part of the score;
        negative for ``intervention``); ``incidents``, ``missing``, ``knife`` (counts in
        the months chosen, after disclosure control), ``change`` (the period comparison
        in percent), ``emerging_pattern``, ``hot_layers``, ``feel_safe`` (mean answer
        and how many answered), ``interventions`` (names and dates) and ``profile``
        (``ward:CODE``, ``h3:CELL`` or ``hotspot:CELL`` for the area profile). ``attrs``:
        ``weights`` (dict), ``unit``, ``date_from``, ``date_to``, ``policy`` (its
        name), ``statement`` (the policy in force, one sentence), ``city_feel_safe``
        and ``notes`` (every automatic choice, one sentence each).

    Raises
    ------
    SchemaError
        When the unit, the months, the weights or the policy cannot be used (one
        message listing every problem), or the store holds no events.
    """
    weights, chosen, problems = _checked(weights, policy)
    request = request_of(store, unit, date_from, date_to, _kinds(weights), chosen, problems)
    stats = cell_stats(store, request)
    places, notes = candidates(store, request, stats)
    table, more = _measured(store, request, places, stats, weights)
    scored = _scored(table, weights)
    return _finished(scored, request, weights, [*notes, *stats.notes, *more])


def place_shapes(store: Store, places: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the outline of each place of a :func:`candidate_places` table (for a map).

    Parameters
    ----------
    store
        The store the table was made from.
    places
        Rows of the table (any subset); ``area_code`` and ``cells`` are used.

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows and columns (order kept) with their outlines, EPSG:4326: a ward's
        boundary, a hexagon, or the union of a hot spot's hexagons.

    Raises
    ------
    SchemaError
        When ``places`` is not a frame with those columns.
    """
    codes = _shape_codes(places)
    if places["cells"].astype("str").str.len().eq(0).all():
        wards = store.boundaries(S.Level.WARD).set_index(S.CODE).geometry
        outlines = wards.reindex(codes).to_numpy()
    else:
        split = places["cells"].astype("str").str.split(",").set_axis(codes).explode()
        members = pd.Series(split.index.to_numpy(), index=split.to_numpy())
        outlines = cell_outlines(members).reindex(codes).to_numpy()
    return gpd.GeoDataFrame(places.copy(), geometry=list(outlines), crs=S.CRS_STORE)


# --- private steps ----------------------------------------------------------------------


def _checked(
    weights: object, policy: object
) -> tuple[PriorityWeights, DisclosurePolicy | None, list[str]]:
    """Check the weights' type and the policy; collect problems rather than raise."""
    problems = []
    if weights is not None and not isinstance(weights, PriorityWeights):
        problems.append(
            f"weights must be a PriorityWeights or None, got {type(weights).__name__}; "
            "pass e.g. PriorityWeights(harm=0.5)"
        )
    chosen = policy if isinstance(policy, DisclosurePolicy) else None
    if isinstance(policy, str):
        try:
            chosen = get_policy(policy)
        except SchemaError as error:
            problems.append(str(error).rstrip("."))
    elif chosen is None:
        problems.append(f"policy must be 'partnership', 'public' or a DisclosurePolicy: {policy!r}")
    checked = weights if isinstance(weights, PriorityWeights) else PriorityWeights()
    return checked, chosen, problems


def _kinds(weights: PriorityWeights) -> tuple[str, ...]:
    return tuple(kind for kind in _COUNTED if kind in weights.layers())


def _measured(
    store: Store, request: Request, places: Places, stats: CellStats, weights: PriorityWeights
) -> tuple[pd.DataFrame, list[str]]:
    """Every component of every candidate, side by side (index: area_code)."""
    base = measures.layer_counts(store, request, places.base)
    cells = base if places.base != "ward" else measures.layer_counts(store, request, stats.by)
    harm, notes = measures.harm(places, base, weights.layers())
    trend, said = measures.trend(store, request, places, stats)
    overlap, said_too = measures.overlap(request, places, cells, stats)
    safety, on_safety, city = measures.safety(store, request, places)
    cover, on_cover = measures.cover(store, request, places)
    emerging = measures.emerging(request, places, stats)
    table = pd.concat([places.names, harm, trend, emerging, overlap, safety, cover], axis=1)
    table.attrs["city_feel_safe"] = city
    return table, [*notes, *said, *said_too, *on_safety, *on_cover]


def _scored(table: pd.DataFrame, weights: PriorityWeights) -> pd.DataFrame:
    """Points of each component, the score, and the order (ties: more harm, then code)."""
    out = table.copy()
    needs = weights.needs()
    total = sum(needs.values())
    for component in NEEDS:
        out[f"{component}_points"] = 100 * needs[component] * out[f"{component}_value"] / total
    out["intervention_points"] = -100 * weights.intervention * out["intervention_value"] / total
    out["score"] = out[[f"{c}_points" for c in COMPONENTS]].sum(axis=1)
    out = out.rename_axis("area_code").reset_index()
    out = out.sort_values(
        ["score", "harm_value", "area_code"], ascending=[False, False, True], kind="stable"
    )
    out.insert(0, "rank", range(1, len(out) + 1))
    return out.reset_index(drop=True)


def _finished(
    table: pd.DataFrame, request: Request, weights: PriorityWeights, notes: list[str]
) -> pd.DataFrame:
    policy, city = request.policy, float(table.attrs.get("city_feel_safe", float("nan")))
    shown = protect_table(table, count_columns=list(_COUNTED), policy=policy, column_totals=True)
    shown.attrs = {}  # frames in attrs would break pandas' attrs propagation
    out = shown.assign(
        why=why_sentences(table, unit=request.unit, policy=policy, city_safety=city),
        change=[change_words(row, policy) for _, row in table.iterrows()],
        feel_safe=[safety_words(row, policy) for _, row in table.iterrows()],
        hot_layers=[layer_list(str(k)) for k in table["hot_layers"]],
    )
    out = out[list(PRIORITY_COLUMNS)].astype(PRIORITY_COLUMNS)
    out.attrs = {
        "weights": weights.as_dict(),
        "unit": _unit_words(request),
        "date_from": request.date_from,
        "date_to": request.date_to,
        "policy": policy.name,
        "statement": policy.statement(),
        "city_feel_safe": city,
        "notes": [*notes, _score_note(weights)],
    }
    return out


def _unit_words(request: Request) -> str:
    if request.unit == "ward":
        return "wards"
    if request.unit == "h3":
        return f"hexagons (H3 resolution {request.resolution})"
    return f"hot spots (touching hot hexagons, H3 resolution {request.resolution})"


def _score_note(weights: PriorityWeights) -> str:
    shown = ", ".join(f"{name} {value:g}" for name, value in weights.as_dict().items())
    return (
        f"Score: 100 x (weighted needs - intervention) / sum of the needs' weights; weights "
        f"in force: {shown}. Ties are broken by harm, then by code."
    )


def _shape_codes(places: object) -> pd.Index:
    columns = getattr(places, "columns", [])
    missing = [c for c in ("area_code", "cells") if c not in columns]
    if not isinstance(places, pd.DataFrame) or missing:
        raise SchemaError(
            f"place_shapes: places lacks the column(s) {missing or ['area_code', 'cells']}; "
            "pass rows of a candidate_places table."
        )
    return pd.Index(places["area_code"].astype("str"))
