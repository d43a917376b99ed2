"""Imports: read a file, index its points (H3 cell, ward, locality, LSOA), store it atomically.

The whole file is read and checked before anything is written; valid rows then go into
the store in one transaction, keyed by their stable id, so importing the same file twice
adds nothing. Rejected rows are kept in the store and written to a CSV beside it. Each
import is recorded in the import log (files, content hash, time, counts) and in the audit
log (who: the ``actor`` keyword, by default ``cli:<OS user>``; a failed import too).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers import boundaries as B
from layers import grid
from layers import localities as L
from layers import schema as S
from layers._arguments import Limits
from layers._import_audit import audited
from layers._import_log import combined_hash, file_hash, write_rejected
from layers.readers import ReadResult, SourceFile, read_layer
from layers.settings import Settings
from layers.store import Store, Writer


@dataclass(frozen=True)
class ImportReport:
    """What one import did.

    Attributes
    ----------
    imported, duplicates, rejected
        Rows added, rows already in the store (same id), rows refused with a reason.
    outside_wards
        Imported points that lie in no ward (they are kept, with no ward).
    rejected_path
        CSV of the rejected rows (row number, reason, row), or None when there were none.
    """

    import_id: str
    kind: str
    files: tuple[str, ...]
    rows_read: int
    imported: int
    duplicates: int
    rejected: int
    outside_wards: int = 0
    rejected_path: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    content_hash: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready values."""
        out = asdict(self)
        out["files"] = list(self.files)
        out["notes"] = list(self.notes)
        return out


def open_store(settings: Settings) -> Store:
    """Return the store named by the settings."""
    return Store(settings.store, lock_timeout_s=settings.lock_timeout_s)


def import_files(
    kind: S.Kind | str,
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    level: S.Level | str = S.Level.WARD,
    actor: str | None = None,
) -> ImportReport:
    """Read, check, index and store files of one layer, and audit the import.

    Parameters
    ----------
    kind
        The layer: incidents, missing, knife, surveys, interventions or boundaries.
    paths
        One or more files of that layer (several police.uk months in one call).
    settings
        Settings in force (store path, rejected-rows folder, pseudonymisation key).
    fmt
        ``police-uk``, ``csv``, ``geojson`` or ``gpkg``; None detects it.
    mapping
        The file's column names -> the layer's column names.
    level
        For boundaries: ward, lsoa or locality.
    actor
        Who imports, for the audit log; None: ``cli:<OS user>``.

    Returns
    -------
    ImportReport
        What was imported, what was a duplicate and what was rejected.

    Raises
    ------
    FileRefused
        When a file cannot be used as a whole; nothing is imported (the refusal is
        audited).
    """
    kind = S.Kind(kind)
    with audited(settings.store, actor=actor, kind=kind.value, files=paths) as done:
        if kind == S.Kind.BOUNDARIES:
            report = _import_boundaries(paths, settings=settings, mapping=mapping, level=level)
        else:
            store = open_store(settings)
            areas = study_areas(store, settings)
            extent = B.extent_of(areas.wards, buffer_m=settings.extent_buffer_m)
            result = read_layer(
                kind,
                paths,
                fmt=fmt,
                mapping=mapping,
                extent=extent,
                limits=Limits.from_settings(settings),
            )
            report = _store_result(result, store=store, settings=settings, areas=areas)
        done(report)
    return report


@dataclass(frozen=True)
class StudyAreas:
    """The areas points are assigned to: wards (with locality), and LSOAs when loaded."""

    wards: gpd.GeoDataFrame
    lsoas: gpd.GeoDataFrame | None
    approximate: bool
    stored: bool = True


def study_areas(store: Store, settings: Settings) -> StudyAreas:
    """Return the store's wards and LSOAs, or the shipped demo wards when none are loaded."""
    wards = store.boundaries(S.Level.WARD)
    approximate, stored = bool(wards.attrs.get("approximate")), not wards.empty
    if not stored:
        wards, approximate = B.demo_wards(settings.boundaries_dir), True
    lsoas = store.boundaries(S.Level.LSOA)
    return StudyAreas(
        wards=wards, lsoas=None if lsoas.empty else lsoas, approximate=approximate, stored=stored
    )


