"""Interventions handed to an evaluation: checked once, turned into plain site inputs."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from assessments._intervention_data import month_number
from assessments._intervention_eval import SiteInput
from layers import schema as S
from layers._errors import SchemaError

_NEEDED = (S.EVENT_ID, S.NAME, S.START_DATE)


def site_inputs(interventions: Any) -> list[SiteInput]:
    """Return the interventions as site inputs; raise one SchemaError naming every problem.

    Parameters
    ----------
    interventions
        A GeoDataFrame (as ``layers.queries.interventions`` returns, any CRS) or a frame
        with a ``geometry_wkt`` column (WGS84 WKT, as the layer stores it); columns
        ``event_id``, ``name``, ``start_date`` too. A single row (Series) is accepted.
    """
    frame = _as_frame(interventions)
    geometry = _geometries(frame)
    problems = _row_problems(frame, geometry)
    if problems:
        raise SchemaError("interventions: " + "; ".join(problems) + ".")
    return [
        SiteInput(
            event_id=str(row[S.EVENT_ID]),
            name=str(row[S.NAME]) if pd.notna(row[S.NAME]) else str(row[S.EVENT_ID]),
            geometry=shape,
            start=month_number(pd.Timestamp(row[S.START_DATE])),
        )
        for (_, row), shape in zip(frame.iterrows(), geometry, strict=True)
    ]


def _as_frame(interventions: Any) -> pd.DataFrame:
    if isinstance(interventions, pd.Series):
        frame = interventions.to_frame().T
        if "geometry" in frame.columns and not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=S.CRS_STORE)
        return frame.reset_index(drop=True)
    if not isinstance(interventions, pd.DataFrame):
        raise SchemaError(
            f"interventions must be a (Geo)DataFrame of intervention rows, got "
            f"{type(interventions).__name__}; pass layers.queries.interventions(store)"
        )
    missing = [c for c in _NEEDED if c not in interventions.columns]
    has_shape = isinstance(interventions, gpd.GeoDataFrame) or S.GEOMETRY_WKT in interventions
    if missing or not has_shape:
        wanted = missing + ([] if has_shape else ["geometry (or geometry_wkt)"])
        raise SchemaError(
            f"interventions lacks the column(s) {wanted}; it has {list(interventions.columns)}. "
            "Pass the register as layers.queries.interventions returns it."
        )
    return interventions.reset_index(drop=True)


def _geometries(frame: pd.DataFrame) -> list[Any]:
    if isinstance(frame, gpd.GeoDataFrame):
        series = frame.geometry if frame.crs is None else frame.geometry.to_crs(S.CRS_STORE)
        return list(series.to_numpy())
    texts = frame[S.GEOMETRY_WKT].to_numpy(dtype=object)
    return [_from_wkt(t) for t in texts]


def _from_wkt(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return shapely.from_wkt(text)
    except shapely.errors.GEOSException:
        return None


def _row_problems(frame: pd.DataFrame, geometry: list[Any]) -> list[str]:
    problems = []
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is None and len(frame):
        problems.append("the GeoDataFrame has no CRS; set it (EPSG:4326 for lon / lat)")
    ids = frame[S.EVENT_ID]
    if bool(ids.isna().any()):
        problems.append(f"{int(ids.isna().sum())} row(s) have no event_id")
    starts = pd.to_datetime(frame[S.START_DATE], errors="coerce")
    _name_rows(problems, ids, starts.isna().to_numpy(), "no usable start_date")
    bad = [g is None or not isinstance(g, shapely.Geometry) or g.is_empty for g in geometry]
    _name_rows(problems, ids, bad, "no usable geometry (point or polygon, WGS84)")
    return problems


def _name_rows(problems: list[str], ids: pd.Series, mask: Any, what: str) -> None:
    named = [str(i) for i, m in zip(ids, mask, strict=True) if m]
    if named:
        shown = ", ".join(named[:5]) + (" ..." if len(named) > 5 else "")
        problems.append(f"{len(named)} intervention(s) have {what}: {shown}")
