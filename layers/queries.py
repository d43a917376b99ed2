"""Read-only queries beyond counts: automatic resolution, points, surveys, interventions, logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from layers import grid
from layers import schema as S
from layers.aggregate import filtered_events, wards_within
from layers.store import Store

DISPLAY_RESOLUTIONS: tuple[int, ...] = (10, 9, 8, 7, 6)
"""H3 resolutions the automatic choice considers, finest first."""

_CELL_AREA_WORDS = {6: "36 km²", 7: "5 km²", 8: "0.7 km²", 9: "0.1 km²", 10: "0.015 km²"}


@dataclass(frozen=True)
class Suggestion:
    """An automatically chosen H3 resolution and the sentence that says why."""

    resolution: int
    reason: str


def suggest_resolution(
    store: Store,
    *,
    kinds: Sequence[S.Kind | str] = (S.Kind.INCIDENTS,),
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    within: str | None = None,
    max_cells: int = 2500,
    min_mean: float = 5.0,
) -> Suggestion:
    """Choose the finest H3 resolution at which counts are still worth reading.

    The rule: the finest resolution (10 down to 6) at which the place has at most
    ``max_cells`` hexagons (a map that stays light and legible) and the hexagons that
    hold any events hold on average at least ``min_mean`` of them (so the map is not a
    scatter of ones and twos). When none qualifies, resolution 6.

    Parameters
    ----------
    store
        The store.
    kinds, categories, flags, date_from, date_to, within
        The filters, as in :func:`layers.aggregate.counts`.
    max_cells, min_mean
        The two thresholds of the rule.

    Returns
    -------
    Suggestion
        The resolution and a plain-English reason.
    """
    parents = ", ".join(
        f"count(DISTINCT {grid.parent_sql(S.H3_CELL, resolution=r)}) AS r{r}"
        for r in DISPLAY_RESOLUTIONS
    )
    union, params = filtered_events(
        store,
        select=S.H3_CELL,
        kinds=kinds,
        categories=categories,
        flags=flags,
        date_from=date_from,
        date_to=date_to,
        within=within,
    )
    row = store.query(
        f"SELECT count(*) AS n, {parents} FROM ({union}) WHERE {S.H3_CELL} IS NOT NULL", params
    ).iloc[0]
    sizes = _study_cells(store, within)
    return _choose(
        int(row["n"]),
        {r: int(row[f"r{r}"]) for r in DISPLAY_RESOLUTIONS},
        sizes,
        within,
        max_cells,
        min_mean,
    )


def _study_cells(store: Store, within: str | None) -> dict[int, int]:
    wards = wards_within(store, within)
    frame = store.query(
        "SELECT resolution, count(*) AS n FROM coverage "
        "WHERE ? OR list_contains(?, ward_code) GROUP BY resolution",
        [wards is None, list(wards or ())],
    )
    return dict(zip(frame["resolution"].astype(int), frame["n"].astype(int), strict=True))


def _choose(
    events: int,
    occupied: dict[int, int],
    sizes: dict[int, int],
    within: str | None,
    max_cells: int,
    min_mean: float,
) -> Suggestion:
    place = "the city" if within in (None, "city") else (within or "").split(":", 1)[1]
    for resolution in DISPLAY_RESOLUTIONS:
        cells = sizes.get(resolution, occupied[resolution])
        mean = events / occupied[resolution] if occupied[resolution] else 0.0
        if cells <= max_cells and mean >= min_mean:
            return Suggestion(
                resolution,
                f"H3 resolution {resolution} (hexagons of about {_CELL_AREA_WORDS[resolution]}), "
                f"chosen automatically: the finest at which {place} takes at most "
                f"{max_cells:,} hexagons ({cells:,}) and hexagons with any events hold "
                f"{mean:,.0f} on average (at least {min_mean:g}).",
            )
    return Suggestion(
        6,
        f"H3 resolution 6 (hexagons of about {_CELL_AREA_WORDS[6]}), chosen automatically: "
        f"with {events:,} events in {place}, no finer resolution holds at least "
        f"{min_mean:g} events per occupied hexagon.",
    )


def event_points(
    store: Store,
    *,
    kinds: Sequence[S.Kind | str] = (S.Kind.INCIDENTS,),
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    within: str | None = None,
) -> pd.DataFrame:
    """Return the distinct event locations with how many events each holds (for a KDE).

    Returns
    -------
    pandas.DataFrame
        Columns ``lon``, ``lat`` (float64, WGS84) and ``weight`` (int64); events without
        a point (recorded by area only) are left out.
    """
    union, params = filtered_events(
        store,
        select="lon, lat",
        kinds=kinds,
        categories=categories,
        flags=flags,
        date_from=date_from,
        date_to=date_to,
        within=within,
    )
    frame = store.query(
        f"SELECT lon, lat, count(*) AS weight FROM ({union}) "
        "WHERE lon IS NOT NULL AND lat IS NOT NULL GROUP BY lon, lat ORDER BY lon, lat",
        params,
    )
    return frame.astype({"lon": "float64", "lat": "float64", "weight": "int64"})


def survey_summary(
    store: Store,
    *,
    by: str = "ward",
    survey: str | None = None,
    question: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> pd.DataFrame:
    """Return survey answers per area and question: how many, and their mean score.

    Parameters
    ----------
    by
        ``ward`` or ``h3:RES`` (6-11).
    survey, question
        Keep only this survey / question (None: all).
    date_from, date_to
        First and last month included, ``YYYY-MM``.

    Returns
    -------
    pandas.DataFrame
        Columns ``area_code``, ``area_name`` (str; missing for H3), ``survey``,
        ``question`` (str), ``responses`` (int64), ``mean_score`` (float64, over answers
        with a score). Areas with no answers are absent: a mean of nothing is not zero.
    """
    if by == "ward":
        area = S.WARD
    elif by.startswith("h3:") and by[3:].isdigit() and 6 <= int(by[3:]) <= 11:
        area = grid.parent_sql(S.H3_CELL, resolution=int(by[3:]))
    else:
        raise ValueError(f"by={by!r}: use ward or h3:6 ... h3:11")
    clauses, params = [f"{area} IS NOT NULL"], []
    for column, value in ((S.SURVEY, survey), (S.QUESTION, question)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    for op, month, shift in ((">=", date_from, 0), ("<", date_to, 1)):
        if month is not None:
            clauses.append(f"date {op} ?")
            params.append((pd.Period(month, freq="M") + shift).start_time.date())
    frame = store.query(
        f"SELECT {area} AS area_code, survey, question, count(*) AS responses, "
        f"avg(score) AS mean_score FROM surveys WHERE {' AND '.join(clauses)} "
        "GROUP BY ALL ORDER BY 1, 2, 3",
        params,
    )
    return _survey_names(store, frame, by)


def _survey_names(store: Store, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    out = frame.copy()
    if by == "ward":
        names = store.boundaries(S.Level.WARD).set_index(S.CODE)[S.NAME]
        out.insert(1, "area_name", out["area_code"].map(names).astype("str"))
    else:
        out["area_code"] = grid.cells_to_str(out["area_code"].to_numpy(dtype="uint64"))
        out.insert(1, "area_name", pd.Series(None, index=out.index, dtype="str"))
    return out.astype(
        {
            "area_code": "str",
            "survey": "str",
            "question": "str",
            "responses": "int64",
            "mean_score": "float64",
        }
    )


def interventions(store: Store) -> gpd.GeoDataFrame:
    """Return the intervention register with its geometries.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns event_id, name, intervention_type, start_date, end_date, lead_agency,
        notes, ward_code, locality, geometry (point or polygon), EPSG:4326; sorted by
        start date.
    """
    frame = store.query(
        "SELECT event_id, name, intervention_type, start_date, end_date, lead_agency, notes, "
        "ward_code, locality, geometry_wkt FROM interventions ORDER BY start_date, event_id"
    )
    geometry = shapely.from_wkt(frame.pop(S.GEOMETRY_WKT).to_numpy(dtype=object))
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=S.CRS_STORE)


def import_log(store: Store, *, limit: int = 50) -> pd.DataFrame:
    """Return the latest imports, newest first (files, time, counts, notes)."""
    return store.query(
        "SELECT finished_at, kind, files, rows_read, imported, duplicates, rejected, "
        "outside_wards, notes FROM imports ORDER BY finished_at DESC LIMIT ?",
        [int(limit)],
    )


def loaded_summary(store: Store) -> pd.DataFrame:
    """Return what is loaded: per layer its rows and first and last month.

    Returns
    -------
    pandas.DataFrame
        Columns layer, rows (int64), first_month, last_month (``YYYY-MM`` or missing).
    """
    layers = store.status()["layers"]
    return pd.DataFrame(
        {
            "layer": list(layers),
            "rows": [v["rows"] for v in layers.values()],
            "first_month": [v["from"] for v in layers.values()],
            "last_month": [v["to"] for v in layers.values()],
        }
    ).astype({"layer": "str", "rows": "int64", "first_month": "str", "last_month": "str"})


def area_context(store: Store, *, level: str = "ward") -> pd.DataFrame:
    """Return population and deprivation per area, where a context table is loaded.

    Parameters
    ----------
    level
        ``ward`` or ``lsoa``.

    Returns
    -------
    pandas.DataFrame
        Columns code (str), population, children, imd_decile (float64, IMD decile where
        1 is the most deprived tenth of England; a ward's is the population-weighted mean
        of its LSOAs'), lsoas (int64). Empty when nothing is loaded. ``attrs["source"]``
        names the file (the demo store's is synthetic and says so).
    """
    frame = store.query(
        "SELECT code, population, children, imd_decile, lsoas, source FROM context "
        "WHERE level = ? ORDER BY code",
        [level],
    )
    sources = sorted(set(frame.pop("source").dropna()))
    out = frame.astype(
        {
            "code": "str",
            "population": "float64",
            "children": "float64",
            "imd_decile": "float64",
            "lsoas": "int64",
        }
    )
    out.attrs["source"] = "; ".join(sources)
    return out