def import_result(
    result: ReadResult,
    *,
    store: Store,
    settings: Settings,
    areas: StudyAreas,
    actor: str | None = None,
) -> ImportReport:
    """Index and store what a reader returned, in one transaction, and audit it.

    Parameters
    ----------
    result
        Valid and rejected rows of one layer, with their source files.
    store, settings
        Where to write.
    areas
        Wards (and LSOAs) to assign points to.
    actor
        Who imports, for the audit log; None: ``cli:<OS user>``.

    Returns
    -------
    ImportReport
        What was imported.
    """
    files = [s.name for s in result.sources]
    with audited(store.path, actor=actor, kind=result.kind.value, files=files) as done:
        report = _store_result(result, store=store, settings=settings, areas=areas)
        done(report)
    return report


def _store_result(
    result: ReadResult, *, store: Store, settings: Settings, areas: StudyAreas
) -> ImportReport:
    import_id = uuid.uuid4().hex[:12]
    started = datetime.now(UTC).replace(tzinfo=None)
    indexed = index_points(
        result.valid, kind=result.kind, areas=areas, resolution=settings.store_resolution
    )
    outside = _outside_count(indexed, result.kind)
    content_hash = combined_hash(result.sources)
    with store.transaction() as writer:
        _ensure_study_area(writer, areas, settings, import_id)
        imported, duplicates = writer.add_events(result.kind, indexed.assign(import_id=import_id))
        hashes = {s.name: s.sha256 for s in result.sources}
        writer.add_rejected(result.kind, result.rejected, import_id=import_id, hashes=hashes)
        rejected_path = write_rejected(result, settings.rejected_dir, import_id)
        report = ImportReport(
            import_id=import_id,
            kind=result.kind.value,
            files=tuple(s.name for s in result.sources),
            rows_read=sum(s.rows_read for s in result.sources),
            imported=imported,
            duplicates=duplicates,
            rejected=len(result.rejected),
            outside_wards=outside,
            rejected_path=None if rejected_path is None else str(rejected_path),
            notes=_notes(result, outside, areas),
            content_hash=content_hash,
        )
        writer.log_import(log_record(report, content_hash, started))
    return report


def preview(result: ReadResult, *, store: Store) -> dict[str, int]:
    """Say what importing a read file would do, without writing anything.

    Returns
    -------
    dict of str to int
        ``rows_read``, ``imported`` (new rows), ``duplicates`` (rows whose id is already
        stored) and ``rejected``.
    """
    duplicates = store.count_stored(result.kind, result.valid[S.EVENT_ID].tolist())
    return {
        "rows_read": sum(s.rows_read for s in result.sources),
        "imported": len(result.valid) - duplicates,
        "duplicates": duplicates,
        "rejected": len(result.rejected),
    }


def index_points(
    frame: pd.DataFrame, *, kind: S.Kind, areas: StudyAreas, resolution: int
) -> pd.DataFrame:
    """Add the H3 cell, ward, locality and LSOA of each row's point.

    Works on unique coordinates (police.uk points share snap points): each distinct
    point is indexed once and the result scattered back. LSOA codes given by the source
    (police.uk) are kept; others come from the LSOA boundaries when loaded.

    Returns
    -------
    pandas.DataFrame
        A new frame with the stored schema of ``kind``.
    """
    out = frame.copy()
    if S.LON not in out.columns or out.empty:
        return S.conform(out, kind, stored=True)
    ulon, ulat, inverse = grid.unique_points(out[S.LON], out[S.LAT])
    located = inverse >= 0
    take = np.where(located, inverse, 0)
    cells = grid.cells_from_points(ulon, ulat, resolution=resolution)[take] if len(ulon) else take
    out[S.H3_CELL] = pd.arrays.IntegerArray(cells.astype("uint64"), mask=~located)
    unique = area_lookup(ulon, ulat, areas)
    for column in unique.columns:
        values = unique[column].to_numpy(dtype=object)[take] if len(ulon) else take
        out[column] = pd.Series(values, index=out.index).where(located).astype("str")
    if S.LSOA in unique.columns and S.LSOA in frame.columns:
        out[S.LSOA] = frame[S.LSOA].fillna(out[S.LSOA])  # a code given by the source wins
    _areas_from_codes(out, areas)
    return S.conform(out, kind, stored=True)


