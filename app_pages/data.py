"""Data: upload a layer file, check it before anything is stored, import it, see what is loaded."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from app_pages import settings
from app_pages._data_upload import (
    FORMATS,
    LAYERS,
    UPLOAD_TYPES,
    LastImport,
    Upload,
    mapping_from_text,
    mapping_targets,
    markdown_text,
    plural,
    read_upload,
    report_words,
    rows_read,
    upload_key,
    upload_limit_mb,
)
from app_pages._data_views import show_import_log, show_loaded, show_rejected
from app_pages._session import current_user
from assessments import scoped
from assessments.scoped import Store
from layers import schema as S
from layers._arguments import Limits
from layers._errors import AccessDenied, FileRefused, SchemaError, StoreBusy
from layers.access import User, require_admin
from layers.boundaries import extent_of
from layers.settings import Settings

_PREVIEW = "data_preview"  # session-state keys
_COUNTS = "data_preview_counts"
_LAST = "data_last_import"
_ROUND = "data_upload_round"


def main() -> None:
    """Draw the page: the last import, the file chooser, the check, then what is loaded."""
    user = current_user()
    try:
        require_admin(user, "import data")
    except AccessDenied as error:
        st.warning(str(error))
        st.stop()
    config = settings()
    store = scoped.open_store(config.store)
    st.title("Data")
    st.caption(
        "Load a file into the atlas. It is checked as a whole and nothing is stored until "
        "you press Import; importing the same rows twice adds nothing."
    )
    _show_last_import(store, user)
    upload = _choose_file(store, user, config)
    if upload is not None:
        _show_check(upload, store, user)
        _offer_import(upload, store, user, config)
    st.divider()
    show_loaded(store, user)
    show_import_log(store, user)


# --- 1. choose and read ---------------------------------------------------------------


def _choose_file(store: Store, user: User, config: Settings) -> Upload | None:
    st.subheader("1. Choose a file")
    left, right = st.columns(2)
    kind = left.selectbox(
        "Layer", options=list(LAYERS), format_func=LAYERS.__getitem__, key="data_kind"
    )
    fmt = right.selectbox(
        "File format", options=list(FORMATS), format_func=FORMATS.__getitem__, key="data_format"
    )
    text = _mapping_input(kind)
    uploaded = st.file_uploader(
        f"File: .csv, .csv.gz, .geojson or .gpkg, up to {upload_limit_mb(config)} MB",
        type=list(UPLOAD_TYPES),
        key=f"data_file_{st.session_state.get(_ROUND, 0)}",
        max_upload_size=upload_limit_mb(config),
    )
    if not isinstance(uploaded, UploadedFile):
        st.session_state.pop(_PREVIEW, None)
        return None
    if uploaded.size > upload_limit_mb(config) * 1024 * 1024:
        st.error(
            f"This file is {uploaded.size / 2**20:,.0f} MB; the page takes files up to "
            f"{upload_limit_mb(config)} MB. Import bigger files with `python -m layers import`."
        )
        return None
    try:
        mapping = mapping_from_text(text)
    except SchemaError as problem:
        st.error(markdown_text(str(problem)))
        return None
    return _read(uploaded, kind, fmt, mapping, store, user, config)


def _mapping_input(kind: str) -> str:
    with st.expander("Your file's column names differ from the layer's? Map them here"):
        text = st.text_area(
            "Column mapping, one pair a line: Your column = layer column",
            key="data_mapping",
            placeholder="Crime ref = event_id\nOffence date = date\nEasting = easting",
            help="Columns already named like the layer's (in any case) need no mapping. "
            "police.uk files need none.",
        )
        targets = mapping_targets(kind)
        required = [t for t in targets if t in S.REQUIRED[S.Kind(kind)]]
        st.caption(
            f"Required for {LAYERS[kind].lower()}: {', '.join(required)}, and a location "
            f"({S.LOCATED[S.Kind(kind)]}). Other layer columns: "
            f"{', '.join(t for t in targets if t not in required)}."
        )
    return str(text or "")


def _read(
    uploaded: UploadedFile,
    kind: str,
    fmt: str,
    mapping: dict[str, str],
    store: Store,
    user: User,
    config: Settings,
) -> Upload | None:
    """Return the kept read result of this upload, or read it (once per file and options)."""
    data = uploaded.getvalue()
    kept = st.session_state.get(_PREVIEW)
    key = upload_key(data, uploaded.name, kind=kind, fmt=fmt, mapping=mapping)
    if isinstance(kept, Upload) and kept.key == key:
        return kept
    st.session_state.pop(_PREVIEW, None)
    st.session_state.pop(_LAST, None)
    areas = scoped.study_areas(store, user, config)
    extent = extent_of(areas.wards, buffer_m=config.extent_buffer_m)
    try:
        with st.spinner("Reading and checking the file…"):
            upload = read_upload(
                data,
                uploaded.name,
                kind=kind,
                fmt=fmt,
                mapping=mapping,
                extent=extent,
                limits=Limits.from_settings(config),
            )
    except (FileRefused, SchemaError) as refusal:
        st.error("**The file was not read.** " + markdown_text(str(refusal)))
        st.caption(
            "To name your columns, use the column mapping above (one pair a line), "
            "or choose another layer or format."
        )
        return None
    st.session_state[_PREVIEW] = upload
    return upload


# --- 2. check, then import ------------------------------------------------------------


def _show_check(upload: Upload, store: Store, user: User) -> None:
    result = upload.result
    st.subheader("2. Check before importing")
    st.markdown(
        f"**{markdown_text(upload.name)}**, read as {LAYERS[result.kind.value].lower()}. "
        "Nothing has been stored yet."
    )
    counts = _preview_counts(upload, store, user)
    tiles = st.columns(4)
    tiles[0].metric("Rows read", f"{rows_read(result):,}")
    tiles[1].metric("New, to import", f"{counts['imported']:,}")
    tiles[2].metric("Already in the store", f"{counts['duplicates']:,}")
    tiles[3].metric("Rejected", f"{len(result.rejected):,}")
    if result.notes:
        st.markdown("**Notes from reading the file**\n\n" + _bullets(result.notes))
    show_rejected(result, upload.name, key="data_rejected_download", store=store, user=user)


def _preview_counts(upload: Upload, store: Store, user: User) -> dict[str, int]:
    """Return what importing would do (``layers.ingest.preview``), kept per store version."""
    key = (upload.key, store.version())
    kept = st.session_state.get(_COUNTS)
    if not (isinstance(kept, tuple) and kept[0] == key):
        kept = (key, scoped.preview(store, user, upload.result))
        st.session_state[_COUNTS] = kept
    return dict(kept[1])


def _bullets(notes: tuple[str, ...]) -> str:
    return "\n".join(f"- {markdown_text(note)}" for note in notes)


def _offer_import(upload: Upload, store: Store, user: User, config: Settings) -> None:
    if upload.result.valid.empty:
        st.warning("No row can be imported: every row was rejected. Fix the file and try again.")
        return
    new = _preview_counts(upload, store, user)["imported"]
    if new == 0:
        st.info("Every checked row is already in the store: importing adds nothing new.")
    label = f"Import {plural(new, 'new row')} into the store"
    if not st.button(label, type="primary", key="data_import", icon=":material/upload:"):
        return
    try:
        with st.spinner("Importing…"):
            report = scoped.import_result(store, user, upload.result, settings=config)
    except StoreBusy as busy:
        st.error(markdown_text(str(busy)))
        return
    kept = replace(upload, result=replace(upload.result, valid=upload.result.valid.iloc[:0]))
    st.session_state[_LAST] = LastImport(report=report, upload=kept)
    for key in (_PREVIEW, _COUNTS):
        st.session_state.pop(key, None)
    st.session_state[_ROUND] = int(st.session_state.get(_ROUND, 0)) + 1  # empties the uploader
    st.rerun()  # the whole app, sidebar included, now reads the new store version


def _show_last_import(store: Store, user: User) -> None:
    last = st.session_state.get(_LAST)
    if not isinstance(last, LastImport):
        return
    st.success(f"**{markdown_text(last.upload.name)}**: {report_words(last.report)}")
    if last.report.notes:
        st.markdown(_bullets(last.report.notes))
    show_rejected(
        last.upload.result,
        last.upload.name,
        key="data_last_rejected_download",
        store=store,
        user=user,
    )


main()
