"""Localities: the editable ward-to-locality mapping and locality areas dissolved from wards."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.boundaries import _GEOMETRY, _NOTES, _areas_problems, _raise, _read_csv, _refuse
from layers.schema import CODE, CRS_STORE, LEVEL, LOCALITY, NAME, PARENT_CODE, WARD, Level

LOCALITY_NAMES: tuple[str, ...] = ("North", "East Central", "South")
"""Bristol City Council's three localities, the allowed values of a locality."""

_WARD_NAME = "ward_name"  # column of the ward -> locality CSV (not yet in layers.schema)


def read_localities(path: str | Path) -> pd.DataFrame:
    """Read the editable ward -> locality CSV (columns ward_code, ward_name, locality).

    Parameters
    ----------
    path
        The CSV file. Locality names are matched ignoring case and extra spaces.

    Returns
    -------
    pandas.DataFrame
        Columns ward_code, ward_name, locality (str); locality is one of
        :data:`LOCALITY_NAMES` as spelt there.

    Raises
    ------
    FileRefused
        When a column is missing, a locality is unknown, a row has neither code nor name,
        or a ward code is listed twice.
    """
    path = Path(path)
    table = _read_csv(path)
    missing = [c for c in (WARD, _WARD_NAME, LOCALITY) if c not in table.columns]
    if missing:
        _refuse(path, [f"the columns {missing} are missing (found {list(table.columns)})"])
    table = table[[WARD, _WARD_NAME, LOCALITY]].apply(lambda s: s.str.strip())
    canonical = {_squash(n): n for n in LOCALITY_NAMES}
    locality = table[LOCALITY].map(lambda v: canonical.get(_squash(v)))
    _refuse(path, _locality_problems(table, locality))
    return table.assign(**{LOCALITY: locality.astype("str")}).reset_index(drop=True)


def with_localities(wards: gpd.GeoDataFrame, localities: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the wards with parent_code set to their locality.

    A ward is matched by code, else by name ignoring case, spacing and "&" vs "and".
    Unmatched wards keep a missing parent_code and are listed in ``attrs["notes"]``.

    Parameters
    ----------
    wards
        Ward areas (code, name, geometry).
    localities
        The table of :func:`read_localities`.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``wards`` with parent_code filled in.
    """
    _raise(_areas_problems(wards, columns=(CODE, NAME)) + _table_problems(localities))
    by_code = localities[localities[WARD] != ""].set_index(WARD)[LOCALITY]
    by_name = localities.set_index(_normal_name(localities[_WARD_NAME]))[LOCALITY]
    from_code = wards[CODE].map(by_code.to_dict())
    from_name = _normal_name(wards[NAME]).map(by_name.to_dict())
    out = wards.copy()
    out[PARENT_CODE] = from_code.fillna(from_name).astype("str")
    notes = _locality_notes(wards, localities, from_code, from_name)
    out.attrs[_NOTES] = [*wards.attrs.get(_NOTES, []), *notes]
    return out


def localities_from_wards(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dissolve wards by their parent_code into locality areas.

    Parameters
    ----------
    wards
        Ward areas whose parent_code is a locality name.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns code, name (both the locality name), level ("locality"), parent_code
        (missing) and geometry; EPSG:4326; sorted by code. Wards without a locality are
        left out and listed in ``attrs["notes"]``.
    """
    _raise(_areas_problems(wards, columns=(CODE, PARENT_CODE)))
    has = wards[PARENT_CODE].notna()
    parts = wards.loc[has, [PARENT_CODE, _GEOMETRY]].to_crs(CRS_STORE)
    geometry = parts.groupby(PARENT_CODE, sort=True)[_GEOMETRY].agg(shapely.union_all)
    names = pd.Series(geometry.index, dtype="str")
    out = gpd.GeoDataFrame(
        {CODE: names, NAME: names, LEVEL: str(Level.LOCALITY), PARENT_CODE: pd.NA},
        geometry=list(geometry.to_numpy()),
        crs=CRS_STORE,
    )
    out[PARENT_CODE] = out[PARENT_CODE].astype("str")
    left = wards.loc[~has, CODE].tolist()
    out.attrs[_NOTES] = [f"{len(left)} ward(s) without a locality left out: {left}"] if left else []
    return out


# --- private steps ------------------------------------------------------------------------
def _squash(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _normal_name(names: pd.Series) -> pd.Series:
    text = names.astype("str").str.casefold().str.replace("&", " and ", regex=False)
    return text.str.replace(r"[\s\-]+", " ", regex=True).str.strip()


def _locality_problems(table: pd.DataFrame, locality: pd.Series) -> list[str]:
    problems = []
    unknown = table.loc[locality.isna(), LOCALITY]
    if len(unknown):
        lines = (unknown.index + 2).tolist()[:10]
        problems.append(
            f"unknown locality names {sorted(set(unknown))} on lines {lines}; "
            f"use one of {list(LOCALITY_NAMES)}"
        )
    nameless = ((table[WARD] == "") & (table[_WARD_NAME] == "")).to_numpy()
    if nameless.any():
        lines = (np.flatnonzero(nameless) + 2).tolist()[:10]
        problems.append(f"lines {lines} have neither ward_code nor ward_name")
    codes = table.loc[table[WARD] != "", WARD]
    twice = sorted(set(codes[codes.duplicated()]))
    if twice:
        problems.append(f"ward codes listed twice: {twice}; keep one line per ward")
    return problems


def _locality_notes(
    wards: gpd.GeoDataFrame, localities: pd.DataFrame, from_code: pd.Series, from_name: pd.Series
) -> list[str]:
    notes = []
    by_name = from_code.isna() & from_name.notna()
    if by_name.any():
        notes.append(f"{int(by_name.sum())} ward(s) matched to a locality by name, not code")
    unmatched = wards.loc[from_code.isna() & from_name.isna(), NAME].tolist()
    if unmatched:
        notes.append(f"{len(unmatched)} ward(s) have no locality: {unmatched}")
    used_names = set(_normal_name(wards[NAME]))
    spare = localities[
        ~localities[WARD].isin(set(wards[CODE]))
        & ~_normal_name(localities[_WARD_NAME]).isin(used_names)
    ]
    if len(spare):
        notes.append(f"{len(spare)} locality row(s) match no ward: {spare[_WARD_NAME].tolist()}")
    return notes


def _table_problems(localities: object) -> list[str]:
    columns = [WARD, _WARD_NAME, LOCALITY]
    if isinstance(localities, pd.DataFrame) and set(columns) <= set(localities.columns):
        return []
    return [f"localities must be a DataFrame with columns {columns}; use read_localities()"]
