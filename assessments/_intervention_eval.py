"""The evaluation of interventions against events loaded once: counts per site, then statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from assessments._intervention_areas import (
    SiteAreas,
    geometry_to_metres,
    matched_cells,
    membership,
    site_areas,
)
from assessments._intervention_data import EventData, month_label
from assessments._intervention_options import EvaluationOptions
from assessments._intervention_stats import displacement_quotient, rate_ratio_did

EVALUATED = "evaluated"
NO_BEFORE = "too little data before the start"
NO_AFTER = "too little data after the start"
TOO_FEW = "too few events"
STATUSES: tuple[str, ...] = (EVALUATED, NO_BEFORE, NO_AFTER, TOO_FEW)
"""What the ``status`` column of an evaluation can say."""

_COUNTS = (
    "treated_before",
    "treated_after",
    "ring_before",
    "ring_after",
    "control_before",
    "control_after",
)
_COMPARISONS = ("vs_similar", "vs_ring", "ring_vs_similar")
_STATS = ("ratio", "low", "high", "p")

_BASE: dict[str, str] = {
    "event_id": "str",
    "name": "str",
    "status": "str",
    "window_months": "int64",
    "before_from": "str",
    "before_to": "str",
    "after_from": "str",
    "after_to": "str",
    "treated_area_km2": "float64",
    **dict.fromkeys(_COUNTS, "int64"),
    "control_cells": "int64",
}
RESULT_COLUMNS: dict[str, str] = {
    **_BASE,
    **{f"{stat}_{comparison}": "float64" for comparison in _COMPARISONS for stat in _STATS},
    "wdq": "float64",
    "net_effect": "float64",
}
"""Columns and dtypes of an evaluation table (see ``evaluate_interventions``)."""


@dataclass(frozen=True)
class SiteInput:
    """One intervention to evaluate: id, name, WGS84 geometry, start month number."""

    event_id: str
    name: str
    geometry: shapely.Geometry
    start: int


@dataclass(frozen=True)
class Site:
    """One intervention as counted.

    ``treated``, ``ring`` and ``control`` hold events per month over the before window
    then the after window (``2 * window`` months); ``matched`` the comparison cells.
    """

    event_id: str
    name: str
    start: int
    window: int
    areas: SiteAreas
    treated: np.ndarray
    ring: np.ndarray
    control: np.ndarray
    matched: np.ndarray
    status: str


def count_site(
    data: EventData, site: SiteInput, areas: SiteAreas, options: EvaluationOptions
) -> Site:
    """Count events in the treated area, the ring and the matched cells, month by month."""
    before = site.start - data.first_month
    after = data.last_month - site.start + 1
    shortest = options.min_window_months
    status = NO_BEFORE if before < shortest else NO_AFTER if after < shortest else EVALUATED
    window = min(options.window_months, before, after) if status == EVALUATED else 0
    if window == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Site(
            site.event_id,
            site.name,
            site.start,
            0,
            areas,
            empty,
            empty,
            empty,
            np.zeros(0, dtype=np.uint64),
            status,
        )
    treated, ring = _site_months(data, areas, site.start - window, 2 * window)
    matched, control = _controls(
        data, areas, site.start, window, int(treated[:window].sum()), options.control_cells
    )
    totals = (
        treated[:window].sum(),
        treated[window:].sum(),
        control[:window].sum(),
        control[window:].sum(),
    )
    if treated.sum() < options.min_events or min(totals) == 0:
        status = TOO_FEW
    return Site(
        site.event_id,
        site.name,
        site.start,
        window,
        areas,
        treated,
        ring,
        control,
        data.controls.cells[matched],
        status,
    )


def sites_counted(
    data: EventData, inputs: Sequence[SiteInput], options: EvaluationOptions
) -> list[Site]:
    """Return every intervention counted (areas in metres built from the WGS84 geometry)."""
    return [
        count_site(
            data,
            site,
            site_areas(
                geometry_to_metres(site.geometry),
                point_buffer_m=options.point_buffer_m,
                ring_width_m=options.ring_width_m,
            ),
            options,
        )
        for site in inputs
    ]


def _site_months(
    data: EventData, areas: SiteAreas, first: int, months: int
) -> tuple[np.ndarray, np.ndarray]:
    rows, treated, ring = membership(areas, data.x, data.y)
    offset = data.month[rows] - first
    keep = (offset >= 0) & (offset < months)
    weight = data.weight[rows]
    return (
        np.bincount(offset[keep & treated], weights=weight[keep & treated], minlength=months),
        np.bincount(offset[keep & ring], weights=weight[keep & ring], minlength=months),
    )


def _controls(
    data: EventData, areas: SiteAreas, start: int, window: int, target: int, how_many: int
) -> tuple[np.ndarray, np.ndarray]:
    lo = start - window - data.first_month
    months = data.cell_months[:, lo : lo + 2 * window]
    level = months.sum(axis=1) / 2  # per window, both windows together: see matched_cells
    matched = matched_cells(
        data.controls, level, target=target, region=areas.region, how_many=how_many
    )
    return matched, months[matched].sum(axis=0)


def results_frame(sites: Sequence[Site], options: EvaluationOptions) -> pd.DataFrame:
    """Return one row per site: windows, counts, the three comparisons, WDQ and net effect."""
    frame = pd.DataFrame([_row(site) for site in sites], columns=list(_BASE))
    counts = {name: frame[name].to_numpy(dtype="float64") for name in _COUNTS}
    usable = (frame["status"] == EVALUATED).to_numpy()
    level = options.confidence
    pairs = {
        "vs_similar": ("treated", "control"),
        "vs_ring": ("treated", "ring"),
        "ring_vs_similar": ("ring", "control"),
    }
    for comparison, (one, other) in pairs.items():
        did = rate_ratio_did(
            counts[f"{one}_after"],
            counts[f"{one}_before"],
            counts[f"{other}_after"],
            counts[f"{other}_before"],
            confidence=level,
        )
        for stat in _STATS:
            frame[f"{stat}_{comparison}"] = np.where(usable, did[stat], np.nan)
    wdq = displacement_quotient(
        *[
            (counts[f"{area}_before"], counts[f"{area}_after"])
            for area in ("treated", "ring", "control")
        ]
    )
    frame["wdq"] = np.where(usable, wdq["wdq"], np.nan)
    frame["net_effect"] = np.where(usable, wdq["net_effect"], np.nan)
    return frame.astype(RESULT_COLUMNS)


def _row(site: Site) -> list[object]:
    w = site.window
    months = (
        [month_label(m) for m in (site.start - w, site.start - 1, site.start, site.start + w - 1)]
        if w
        else [None] * 4
    )
    sums = [
        int(series[part].sum())
        for series in (site.treated, site.ring, site.control)
        for part in (slice(0, w), slice(w, 2 * w))
    ]
    area = float(shapely.area(site.areas.treated)) / 1e6
    return [site.event_id, site.name, site.status, w, *months, area, *sums, int(site.matched.size)]
