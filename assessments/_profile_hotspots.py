"""The profile's hot spots: Gi* and emerging classes on the city's cells, then the area's."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import h3
import numpy as np
import pandas as pd

from assessments._area import Area
from assessments._profile_events import LAYERS, Period
from hotspots.emerging import MIN_STEPS, SpaceTimeCube, emerging_hotspots
from hotspots.gistar import gi_star
from layers import grid
from layers._errors import SchemaError
from layers.aggregate import counts
from layers.queries import suggest_resolution
from layers.store import Store

T = TypeVar("T")

CELL_COLUMNS: dict[str, str] = {
    "h3_cell": "str",
    **{layer: "int64" for layer in LAYERS},
    **{f"gi_bin_{layer}": "Int8" for layer in LAYERS},
    "pattern": "str",
}
"""Columns of the table of hexagons inside the area (``AreaProfile.cells``)."""


@dataclass
class CityHotspots:
    """Hot spot results on the city's cells at one resolution, computed once per profile."""

    resolution: int
    reason: str
    counts: pd.DataFrame  # index h3_cell (str); one int64 column per layer
    gi: dict[str, pd.DataFrame] = field(default_factory=dict)
    emerging: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


def hotspot_resolution(store: Store, period: Period, fixed: int | None) -> tuple[int, str]:
    """Return the resolution hot spots are found at, and why."""
    if fixed is not None:
        return fixed, (
            f"Hot spots are found on H3 hexagons of resolution {fixed}, the resolution of "
            "the hot spot profiled."
        )
    chosen = suggest_resolution(store, date_from=period.first, date_to=period.last)
    return chosen.resolution, (
        f"Hot spots are found on hexagons, as the map explorer chooses them: {chosen.reason}"
    )


def city_hotspots(store: Store, period: Period, resolution: int, reason: str) -> CityHotspots:
    """Count every layer on the city's cells, then run Gi* per layer and emerging classes.

    A statistic that refuses the data (too few events, too few months) leaves a note
    instead of a result.
    """
    result = CityHotspots(resolution, reason, _cell_counts(store, period, resolution))
    for layer in LAYERS:
        gi = _guarded(
            f"Hot spots of {LAYERS[layer].lower()}",
            partial(gi_star, result.counts[layer]),
            result.notes,
        )
        if gi is not None:
            result.gi[layer] = gi
    result.emerging = _emerging(store, period, resolution, result.notes)
    return result


def hot_bins(city: CityHotspots) -> pd.Series:
    """Gi* bin of every city cell for police incidents (empty when not computed)."""
    gi = city.gi.get("incidents")
    return pd.Series(dtype="int8") if gi is None else gi["gi_bin"]


def cells_inside(store: Store, area: Area, city: CityHotspots) -> pd.DataFrame:
    """Return the city's hexagons that make up the area, with their counts, bins and class.

    Returns
    -------
    pandas.DataFrame
        :data:`CELL_COLUMNS`, sorted by cell. For a ward or a locality: the hexagons
        whose centre lies in it; for hexagon areas: the area's hexagons brought to the
        hot spot resolution (children or parents).
    """
    cells = _inside_cells(store, area, city.resolution)
    frame = pd.DataFrame({"h3_cell": cells})
    counted = city.counts.reindex(cells, fill_value=0)
    for layer in LAYERS:
        frame[layer] = counted[layer].to_numpy()
        gi = city.gi.get(layer)
        bins = gi["gi_bin"].reindex(cells) if gi is not None else pd.Series(pd.NA, index=cells)
        frame[f"gi_bin_{layer}"] = bins.to_numpy()
    emerging = city.emerging
    pattern = emerging["pattern"].reindex(cells) if emerging is not None else None
    frame["pattern"] = pattern.to_numpy() if pattern is not None else None
    frame["pattern"] = frame["pattern"].where(frame["pattern"].notna(), "")
    return frame.astype(CELL_COLUMNS).sort_values("h3_cell", ignore_index=True)


# --- private steps --------------------------------------------------------------------


def _cell_counts(store: Store, period: Period, resolution: int) -> pd.DataFrame:
    tables = {
        layer: counts(
            store,
            by=f"h3:{resolution}",
            kinds=(layer,),
            date_from=period.first,
            date_to=period.last,
        ).set_index("area_code")["count"]
        for layer in LAYERS
    }
    frame = pd.DataFrame(tables).fillna(0).astype("int64")
    frame.index = frame.index.astype("str").rename("h3_cell")
    return frame.sort_index()


def _emerging(
    store: Store, period: Period, resolution: int, notes: list[str]
) -> pd.DataFrame | None:
    if len(period.months) < MIN_STEPS:
        notes.append(
            f"Emerging hot spots need at least {MIN_STEPS} months; the profile covers "
            f"{len(period.months)}."
        )
        return None
    monthly = counts(
        store,
        by=f"h3:{resolution}",
        date_from=period.first,
        date_to=period.last,
        period="month",
    )
    return _guarded(
        "Emerging hot spots of police incidents",
        lambda: emerging_hotspots(_cube(monthly, resolution), pool="auto"),
        notes,
    )


def _cube(monthly: pd.DataFrame, resolution: int) -> SpaceTimeCube:
    """Pivot a cell x month count table (zeros included) into a cube, cells sorted.

    The same cube as ``cube_from_counts(monthly)``, without parsing a label per row (a
    tenth of the time on a city at resolution 9).
    """
    wide = monthly.pivot(index="area_code", columns="period", values="count").fillna(0)
    cells = grid.str_to_cells(wide.index.to_numpy())
    order = np.argsort(cells)
    return SpaceTimeCube(
        counts=wide.to_numpy(dtype=np.int64)[order],
        cells=cells[order],
        steps=[str(p) for p in wide.columns],
        step="month",
        resolution=resolution,
    )


def _inside_cells(store: Store, area: Area, resolution: int) -> list[str]:
    if area.wards is not None:
        frame = store.query(
            "SELECT DISTINCT h3_cell FROM coverage WHERE resolution = ? "
            "AND list_contains(?, ward_code)",
            [resolution, list(area.wards)],
        )
        cells = frame["h3_cell"].to_numpy(dtype=np.uint64)
        return sorted(str(c) for c in grid.cells_to_str(cells))
    own = area.resolution or resolution
    if own == resolution:
        return sorted(area.cells)
    if own > resolution:
        return sorted({h3.cell_to_parent(c, resolution) for c in area.cells})
    return sorted({child for c in area.cells for child in h3.cell_to_children(c, resolution)})


def _guarded(what: str, compute: Callable[[], T], notes: list[str]) -> T | None:
    """Run a statistic; keep its warnings as notes, or why it refused."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = compute()
        except SchemaError as error:
            notes.append(f"{what} could not be computed: {error}")
            return None
    notes += [f"{what}: {w.message}" for w in caught if issubclass(w.category, UserWarning)]
    return result
