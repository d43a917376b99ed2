"""Interventions: the register (add, edit) and whether harm changed where each one ran."""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from app_pages import (
    KIND_LABELS,
    Filters,
    boundaries,
    page_view,
    settings,
    store_months,
)
from app_pages._session import current_user
from app_pages._trends_words import markdown_text
from assessments import scoped
from assessments.disclosure import get_policy
from assessments.interventions import (
    EvaluationOptions,
    InterventionEvaluation,
    evaluation_chart_data,
    evaluation_summary,
    evaluation_table,
    geometry_from_text,
)
from layers._errors import AccessDenied, SchemaError
from layers.access import User

POLICY = "partnership"  # disclosure policy of this page: it is shown to partnership staff only

_MESSAGE = "interventions_message"  # session keys
_EDIT_LOADED = "interventions_edit_loaded"
_ADD = {  # widget keys of the add form
    "name": "w_int_add_name",
    "type": "w_int_add_type",
    "lead": "w_int_add_lead",
    "notes": "w_int_add_notes",
    "start": "w_int_add_start",
    "end": "w_int_add_end",
    "lon": "w_int_add_lon",
    "lat": "w_int_add_lat",
    "shape": "w_int_add_shape",
}
_EDIT = {k: v.replace("_add_", "_edit_") for k, v in _ADD.items() if k not in ("lon", "lat")}
_EDIT_PICK = "w_int_edit_pick"
_EVALUATE = "w_int_evaluate"
_WINDOW = "w_int_window"
_BUFFER = "w_int_buffer"
_RING = "w_int_ring"
_FIRST_DAY = date(2000, 1, 1)
_CENTRE = (-2.5880, 51.4580)  # Bristol city centre: the add form's starting point


@st.cache_data(max_entries=8, show_spinner=False)
def _register(path: str, version: str, user: User) -> gpd.GeoDataFrame:
    return scoped.interventions(scoped.open_store(path), user)


@st.cache_data(max_entries=32, show_spinner="Comparing before and after…")
def _evaluation(
    path: str,
    version: str,
    user: User,
    event_id: str,
    kinds: tuple[str, ...],
    categories: tuple[str, ...],
    flags: tuple[str, ...],
    window: int,
    buffer_m: float,
    ring_m: float,
) -> InterventionEvaluation:
    options = EvaluationOptions(
        kinds=kinds,
        categories=categories or None,
        flags=flags or None,
        window_months=window,
        point_buffer_m=buffer_m,
        ring_width_m=ring_m,
    )
    return scoped.evaluate_intervention(scoped.open_store(path), user, event_id, options=options)


def main() -> None:
    """Show the register with its forms, then the evaluation of the chosen intervention."""
    filters, view = page_view()
    path, version, user = view.path, view.version, view.user
    register = _register(path, version, user)
    st.title("Interventions")
    st.caption(
        "Where location interventions ran, and whether harm changed there compared with "
        "similar areas, and in the streets around them."
    )
    _show_message()
    _show_register(register, path, version)
    if scoped.may_edit_register(user):
        _add_form()
        _edit_form(register)
    else:
        st.caption("Administrators and VRU leads keep the register.")
    st.divider()
    if not user.has_detail:
        st.info(
            "Evaluations are worked out from detailed counts; as "
            f"{user.label} you see the register."
        )
        return
    _show_evaluation(register, filters, path, version, user)


# --- the register ---------------------------------------------------------------------------


