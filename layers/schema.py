"""Layer kinds, column names and dtypes: the one source of truth for every frame and table.

A *layer frame* is what a reader returns and what the store keeps: one row per event
(or answer, intervention, area), columns named by the constants below, dtypes as in
:data:`LAYER_COLUMNS`. Locations are WGS84 (EPSG:4326) longitude / latitude.

Dates carry their precision. police.uk gives months only, so such a row has
``date`` = the first day of the month **and** ``date_precision`` = ``"month"``: it means
"some time in that month", never "on the 1st". ``datetime`` holds the time of day where
the source has one (precision ``"datetime"``) and is missing otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

CRS_STORE = "EPSG:4326"
"""CRS of every stored and shown location (WGS84 longitude / latitude)."""
CRS_MEASURE = "EPSG:27700"
"""CRS of every distance, bandwidth and area (British National Grid, metres)."""


class Kind(StrEnum):
    """The six layers."""

    INCIDENTS = "incidents"
    MISSING = "missing"
    KNIFE = "knife"
    SURVEYS = "surveys"
    INTERVENTIONS = "interventions"
    BOUNDARIES = "boundaries"


EVENT_KINDS: tuple[Kind, ...] = (Kind.INCIDENTS, Kind.MISSING, Kind.KNIFE)
"""Layers whose rows are harm events, counted by area and period."""


class DatePrecision(StrEnum):
    """How precise a row's date is."""

    MONTH = "month"
    DAY = "day"
    DATETIME = "datetime"


class Level(StrEnum):
    """Area levels of the boundary layer."""

    WARD = "ward"
    LOCALITY = "locality"
    LSOA = "lsoa"


# --- columns shared by the event layers (incidents, missing, knife) -----------------
EVENT_ID = "event_id"  # stable id; importing the same row again matches it
KIND = "kind"
DATE = "date"  # first day of the period the row falls in (see DATE_PRECISION)
DATE_PRECISION = "date_precision"
DATETIME = "datetime"  # time of the event where the source has one
LON = "lon"
LAT = "lat"
CATEGORY = "category"
H3_CELL = "h3_cell"  # H3 cell at the store resolution, unsigned 64-bit integer (NA: no point)
WARD = "ward_code"
LOCALITY = "locality"
LSOA = "lsoa_code"
IMPORT_ID = "import_id"

# --- incidents ------------------------------------------------------------------------
SOURCE_REF = "source_ref"  # the id in the source (police.uk Crime ID; blank for ASB)
OUTCOME = "outcome"
LOCATION_DESC = "location_desc"
KNIFE_ENABLED = "knife_enabled"
CCE = "cce"  # child criminal exploitation flag
CSE = "cse"  # child sexual exploitation flag
SYV = "syv"  # serious youth violence flag
FORCE = "force"  # police.uk "Falls within"
FLAG_COLUMNS: tuple[str, ...] = (KNIFE_ENABLED, CCE, CSE, SYV)

# --- missing episodes -------------------------------------------------------------------
PERSON_REF = "person_ref"  # keyed hash (HMAC-SHA256, hex) of the source's person reference
FOUND_DATETIME = "found_datetime"
FOUND_LON = "found_lon"
FOUND_LAT = "found_lat"
AGE = "age"
IN_CARE = "in_care"
RETURN_INTERVIEW = "return_interview"
LOCATION_BASIS = "location_basis"  # "last seen" or "found": what lon / lat are

# --- knife injuries ---------------------------------------------------------------------
AGE_BAND = "age_band"
SETTING = "setting"

# --- surveys ----------------------------------------------------------------------------
SURVEY = "survey"
QUESTION = "question"
ANSWER = "answer"
SCORE = "score"  # numeric form of the answer where it has one (Likert 1-5, yes = 1)
RESPONDENT_GROUP = "respondent_group"
AREA_CODE = "area_code"  # where a survey answer is recorded by area, not by point

# --- interventions ----------------------------------------------------------------------
NAME = "name"
INTERVENTION_TYPE = "intervention_type"
START_DATE = "start_date"
END_DATE = "end_date"
LEAD_AGENCY = "lead_agency"
NOTES = "notes"
GEOMETRY_WKT = "geometry_wkt"  # point or polygon, WGS84, as WKT

