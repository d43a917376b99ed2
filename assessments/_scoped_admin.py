"""Administration and exports for one user: imports and logs for admins, audited downloads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from assessments import interventions
from assessments._scoped_access import UNIT_WORDS, clipped_within, screen_policy
from assessments.disclosure import DisclosurePolicy
from assessments.exports import disclosed_counts_table, disclosed_csv
from layers import aggregate, ingest, queries
from layers import audit as log
from layers import schema as S
from layers._errors import AccessDenied, SchemaError
from layers.access import User, require_admin
from layers.readers import ReadResult
from layers.settings import Settings
from layers.store import Store


def audit(store: Store, user: User, action: str, detail: Mapping[str, Any]) -> None:
    """Append to the audit log (``layers.audit.record``)."""
    log.record(store.path, user=user.name, action=action, outcome="ok", detail=dict(detail))


def import_log(store: Store, user: User, *, limit: int = 50) -> pd.DataFrame:
    """Return the latest imports (admins only; see ``layers.queries.import_log``)."""
    require_admin(user, "read the import log")
    return queries.import_log(store, limit=limit)


def loaded_summary(store: Store, user: User) -> pd.DataFrame:
    """Return what is loaded per layer (admins only; see ``layers.queries.loaded_summary``)."""
    require_admin(user, "see what is loaded")
    return queries.loaded_summary(store)


def study_areas(store: Store, user: User, settings: Settings) -> ingest.StudyAreas:
    """Return the areas points are assigned to on import (admins only)."""
    require_admin(user, "import data")
    return ingest.study_areas(store, settings)


def preview(store: Store, user: User, result: ReadResult) -> dict[str, int]:
    """Say what importing a read file would do (admins only; ``layers.ingest.preview``)."""
    require_admin(user, "import data")
    return ingest.preview(result, store=store)


def import_result(
    store: Store,
    user: User,
    result: ReadResult,
    *,
    settings: Settings,
    areas: ingest.StudyAreas | None = None,
) -> ingest.ImportReport:
    """Store a read file (admins only; ``layers.ingest.import_result``), and audit it.

    ``areas`` None: the store's study areas (``layers.ingest.study_areas``).
    """
    require_admin(user, "import data")
    areas = areas if areas is not None else ingest.study_areas(store, settings)
    return ingest.import_result(
        result, store=store, settings=settings, areas=areas, actor=user.name
    )


def import_files(
    store: Store,
    user: User,
    kind: S.Kind | str,
    paths: Sequence[str | Path],
    *,
    settings: Settings,
    fmt: str | None = None,
    mapping: Mapping[str, str] | None = None,
    level: S.Level | str = S.Level.WARD,
) -> ingest.ImportReport:
    """Read and store files into this store (admins only; ``layers.ingest.import_files``)."""
    require_admin(user, "import data")
    report = ingest.import_files(
        kind,
        paths,
        settings=replace(settings, store=store.path),
        fmt=fmt,
        mapping=mapping,
        level=level,
        actor=user.name,
    )
    return report


def may_edit_register(user: User) -> bool:
    """Return whether the user keeps the intervention register (admins and VRU leads)."""
    return user.sees_all_detail


def add_intervention(store: Store, user: User, *, settings: Settings, **fields: Any) -> str:
    """Add to the register (``assessments.interventions.add_intervention``); audit it.

    Raises
    ------
    AccessDenied
        Unless the user is an admin or a VRU lead.
    """
    _require_register(user)
    event_id = interventions.add_intervention(
        _checked_store(store, settings), settings=settings, actor=user.name, **fields
    )
    return event_id


def edit_intervention(
    store: Store, user: User, *, settings: Settings, event_id: str, **changes: Any
) -> None:
    """Change a register entry (``assessments.interventions.edit_intervention``); audit it.

    Raises
    ------
    AccessDenied
        Unless the user is an admin or a VRU lead.
    """
    _require_register(user)
    interventions.edit_intervention(
        _checked_store(store, settings), settings=settings, event_id=event_id, **changes
    )
    audit(store, user, "import", {"kind": "interventions", "edited": event_id})


def _require_register(user: User) -> None:
    if not may_edit_register(user):
        raise AccessDenied(
            f"Administrators and VRU leads keep the intervention register ({user.name} is "
            f"{user.label})."
        )


def _checked_store(store: Store, settings: Settings) -> Store:
    """Return the store to write, refusing a store other than the settings' one."""
    if Path(store.path).resolve() != Path(settings.store).resolve():
        raise SchemaError(
            f"The store {store.path} is not the one the settings name ({settings.store}); "
            "open the store with the same settings."
        )
    return store


def _import_detail(report: ingest.ImportReport) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "files": list(report.files),
        "imported": report.imported,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
    }


def record_export(
    store: Store, user: User, *, what: str, filters: Mapping[str, Any], file_format: str
) -> None:
    """Append a download (a CSV, a PDF profile, a map) to the audit log."""
    audit(store, user, "export", {"what": what, "filters": dict(filters), "format": file_format})


def export_counts(
    store: Store,
    user: User,
    *,
    by: str,
    kinds: Sequence[S.Kind | str],
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    period: str = "none",
    within: str | None = None,
    what: str = "counts",
    policy: DisclosurePolicy | None = None,
) -> bytes:
    """Return the view's counts as CSV, every figure under disclosure control; audit it.

    The areas are those ``assessments.scoped.counts`` gives the user (hexagons and LSOAs
    clipped to their detail); all their figures, the user's own included, pass
    ``assessments.exports.disclosed_counts_table`` and the file ends with the policy
    statement. Call it when the download is clicked (give ``st.download_button`` a
    callable): the export is written to the audit log then.
    """
    place = within
    if by.partition(":")[0] in UNIT_WORDS:
        place = clipped_within(store, user, within, "hexagon and LSOA counts")
    raw = aggregate.counts(
        store,
        by=by,
        kinds=kinds,
        categories=categories,
        flags=flags,
        date_from=date_from,
        date_to=date_to,
        period=period,
        within=place,
    )
    chosen = screen_policy(policy)
    data = disclosed_csv(
        disclosed_counts_table(raw, policy=chosen), count_columns=(), policy=chosen
    )
    filters = {
        "by": by,
        "kinds": [str(k) for k in kinds],
        "categories": list(categories or ()),
        "flags": list(flags or ()),
        "from": date_from,
        "to": date_to,
        "period": period,
        "place": place or "city",
    }
    record_export(store, user, what=what, filters=filters, file_format="csv")
    return data


def audit_log(
    store: Store,
    user: User,
    *,
    limit: int | None = None,
    who: str | None = None,
    action: str | None = None,
) -> pd.DataFrame:
    """Return the audit log, newest first (admins only; ``layers.audit.audit_log``)."""
    require_admin(user, "read the audit log")
    return log.audit_log(store.path, limit=limit, user=who, action=action)


def audit_problems(store: Store, user: User) -> list[str]:
    """Return what the audit log's hash chain check found (admins only; empty: whole)."""
    require_admin(user, "check the audit log")
    return log.verify(store.path)
