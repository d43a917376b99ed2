"""layers.charts: trend frames, the area table in words, and the Altair specs."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import pytest

from hotspots.trends import rolling_total, trends_by_area
from layers import charts
from layers._errors import SchemaError

MONTHS = [str(p) for p in pd.period_range("2022-01", "2023-12", freq="M")]


def _table(counts: dict[str, list[int]], names: dict[str, str] | None = None) -> pd.DataFrame:
    """A long monthly count table: one row per area x month."""
    rows = [
        (code, (names or {}).get(code, code), month, n)
        for code, values in counts.items()
        for month, n in zip(MONTHS, values, strict=True)
    ]
    frame = pd.DataFrame(rows, columns=["area_code", "area_name", "period", "count"])
    return frame.astype({"count": "int64"})


def _line(label: str, layer: str, values: list[int], category: str = "") -> charts.SeriesLine:
    series = pd.Series(values, index=pd.PeriodIndex(MONTHS, freq="M"), name=label)
    return charts.SeriesLine(
        label, layer, series, rolling_total(series), category or charts.ALL_CATEGORIES
    )


# --- input errors ---------------------------------------------------------------------


def test_monthly_series_names_missing_columns_and_unknown_areas() -> None:
    with pytest.raises(SchemaError, match=r"columns \['count'\] missing"):
        charts.monthly_series(pd.DataFrame({"area_code": [], "area_name": [], "period": []}))
    with pytest.raises(SchemaError, match=r"area_codes: \['Z9'\] not in the table"):
        charts.monthly_series(_table({"A": [1] * 24}), area_codes=["Z9"])


def test_combine_counts_refuses_nothing_and_mismatched_tables() -> None:
    with pytest.raises(SchemaError, match="none received"):
        charts.combine_counts([])
    other = _table({"B": [1] * 24})
    with pytest.raises(SchemaError, match="different areas or months"):
        charts.combine_counts([_table({"A": [1] * 24}), other])


def test_monthly_chart_needs_the_line_frame_columns() -> None:
    with pytest.raises(SchemaError, match="column 'rolling_total' missing"):
        charts.monthly_chart(pd.DataFrame({"month": []}), title="t", unit="incidents")


# --- frames ---------------------------------------------------------------------------


def test_monthly_series_adds_up_all_or_some_areas_with_every_month() -> None:
    table = _table({"A": list(range(24)), "B": [2] * 24, "C": [0] * 24})
    every = charts.monthly_series(table, name="All")
    assert isinstance(every.index, pd.PeriodIndex)
    assert [str(p) for p in every.index] == MONTHS
    assert every.dtype == "int64"
    assert every.name == "All"
    assert every.tolist() == [i + 2 for i in range(24)]
    some = charts.monthly_series(table, area_codes=["B", "C"])
    assert some.tolist() == [2] * 24


def test_monthly_series_keeps_months_without_events_as_zero() -> None:
    table = _table({"A": [0] * 23 + [5]})
    assert charts.monthly_series(table).tolist() == [0] * 23 + [5]


def test_combine_counts_adds_tables_row_by_row() -> None:
    names = {"A": "Ay", "B": "Bee"}
    first = _table({"A": [1] * 24, "B": list(range(24))}, names)
    second = _table({"A": [2] * 24, "B": [1] * 24}, names).sample(frac=1, random_state=1)
    out = charts.combine_counts([first, second])
    assert list(out.columns) == ["area_code", "area_name", "period", "count"]
    assert out["count"].dtype == "int64"
    by_area = out.groupby("area_code")["count"].sum().to_dict()
    assert by_area == {"A": 72, "B": sum(range(24)) + 24}
    assert dict(zip(out["area_code"], out["area_name"], strict=True)) == names
    pd.testing.assert_frame_equal(charts.combine_counts([first]), first)


def test_line_frame_stacks_lines_with_the_documented_columns() -> None:
    frame = charts.line_frame(
        [_line("Police incidents", "incidents", [3] * 24), _line("Knife", "knife", [1] * 24)]
    )
    assert dict(frame.dtypes.astype(str)) == charts.LINE_COLUMNS
    assert len(frame) == 48
    assert frame["month"].iloc[0] == "2022-01"
    assert frame["month_label"].iloc[0] == "Jan 2022"
    first = frame[frame["series"] == "Police incidents"]
    assert first["rolling_total"].iloc[:11].isna().all()
    assert first["rolling_total"].iloc[11:].tolist() == [36.0] * 13
    assert set(frame["category"]) == {charts.ALL_CATEGORIES}
    empty = charts.line_frame([])
    assert list(empty.columns) == list(charts.LINE_COLUMNS)
    assert empty.empty


@pytest.mark.parametrize(
    ("months", "window", "says"),
    [
        (36, 12, "the last 12 months against the 12 before"),
        (24, 12, "the last 12 months against the 12 before"),
        (23, 11, "11-month windows, chosen automatically: the 23 months chosen"),
        (2, 1, "1-month windows"),
        (1, 0, "1 month: too few"),
        (0, 0, "0 months: too few"),
    ],
)
def test_comparison_window_is_announced(months: int, window: int, says: str) -> None:
    chosen, reason = charts.comparison_window(months)
    assert chosen == window
    assert says in reason


@pytest.mark.parametrize(
    ("ratio", "low", "high", "text"),
    [
        (1.25, 1.03, 1.52, "+25% (+3 to +52%)"),
        (0.8, 0.61, 1.04, "−20% (−39 to +4%)"),
        (1.0, 0.9, 1.1, "0% (−10 to +10%)"),
        (12_345.0, 20.0, 99_999.0, "+1,234,400% (+1,900 to +9,999,800%)"),
        (math.inf, 3.2, math.inf, "new (none before)"),
        (math.nan, math.nan, math.nan, "no events"),
    ],
)
def test_change_text_reads_as_a_signed_percent_with_its_interval(
    ratio: float, low: float, high: float, text: str
) -> None:
    assert charts.change_text(ratio, low, high) == text


def test_trend_table_keeps_the_order_and_says_each_column_in_words() -> None:
    rng = np.random.default_rng(3)
    counts = {
        "RISE": [5] * 12 + [30] * 12,
        "FALL": [40] * 12 + [5] * 12,
        "FLAT": list(rng.poisson(10, 24)),
        "NONE": [0] * 24,
    }
    names = {"RISE": "Up Ward", "FALL": "Down Ward", "FLAT": "Flat Ward", "NONE": "Quiet Ward"}
    trends = trends_by_area(_table(counts, names))
    shown = charts.trend_table(trends, parents={"RISE": "North", "FALL": "South"})
    assert list(shown.columns) == [
        "Ward",
        "Locality",
        "Last 12 months",
        "Previous 12 months",
        "Change (95% CI)",
        "Adjusted p",
        "Significant change",
        "Trend, all months",
    ]
    assert shown["Ward"].tolist() == trends["area_name"].tolist()
    assert shown["Ward"].tolist()[0] == "Up Ward"
    assert shown["Ward"].tolist()[-1] == "Quiet Ward"
    assert shown["Last 12 months"].tolist() == trends["recent"].tolist()
    assert shown["Previous 12 months"].tolist() == trends["previous"].tolist()
    row = shown.set_index("Ward")
    assert row.loc["Up Ward", "Locality"] == "North"
    assert row.loc["Flat Ward", "Locality"] == ""
    assert row.loc["Up Ward", "Change (95% CI)"].startswith("+500% (")
    assert row.loc["Up Ward", "Significant change"] == "Yes, rising"
    assert row.loc["Down Ward", "Significant change"] == "Yes, falling"
    assert row.loc["Flat Ward", "Significant change"] == "No"
    assert row.loc["Up Ward", "Adjusted p"] == "< 0.001"
    assert row.loc["Quiet Ward", "Adjusted p"] == "not tested"
    assert row.loc["Quiet Ward", "Change (95% CI)"] == "no events"
    assert row.loc["Up Ward", "Trend, all months"].startswith("upward (p ")
    assert row.loc["Down Ward", "Trend, all months"].startswith("downward (p ")


def test_trend_table_of_localities_has_no_locality_column() -> None:
    trends = trends_by_area(_table({"North": [1] * 24}), months=6)
    shown = charts.trend_table(trends, area_word="Locality")
    assert list(shown.columns)[:3] == ["Locality", "Last 6 months", "Previous 6 months"]


# --- charts ---------------------------------------------------------------------------


def _spec(chart: alt.TopLevelMixin) -> dict[str, object]:
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert isinstance(spec, dict)
    return spec


def test_monthly_chart_has_two_panels_one_colour_per_layer_and_a_dash_per_category() -> None:
    lines = [
        _line("Burglary", "incidents", [3] * 24, "Burglary"),
        _line("Drugs", "incidents", [2] * 24, "Drugs"),
        _line("Knife injuries", "knife", [1] * 24),
    ]
    spec = _spec(
        charts.monthly_chart(
            charts.line_frame(lines), title="Harm in Ashley, month by month", unit="harm events"
        )
    )
    assert spec["title"] == "Harm in Ashley, month by month"
    panels = spec["vconcat"]
    assert isinstance(panels, list)
    assert [p["title"] for p in panels] == ["Each month", "Rolling 12-month total"]
    colour = panels[0]["encoding"]["color"]["scale"]
    assert colour["domain"] == ["Burglary", "Drugs", "Knife injuries"]
    layer = charts.LAYER_COLOURS
    assert colour["range"] == [layer["incidents"], layer["incidents"], layer["knife"]]
    dashes = panels[0]["encoding"]["strokeDash"]["scale"]["range"]
    assert dashes[0] != dashes[1]
    assert dashes[0] == dashes[2]  # the first line of each layer is solid
    assert panels[0]["encoding"]["y"]["title"] == "Harm events each month"
    assert panels[1]["encoding"]["y"]["title"] == "Total over the last 12 months"
    assert panels[0]["encoding"]["x"]["title"] == "Month"
    domain = panels[1]["encoding"]["x"]["scale"]["domain"]
    assert [(d["year"], d["month"]) for d in domain] == [(2022, 1), (2023, 12)]
    assert spec["config"]["background"] == "white"
    assert spec["usermeta"] == {"embedOptions": {"renderer": "svg"}}


def test_monthly_chart_without_a_rolling_window_has_one_panel() -> None:
    frame = charts.line_frame([_line("Police incidents", "incidents", [3] * 24)])
    spec = _spec(charts.monthly_chart(frame, title="t", unit="incidents", window=0))
    panels = spec["vconcat"]
    assert isinstance(panels, list)
    assert len(panels) == 1


def test_layer_colours_are_distinct_and_cover_the_event_layers() -> None:
    assert set(charts.LAYER_COLOURS) == {"incidents", "missing", "knife"}
    assert len(set(charts.LAYER_COLOURS.values())) == 3
    assert charts.MIXED_COLOUR not in charts.LAYER_COLOURS.values()


def test_small_multiples_draw_the_areas_in_the_order_given() -> None:
    names = {"A": "Ay", "B": "Bee", "C": "Cee"}
    table = _table({"A": [1] * 24, "B": [2] * 24, "C": [3] * 24}, names)
    chart = charts.small_multiples(
        table, areas=["C", "A"], title="Top areas", unit="incidents", colour="#123456"
    )
    spec = _spec(chart)
    panels = spec["concat"]
    assert isinstance(panels, list)
    assert [p["title"]["text"] for p in panels] == ["Cee", "Ay"]
    assert [p["transform"] for p in panels] == [
        [{"filter": {"field": "area_code", "equal": code}}] for code in ("C", "A")
    ]
    assert spec["columns"] == 3
    assert spec["title"] == "Top areas"
    assert {p["mark"]["color"] for p in panels} == {"#123456"}
    data = spec["datasets"]
    assert isinstance(data, dict)
    (rows,) = data.values()  # one dataset shared by the panels
    assert {r["area_name"] for r in rows} == {"Ay", "Cee"}
    assert len(rows) == 48
