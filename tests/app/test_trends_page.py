"""The Trends page run headless with AppTest, checked against the library called directly."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from app_pages import FILTERS_KEY, Filters
from app_pages._trends_words import markdown_text
from hotspots.trends import monthly_trend, period_comparison, trends_by_area
from layers.aggregate import counts
from layers.charts import change_text
from layers.store import Store
from tests.app.conftest import signed_in

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "trends.py")
APP = str(ROOT / "app.py")


@pytest.fixture
def months(demo_store: Path) -> list[str]:
    span = Store(demo_store).date_range()
    assert span is not None
    return [str(p) for p in pd.period_range(span[0], span[1], freq="M")]


def _page(
    store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str], **choices: Any
) -> AppTest:
    """Run the page on its own, with the sidebar's filters set as app.py would set them."""
    monkeypatch.setenv("ATLAS_STORE", str(store))
    choices = {"kinds": ("incidents",), "date_from": months[0], "date_to": months[-1]} | choices
    at = AppTest.from_file(PAGE, default_timeout=90)
    signed_in(at)
    at.session_state[FILTERS_KEY] = Filters(areas="auto", **choices)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _monthly(store: Path, by: str, **query: Any) -> pd.DataFrame:
    return counts(Store(store), by=by, period="month", **query)


def _series(table: pd.DataFrame, name: str, codes: list[str] | None = None) -> pd.Series:
    """Add up a monthly count table with plain pandas (independently of layers.charts)."""
    rows = table if codes is None else table[table["area_code"].isin(codes)]
    summed = rows.groupby("period")["count"].sum()
    return pd.Series(summed.to_numpy(), index=pd.PeriodIndex(summed.index, freq="M"), name=name)


def _said(at: AppTest) -> str:
    return "\n".join(m.value.replace("\\", "") for m in at.markdown)


def _captions(at: AppTest) -> str:
    return "\n".join(c.value.replace("\\", "") for c in at.caption)


def _chart_data(at: AppTest, which: int = 0) -> pd.DataFrame:
    chart = at.get("vega_lite_chart")[which].proto
    (dataset,) = chart.datasets
    return convert_arrow_bytes_to_pandas_df(dataset.data.data)


def _chart_spec(at: AppTest, which: int = 0) -> dict[str, Any]:
    spec = json.loads(at.get("vega_lite_chart")[which].proto.spec)
    assert isinstance(spec, dict)
    return spec


def _assert_table_is(shown: pd.DataFrame, expected: pd.DataFrame, area_word: str) -> None:
    months = int(expected.attrs["months"])
    assert shown[area_word].tolist() == expected["area_name"].tolist()
    assert shown[f"Last {months} months"].tolist() == expected["recent"].tolist()
    assert shown[f"Previous {months} months"].tolist() == expected["previous"].tolist()
    changes = [
        change_text(r, lo, hi)
        for r, lo, hi in expected[["rate_ratio", "ci_low", "ci_high"]].to_numpy("float64")
    ]
    assert shown["Change (95% CI)"].tolist() == changes
    significant = [
        f"Yes, {d}" if s else "No" for s, d in expected[["significant", "direction"]].to_numpy()
    ]
    assert shown["Significant change"].tolist() == significant


# --- the place's series ---------------------------------------------------------------


