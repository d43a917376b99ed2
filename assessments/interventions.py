"""The intervention register (add, edit) and the before / after evaluation of each intervention.

An evaluation counts harm in the **treated area** (the intervention's polygon, or the
200 m around its point) in equal windows before and after its start month (12 months
each, cut to the data), and compares it with two comparison areas:

- the **surrounding ring**, the 400 m around the treated area;
- **similar areas elsewhere**, the 20 H3 hexagons (resolution 9) outside the ring whose
  level is closest to the treated area's before count. A hexagon's level is its count
  per window over both windows together: matching on the before window alone picks
  hexagons that were busy by chance then and fall back after (regression to the mean),
  which on the demo store made placebo sites show a 12 % rise.

The change beyond the comparison's is a difference-in-differences rate ratio with a 95 %
interval from the Poisson variance of the four counts; displacement into the ring (or a
diffusion of benefit) is read from the ring against the similar areas and the weighted
displacement quotient of Bowers and Johnson (2003). Formulas: ``_intervention_stats``.
Every default is a field of :class:`EvaluationOptions` and is stated with the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import shapely

from assessments import _intervention_words as words
from assessments._intervention_areas import geometry_to_lonlat
from assessments._intervention_data import EventData, load_events, month_label
from assessments._intervention_eval import (
    RESULT_COLUMNS,
    STATUSES,
    Site,
    results_frame,
    sites_counted,
)
from assessments._intervention_inputs import site_inputs
from assessments._intervention_options import EvaluationOptions, checked_options
from assessments._intervention_register import EDITABLE, add_row, edited_row, new_row
from assessments.disclosure import DisclosurePolicy
from layers import grid, ingest
from layers import schema as S
from layers._errors import SchemaError
from layers.queries import interventions as register
from layers.settings import Settings
from layers.store import Store

__all__ = [
    "EDITABLE",
    "RESULT_COLUMNS",
    "STATUSES",
    "EvaluationOptions",
    "InterventionEvaluation",
    "add_intervention",
    "edit_intervention",
    "evaluate_intervention",
    "evaluate_interventions",
    "evaluation_chart_data",
    "evaluation_summary",
    "evaluation_table",
    "geometry_from_text",
]


# --- the register ---------------------------------------------------------------------------


def add_intervention(
    store: Store,
    *,
    settings: Settings,
    name: str,
    intervention_type: str,
    geometry: shapely.Geometry,
    start_date: date | str,
    end_date: date | str | None = None,
    lead_agency: str | None = None,
    notes: str | None = None,
    actor: str | None = None,
) -> str:
    """Add an intervention to the register, as a one-row import (logged like any import).

    Parameters
    ----------
    store, settings
        Where to write (the settings give the store resolution and study area).
    name, intervention_type
        What it is called and what kind it is (non-empty text).
    geometry
        Where: a shapely Point, Polygon or MultiPolygon in lon / lat (EPSG:4326), inside
        the study area.
    start_date, end_date
        When it started (and ended; None while it runs): dates or ``YYYY-MM-DD`` text.
    lead_agency, notes
        Optional text.
    actor
        Who adds it, for the audit log (None: ``cli:<OS user>``).

    Returns
    -------
    str
        The new entry's id (``int-`` and 12 hex digits; it never changes, edits keep it).

    Raises
    ------
    SchemaError
        Naming every unusable field at once; nothing is stored then.
    """
    fields = {
        S.NAME: name,
        S.INTERVENTION_TYPE: intervention_type,
        "geometry": geometry,
        S.START_DATE: start_date,
        S.END_DATE: end_date,
        S.LEAD_AGENCY: lead_agency,
        S.NOTES: notes,
    }
    row = new_row(fields, store=store, settings=settings)
    add_row(row, store=store, settings=settings, actor=actor)
    return str(row[S.EVENT_ID].iloc[0])


def edit_intervention(store: Store, *, settings: Settings, event_id: str, **changes: Any) -> None:
    """Change fields of a register entry; its id stays the same.

    Parameters
    ----------
    store, settings
        Where to write.
    event_id
        The entry to change.
    **changes
        New values of any of :data:`EDITABLE` (``name``, ``intervention_type``,
        ``geometry``, ``start_date``, ``end_date``, ``lead_agency``, ``notes``); None
        clears an optional field. The edited entry is checked as a new one would be.

    Raises
    ------
    SchemaError
        When the id is unknown, a field is unknown, or a value is unusable.
    """
    row = edited_row(event_id, changes, store=store, settings=settings)
    ingest.replace_event(S.Kind.INTERVENTIONS, row, store=store, settings=settings)


def geometry_from_text(text: str) -> shapely.Geometry:
    """Read a point or polygon written as WKT or GeoJSON (lon / lat, EPSG:4326).

    Raises
    ------
    SchemaError
        When the text is neither.
    """
    stripped = (text or "").strip()
    reader = shapely.from_geojson if stripped.startswith("{") else shapely.from_wkt
    try:
        return reader(stripped)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        raise SchemaError(
            "The shape is neither WKT (POLYGON ((-2.59 51.44, ...))) nor GeoJSON "
            '({"type": "Polygon", ...}); paste one of these, in longitude / latitude.'
        ) from None


# --- evaluation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InterventionEvaluation:
    """One intervention's evaluation, ready to show.

    Attributes
    ----------
    result
        Its row of :func:`evaluate_interventions` (raw counts: pass them through
        :func:`evaluation_table` before showing them).
    monthly
        Events per month in the three areas over both windows: columns ``month``
        (``YYYY-MM``), ``period`` (``before`` / ``after``), ``treated``, ``ring``,
        ``similar`` (int64). Raw counts, for analysis only.
    treated, ring
        The treated area and the ring, shapely geometries in EPSG:4326.
    similar_cells
        The matched H3 cells (hex strings).
    choices
        Every choice behind the evaluation, one sentence each.
    options
        The options used.
    """

    result: pd.Series
    monthly: pd.DataFrame
    treated: shapely.Geometry
    ring: shapely.Geometry
    similar_cells: tuple[str, ...]
    choices: tuple[str, ...]
    options: EvaluationOptions


def evaluate_interventions(
    store: Store, interventions: pd.DataFrame, *, options: EvaluationOptions | None = None
) -> pd.DataFrame:
    """Evaluate many interventions at once (events are read once for all of them).

    Parameters
    ----------
    store
        The store holding the harm layers.
    interventions
        Intervention rows: the register as ``layers.queries.interventions`` returns it
        (or any GeoDataFrame / frame with ``event_id``, ``name``, ``start_date`` and a
        geometry or ``geometry_wkt``); they need not be stored.
    options
        How to evaluate (default :class:`EvaluationOptions`).

    Returns
    -------
    pandas.DataFrame
        One row per intervention, columns :data:`RESULT_COLUMNS`: ``status`` (one of
        :data:`STATUSES`), ``window_months`` and the windows (``YYYY-MM``),
        ``treated_area_km2``, the raw counts ``treated_/ring_/control_`` ``before`` /
        ``after``, ``control_cells``, and for each comparison (``vs_similar``,
        ``vs_ring``, ``ring_vs_similar``) ``ratio_``, ``low_``, ``high_``, ``p_``
        (NaN unless ``status`` is ``evaluated``), ``wdq`` and ``net_effect``.
        ``attrs["unlocated"]`` counts events without a point (not counted).
    """
    options = checked_options(options)
    inputs = site_inputs(interventions)
    data = _events(store, options)
    frame = results_frame(sites_counted(data, inputs, options), options)
    frame.attrs["unlocated"] = data.unlocated
    return frame


def evaluate_intervention(
    store: Store,
    intervention: str | pd.Series | pd.DataFrame,
    *,
    options: EvaluationOptions | None = None,
) -> InterventionEvaluation:
    """Evaluate one intervention, with its monthly counts, areas and stated choices.

    Parameters
    ----------
    store
        The store.
    intervention
        An id in the register, or one intervention row (see :func:`evaluate_interventions`).
    options
        How to evaluate (default :class:`EvaluationOptions`).

    Returns
    -------
    InterventionEvaluation
        The evaluation.
    """
    options = checked_options(options)
    rows = _one_row(store, intervention)
    data = _events(store, options)
    (site,) = sites_counted(data, site_inputs(rows), options)
    result = results_frame([site], options).iloc[0]
    return InterventionEvaluation(
        result=result,
        monthly=_monthly(site),
        treated=geometry_to_lonlat(site.areas.treated),
        ring=geometry_to_lonlat(site.areas.ring),
        similar_cells=tuple(grid.cells_to_str(site.matched)) if site.matched.size else (),
        choices=tuple(_choices(result, options, site, data)),
        options=options,
    )


def evaluation_table(evaluation: InterventionEvaluation, policy: DisclosurePolicy) -> pd.DataFrame:
    """Return the before / after counts of the three areas as they may be shown.

    Returns
    -------
    pandas.DataFrame
        Columns ``Area``, ``Before (...)``, ``After (...)`` (display strings after
        ``assessments.disclosure.protect_table``) and ``Change`` (``-40%``; ``not shown``
        where a count is hidden). ``attrs["statement"]`` states the policy.
    """
    return words.table(evaluation.result, evaluation.options, policy)


def evaluation_summary(evaluation: InterventionEvaluation, policy: DisclosurePolicy) -> str:
    """Return the evaluation in plain English, with its caveats, counts disclosure-controlled."""
    return words.summary(evaluation.result, evaluation.options, policy)


def evaluation_chart_data(
    evaluation: InterventionEvaluation, policy: DisclosurePolicy
) -> pd.DataFrame:
    """Return each area's change after the start, for a small chart.

    Returns
    -------
    pandas.DataFrame
        Columns ``area`` (str), ``change_percent``, ``low_percent``, ``high_percent``
        (float64: after / before - 1 in percent, with its 95 % interval). Areas whose
        counts the policy would hide are left out.
    """
    return words.chart_data(evaluation.result, evaluation.options, policy)


# --- private steps --------------------------------------------------------------------------


def _events(store: Store, options: EvaluationOptions) -> EventData:
    data = load_events(
        store,
        kinds=options.kinds,
        categories=options.categories,
        flags=options.flags,
        resolution=options.control_resolution,
    )
    if data is None:
        raise SchemaError(
            f"The store holds no {' or '.join(options.kinds)} data to evaluate against; "
            "import some on the Data page first."
        )
    return data


def _one_row(store: Store, intervention: Any) -> pd.DataFrame:
    if isinstance(intervention, str):
        found = register(store)
        found = found[found[S.EVENT_ID] == intervention]
        if found.empty:
            raise SchemaError(
                f"intervention {intervention!r} is not in the register; pick an event_id "
                "that layers.queries.interventions lists"
            )
        return found
    if isinstance(intervention, pd.DataFrame) and len(intervention) != 1:
        raise SchemaError(f"give one intervention row, got {len(intervention)}")
    return intervention


def _monthly(site: Site) -> pd.DataFrame:
    months = [month_label(site.start - site.window + i) for i in range(2 * site.window)]
    return pd.DataFrame(
        {
            "month": months,
            "period": ["before"] * site.window + ["after"] * site.window,
            "treated": site.treated.astype("int64"),
            "ring": site.ring.astype("int64"),
            "similar": site.control.astype("int64"),
        }
    )


def _choices(
    result: pd.Series, options: EvaluationOptions, site: Site, data: EventData
) -> list[str]:
    return words.choices(
        result, options, from_point=site.areas.from_point, unlocated=data.unlocated > 0
    )