def area_lookup(lon: np.ndarray, lat: np.ndarray, areas: StudyAreas) -> pd.DataFrame:
    """Return ward, locality (and LSOA) for each point; None where it lies in no area."""
    wards = B.assign_areas(lon, lat, areas.wards)
    locality_of = dict(zip(areas.wards[S.CODE], areas.wards[S.PARENT_CODE], strict=True))
    out = pd.DataFrame({S.WARD: pd.array(wards, dtype="str")})
    out[S.LOCALITY] = out[S.WARD].map(locality_of).astype("str")
    if areas.lsoas is not None:
        out[S.LSOA] = pd.array(B.assign_areas(lon, lat, areas.lsoas), dtype="str")
    return out


def _areas_from_codes(out: pd.DataFrame, areas: StudyAreas) -> None:
    """Fill ward / locality of rows located by an area code (knife, surveys) in place."""
    if S.AREA_CODE not in out.columns:
        return
    codes = out[S.AREA_CODE]
    is_ward = codes.isin(set(areas.wards[S.CODE])) & out[S.WARD].isna()
    out.loc[is_ward, S.WARD] = codes[is_ward]
    locality_of = dict(zip(areas.wards[S.CODE], areas.wards[S.PARENT_CODE], strict=True))
    out.loc[is_ward, S.LOCALITY] = codes[is_ward].map(locality_of)


def import_boundaries(
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    mapping: Mapping[str, str] | None = None,
    level: S.Level | str = S.Level.WARD,
    actor: str | None = None,
) -> ImportReport:
    """Import a boundary file as the areas of one level, and re-assign stored points to them.

    Wards get their locality from the ward-to-locality file shipped in
    ``settings.boundaries_dir`` (``localities.csv``); the locality areas are rebuilt by
    dissolving the wards. The import is audited (``actor``; None: ``cli:<OS user>``).

    Returns
    -------
    ImportReport
        ``imported`` is the number of areas.
    """
    kind = S.Kind.BOUNDARIES.value
    with audited(settings.store, actor=actor, kind=kind, files=paths) as done:
        report = _import_boundaries(paths, settings=settings, mapping=mapping, level=level)
        done(report)
    return report


def _import_boundaries(
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    mapping: Mapping[str, str] | None,
    level: S.Level | str,
) -> ImportReport:
    level = S.Level(level)
    if len(paths) != 1:
        raise ValueError(f"boundaries: give one file per import, got {len(paths)}")
    path = Path(paths[0])
    areas = B.read_boundaries(
        path, mapping=mapping, level=level, limits=Limits.from_settings(settings)
    )
    notes = list(areas.attrs.get("notes", []))
    if level == S.Level.WARD:
        areas = L.with_localities(
            areas, L.read_localities(settings.boundaries_dir / "localities.csv")
        )
        notes += list(areas.attrs.get("notes", []))
    source = SourceFile(name=path.name, sha256=file_hash(path), rows_read=len(areas))
    return store_boundaries(
        areas, level=level, source=source, settings=settings, approximate=False, notes=notes
    )


def store_boundaries(
    areas: gpd.GeoDataFrame,
    *,
    level: S.Level,
    source: SourceFile,
    settings: Settings,
    approximate: bool,
    notes: Sequence[str] = (),
) -> ImportReport:
    """Store areas of one level in one transaction and re-assign stored points to them."""
    store = open_store(settings)
    current = study_areas(store, settings)
    import_id = uuid.uuid4().hex[:12]
    started = datetime.now(UTC).replace(tzinfo=None)
    with store.transaction() as writer:
        writer.replace_boundaries(level, B.boundaries_to_frame(areas), import_id=import_id)
        if level == S.Level.WARD:
            writer.replace_boundaries(
                S.Level.LOCALITY,
                B.boundaries_to_frame(L.localities_from_wards(areas)),
                import_id=import_id,
            )
            writer.replace_coverage(_coverage(areas, settings))
            writer.set_meta("boundaries_approximate", "true" if approximate else "false")
        _reassign_stored(writer, current, level=level, new_areas=areas)
        report = ImportReport(
            import_id=import_id,
            kind=S.Kind.BOUNDARIES.value,
            files=(source.name,),
            rows_read=source.rows_read,
            imported=len(areas),
            duplicates=0,
            rejected=0,
            notes=tuple(notes),
            content_hash=source.sha256,
        )
        writer.log_import(log_record(report, source.sha256, started))
    return report