# --- boundaries -------------------------------------------------------------------------
CODE = "code"
LEVEL = "level"
PARENT_CODE = "parent_code"  # ward -> locality name; lsoa -> ward code where known

# --- rejected rows and the import log ---------------------------------------------------
SOURCE = "source"  # file name the row came from (never a path)
ROW_NUMBER = "row_number"  # the row's line in its file, header = 1, as a spreadsheet shows
REASON = "reason"
RAW = "raw"  # the row as JSON, with person references already pseudonymised

_STR = "str"
_FLOAT = "float64"
_DATE = "datetime64[us]"
_BOOL = "boolean"

_EVENT_COMMON: dict[str, str] = {
    EVENT_ID: _STR,
    KIND: _STR,
    DATE: _DATE,
    DATE_PRECISION: _STR,
    DATETIME: _DATE,
    LON: _FLOAT,
    LAT: _FLOAT,
    CATEGORY: _STR,
}

_INDEX_COLUMNS: dict[str, str] = {
    H3_CELL: "UInt64",
    WARD: _STR,
    LOCALITY: _STR,
    LSOA: _STR,
}
"""Columns added when points are indexed (not produced by readers, except LSOA)."""

LAYER_COLUMNS: dict[Kind, dict[str, str]] = {
    Kind.INCIDENTS: {
        **_EVENT_COMMON,
        SOURCE_REF: _STR,
        OUTCOME: _STR,
        LOCATION_DESC: _STR,
        FORCE: _STR,
        LSOA: _STR,
        KNIFE_ENABLED: _BOOL,
        CCE: _BOOL,
        CSE: _BOOL,
        SYV: _BOOL,
    },
    Kind.MISSING: {
        **_EVENT_COMMON,
        PERSON_REF: _STR,
        FOUND_DATETIME: _DATE,
        FOUND_LON: _FLOAT,
        FOUND_LAT: _FLOAT,
        LOCATION_BASIS: _STR,
        AGE: "Int16",
        IN_CARE: _BOOL,
        RETURN_INTERVIEW: _BOOL,
    },
    Kind.KNIFE: {
        **_EVENT_COMMON,
        AGE_BAND: _STR,
        SETTING: _STR,
        AREA_CODE: _STR,
    },
    Kind.SURVEYS: {
        EVENT_ID: _STR,
        KIND: _STR,
        SURVEY: _STR,
        QUESTION: _STR,
        ANSWER: _STR,
        SCORE: _FLOAT,
        DATE: _DATE,
        DATE_PRECISION: _STR,
        LON: _FLOAT,
        LAT: _FLOAT,
        AREA_CODE: _STR,
        RESPONDENT_GROUP: _STR,
    },
    Kind.INTERVENTIONS: {
        EVENT_ID: _STR,
        KIND: _STR,
        NAME: _STR,
        INTERVENTION_TYPE: _STR,
        START_DATE: _DATE,
        END_DATE: _DATE,
        LEAD_AGENCY: _STR,
        NOTES: _STR,
        GEOMETRY_WKT: _STR,
        LON: _FLOAT,  # representative point of the geometry
        LAT: _FLOAT,
    },
    Kind.BOUNDARIES: {
        CODE: _STR,
        NAME: _STR,
        LEVEL: _STR,
        PARENT_CODE: _STR,
        GEOMETRY_WKT: _STR,
    },
}
"""Columns and dtypes of each layer frame as a reader returns it."""

STORED_EXTRA: dict[Kind, dict[str, str]] = {
    kind: {**_INDEX_COLUMNS, IMPORT_ID: _STR} for kind in EVENT_KINDS
} | {
    Kind.SURVEYS: {H3_CELL: "UInt64", WARD: _STR, LOCALITY: _STR, LSOA: _STR, IMPORT_ID: _STR},
    Kind.INTERVENTIONS: {H3_CELL: "UInt64", WARD: _STR, LOCALITY: _STR, IMPORT_ID: _STR},
    Kind.BOUNDARIES: {IMPORT_ID: _STR},
}
"""Columns the store adds to each layer (indexing and provenance)."""

