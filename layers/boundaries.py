"""Areas (wards, localities, LSOAs): read boundary files, store them, assign points to them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike

from layers._arguments import Limits, checked_size, limits_or_default
from layers._errors import FileRefused, SchemaError
from layers._vector import read_features
from layers.grid import unique_points
from layers.schema import (
    CODE,
    CRS_MEASURE,
    CRS_STORE,
    GEOMETRY_WKT,
    LEVEL,
    NAME,
    PARENT_CODE,
    Extent,
    Kind,
    Level,
    conform,
)
from layers.settings import load_settings

_NOTES = "notes"  # key of ``attrs`` holding what was repaired, merged or left unmatched
_GEOMETRY = "geometry"
_TARGETS = (CODE, NAME, PARENT_CODE)
_OUTPUT = [CODE, NAME, LEVEL, PARENT_CODE]
_POLYGONAL = ("Polygon", "MultiPolygon")
_SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".gpkg")
_DEMO_FILE = "demo_wards_bristol_approx.geojson"
_LOCALITIES_FILE = "localities.csv"


def read_boundaries(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    level: Level | str = Level.WARD,
    parent_file: str | Path | None = None,
    limits: Limits | None = None,
) -> gpd.GeoDataFrame:
    """Read a boundary file (GeoJSON, Shapefile .shp or .zip, GeoPackage) into areas.

    Unclosed rings are closed and invalid polygons (self-intersecting ...) repaired with
    ``shapely.make_valid`` (polygonal part kept); features sharing a code are dissolved
    into one; all are reported in ``attrs["notes"]`` (a list of str), as is a CRS
    guessed for a file without one. A zip is checked member by member before it is read
    (see :func:`layers._vector.check_zip`).

    Parameters
    ----------
    path
        The boundary file.
    mapping
        The file's field names mapped to ``"code"``, ``"name"`` and optionally
        ``"parent_code"``, e.g. ``{"ward_id": "code", "ward_name": "name"}``.
    level
        Area level of every feature (``"ward"``, ``"locality"``, ``"lsoa"``).
    parent_file
        For wards, the ward -> locality CSV (see :func:`layers.localities.read_localities`);
        for other levels, a CSV lookup whose fields, renamed by ``mapping``, give code and
        parent_code.
    limits
        Largest file (and zip content), most features, largest compression ratio
        (default: ``Limits.from_settings()``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns code, name, level, parent_code (str) and geometry (Polygon or
        MultiPolygon), EPSG:4326, one row per code, sorted by code.

    Raises
    ------
    FileRefused
        When the file cannot be read, is over a limit, lacks code / name, has no
        polygons, unreadable geometries or blank codes.
    """
    level_ = _check_read_arguments(mapping, level)
    limits_ = limits_or_default(limits)
    path = Path(path)
    raw, broken, notes = _read_layer(path, limits_)
    frame = _apply_mapping(raw, mapping or {})
    frame, repaired = _polygonal_parts(frame)
    problems = _field_problems(raw, frame, mapping or {}, parent_file)
    _refuse(path, problems + _geometry_problems(frame, broken) + _code_problems(frame))
    notes += _repair_notes(frame, repaired)
    areas = _dissolve_codes(_to_store_crs(frame, path, notes), notes)
    areas = _tidy(areas, level_, notes)
    if parent_file is not None:
        areas = _attach_parents(areas, Path(parent_file), level_, mapping or {}, limits_)
    areas.attrs[_NOTES] = notes + [n for n in areas.attrs.get(_NOTES, []) if n not in notes]
    return areas


def boundaries_to_frame(areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return areas as a boundaries layer frame for storing (geometry as full-precision WKT).

    Parameters
    ----------
    areas
        Areas with code, name and optionally level and parent_code.

    Returns
    -------
    pandas.DataFrame
        Columns of ``LAYER_COLUMNS[Kind.BOUNDARIES]``: code, name, level, parent_code,
        geometry_wkt (EPSG:4326).
    """
    _raise(_areas_problems(areas, columns=(CODE, NAME)))
    geometry = areas.geometry.to_crs(CRS_STORE).to_numpy()
    frame = pd.DataFrame({c: areas[c] for c in _OUTPUT if c in areas.columns})
    frame[GEOMETRY_WKT] = shapely.to_wkt(geometry, rounding_precision=-1)
    return conform(frame, Kind.BOUNDARIES)


def frame_to_boundaries(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return the areas of a stored boundaries frame (the inverse of :func:`boundaries_to_frame`).

    Parameters
    ----------
    frame
        A frame with the columns of ``LAYER_COLUMNS[Kind.BOUNDARIES]``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns code, name, level, parent_code, geometry; EPSG:4326.
    """
    missing = [c for c in (CODE, NAME, GEOMETRY_WKT) if c not in frame.columns]
    _raise([f"frame lacks the columns {missing}"] if missing else [])
    table = conform(frame, Kind.BOUNDARIES)
    geometry = shapely.from_wkt(table[GEOMETRY_WKT].to_numpy(dtype=object), on_invalid="ignore")
    bad = table.loc[pd.isna(geometry) & table[GEOMETRY_WKT].notna(), CODE].tolist()
    _raise([f"frame has unreadable geometry_wkt for codes {bad[:5]}"] if bad else [])
    return gpd.GeoDataFrame(table[_OUTPUT], geometry=list(geometry), crs=CRS_STORE)


def assign_areas(lon: ArrayLike, lat: ArrayLike, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Return the code of the area each point lies in, computed once per distinct point.

    A point on the edge of an area counts as in it; a point on an edge shared by several
    areas goes to the one whose code sorts first, so each point has at most one area.

    Parameters
    ----------
    lon, lat
        WGS84 longitudes and latitudes of equal length.
    areas
        Areas with a code column and polygons (reprojected to EPSG:4326 if needed).

    Returns
    -------
    numpy.ndarray
        object array of codes (str); None where the point is in no area or not finite.
    """
    _raise(_areas_problems(areas, columns=(CODE,)))
    unique_lon, unique_lat, inverse = unique_points(lon, lat)
    codes = areas[CODE].to_numpy(dtype=object)
    polygons = areas.geometry.to_crs(CRS_STORE).to_numpy()
    tree = shapely.STRtree(shapely.points(unique_lon, unique_lat))
    area_index, point_index = tree.query(polygons, predicate="intersects")
    unique_codes = np.full(unique_lon.size, None, dtype=object)
    rank = np.argsort(np.argsort(codes.astype(str), kind="stable"), kind="stable")
    order = np.lexsort((rank[area_index], point_index))
    first = order[np.unique(point_index[order], return_index=True)[1]]
    unique_codes[point_index[first]] = codes[area_index[first]]
    out = np.full(inverse.size, None, dtype=object)
    out[inverse >= 0] = unique_codes[inverse[inverse >= 0]]
    return out


def extent_of(areas: gpd.GeoDataFrame, *, buffer_m: float) -> Extent:
    """Return the WGS84 box around the areas, buffered by ``buffer_m`` metres in EPSG:27700.

    Parameters
    ----------
    areas
        Areas with a CRS.
    buffer_m
        Metres added on every side of the areas' British National Grid bounding box.

    Returns
    -------
    Extent
        The smallest WGS84 box holding the buffered British National Grid box.
    """
    problems = _areas_problems(areas, columns=())
    if not (isinstance(buffer_m, int | float) and np.isfinite(buffer_m) and buffer_m >= 0):
        problems.append(f"buffer_m must be a number of metres >= 0; received {buffer_m!r}")
    if not problems and areas.geometry.dropna().empty:
        problems.append("areas is empty, so it has no extent; load boundaries first")
    _raise(problems)
    min_x, min_y, max_x, max_y = areas.geometry.to_crs(CRS_MEASURE).total_bounds
    box = shapely.box(min_x - buffer_m, min_y - buffer_m, max_x + buffer_m, max_y + buffer_m)
    box = shapely.segmentize(box, max(max_x - min_x, max_y - min_y, 1.0) / 64)
    bounds = gpd.GeoSeries([box], crs=CRS_MEASURE).to_crs(CRS_STORE).total_bounds
    return Extent(*(float(b) for b in bounds))


def demo_wards(directory: Path | None = None) -> gpd.GeoDataFrame:
    """Return the shipped demo wards (an approximation of Bristol's 34 wards) with localities.

    Parameters
    ----------
    directory
        Folder holding the demo files; default ``load_settings().boundaries_dir``.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`read_boundaries`, level "ward", parent_code = locality name.
    """
    folder = Path(directory) if directory is not None else load_settings().boundaries_dir
    return read_boundaries(
        folder / _DEMO_FILE, level=Level.WARD, parent_file=folder / _LOCALITIES_FILE
    )


# --- private steps: reading -------------------------------------------------------------
def _check_read_arguments(mapping: Mapping[str, str] | None, level: Level | str) -> Level:
    problems = []
    if mapping is not None and not set(mapping.values()) <= set(_TARGETS):
        wrong = sorted(set(mapping.values()) - set(_TARGETS))
        problems.append(f"mapping maps to {wrong}; map fields only to {list(_TARGETS)}")
    if str(level) not in {str(v) for v in Level}:
        problems.append(f"level must be one of {[str(v) for v in Level]}; received {level!r}")
    _raise(problems)
    return Level(level)


def _read_layer(path: Path, limits: Limits) -> tuple[gpd.GeoDataFrame, np.ndarray, list[str]]:
    if path.suffix.lower() not in _SUFFIXES:
        raise _refusal(path, [f"unsupported file type {path.suffix!r}; use {list(_SUFFIXES)}"])
    features = read_features(path, limits)
    notes = list(features.notes)
    if features.closed.any():
        notes.append(f"closed the unclosed rings of {int(features.closed.sum())} area(s)")
    return features.frame, features.broken, notes


def _apply_mapping(raw: gpd.GeoDataFrame, mapping: Mapping[str, str]) -> gpd.GeoDataFrame:
    present = {field: target for field, target in mapping.items() if field in raw.columns}
    shadowed = [t for t in present.values() if t in raw.columns and t not in present]
    return raw.drop(columns=shadowed).rename(columns=present)


def _polygonal_parts(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    geometry = frame.geometry.to_numpy()
    with np.errstate(all="ignore"):  # GEOS flags the geometries it repairs
        invalid = ~shapely.is_valid(geometry) & ~shapely.is_missing(geometry)
        fixed = geometry.copy()
        fixed[invalid] = shapely.make_valid(geometry[invalid])
    kept = [_polygonal(g) for g in fixed]
    return frame.set_geometry(gpd.GeoSeries(kept, index=frame.index, crs=frame.crs)), invalid


def _polygonal(geometry: shapely.Geometry | None) -> shapely.Geometry | None:
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in _POLYGONAL:
        return geometry
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else None


def _field_problems(
    raw: gpd.GeoDataFrame,
    frame: gpd.GeoDataFrame,
    mapping: Mapping[str, str],
    parent_file: str | Path | None,
) -> list[str]:
    needed = [CODE, NAME] + ([PARENT_CODE] if PARENT_CODE in mapping.values() else [])
    optional = {PARENT_CODE} if parent_file is not None else set()
    missing = [t for t in needed if t not in frame.columns and t not in optional]
    if not missing:
        return []
    fields = [c for c in raw.columns if c != _GEOMETRY]
    unfound = [f for f, t in mapping.items() if t in missing]
    return [
        f"the fields {missing} are missing"
        + (f" (mapped fields not found: {unfound})" if unfound else "")
        + f"; fields found: {fields}; map them with {_suggest_mapping(fields)}"
    ]


def _suggest_mapping(fields: list[str]) -> str:
    code = next((f for f in fields if f.lower().endswith(("cd", "code", "id"))), "FIELD")
    name = next((f for f in fields if f.lower().endswith(("nm", "name"))), "FIELD")
    return f"--map {code}=code {name}=name"


def _geometry_problems(frame: gpd.GeoDataFrame, broken: np.ndarray) -> list[str]:
    empty = frame.geometry.isna().to_numpy() & ~broken
    if not len(frame) or empty.all():
        return ["has no polygons (only points, lines or empty geometries); give area polygons"]
    cases = [(broken, "an unreadable geometry (coordinates not numbers)"), (empty, "no polygon")]
    return [
        f"{m.sum()} feature(s) have {what}: {_codes_or_rows(frame, m)}"
        for m, what in cases
        if m.any()
    ]


def _code_problems(frame: gpd.GeoDataFrame) -> list[str]:
    if CODE not in frame.columns:
        return []
    blank = frame[CODE].isna() | (frame[CODE].astype("str").str.strip() == "")
    rows = (np.flatnonzero(blank.to_numpy()) + 1).tolist()
    return [f"{len(rows)} feature(s) have a blank code (features {rows[:10]})"] if rows else []


def _codes_or_rows(frame: gpd.GeoDataFrame, mask: np.ndarray) -> str:
    if CODE in frame.columns:
        return f"codes {frame.loc[mask, CODE].astype('str').tolist()[:10]}"
    return f"features {(np.flatnonzero(mask) + 1).tolist()[:10]}"


def _repair_notes(frame: gpd.GeoDataFrame, repaired: np.ndarray) -> list[str]:
    if not repaired.any():
        return []
    codes = frame.loc[repaired, CODE].astype("str").tolist()
    return [f"repaired invalid geometry of {len(codes)} area(s) with make_valid: {codes}"]


def _to_store_crs(frame: gpd.GeoDataFrame, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    out = _guess_crs(frame, path, notes).to_crs(CRS_STORE)
    coords = shapely.get_coordinates(out.geometry.to_numpy())
    if not np.isfinite(coords).all() or (np.abs(coords) > [180, 90]).any():
        raise _refusal(path, ["has coordinates outside the range of its CRS; check its CRS"])
    return out


def _guess_crs(frame: gpd.GeoDataFrame, path: Path, notes: list[str]) -> gpd.GeoDataFrame:
    if frame.crs is not None:
        return frame
    min_x, min_y, max_x, max_y = frame.total_bounds
    if min_x >= -180 and max_x <= 180 and min_y >= -90 and max_y <= 90:
        guess = CRS_STORE
    elif min_x >= 0 and max_x <= 700_000 and min_y >= 0 and max_y <= 1_300_000:
        guess = CRS_MEASURE
    else:
        raise _refusal(path, ["has no CRS, and its coordinates are neither lon/lat nor BNG"])
    notes.append(f"{path.name} has no CRS; its coordinates look like {guess}, read as such")
    return frame.set_crs(guess)


def _dissolve_codes(frame: gpd.GeoDataFrame, notes: list[str]) -> gpd.GeoDataFrame:
    frame = frame.assign(**{CODE: frame[CODE].astype("str").str.strip()})
    repeated = frame[CODE].duplicated(keep=False).to_numpy()
    if not repeated.any():
        return frame
    merged = frame[repeated].dissolve(by=CODE, aggfunc="first", as_index=False)
    codes = merged[CODE].tolist()
    notes.append(f"dissolved {int(repeated.sum())} features into {len(codes)} areas: {codes}")
    return pd.concat([frame[~repeated], merged], ignore_index=True)


def _tidy(frame: gpd.GeoDataFrame, level: Level, notes: list[str]) -> gpd.GeoDataFrame:
    name = frame[NAME].astype("str").str.strip()
    blank = name.isna() | (name == "")
    if blank.any():
        notes.append(f"{int(blank.sum())} area(s) without a name named by code")
    parent = frame[PARENT_CODE] if PARENT_CODE in frame.columns else pd.Series(pd.NA, frame.index)
    columns = {CODE: frame[CODE], NAME: name.mask(blank, frame[CODE]), LEVEL: str(level)}
    columns[PARENT_CODE] = parent.astype("str").str.strip().replace("", pd.NA)
    out = gpd.GeoDataFrame(columns, geometry=frame.geometry, crs=CRS_STORE)
    return out.astype(dict.fromkeys(_OUTPUT, "str")).sort_values(CODE, ignore_index=True)


def _attach_parents(
    areas: gpd.GeoDataFrame,
    parent_file: Path,
    level: Level,
    mapping: Mapping[str, str],
    limits: Limits,
) -> gpd.GeoDataFrame:
    if level == Level.WARD:
        from layers import localities  # localities imports this module

        return localities.with_localities(areas, localities.read_localities(parent_file))
    lookup = _read_csv(parent_file, limits).rename(columns=dict(mapping))
    missing = [c for c in (CODE, PARENT_CODE) if c not in lookup.columns]
    _refuse(parent_file, [f"lookup lacks {missing} after mapping {dict(mapping)}"] * bool(missing))
    parents = lookup.drop_duplicates(CODE).set_index(CODE)[PARENT_CODE].to_dict()
    out = areas.copy()
    out[PARENT_CODE] = areas[PARENT_CODE].fillna(areas[CODE].map(parents)).astype("str")
    unmatched = out.loc[out[PARENT_CODE].isna(), CODE].tolist()
    if unmatched:
        out.attrs[_NOTES] = [f"{len(unmatched)} area(s) have no parent: {unmatched[:10]}"]
    return out


def _read_csv(path: Path, limits: Limits | None = None) -> pd.DataFrame:
    checked_size(path, limits_or_default(limits))
    try:
        return pd.read_csv(path, dtype="str", keep_default_na=False, comment="#")
    except (OSError, ValueError) as error:
        reason = f"cannot be read as CSV ({type(error).__name__}: {error})"
        raise _refusal(path, [reason]) from error


# --- private steps: validation ---------------------------------------------------------------
def _areas_problems(areas: object, *, columns: tuple[str, ...]) -> list[str]:
    if not isinstance(areas, gpd.GeoDataFrame):
        return [f"areas must be a GeoDataFrame; received {type(areas).__name__}"]
    problems = [] if areas.crs is not None else ["areas has no CRS; set one with .set_crs()"]
    missing = [c for c in columns if c not in areas.columns]
    if missing:
        problems.append(f"areas lacks the columns {missing}; read it with read_boundaries()")
    return problems


def _raise(problems: list[str]) -> None:
    if problems:
        raise SchemaError("; ".join(problems) + ".")


def _refuse(path: Path, problems: list[str]) -> None:
    if problems:
        raise _refusal(path, problems)


def _refusal(path: Path, problems: list[str]) -> FileRefused:
    return FileRefused(f"{path.name}: " + "; ".join(problems) + ".")
