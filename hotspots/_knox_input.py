"""Checks and conversion of the Knox test's input: events in metres and days, band edges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from layers._errors import SchemaError
from layers.schema import CRS_MEASURE, DATE

X = "x"
Y = "y"
_MONTH_DAYS = 28  # a band shorter than this cannot be read from month-precision dates
_MIN_PERMUTATIONS = 19  # below this, p_sim cannot reach 0.05


class NearRepeatWarning(UserWarning):
    """The Knox test ran, but its input makes part of the table hard to read."""


@dataclass(frozen=True)
class KnoxInput:
    """Validated events and settings of one Knox test.

    Attributes
    ----------
    xy
        Event coordinates in metres (EPSG:27700), shape (n, 2).
    days
        Event dates as whole days since 1970-01-01 (int64).
    distance_edges, time_edges
        Band edges (float64, starting at 0, strictly increasing).
    permutations, seed, alpha
        The settings; ``seed`` is the one actually used (drawn when None was given).
    crs_note
        Where the coordinates came from, in plain English.
    warnings
        Messages of things that work but look suspicious.
    """

    xy: np.ndarray
    days: np.ndarray
    distance_edges: np.ndarray
    time_edges: np.ndarray
    permutations: int
    seed: int
    alpha: float
    crs_note: str
    warnings: tuple[str, ...]


def validated_input(
    points: pd.DataFrame,
    distance_bands: Sequence[float],
    time_bands: Sequence[float],
    *,
    permutations: int,
    seed: int | None,
    alpha: float,
) -> KnoxInput:
    """Check every argument of :func:`hotspots.nearrepeat.knox_test` and convert the events.

    Raises
    ------
    SchemaError
        With every problem found, each naming the argument, what was received and the fix.
    """
    problems: list[str] = []
    _check_points(points, problems)
    distance_edges = _edges("distance_bands", distance_bands, "metres", problems)
    time_edges = _edges("time_bands", time_bands, "days", problems)
    _check_settings(permutations, seed, alpha, problems)
    if problems:
        raise SchemaError("knox_test: " + "; ".join(problems) + ".")
    xy, crs_note = _coordinates(points)
    drawn = int(np.random.SeedSequence(seed).entropy)  # type: ignore[arg-type]
    return KnoxInput(
        xy=xy,
        days=_days(points[DATE]),
        distance_edges=distance_edges,
        time_edges=time_edges,
        permutations=int(permutations),
        seed=drawn,
        alpha=float(alpha),
        crs_note=crs_note,
        warnings=_suspicions(points[DATE], time_edges, permutations),
    )


# --- checks ---------------------------------------------------------------------------


def _check_points(points: object, problems: list[str]) -> None:
    """Check for a frame of events with coordinates and dates, nothing missing."""
    if not isinstance(points, pd.DataFrame):
        problems.append(
            f"points: expected a DataFrame with columns x, y, date (or a GeoDataFrame of "
            f"points with a date column), received {type(points).__name__}"
        )
        return
    if _is_geo(points):
        _check_geometry(points, problems)
    else:
        _check_xy(points, problems)
    _check_dates(points, problems)


def _is_geo(points: pd.DataFrame) -> bool:
    """Tell whether ``points`` is a GeoDataFrame with an active geometry column."""
    return isinstance(points, gpd.GeoDataFrame) and points._geometry_column_name in points


def _check_geometry(points: gpd.GeoDataFrame, problems: list[str]) -> None:
    """Points with a CRS, none missing or empty."""
    geometry = points.geometry
    if points.crs is None:
        problems.append("points: the GeoDataFrame has no CRS; set it with .set_crs(...)")
    bad = geometry.isna() | geometry.is_empty
    if bad.any():
        problems.append(
            f"points: {int(bad.sum())} missing or empty geometries (e.g. rows "
            f"{points.index[bad.to_numpy()][:3].tolist()}); drop or locate them first"
        )
    kinds = set(geometry[~bad].geom_type.unique()) - {"Point"}
    if kinds:
        problems.append(
            f"points: geometries must be points, received {sorted(kinds)}; "
            "use .representative_point() to turn areas into points"
        )


def _check_xy(points: pd.DataFrame, problems: list[str]) -> None:
    """Numeric x and y columns in metres with no missing value."""
    for name in (X, Y):
        if name not in points.columns:
            problems.append(
                f"points: no column {name!r} (columns: {list(points.columns)[:8]}); give "
                "x and y in EPSG:27700 metres, or pass a GeoDataFrame of points"
            )
        elif not pd.api.types.is_numeric_dtype(points[name]) or pd.api.types.is_bool_dtype(
            points[name]
        ):
            problems.append(
                f"points[{name!r}]: expected metres as numbers, received dtype "
                f"{points[name].dtype}; convert with pd.to_numeric"
            )
        else:
            bad = ~np.isfinite(points[name].to_numpy(dtype="float64", na_value=np.nan))
            if bad.any():
                problems.append(
                    f"points[{name!r}]: {int(bad.sum())} missing or infinite values (e.g. "
                    f"rows {points.index[bad][:3].tolist()}); drop or locate those events first"
                )


def _check_dates(points: pd.DataFrame, problems: list[str]) -> None:
    """Check for a datetime64 date column with no missing value."""
    if DATE not in points.columns:
        problems.append(f"points: no column {DATE!r}; add the event dates as datetime64")
    elif not pd.api.types.is_datetime64_any_dtype(points[DATE]):
        problems.append(
            f"points[{DATE!r}]: expected datetime64, received dtype {points[DATE].dtype}; "
            "convert with pd.to_datetime"
        )
    elif points[DATE].isna().any():
        missing = points[DATE].isna().to_numpy()
        problems.append(
            f"points[{DATE!r}]: {int(missing.sum())} dates missing (e.g. rows "
            f"{points.index[missing][:3].tolist()}); the test needs every event's date: "
            "drop those events or fill their dates"
        )


def _edges(name: str, values: object, unit: str, problems: list[str]) -> np.ndarray:
    """Band edges: numbers, at least two, starting at 0, strictly increasing, finite."""
    example = "[0, 100, 200, 400]" if unit == "metres" else "[0, 7, 14, 28]"
    try:
        edges = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        edges = np.array([np.nan])
    fine = (
        edges.ndim == 1
        and edges.size >= 2
        and bool(np.isfinite(edges).all())
        and edges[0] == 0
        and bool((np.diff(edges) > 0).all())
    )
    if not fine:
        problems.append(
            f"{name}: expected band edges in {unit} starting at 0 and strictly increasing, "
            f"received {values!r}; pass e.g. {example}"
        )
    elif unit == "days" and not bool((edges == np.round(edges)).all()):
        problems.append(f"{name}: edges must be whole days, received {values!r}")
    return edges


def _check_settings(permutations: object, seed: object, alpha: object, problems: list[str]) -> None:
    """Permutations a positive integer, seed None or a non-negative integer, alpha in (0, 1)."""
    if not _is_int(permutations) or int(permutations) < 1:  # type: ignore[call-overload]
        problems.append(f"permutations: expected an integer >= 1, received {permutations!r}")
    if seed is not None and (not _is_int(seed) or int(seed) < 0):  # type: ignore[call-overload]
        problems.append(f"seed: expected None or an integer >= 0, received {seed!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        problems.append(f"alpha: expected a number in (0, 1), received {alpha!r}")


def _is_int(value: object) -> bool:
    """Tell whether ``value`` is an integer (and not a bool)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