REJECTED_COLUMNS: dict[str, str] = {SOURCE: _STR, ROW_NUMBER: "int64", REASON: _STR, RAW: _STR}
"""Columns of a frame of rejected rows."""

REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.INCIDENTS: (EVENT_ID, DATE, CATEGORY),
    Kind.MISSING: (EVENT_ID, PERSON_REF, DATETIME),
    Kind.KNIFE: (EVENT_ID, DATE),
    Kind.SURVEYS: (EVENT_ID, SURVEY, QUESTION, ANSWER, DATE),
    Kind.INTERVENTIONS: (EVENT_ID, NAME, INTERVENTION_TYPE, START_DATE),
    Kind.BOUNDARIES: (CODE, NAME),
}
"""Fields a file must provide for each layer (besides a location, see :data:`LOCATED`)."""

LOCATED: dict[Kind, str] = {
    Kind.INCIDENTS: "lon/lat or easting/northing",
    Kind.MISSING: "last-seen and/or found lon/lat or easting/northing",
    Kind.KNIFE: "lon/lat or easting/northing, or an area code",
    Kind.SURVEYS: "lon/lat or easting/northing, or an area code",
    Kind.INTERVENTIONS: "a geometry (point or polygon), or lon/lat or easting/northing",
    Kind.BOUNDARIES: "a polygon geometry",
}
"""How each layer's rows must be located."""

POLICE_UK_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
"""The 12-column header that identifies a police.uk street-level crime file."""

INCIDENT_CATEGORIES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
"""Known incident categories: the 14 police.uk crime types."""

MISSING_CATEGORIES: tuple[str, ...] = ("Missing from home", "Missing from care")
"""Categories of missing episodes (from the in-care flag)."""

KNIFE_CATEGORIES: tuple[str, ...] = ("Knife injury",)
"""Category of a hospital knife-injury attendance."""

KNOWN_CATEGORIES: dict[Kind, tuple[str, ...]] = {
    Kind.INCIDENTS: INCIDENT_CATEGORIES,
    Kind.MISSING: MISSING_CATEGORIES,
    Kind.KNIFE: KNIFE_CATEGORIES,
}
"""Categories a row of an event layer may have; any other is rejected."""


def empty_frame(kind: Kind, *, stored: bool = False) -> pd.DataFrame:
    """Return an empty frame with a layer's columns and dtypes.

    Parameters
    ----------
    kind
        The layer.
    stored
        Include the columns the store adds (H3 cell, areas, import id).

    Returns
    -------
    pandas.DataFrame
        Zero rows, columns in schema order.
    """
    columns = dict(LAYER_COLUMNS[kind])
    if stored:
        columns |= STORED_EXTRA[kind]
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def empty_rejected() -> pd.DataFrame:
    """Return an empty frame of rejected rows (source, row_number, reason, raw)."""
    return pd.DataFrame({n: pd.Series(dtype=d) for n, d in REJECTED_COLUMNS.items()})


def conform(frame: pd.DataFrame, kind: Kind, *, stored: bool = False) -> pd.DataFrame:
    """Return a copy of ``frame`` with exactly the layer's columns, in order, cast to dtype.

    Columns the frame lacks are added as missing values; extra columns are dropped.

    Parameters
    ----------
    frame
        Rows of the layer.
    kind
        The layer.
    stored
        Conform to the stored table (with index and provenance columns).

    Returns
    -------
    pandas.DataFrame
        A new frame; the input is not changed.
    """
    columns = dict(LAYER_COLUMNS[kind])
    if stored:
        columns |= STORED_EXTRA[kind]
    out = pd.DataFrame(index=frame.index)
    for name, dtype in columns.items():
        source = frame[name] if name in frame.columns else pd.Series(None, index=frame.index)
        out[name] = source.astype(dtype)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Extent:
    """A WGS84 bounding box within which points are accepted (already buffered)."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lon: Any, lat: Any) -> Any:
        """Return a boolean array: which (lon, lat) lie inside the box (NaN -> False)."""
        lon_a = np.asarray(lon, dtype="float64")
        lat_a = np.asarray(lat, dtype="float64")
        return (
            (lon_a >= self.min_lon)
            & (lon_a <= self.max_lon)
            & (lat_a >= self.min_lat)
            & (lat_a <= self.max_lat)
        )
