"""Read GeoJSON, GeoPackage and Shapefile (also zipped) features defensively, never trusting them.

GDAL opens many formats by content, some of which read other files (a virtual ``.vrt``
named ``.geojson`` would read any file on the server): a file is opened only when its
first bytes are those of the types read here, and refused unless GDAL reads it with one
of their drivers. A zip is checked member by member, decompressing in chunks.
"""

from __future__ import annotations

import re
import stat
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import schema as sc
from layers._arguments import Limits, check_expansion, check_rows, checked_size, unreadable
from layers._errors import FileRefused

ARCHIVES = (b"\x1f\x8b", b"PK\x03\x04", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!")
"""First bytes of compressed files (gzip, zip, bzip2, xz, 7z, rar): nested archives."""

_BOM = b"\xef\xbb\xbf"
_HEAD = 64 * 1024  # bytes looked at to tell a file's type
_CHUNK = 1024 * 1024  # bytes decompressed at a time
_ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".kmz")
_DATASETS = (".shp", ".geojson", ".json", ".gpkg")
_ZIP_MEMBERS = (*_DATASETS, ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml")
_ZIP_MAX_MEMBERS = 100
_DRIVERS = frozenset({"GeoJSON", "GPKG", "ESRI Shapefile", "ESRIJSON", "TopoJSON"})
_SQLITE, _SHAPEFILE = b"SQLite format 3\x00", b"\x00\x00\x27\x0a"


@dataclass(frozen=True)
class Features:
    """The features of a GeoJSON, GeoPackage or Shapefile (also zipped), read defensively.

    ``frame`` is in the file's CRS; ``broken`` marks features whose geometry was given
    but could not be read (set to None); ``closed`` those whose unclosed rings were closed.
    """

    frame: gpd.GeoDataFrame
    broken: np.ndarray
    closed: np.ndarray
    notes: list[str]


def read_features(path: Path, limits: Limits) -> Features:
    """Read the first layer of a GeoJSON, GeoPackage or Shapefile (also in a .zip).

    The file is checked before GDAL opens it (size; its first bytes are those of its
    type, so that no other GDAL driver, such as a virtual file reading other files, can
    open it; a zip's members) and again after (driver, feature count). Unclosed rings
    are closed; geometries that cannot be read, or hold coordinates that are not finite
    numbers, become None and are marked ``broken``.

    Raises
    ------
    FileRefused
        When the file is over a limit, is not of a vector type read here, or GDAL cannot
        read it.
    """
    checked_size(path, limits)
    head = _head(path)
    if not head.removeprefix(_BOM).strip():
        raise FileRefused(f"{path.name}: the file is empty. Export the layer again.")
    if head.startswith(b"PK"):
        check_zip(path, limits)
    elif _vector_kind(head) is None:
        raise FileRefused(
            f"{path.name}: is not a GeoJSON, GeoPackage or Shapefile (its first bytes are not "
            "those of any). Export the layer again."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer, notes = _first_layer(path, limits)
        frame, broken, closed = _read_geometries(path, layer)
    check_rows(path.name, len(frame), limits)
    broken |= _not_finite(frame)
    if broken.any():
        frame = frame.set_geometry(frame.geometry.where(~broken, None))
    return Features(frame, broken, closed, notes)


def vector_table(path: Path, limits: Limits) -> tuple[pd.DataFrame, Any, np.ndarray, list[str]]:
    """Return a layer file's attributes as text, its geometries in WGS84, broken ones, notes."""
    features = read_features(path, limits)
    gdf, notes = features.frame, list(features.notes)
    if features.closed.any():
        notes.append(
            f"{path.name}: closed the unclosed rings of {int(features.closed.sum())} features"
        )
    if gdf.crs is None:
        notes.append(f"{path.name}: no CRS given; coordinates taken as WGS84 lon/lat")
    elif not gdf.crs.equals(sc.CRS_STORE):
        with np.errstate(all="ignore"):
            gdf = gdf.to_crs(sc.CRS_STORE)
    attributes = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    frame = pd.DataFrame({c: _as_text(attributes[c]) for c in attributes.columns})
    return frame, gdf.geometry.reset_index(drop=True), features.broken, notes


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD)
    except OSError as error:
        raise unreadable(path.name, error) from None


def _vector_kind(head: bytes) -> str | None:
    if head.startswith(_SQLITE):
        return "GPKG"
    if head.startswith(_SHAPEFILE):
        return "ESRI Shapefile"
    text = head.removeprefix(_BOM).lstrip()
    return "GeoJSON" if text.startswith(b"{") else None


def _first_layer(path: Path, limits: Limits) -> tuple[str, list[str]]:
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
        info = pyogrio.read_info(path, layer=layers[0][0])
    except Exception:  # any failure of the driver means the file is unusable
        raise _unreadable_vector(path.name) from None
    if info.get("driver") not in _DRIVERS:
        raise FileRefused(
            f"{path.name}: is read by GDAL as {info.get('driver')!r}, not as GeoJSON, "
            "GeoPackage or Shapefile; refused. Export the layer again."
        )
    check_rows(path.name, int(info.get("features") or 0), limits)
    notes = [f"{path.name}: {len(layers)} layers; read the first"] if len(layers) > 1 else []
    return str(layers[0][0]), notes


def _read_geometries(path: Path, layer: str) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
        none = np.zeros(len(frame), dtype=bool)
        return _as_geo(frame), none, none.copy()
    except Exception:  # read again below, mending what can be mended
        pass
    try:
        frame = _as_geo(pyogrio.read_dataframe(path, layer=layer, on_invalid="fix"))
        wkb = pyogrio.raw.read(path, layer=layer, columns=[])[2]
    except Exception:
        raise _unreadable_vector(path.name) from None
    stated = ~pd.isna(np.asarray(wkb, dtype=object)) if wkb is not None else np.zeros(0, bool)
    if len(stated) != len(frame):
        raise _unreadable_vector(path.name)
    strict = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    read = frame.geometry.notna().to_numpy()
    return frame, stated & ~read, stated & read & pd.isna(strict)


def _as_geo(frame: Any) -> gpd.GeoDataFrame:
    if isinstance(frame, gpd.GeoDataFrame):
        return frame
    return gpd.GeoDataFrame(frame, geometry=[None] * len(frame))  # a table without geometry


def _not_finite(frame: gpd.GeoDataFrame) -> np.ndarray:
    geoms = frame.geometry.to_numpy()
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    bad = np.zeros(len(geoms), dtype=bool)
    with np.errstate(invalid="ignore"):
        bad[index[~np.isfinite(coords).all(axis=1)]] = True
    return bad


def _unreadable_vector(name: str) -> FileRefused:
    return FileRefused(
        f"{name}: cannot be read as GeoJSON / GeoPackage. Check that it opens in QGIS, or "
        "export it again."
    )


def _as_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        midnight = (values.dropna() == values.dropna().dt.normalize()).all()
        text = values.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S%z")
    elif pd.api.types.is_float_dtype(values) and _whole(values):
        text = values.astype("Int64").astype("str")
    else:
        text = values.astype("str")
    text = text.str.strip()
    return text.where(text != "").astype("str")


def _whole(values: pd.Series) -> bool:
    """Return True when every value is a whole number small enough to be exact."""
    known = values.dropna()
    return bool(((known % 1 == 0) & (known.abs() < 2**53)).all())


# --- zip files -------------------------------------------------------------------------


def check_zip(path: Path, limits: Limits) -> None:
    """Refuse a zip with unsafe member names, other archives, or too much content.

    Every member is decompressed in chunks (never to disk) and counted against the
    size and ratio limits: the sizes a zip declares are not trusted.
    """
    compressed = checked_size(path, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            _check_members(path.name, members)
            produced = 0
            for member in members:
                produced = _measure_member(path.name, archive, member, produced, compressed, limits)
    except FileRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            OSError, EOFError, zlib.error, ValueError):  # fmt: skip
        raise FileRefused(
            f"{path.name}: is not a readable zip file. Zip it again (without a password)."
        ) from None


def _measure_member(
    name: str,
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    produced: int,
    compressed: int,
    limits: Limits,
) -> int:
    """Decompress one member in chunks, checking the running total; return the new total."""
    with archive.open(member) as stream:
        first = True
        while chunk := stream.read(_CHUNK):
            produced += len(chunk)
            check_expansion(name, produced, compressed, limits)
            if first:
                _check_member_content(name, member.filename, chunk)
            first = False
    return produced


def _check_members(name: str, members: list[zipfile.ZipInfo]) -> None:
    if not members:
        raise FileRefused(f"{name}: the zip file is empty. Zip the boundary files themselves.")
    if len(members) > _ZIP_MAX_MEMBERS:
        raise FileRefused(
            f"{name}: holds {len(members):,} files; a boundary zip holds a few (at most "
            f"{_ZIP_MAX_MEMBERS}). Zip only the .shp, .shx, .dbf and .prj of one layer."
        )
    problems = [_member_problem(m) for m in members]
    found = [p for p in problems if p]
    if found:
        raise FileRefused(f"{name}: " + "; ".join(dict.fromkeys(found)) + ".")
    if not any(m.filename.lower().endswith(_DATASETS) for m in members):
        raise FileRefused(f"{name}: holds no .shp, .geojson or .gpkg file. Zip a boundary layer.")


def _member_problem(member: zipfile.ZipInfo) -> str:
    name = member.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts:
        return "a member's name leaves the zip's folder (absolute path or '..'); refused"
    if member.flag_bits & 0x1:
        return "a member is encrypted; zip it without a password"
    if (member.external_attr >> 16) & 0o170000 == stat.S_IFLNK:
        return "a member is a symbolic link; zip the files themselves"
    low = name.lower()
    if low.endswith(_ARCHIVE_SUFFIXES):
        return "it holds another archive (nested archives are refused); zip the files themselves"
    if not low.endswith(_ZIP_MEMBERS):
        return f"it holds a file of a type not read here ({PurePosixPath(low).suffix or 'none'})"
    return ""


def _check_member_content(name: str, member: str, chunk: bytes) -> None:
    if chunk.startswith(ARCHIVES):
        raise nested_archive(name)
    if b"ogrvrtdatasource" in chunk[:_HEAD].lower():
        raise FileRefused(f"{name}: holds a GDAL virtual file; zip the boundary files only.")
    if member.lower().endswith(_DATASETS) and _vector_kind(chunk) is None:
        raise FileRefused(f"{name}: a member is not the file type its name says.")


def nested_archive(name: str) -> FileRefused:
    """Return the refusal of a compressed file holding another."""
    return FileRefused(
        f"{name}: holds another compressed file (nested archives are refused). Decompress "
        "it and give the file itself."
    )