def _reassign_stored(
    writer: Writer, current: StudyAreas, *, level: S.Level, new_areas: gpd.GeoDataFrame
) -> None:
    """Re-assign every stored point to the areas just imported (ward and locality, or LSOA)."""
    if level == S.Level.LOCALITY:
        return
    wards = new_areas if level == S.Level.WARD else current.wards
    lsoas = new_areas if level == S.Level.LSOA else current.lsoas
    areas = StudyAreas(wards=wards, lsoas=lsoas, approximate=False)
    for kind in (*S.EVENT_KINDS, S.Kind.SURVEYS, S.Kind.INTERVENTIONS):
        coords = writer.stored_coordinates(kind)
        if coords.empty:
            continue
        lookup = area_lookup(coords[S.LON].to_numpy(), coords[S.LAT].to_numpy(), areas)
        writer.reassign_areas(kind, pd.concat([coords, lookup], axis=1))


def _coverage(wards: gpd.GeoDataFrame, settings: Settings) -> dict[int, pd.DataFrame]:
    """Return, per resolution, the cells covering the wards and the ward of each centre."""
    out = {}
    for resolution in range(settings.min_resolution, settings.store_resolution + 1):
        cells = grid.cells_covering(wards, resolution=resolution)
        lon, lat = grid.cell_centres(cells) if len(cells) else (cells, cells)
        ward = B.assign_areas(lon, lat, wards) if len(cells) else cells.astype(object)
        out[resolution] = pd.DataFrame({S.H3_CELL: cells, S.WARD: ward})
    return out


def _ensure_study_area(
    writer: Writer, areas: StudyAreas, settings: Settings, import_id: str
) -> None:
    """Store the demo wards (marked approximate) when an import finds no wards loaded."""
    if areas.stored:
        return
    writer.replace_boundaries(S.Level.WARD, B.boundaries_to_frame(areas.wards), import_id=import_id)
    writer.replace_boundaries(
        S.Level.LOCALITY,
        B.boundaries_to_frame(L.localities_from_wards(areas.wards)),
        import_id=import_id,
    )
    writer.replace_coverage(_coverage(areas.wards, settings))
    writer.set_meta("boundaries_approximate", "true" if areas.approximate else "false")


def _outside_count(indexed: pd.DataFrame, kind: S.Kind) -> int:
    if kind not in S.EVENT_KINDS or indexed.empty:
        return 0
    located = indexed[S.LON].notna()
    return int((located & indexed[S.WARD].isna()).sum())


def _notes(result: ReadResult, outside: int, areas: StudyAreas) -> tuple[str, ...]:
    notes = list(result.notes)
    if outside:
        notes.append(f"{outside:,} imported points lie outside every ward (kept, with no ward)")
    if areas.approximate:
        notes.append(
            "points were assigned to the shipped approximate demo wards; import official ones "
            "with: python -m layers import boundaries FILE --map ward_id=code ward_name=name"
        )
    return tuple(notes)


def log_record(report: ImportReport, content_hash: str, started: datetime) -> dict[str, Any]:
    """Return the import-log row of a report."""
    return {
        "import_id": report.import_id,
        "kind": report.kind,
        "files": "; ".join(report.files),
        "content_hash": content_hash,
        "started_at": started,
        "finished_at": datetime.now(UTC).replace(tzinfo=None),
        "rows_read": report.rows_read,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "outside_wards": report.outside_wards,
        "rejected_path": report.rejected_path,
        "notes": " | ".join(report.notes),
    }


def replace_event(
    kind: S.Kind | str, frame: pd.DataFrame, *, store: Store, settings: Settings
) -> int:
    """Replace stored rows by their ids with new versions (an edit), in one transaction.

    Returns
    -------
    int
        How many stored rows were replaced.
    """
    kind = S.Kind(kind)
    areas = study_areas(store, settings)
    rows = S.conform(frame, kind)
    indexed = index_points(rows, kind=kind, areas=areas, resolution=settings.store_resolution)
    with store.transaction() as writer:
        replaced = writer.delete_events(kind, rows[S.EVENT_ID].tolist())
        writer.add_events(kind, indexed.assign(import_id=f"edit-{uuid.uuid4().hex[:8]}"))
    return replaced