def test_city_series_chart_and_sentences_match_the_library(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    series = _series(_monthly(demo_store, "ward"), "Police incidents across the city")
    said = _said(at)
    assert monthly_trend(series).sentence in said
    assert period_comparison(series, months=12).sentence in said
    earlier = period_comparison(series, months=3, against="year_earlier")
    assert earlier.sentence in said
    data = _chart_data(at)
    assert data["count"].tolist() == series.tolist()
    assert data["month"].tolist() == months
    rolling = series.rolling(12).sum().to_numpy()
    pd.testing.assert_series_equal(
        data["rolling_total"].iloc[11:].reset_index(drop=True),
        pd.Series(rolling[11:], name="rolling_total"),
        check_dtype=False,
    )
    assert _chart_spec(at)["title"] == "Incidents across the city, month by month"
    captions = _captions(at)
    assert "seasonal Mann-Kendall test chosen automatically: 36 months" in captions
    assert "Comparison window: the last 12 months against the 12 before." in captions


def test_choosing_a_ward_or_a_locality_changes_the_series_and_the_sentence(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    city = _said(at)
    wards = Store(demo_store).boundaries("ward")
    code, name = str(wards["code"].iloc[0]), str(wards["name"].iloc[0])
    at.selectbox(key="w_trends_place").set_value(f"ward:{code}").run()
    assert not at.exception
    ward = _series(_monthly(demo_store, "ward"), f"Police incidents in {name}", [code])
    assert monthly_trend(ward).sentence in _said(at)
    assert period_comparison(ward, months=12).sentence in _said(at)
    assert _said(at) != city
    assert _chart_data(at)["count"].tolist() == ward.tolist()
    at.selectbox(key="w_trends_place").set_value("locality:North").run()
    north = _series(_monthly(demo_store, "locality"), "Police incidents in North", ["North"])
    assert monthly_trend(north).sentence in _said(at)
    assert _chart_data(at)["count"].tolist() == north.tolist()


def test_the_page_starts_at_the_sidebar_place(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, place="locality:South")
    assert at.selectbox(key="w_trends_place").value == "locality:South"
    south = _series(_monthly(demo_store, "locality"), "Police incidents in South", ["South"])
    assert monthly_trend(south).sentence in _said(at)


def test_another_layer_changes_the_series_the_sentence_and_the_colour(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, kinds=("knife",))
    name = "Knife injuries (hospital) across the city"
    knife = _series(_monthly(demo_store, "ward", kinds=("knife",)), name)
    assert monthly_trend(knife).sentence in _said(at)
    assert _chart_data(at)["count"].tolist() == knife.tolist()
    colour = _chart_spec(at)["vconcat"][0]["encoding"]["color"]["scale"]["range"]
    assert colour == ["#D55E00"]
    assert "Police incidents" not in _said(at)


def test_chosen_categories_get_a_line_each_and_other_layers_are_explained(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    chosen = ("Burglary", "Drugs")
    at = _page(demo_store, monkeypatch, months, kinds=("incidents", "missing"), categories=chosen)
    said = _said(at)
    for category in chosen:
        table = _monthly(demo_store, "ward", categories=[category])
        series = _series(table, f"Police incidents: {category} across the city")
        assert monthly_trend(series).sentence in said
    assert set(_chart_data(at)["series"]) == {
        "Police incidents: Burglary",
        "Police incidents: Drugs",
    }
    (info,) = at.info
    assert info.value == (
        "Missing-child episodes: none of the chosen categories belong to this layer, so it "
        "counts nothing and has no line."
    )
    both = _monthly(demo_store, "ward", kinds=("incidents", "missing"), categories=list(chosen))
    _assert_table_is(at.dataframe[0].value, trends_by_area(both), "Ward")


def test_incident_flags_narrow_the_series_and_are_named(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, flags=("knife_enabled",))
    flagged = _monthly(demo_store, "ward", flags=["knife_enabled"])
    series = _series(flagged, "Police incidents across the city")
    assert 0 < series.sum() < _monthly(demo_store, "ward")["count"].sum()
    assert _chart_data(at)["count"].tolist() == series.tolist()
    assert monthly_trend(series).sentence in _said(at)
    assert "incident flags: Knife-enabled" in re.sub(r"\\(.)", r"\1", at.caption[0].value)
    _assert_table_is(at.dataframe[0].value, trends_by_area(flagged), "Ward")


def test_categories_of_no_chosen_layer_say_there_is_nothing_to_count(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, kinds=("knife",), categories=("Burglary",))
    assert "nothing to count" in at.warning[0].value
    assert not at.dataframe
    assert not at.get("vega_lite_chart")


# --- the area table -------------------------------------------------------------------


def test_ward_table_is_trends_by_area_on_the_monthly_counts(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    expected = trends_by_area(_monthly(demo_store, "ward"))
    shown = at.dataframe[0].value
    assert len(shown) == len(Store(demo_store).boundaries("ward"))
    _assert_table_is(shown, expected, "Ward")
    localities = Store(demo_store).boundaries("ward").set_index("code")["parent_code"]
    assert shown["Locality"].tolist() == expected["area_code"].map(localities).tolist()
    assert "Benjamini-Hochberg (false discovery rate) over the" in _captions(at)
    top = expected["area_name"].head(6).tolist()
    assert [panel["title"]["text"] for panel in _chart_spec(at, 1)["concat"]] == top
    assert set(_chart_data(at, 1)["area_name"]) == set(top)


def test_holm_correction_and_localities_recompute_the_table(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months)
    at.selectbox(key="w_trends_correction").set_value("holm").run()
    holm = trends_by_area(_monthly(demo_store, "ward"), correction="holm")
    _assert_table_is(at.dataframe[0].value, holm, "Ward")
    assert "Holm (family-wise error rate)" in _captions(at)
    at.toggle(key="w_trends_localities").set_value(True).run()
    localities = trends_by_area(_monthly(demo_store, "locality"), correction="holm")
    shown = at.dataframe[0].value
    _assert_table_is(shown, localities, "Locality")
    assert len(shown) == 3


def test_a_short_range_chooses_shorter_windows_and_says_so(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, date_from=months[10], date_to=months[23])
    captions = _captions(at)
    assert "7-month windows, chosen automatically: the 14 months chosen are fewer" in captions
    assert "A year-earlier comparison needs 15 months; 14 chosen." in captions
    assert "plain Mann-Kendall test chosen automatically: 14 months" in captions
    table = _monthly(demo_store, "ward", date_from=months[10], date_to=months[23])
    _assert_table_is(at.dataframe[0].value, trends_by_area(table, months=7), "Ward")
    series = _series(table, "Police incidents across the city")
    assert period_comparison(series, months=7).sentence in _said(at)


def test_too_few_months_for_a_trend_say_what_to_do(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch, months: list[str]
) -> None:
    at = _page(demo_store, monkeypatch, months, date_from=months[5], date_to=months[5])
    assert "Choose at least 4 months in the sidebar to test for trends." in [
        i.value for i in at.info
    ]
    assert "Choose at least 2 months in the sidebar to compare areas." in [i.value for i in at.info]


# --- through the whole app ------------------------------------------------------------


def test_the_app_lists_the_page_and_its_place_follows_the_sidebar(
    demo_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_STORE", str(demo_store))
    at = AppTest.from_file(APP, default_timeout=90)
    signed_in(at)
    at.run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Trends"
    assert at.selectbox(key="w_trends_place").value == "city"
    wards = Store(demo_store).boundaries("ward")
    code, name = str(wards["code"].iloc[3]), str(wards["name"].iloc[3])
    at.selectbox(key="w_place").set_value(f"ward:{code}").run()
    assert at.selectbox(key="w_trends_place").value == f"ward:{code}"
    at.multiselect(key="w_layers").set_value(["missing"]).run()
    assert not at.exception, [e.value for e in at.exception]
    series = _series(
        _monthly(demo_store, "ward", kinds=("missing",)),
        f"Missing-child episodes in {name}",
        [code],
    )
    assert monthly_trend(series).sentence in _said(at)


def test_text_from_the_data_cannot_format_the_page() -> None:
    assert markdown_text("St *Paul's* [x](y) $5 <b>#1</b>") == (
        r"St \*Paul\'s\* \[x\]\(y\) \$5 \<b\>\#1\<\/b\>"
    )
