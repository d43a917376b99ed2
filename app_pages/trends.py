"""Trends: what rises and what falls, month by month, for a place and for every area."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app_pages import Filters, boundaries, page_view, unit_words
from app_pages._exports import csv_download
from app_pages._trends_areas import show_areas
from app_pages._trends_data import (
    LinePlan,
    Place,
    layers_left_out,
    line_plans,
    monthly_counts,
    place_labels,
    place_of,
    trend_places,
)
from app_pages._trends_words import filters_text, markdown_text
from app_pages._view import View
from hotspots.trends import MIN_MONTHS, monthly_trend, period_comparison, rolling_total
from layers import charts

ROLLING = 12  # months in the rolling total
_PLACE = "w_trends_place"  # widget keys
_YEAR_MONTHS = "w_trends_year_months"
_SIDEBAR_PLACE = "trends_sidebar_place"  # the sidebar place the page last followed


@dataclass(frozen=True)
class Lines:
    """What every section needs: the view (store, user, filters), the filters and the lines."""

    view: View
    filters: Filters
    plans: list[LinePlan]


def main() -> None:
    """Read the filters, let the user pick a place, then show its series and the area table."""
    filters, view = page_view()
    user = view.user
    lines = Lines(view, filters, line_plans(filters))
    wards = boundaries(view.path, view.version, "ward")
    localities = boundaries(view.path, view.version, "locality")
    st.title("Trends")
    st.caption(markdown_text(filters_text(filters)))
    labels = trend_places(place_labels(wards, localities), user, wards)
    if not labels:
        st.info(
            f"Trends are worked out from exact monthly counts, which are detail. As "
            f"{user.label} you see ward figures under disclosure control on the Map explorer "
            "and area profiles."
        )
        st.stop()
    if not user.sees_all_detail:
        st.caption(f"Trends are shown for your locality ({markdown_text(str(user.locality))}).")
    if not _lines_to_draw(lines):
        st.stop()
    left, right = st.columns([2, 1])
    with left:
        place = place_of(_choose_place(filters, labels), wards, localities)
    with right:
        year_months = st.selectbox(
            "Recent months to set against the same months a year earlier",
            options=[1, 3, 6],
            index=1,
            key=_YEAR_MONTHS,
            help="Comparing with the same months a year earlier keeps the seasons alike.",
        )
    window = _show_place(lines, place, int(year_months))
    st.divider()
    show_areas(view, filters, lines.plans, wards, window)


def _lines_to_draw(lines: Lines) -> bool:
    """Say which chosen layers the chosen categories leave out; False when all of them."""
    left_out = layers_left_out(lines.filters, lines.plans)
    if left_out and lines.plans:
        st.info(
            f"{' and '.join(left_out)}: none of the chosen categories belong to this layer, "
            "so it counts nothing and has no line."
        )
    elif left_out:
        st.warning(
            "None of the chosen categories belong to the chosen layers, so there is nothing "
            "to count. Change the layers or the categories in the sidebar."
        )
    return bool(lines.plans)


def _choose_place(filters: Filters, labels: dict[str, str]) -> str:
    """Draw the place selector; it follows the sidebar's place whenever that changes."""
    sidebar = filters.place
    state = st.session_state
    if state.get(_SIDEBAR_PLACE) != sidebar or state.get(_PLACE) not in labels:
        state[_SIDEBAR_PLACE] = sidebar
        state[_PLACE] = sidebar if sidebar in labels else next(iter(labels))
        if sidebar not in labels:
            st.warning(
                f"The sidebar's place is not one you can see trends for here: showing "
                f"{labels[state[_PLACE]]}."
            )
    chosen = st.selectbox(
        "Place for the monthly series",
        list(labels),
        format_func=labels.__getitem__,
        key=_PLACE,
        help="Starts at the sidebar's place. Choose another here to compare, without "
        "changing the other pages.",
    )
    return str(chosen)


def _show_place(lines: Lines, place: Place, year_months: int) -> int:
    """Draw the place's monthly lines and say what they show; return the comparison window."""
    series = [_line(lines.view, place, plan) for plan in lines.plans]
    months = len(series[0].monthly)
    window, reason = charts.comparison_window(months)
    unit = unit_words(lines.filters.kinds)[1]
    st.subheader("Month by month")
    frame = charts.line_frame(series)
    chart = charts.monthly_chart(
        frame,
        title=f"{unit.capitalize()} {place.words}, month by month",
        unit=unit,
        window=ROLLING if months >= ROLLING else 0,
    )
    st.altair_chart(chart, width="stretch", theme=None, alt=f"{unit} {place.words} by month")
    _chart_notes(lines, frame, months, place)
    _show_sentences(series, months, window, year_months)
    st.caption(f"Comparison window: {reason}.")
    return window


def _line(view: View, place: Place, plan: LinePlan) -> charts.SeriesLine:
    table = monthly_counts(view, place.unit, plan)
    name = f"{plan.label} {place.words}"
    series = charts.monthly_series(table, area_codes=place.codes, name=name)
    rolling = rolling_total(series, window=ROLLING)
    category = plan.category or charts.ALL_CATEGORIES
    return charts.SeriesLine(plan.label, plan.kind, series, rolling, category)


def _chart_notes(lines: Lines, frame: pd.DataFrame, months: int, place: Place) -> None:
    if months < ROLLING:
        st.caption(f"The rolling {ROLLING}-month total needs {ROLLING} months; {months} chosen.")
    st.caption(
        f"The rolling total at a month adds up that month and the {ROLLING - 1} before it, "
        "so seasonal ups and downs even out. To save the chart as a picture, point at it "
        "and choose **Download as PNG** in the bar that appears at its top right."
    )
    csv_download(
        frame.drop(columns=["rolling_total"]),
        label="Download the chart's data (CSV)",
        name=f"trend-{place.value.replace(':', '-')}",
        count_columns=["count"],
        user=lines.view.user,
        store_path=lines.view.path,
        what=f"monthly counts {place.words}",
        filters=lines.filters.to_params(),
    )


def _show_sentences(
    lines: list[charts.SeriesLine], months: int, window: int, year_months: int
) -> None:
    """Say the trend test and the two period comparisons of every line in words."""
    if months < MIN_MONTHS:
        st.info(f"Choose at least {MIN_MONTHS} months in the sidebar to test for trends.")
        return
    choice = ""
    for line in lines:
        trend = monthly_trend(line.monthly)
        choice = trend.choice
        said = [f"**Trend:** {markdown_text(trend.sentence)}"]
        if window:
            previous = period_comparison(line.monthly, months=window, against="previous")
            said.append(f"**Against the months before:** {markdown_text(previous.sentence)}")
        if months >= year_months + 12:
            earlier = period_comparison(line.monthly, months=year_months, against="year_earlier")
            said.append(f"**Against a year earlier:** {markdown_text(earlier.sentence)}")
        st.markdown(f"##### {markdown_text(str(line.monthly.name))}\n" + _bullets(said))
    if months < year_months + 12:
        st.caption(f"A year-earlier comparison needs {year_months + 12} months; {months} chosen.")
    st.caption(f"Trend test: {choice}; Sen's slope gives the size of the change.")


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


main()
