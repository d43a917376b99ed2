"""Area profile page: the areas to choose from, and the disclosure-controlled figures drawn."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages import boundaries
from app_pages._trends_words import markdown_text


def area_choices(path: str, version: str) -> tuple[dict[str, str], list[str]]:
    """Return the wards (code -> name, by name) and the localities of the store."""
    wards = boundaries(path, version, "ward")
    named = sorted(zip(wards["code"], wards["name"], strict=True), key=lambda pair: pair[1])
    localities = sorted({str(p) for p in wards["parent_code"].dropna()})
    return {str(code): str(name) for code, name in named}, localities


def show_profile(shown: dict[str, Any], drawn: tuple[str, str]) -> None:
    """Draw a disclosed profile (``assessments.profile.disclosed_profile``) section by section."""
    st.header(markdown_text(str(shown["area"]["title"])))
    st.caption(markdown_text(f"{shown['period']['label']} · {shown['policy']['statement']}"))
    st.markdown("\n".join(f"- {markdown_text(line)}" for line in shown["summary"]))
    left, right = st.columns([1.2, 1], gap="medium")
    with left:
        st.subheader("Where in the area")
        st.image(drawn[0], width="stretch")
        st.image(drawn[1], width="stretch")
        st.caption(markdown_text(f"Police incidents per map cell. {shown['map']['why']}"))
    with right:
        st.subheader("Key figures")
        st.dataframe(_key_table(shown), hide_index=True, width="stretch")
        st.dataframe(_context_table(shown), hide_index=True, width="stretch")
        if shown["context"]["note"]:
            st.caption(markdown_text(shown["context"]["note"]))
    _over_time(shown)
    _recorded(shown)
    _places_and_times(shown)
    _people_and_actions(shown)
    with st.expander("Data, methods and disclosure control"):
        for line in [shown["policy"]["statement"], *shown["sources"], *shown["notes"]]:
            st.caption(markdown_text(line))


def _key_table(shown: dict[str, Any]) -> pd.DataFrame:
    by_people = shown["context"]["population"] != "not available"
    rate = "per_1000_residents" if by_people else "per_km2"
    words = "Per 1,000 residents a year" if by_people else "Per km² a year"
    return pd.DataFrame(
        {
            "Layer": [r["label"] for r in shown["layers"]],
            "In the area": [r["count"] for r in shown["layers"]],
            words: [r[rate] for r in shown["layers"]],
            "City": [r[f"city_{rate}"] for r in shown["layers"]],
            "Against the city": [r["compared_with_city"] for r in shown["layers"]],
        }
    )


def _context_table(shown: dict[str, Any]) -> pd.DataFrame:
    c = shown["context"]
    return pd.DataFrame(
        {
            "The area": ["Residents", "Children (0-17)", "Deprivation (IMD decile)", "Size"],
            "": [c["population"], c["children"], c["imd_decile"], f"{c['area_km2']} km²"],
        }
    )


def _over_time(shown: dict[str, Any]) -> None:
    st.subheader("Over time")
    charts = [c for c in shown["chart"].values() if c["step"]]
    columns = st.columns(max(len(charts), 1))
    for column, chart in zip(columns, charts, strict=False):
        with column:
            values = pd.to_numeric(pd.Series(chart["values"]).str.replace(",", ""), errors="coerce")
            frame = pd.DataFrame({"Shown": values.to_numpy()}, index=chart["periods"])
            st.caption(markdown_text(chart["why"]))
            st.bar_chart(frame, height=200)
    rows = shown["trends"].values()
    st.dataframe(
        pd.DataFrame(
            {
                "Layer": [t["label"] for t in rows],
                "Last months": [t["recent"] for t in rows],
                "Months before": [t["previous"] for t in rows],
                "Change (95% CI)": [t["change_cell"] for t in rows],
                "Chance?": [t["chance"] for t in rows],
                "Trend, whole period": [t["trend_cell"] for t in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    for t in rows:
        st.markdown(markdown_text(t["change"]))


def _recorded(shown: dict[str, Any]) -> None:
    st.subheader("What was recorded, by category")
    table = pd.DataFrame(shown["categories"])
    if table.empty:
        st.caption("Nothing recorded in this period.")
        return
    st.dataframe(
        table.rename(
            columns={
                "label": "Layer",
                "category": "Category",
                "count": "In the area",
                "city_count": "City",
            }
        )[["Layer", "Category", "In the area", "City"]],
        hide_index=True,
        width="stretch",
    )


def _places_and_times(shown: dict[str, Any]) -> None:
    left, right = st.columns(2, gap="medium")
    with left:
        st.subheader("Hot spots")
        for words in shown["hotspots"]["layers"].values():
            st.markdown(markdown_text(words))
        if shown["hotspots"]["emerging"]:
            st.dataframe(
                pd.DataFrame(shown["hotspots"]["emerging"]).rename(
                    columns={"pattern": "Emerging class (police incidents)", "hexagons": "Hexagons"}
                ),
                hide_index=True,
                width="stretch",
            )
    with right:
        st.subheader("Most common places")
        rows = shown["locations"]["rows"]
        if rows:
            st.dataframe(
                pd.DataFrame(rows).rename(
                    columns={"location": "Place (police.uk)", "count": "Incidents"}
                ),
                hide_index=True,
                width="stretch",
            )
        if shown["locations"]["note"]:
            st.caption(shown["locations"]["note"])
    st.subheader("Days and times")
    for key, words in (("weekdays", "Dated to the day"), ("hours", "With a time of day")):
        rows = shown["times"][key]
        if rows:
            heads = _time_heads(key, len(rows[0]["values"]))
            frame = pd.DataFrame(
                [[r["label"], r["total"], *r["values"]] for r in rows],
                columns=[words, "Events", *heads],
            )
            st.dataframe(frame, hide_index=True, width="stretch")


def _time_heads(key: str, n: int) -> list[str]:
    if key == "weekdays":
        return ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][:n]
    return [f"{4 * i:02d}:00-{4 * i + 4:02d}:00" for i in range(n)]


def _people_and_actions(shown: dict[str, Any]) -> None:
    left, right = st.columns(2, gap="medium")
    with left:
        st.subheader("What people say (surveys)")
        if shown["surveys"]:
            frame = pd.DataFrame(shown["surveys"])[
                ["question", "measure", "responses", "value", "city_value"]
            ]
            frame.columns = ["Question", "Measure", "Answers", "Here", "City"]
            st.dataframe(frame, hide_index=True, width="stretch")
        else:
            st.caption("No survey answers in the area in this period.")
    with right:
        st.subheader("Interventions in or touching the area")
        if shown["interventions"]:
            frame = pd.DataFrame(shown["interventions"])[["name", "type", "lead_agency", "status"]]
            frame.columns = ["Name", "Type", "Lead", "Status"]
            st.dataframe(frame, hide_index=True, width="stretch")
        else:
            st.caption("None recorded.")
