"""Area context: population (all ages and children) and deprivation by LSOA, rolled up to wards.

A partnership loads a population table (such as ONS mid-year estimates by LSOA) and a
deprivation index (the English IMD decile by LSOA), often in one file. Rates per 1,000
residents and per 1,000 children, and the deprivation context of an area, come from it.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from layers import boundaries as B
from layers import schema as S
from layers._arguments import Limits, check_rows, file_bytes, limits_or_default
from layers._errors import FileRefused
from layers._files import check_text
from layers._import_audit import audited
from layers._import_log import file_hash
from layers.ingest import ImportReport, log_record, open_store, study_areas
from layers.settings import Settings
from layers.store import Store

CONTEXT_COLUMNS: dict[str, str] = {
    "level": "str",
    "code": "str",
    "population": "float64",
    "children": "float64",
    "imd_decile": "float64",
    "lsoas": "int64",
}
"""Columns of the stored context table (one row per LSOA and per ward)."""

FIELDS = ("lsoa_code", "ward_code", "population", "children", "imd_decile")
"""Fields a context file can map its columns onto (``--map "Your column=field"``)."""

_NUMBER = re.compile(r"^\s*-?[\d,]*\.?\d+\s*$")
_RANGES = {"population": (0, np.inf), "children": (0, np.inf), "imd_decile": (1, 10)}
_FIELD_COUNT = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def read_context(
    path: str | Path, *, mapping: Mapping[str, str] | None = None, limits: Limits | None = None
) -> pd.DataFrame:
    """Read a population / deprivation table by LSOA.

    Parameters
    ----------
    path
        CSV (a BOM and quoted thousands separators such as ``"29,199"`` are fine).
    mapping
        The file's column names -> fields (``lsoa_code``, ``ward_code``, ``population``,
        ``children``, ``imd_decile``). Columns already named like a field need none.
    limits
        Largest file and most rows (default: ``Limits.from_settings()``).

    Returns
    -------
    pandas.DataFrame
        Columns lsoa_code (str), ward_code (str, missing when the file has none),
        population, children, imd_decile (float64, missing when absent).

    Raises
    ------
    FileRefused
        When the file cannot be read (not UTF-8, a row with too many fields ...), is over
        a limit, has no LSOA codes, or has none of population and IMD decile, or a value
        is not a number or out of range (counts below 0, deciles outside 1-10).
    """
    path = Path(path)
    raw = _read_csv(path, limits_or_default(limits))
    renamed = raw.rename(columns=dict(mapping or {}))
    _check_fields(path, raw, renamed, mapping)
    out = pd.DataFrame({"lsoa_code": renamed["lsoa_code"].astype("str").str.strip()})
    out["ward_code"] = renamed["ward_code"].astype("str") if "ward_code" in renamed else None
    out["ward_code"] = out["ward_code"].astype("str")
    for field in ("population", "children", "imd_decile"):
        out[field] = _numbers(path, renamed, field)
    if out["lsoa_code"].duplicated().any():
        raise FileRefused(f"{path.name}: LSOA codes repeat; give one row per LSOA.")
    return out


def ward_context(lsoas: pd.DataFrame, lsoa_to_ward: pd.Series) -> pd.DataFrame:
    """Roll LSOA context up to wards.

    Population and children are summed; the IMD decile of a ward is the
    population-weighted mean of its LSOAs' deciles (the plain mean where population is
    missing), so a ward reads "decile 2.4": mostly among England's most deprived fifth.

    Parameters
    ----------
    lsoas
        Output of :func:`read_context`.
    lsoa_to_ward
        Ward code per LSOA code (an LSOA straddling a ward edge counts whole in one ward).

    Returns
    -------
    pandas.DataFrame
        :data:`CONTEXT_COLUMNS`, level ``ward``, one row per ward.
    """
    frame = lsoas.assign(ward=lsoas["lsoa_code"].map(lsoa_to_ward)).dropna(subset=["ward"])
    weight = frame["population"].fillna(1.0)
    frame = frame.assign(_w=weight, _wd=weight * frame["imd_decile"])
    grouped = frame.groupby("ward")
    out = pd.DataFrame(
        {
            "level": S.Level.WARD.value,
            "code": grouped.size().index,
            "population": grouped["population"].sum(min_count=1).to_numpy(),
            "children": grouped["children"].sum(min_count=1).to_numpy(),
            "imd_decile": (grouped["_wd"].sum(min_count=1) / grouped["_w"].sum()).to_numpy(),
            "lsoas": grouped.size().to_numpy(),
        }
    )
    return out.astype(CONTEXT_COLUMNS)


def lsoa_rows(lsoas: pd.DataFrame) -> pd.DataFrame:
    """Return the LSOA rows of the context table (:data:`CONTEXT_COLUMNS`, level ``lsoa``)."""
    out = pd.DataFrame(
        {
            "level": S.Level.LSOA.value,
            "code": lsoas["lsoa_code"],
            "population": lsoas["population"],
            "children": lsoas["children"],
            "imd_decile": lsoas["imd_decile"],
            "lsoas": 1,
        }
    )
    return out.astype(CONTEXT_COLUMNS)


def _read_csv(path: Path, limits: Limits) -> pd.DataFrame:
    body = file_bytes(path, limits).removeprefix(b"\xef\xbb\xbf")
    check_text(path.name, body)
    try:
        frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, OverflowError, MemoryError) as error:  # pandas' parser errors
        raise FileRefused(_unreadable(path.name, str(error))) from None
    check_rows(path.name, len(frame), limits)
    return frame.fillna("")  # a row with fewer fields than the header: blanks


def _unreadable(name: str, message: str) -> str:
    """Return why pandas could not read the file, without quoting any of its content."""
    found = _FIELD_COUNT.search(message)
    if found is None:
        return f"{name}: cannot be read as a UTF-8 CSV file (empty, or unbalanced quotes)."
    expected, line, saw = found.groups()
    return f"{name}: line {line} has {saw} fields; the header has {expected}. Fix that row."


def _check_fields(
    path: Path, raw: pd.DataFrame, renamed: pd.DataFrame, mapping: Mapping[str, str] | None
) -> None:
    problems = [f"mapped column {c!r} is not in the file" for c in (mapping or {}) if c not in raw]
    if "lsoa_code" not in renamed:
        problems.append("no lsoa_code column")
    if not {"population", "imd_decile"} & set(renamed.columns):
        problems.append("neither population nor imd_decile")
    if problems:
        raise FileRefused(
            f"{path.name}: {'; '.join(problems)}. Columns found: {list(raw.columns)}. Map them "
            'with --map "Your column=lsoa_code" (fields: ' + ", ".join(FIELDS) + ")."
        )


def _numbers(path: Path, frame: pd.DataFrame, field: str) -> pd.Series:
    if field not in frame:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    text = frame[field].astype("str").str.strip()
    bad = text.ne("") & ~text.str.match(_NUMBER)
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 2)[:5].tolist()
        raise FileRefused(f"{path.name}: {field} is not a number on rows {rows}. Fix those cells.")
    values = pd.to_numeric(
        text.str.replace(",", "", regex=False).replace("", None), errors="coerce"
    )
    values = values.astype("float64")
    low, high = _RANGES[field]
    out = values.notna() & ~(np.isfinite(values) & values.between(low, high))
    if out.any():
        rows = (np.flatnonzero(out.to_numpy()) + 2)[:5].tolist()
        raise FileRefused(
            f"{path.name}: {field} is out of range ({low:g} to {high:g}) on rows {rows}. "
            "Fix those cells."
        )
    return values


def import_context(
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    mapping: Mapping[str, str] | None = None,
    actor: str | None = None,
) -> ImportReport:
    """Import a population / deprivation table by LSOA and roll it up to wards.

    Each LSOA's ward comes from the file's ``ward_code`` column when it has one, else
    from the loaded LSOA boundaries (the ward holding a point inside each LSOA); without
    either, only the LSOA rows are stored and the report says so. The import is audited
    (``actor``; None: ``cli:<OS user>``).

    Returns
    -------
    ImportReport
        ``imported`` is the number of LSOAs.
    """
    with audited(settings.store, actor=actor, kind="context", files=paths) as done:
        report = _import_context(paths, settings=settings, mapping=mapping)
        done(report)
    return report


def _import_context(
    paths: Sequence[str | Path], *, settings: Settings, mapping: Mapping[str, str] | None
) -> ImportReport:
    if len(paths) != 1:
        raise ValueError(f"context: give one file per import, got {len(paths)}")
    path = Path(paths[0])
    lsoas = read_context(path, mapping=mapping, limits=Limits.from_settings(settings))
    store = open_store(settings)
    to_ward, note = _lsoa_to_ward(lsoas, store, settings)
    rows = pd.concat([lsoa_rows(lsoas), ward_context(lsoas, to_ward)], ignore_index=True)
    import_id, started = uuid.uuid4().hex[:12], datetime.now(UTC).replace(tzinfo=None)
    digest = file_hash(path)
    report = ImportReport(
        import_id=import_id,
        kind="context",
        files=(path.name,),
        rows_read=len(lsoas),
        imported=len(lsoas),
        duplicates=0,
        rejected=0,
        notes=(note,),
        content_hash=digest,
    )
    with store.transaction() as writer:
        writer.replace_context(rows, source=path.name)
        writer.log_import(log_record(report, digest, started))
    return report


def _lsoa_to_ward(lsoas: pd.DataFrame, store: Store, settings: Settings) -> tuple[pd.Series, str]:
    if lsoas["ward_code"].notna().all():
        return lsoas.set_index("lsoa_code")["ward_code"], "wards taken from the file"
    areas = study_areas(store, settings)
    if areas.lsoas is None:
        return pd.Series(dtype="str"), (
            "no LSOA boundaries loaded and no ward_code column: only LSOA rows were stored; "
            "import LSOA boundaries (python -m layers import boundaries FILE --level lsoa ...) "
            "and import this file again for ward totals"
        )
    points = areas.lsoas.geometry.representative_point()
    wards = B.assign_areas(points.x.to_numpy(), points.y.to_numpy(), areas.wards)
    lookup = pd.Series(wards, index=areas.lsoas[S.CODE].to_numpy(), dtype="str")
    return lookup, "each LSOA counted whole in the ward holding a point inside it"