# --- conversion -----------------------------------------------------------------------


def _coordinates(points: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Event coordinates in EPSG:27700 metres and a note on where they came from."""
    if not _is_geo(points):
        xy = points[[X, Y]].to_numpy(dtype="float64")
        return xy, f"x, y taken as {CRS_MEASURE} metres"
    geometry = points.geometry
    note = f"geometry in {CRS_MEASURE} as given"
    if geometry.crs.to_epsg() != int(CRS_MEASURE.split(":")[1]):
        note = f"geometry converted from {geometry.crs.to_string()} to {CRS_MEASURE}"
        geometry = geometry.to_crs(CRS_MEASURE)
    return np.column_stack([geometry.x.to_numpy(), geometry.y.to_numpy()]), note


def _days(dates: pd.Series) -> np.ndarray:
    """Calendar dates as whole days since 1970-01-01 (a time of day is dropped)."""
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


def _suspicions(dates: pd.Series, time_edges: np.ndarray, permutations: int) -> tuple[str, ...]:
    """Warnings for input that works but makes the table hard to read."""
    found = []
    if len(dates) > 1 and (dates.dt.day == 1).all() and np.diff(time_edges).min() < _MONTH_DAYS:
        found.append(
            "knox_test: every date is the first of a month (month precision, as police.uk "
            "data), so time bands shorter than a month cannot be read; use daily dates or "
            "month-long time bands"
        )
    if permutations < _MIN_PERMUTATIONS:
        found.append(
            f"knox_test: with {permutations} permutations p_sim cannot go below "
            f"{1 / (permutations + 1):.3f}; use 99 or more"
        )
    return tuple(found)
