"""police.uk street-level crime files: their columns, checked rows and stable event ids."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers import schema as sc
from layers._errors import FileRefused
from layers._reasons import Problems
from layers._rows import category, date_problems, location_problems
from layers._values import parse_dates, parse_point
from layers.schema import Extent, Kind

_POLICE_MAP = {
    "Crime ID": sc.SOURCE_REF,
    "Longitude": sc.LON,
    "Latitude": sc.LAT,
    "Location": sc.LOCATION_DESC,
    "LSOA code": sc.LSOA,
    "Crime type": sc.CATEGORY,
    "Last outcome category": sc.OUTCOME,
    "Falls within": sc.FORCE,
}
_ASB_KEY = tuple(
    c for c in sc.POLICE_UK_COLUMNS if c not in ("Crime ID", "LSOA name", "Last outcome category")
)
"""The fields that identify a row without a Crime ID (all but the id, LSOA name, outcome)."""


def police_columns(name: str, found: list[str]) -> dict[str, str]:
    """Return the police.uk columns (each read as itself), refusing a file lacking any."""
    missing = [c for c in sc.POLICE_UK_COLUMNS if c not in found]
    if missing:
        raise FileRefused(
            f"{name}: not a police.uk street-level file: columns missing: {missing}; columns "
            f"found: {found}. Use the street CSV from data.police.uk, or read it as fmt='csv' "
            "with --map SRC=DST."
        )
    return {c: c for c in sc.POLICE_UK_COLUMNS}


def build_police(
    frame: pd.DataFrame, *, extent: Extent | None, today: date
) -> tuple[pd.DataFrame, Problems]:
    """Return the incidents columns of a police.uk file and the problems of its rows.

    Parameters
    ----------
    frame
        The file's fields as text.
    extent
        Accept points inside this box only.
    today
        Months after this day are future.

    Returns
    -------
    frame, problems
        As for :func:`layers._rows.build_rows`.
    """
    columns: dict[str, Any] = {t: frame[c] for c, t in _POLICE_MAP.items()}
    columns[sc.EVENT_ID] = _police_ids(frame)
    columns[sc.KIND] = Kind.INCIDENTS.value
    dates = parse_dates(frame["Month"])
    columns |= {sc.DATE: dates[0], sc.DATE_PRECISION: dates[2]}
    problems = date_problems(sc.DATE, frame["Month"], dates, today, month_only=True)
    point = parse_point(frame["Longitude"], frame["Latitude"])
    columns |= {sc.LON: point.lon, sc.LAT: point.lat}
    problems += location_problems(point, extent, area=None)
    category_, more = category(Kind.INCIDENTS, lambda _: frame["Crime type"], columns)
    return pd.DataFrame(columns | category_, index=frame.index), problems + more


def _police_ids(frame: pd.DataFrame) -> pd.Series:
    """Return ``pu:`` + Crime ID, or for rows without one a hash of the row + occurrence."""
    crime_id = frame["Crime ID"]
    ids = ("pu:" + crime_id).astype("str")
    blank = crime_id.isna().to_numpy()
    if blank.any():
        fields = [pa.array(frame[c]).filter(pa.array(blank)) for c in _ASB_KEY]
        sep = pa.scalar("\x1f", type=fields[0].type)
        joined = pc.binary_join_element_wise(*fields, sep, null_handling="replace")
        codes, keys = pd.factorize(pd.Series(joined, dtype="str"))
        digest = [hashlib.sha256(k.encode("utf-8")).hexdigest()[:20] for k in keys]
        occurrence = pd.Series(codes).groupby(codes, sort=False).cumcount().to_numpy()
        asb = "pu-asb:" + pd.Series(np.asarray(digest, dtype=object)[codes], dtype="str")
        ids[blank] = (asb + ":" + pd.Series(occurrence.astype("str"), dtype="str")).to_numpy()
    return ids