def _show_register(register: gpd.GeoDataFrame, path: str, version: str) -> None:
    st.subheader("Register")
    if register.empty:
        st.info("No interventions yet: add one below, or import a CSV / GeoJSON on the Data page.")
        return
    wards = boundaries(path, version, "ward").set_index("code")["name"]
    shown = pd.DataFrame(
        {
            "Name": register["name"],
            "Type": register["intervention_type"],
            "Starts": register["start_date"].dt.date,
            "Ends": register["end_date"].dt.date,
            "Lead agency": register["lead_agency"],
            "Ward": register["ward_code"].map(wards),
            "Where": ["point" if g.area == 0 else "area" for g in register.geometry],
            "Id": register["event_id"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch", key="interventions_register")


def _add_form() -> None:
    with st.expander("Add an intervention"), st.form("interventions_add", clear_on_submit=False):
        st.text_input("Name", key=_ADD["name"])
        st.text_input("Type", key=_ADD["type"], placeholder="e.g. street lighting, CCTV")
        st.text_input("Lead agency (optional)", key=_ADD["lead"])
        left, right = st.columns(2)
        left.date_input("Start date", key=_ADD["start"], value=None, min_value=_FIRST_DAY)
        right.date_input(
            "End date (empty while it runs)", key=_ADD["end"], value=None, min_value=_FIRST_DAY
        )
        left.number_input("Longitude", key=_ADD["lon"], value=_CENTRE[0], format="%.5f")
        right.number_input("Latitude", key=_ADD["lat"], value=_CENTRE[1], format="%.5f")
        st.text_area(
            "Or its area, as WKT or GeoJSON in longitude / latitude (used instead of the point)",
            key=_ADD["shape"],
            placeholder="POLYGON ((-2.598 51.441, -2.594 51.441, -2.594 51.443, ...))",
        )
        st.text_area("Notes (optional)", key=_ADD["notes"])
        st.form_submit_button("Add to the register", on_click=_add_submitted, key="int_add_go")


def _add_submitted() -> None:
    state = st.session_state
    try:
        text = state.get(_ADD["shape"]) or ""
        geometry = (
            geometry_from_text(text)
            if text.strip()
            else shapely.Point(float(state[_ADD["lon"]]), float(state[_ADD["lat"]]))
        )
        config = settings()
        event_id = scoped.add_intervention(
            scoped.open_store(config.store),
            current_user(),
            settings=config,
            name=state.get(_ADD["name"]) or "",
            intervention_type=state.get(_ADD["type"]) or "",
            geometry=geometry,
            start_date=state.get(_ADD["start"]) or "",
            end_date=state.get(_ADD["end"]),
            lead_agency=state.get(_ADD["lead"]) or None,
            notes=state.get(_ADD["notes"]) or None,
        )
    except (SchemaError, AccessDenied) as error:
        state[_MESSAGE] = ("error", f"Not added: {error}")
        return
    state[_MESSAGE] = ("success", f"Added “{state[_ADD['name']].strip()}” ({event_id}).")
    for key in (_ADD["name"], _ADD["type"], _ADD["lead"], _ADD["notes"], _ADD["shape"]):
        state[key] = ""


def _edit_form(register: gpd.GeoDataFrame) -> None:
    if register.empty:
        return
    with st.expander("Edit an intervention"):
        labels = dict(zip(register["event_id"], register["name"], strict=True))
        picked = st.selectbox(
            "Intervention", list(labels), format_func=labels.__getitem__, key=_EDIT_PICK
        )
        _load_edit_fields(register, str(picked))
        with st.form("interventions_edit"):
            st.text_input("Name", key=_EDIT["name"])
            st.text_input("Type", key=_EDIT["type"])
            st.text_input("Lead agency", key=_EDIT["lead"])
            left, right = st.columns(2)
            left.date_input("Start date", key=_EDIT["start"], min_value=_FIRST_DAY)
            right.date_input(
                "End date (empty while it runs)", key=_EDIT["end"], min_value=_FIRST_DAY
            )
            st.text_area(
                "New area or point, WKT or GeoJSON (empty: keep where it is)", key=_EDIT["shape"]
            )
            st.text_area("Notes", key=_EDIT["notes"])
            st.form_submit_button(
                "Save changes", on_click=_edit_submitted, args=(str(picked),), key="int_edit_go"
            )


def _load_edit_fields(register: gpd.GeoDataFrame, event_id: str) -> None:
    """Fill the edit form from the stored entry whenever another entry is picked."""
    state = st.session_state
    if state.get(_EDIT_LOADED) == event_id:
        return
    row = register.set_index("event_id").loc[event_id]
    state[_EDIT["name"]] = row["name"]
    state[_EDIT["type"]] = row["intervention_type"]
    state[_EDIT["lead"]] = _text(row["lead_agency"])
    state[_EDIT["notes"]] = _text(row["notes"])
    state[_EDIT["start"]] = pd.Timestamp(row["start_date"]).date()
    state[_EDIT["end"]] = None if pd.isna(row["end_date"]) else pd.Timestamp(row["end_date"]).date()
    state[_EDIT["shape"]] = ""
    state[_EDIT_LOADED] = event_id


def _edit_submitted(event_id: str) -> None:
    state = st.session_state
    changes: dict[str, Any] = {
        "name": state.get(_EDIT["name"]) or "",
        "intervention_type": state.get(_EDIT["type"]) or "",
        "lead_agency": state.get(_EDIT["lead"]) or None,
        "notes": state.get(_EDIT["notes"]) or None,
        "start_date": state.get(_EDIT["start"]),
        "end_date": state.get(_EDIT["end"]),
    }
    try:
        if (state.get(_EDIT["shape"]) or "").strip():
            changes["geometry"] = geometry_from_text(state[_EDIT["shape"]])
        config = settings()
        scoped.edit_intervention(
            scoped.open_store(config.store),
            current_user(),
            settings=config,
            event_id=event_id,
            **changes,
        )
    except (SchemaError, AccessDenied) as error:
        state[_MESSAGE] = ("error", f"Not saved: {error}")
        return
    state[_MESSAGE] = ("success", f"Saved the changes to “{changes['name'].strip()}”.")
    state.pop(_EDIT_LOADED, None)


def _show_message() -> None:
    message = st.session_state.pop(_MESSAGE, None)
    if message is None:
        return
    kind, text = message
    (st.success if kind == "success" else st.error)(markdown_text(text))


# --- the evaluation -------------------------------------------------------------------------


def _show_evaluation(
    register: gpd.GeoDataFrame, filters: Filters, path: str, version: str, user: User
) -> None:
    st.subheader("Did harm change where it ran?")
    if register.empty:
        return
    labels = {
        row.event_id: f"{row.name} (from {pd.Timestamp(row.start_date):%b %Y})"
        for row in register.itertuples()
    }
    if _EVALUATE not in st.session_state or st.session_state[_EVALUATE] not in labels:
        st.session_state[_EVALUATE] = _first_evaluable(register, store_months(path, version))
    event_id = st.selectbox(
        "Intervention", list(labels), format_func=labels.__getitem__, key=_EVALUATE
    )
    window, buffer_m, ring_m = _settings()
    try:
        evaluation = _evaluation(
            path,
            version,
            user,
            str(event_id),
            filters.kinds,
            filters.categories,
            filters.flags,
            window,
            buffer_m,
            ring_m,
        )
    except AccessDenied as error:
        st.info(str(error))
        return
    policy = get_policy(POLICY)
    st.markdown(markdown_text(evaluation_summary(evaluation, policy)))
    if evaluation.result["window_months"] == 0:
        return
    table = evaluation_table(evaluation, policy)
    left, right = st.columns([3, 2], gap="medium")
    left.dataframe(table, hide_index=True, width="stretch", key="interventions_counts")
    _chart(right, evaluation_chart_data(evaluation, policy))
    st.caption(table.attrs["statement"])
    layers = " + ".join(KIND_LABELS[k] for k in filters.kinds)
    st.caption(
        f"Counted: {layers}, with the sidebar's categories and flags; the windows come from "
        "the intervention's start, not from the sidebar's months."
    )
    with st.expander("How this was worked out"):
        st.markdown("\n".join(f"- {markdown_text(choice)}" for choice in evaluation.choices))


def _first_evaluable(register: gpd.GeoDataFrame, months: list[str]) -> str:
    """Return the first intervention with 3 months of data or more before and after its start."""
    starts = register["start_date"].dt.strftime("%Y-%m")
    if len(months) >= 6:
        fits = starts.between(months[3], months[-3])
        if fits.any():
            return str(register.loc[fits, "event_id"].iloc[0])
    return str(register["event_id"].iloc[0])


def _settings() -> tuple[int, float, float]:
    with st.expander("Settings (defaults are the usual choices)"):
        window = st.slider("Months before and after the start", 3, 24, 12, key=_WINDOW)
        buffer_m = st.number_input(
            "Treated area around a point (m)", 50, 1000, 200, 50, key=_BUFFER
        )
        ring_m = st.number_input("Width of the ring around it (m)", 100, 2000, 400, 50, key=_RING)
    return int(window), float(buffer_m), float(ring_m)


def _chart(place: Any, data: pd.DataFrame) -> None:
    if data.empty:
        place.caption("No chart: the counts are too small to show.")
        return
    frame = data.rename(columns={"area": "Area", "change_percent": "Change after the start (%)"})
    place.bar_chart(frame, x="Area", y="Change after the start (%)", horizontal=True, height=220)
    place.caption("Change from the months before to the months after the start, in each area.")


def _text(value: Any) -> str:
    return "" if value is None or pd.isna(value) else str(value)


main()
