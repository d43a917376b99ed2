"""Counts by area x period: against a pandas groupby on the same rows, zeros included."""

from __future__ import annotations

from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest

from layers import schema as S
from layers._errors import SchemaError
from layers.aggregate import COUNT_COLUMNS, counts
from layers.store import Store

WARDS = pd.DataFrame(
    {
        S.CODE: ["W1", "W2", "W3"],
        S.NAME: ["Ashley", "Cabot", "Empty Ward"],
        S.PARENT_CODE: ["East Central", "East Central", "South"],
        S.GEOMETRY_WKT: ["POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"] * 3,
    }
)


@pytest.fixture
def events() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 600
    lon = -2.60 + rng.normal(0, 0.01, n)
    lat = 51.45 + rng.normal(0, 0.01, n)
    kinds = rng.choice(["incidents", "knife"], n, p=[0.8, 0.2])
    frame = pd.DataFrame(
        {
            S.EVENT_ID: [f"e{i}" for i in range(n)],
            S.KIND: kinds,
            S.DATE: pd.to_datetime(
                rng.choice(pd.date_range("2020-01-01", "2021-06-01", freq="MS"), n)
            ),
            S.DATE_PRECISION: "month",
            S.LON: lon,
            S.LAT: lat,
            S.CATEGORY: np.where(
                kinds == "knife", "Knife injury", rng.choice(["Robbery", "Drugs"], n)
            ),
            S.H3_CELL: [
                h3.str_to_int(h3.latlng_to_cell(y, x, 11)) for x, y in zip(lon, lat, strict=True)
            ],
            S.WARD: rng.choice(["W1", "W2"], n),
            S.KNIFE_ENABLED: rng.random(n) < 0.3,
        }
    )
    frame[S.LOCALITY] = frame[S.WARD].map({"W1": "East Central", "W2": "East Central"})
    return frame


@pytest.fixture
def store(tmp_path: Path, events: pd.DataFrame) -> Store:
    store = Store(tmp_path / "agg.duckdb")
    cells8 = {h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), 8)) for c in events[S.H3_CELL]}
    empty = h3.str_to_int(h3.latlng_to_cell(51.30, -2.90, 8))
    with store.transaction() as w:
        w.replace_boundaries(S.Level.WARD, WARDS, import_id="t")
        w.replace_boundaries(
            S.Level.LOCALITY,
            pd.DataFrame({S.CODE: ["East Central", "South"], S.NAME: ["East Central", "South"]}),
            import_id="t",
        )
        cover = np.array(sorted(cells8 | {empty}), dtype="uint64")
        ward_of = {c: ("W1" if i % 2 else "W2") for i, c in enumerate(cover.tolist())}
        ward_of[empty] = "W3"
        w.replace_coverage(
            {8: pd.DataFrame({S.H3_CELL: cover, S.WARD: [ward_of[c] for c in cover.tolist()]})}
        )
        for kind in (S.Kind.INCIDENTS, S.Kind.KNIFE):
            w.add_events(kind, events[events[S.KIND] == kind.value])
    return store


def test_counts_by_ward_and_month_match_a_groupby_with_zeros(
    store: Store, events: pd.DataFrame
) -> None:
    table = counts(
        store,
        by="ward",
        kinds=["incidents"],
        period="month",
        date_from="2020-01",
        date_to="2021-06",
    )
    inc = events[events[S.KIND] == "incidents"]
    expected = inc.groupby([S.WARD, inc[S.DATE].dt.strftime("%Y-%m")]).size()
    got = table.set_index(["area_code", "period"])["count"]
    assert len(table) == 3 * 18  # every ward x every month
    assert (got.loc["W3"] == 0).all()
    nonzero = got[got > 0]
    pd.testing.assert_series_equal(
        nonzero.sort_index(), expected.sort_index(), check_names=False, check_dtype=False
    )
    assert dict(zip(table["area_code"], table["area_name"], strict=False))["W2"] == "Cabot"
    assert table.dtypes.astype(str).to_dict() == {
        k: ("str" if v == "str" else v) for k, v in COUNT_COLUMNS.items()
    }


def test_counts_by_h3_parent_match_h3_cell_to_parent(store: Store, events: pd.DataFrame) -> None:
    table = counts(store, by="h3:8", kinds=["incidents", "knife"])
    parents = [h3.cell_to_parent(h3.int_to_str(int(c)), 8) for c in events[S.H3_CELL]]
    expected = pd.Series(parents).value_counts()
    got = table.set_index("area_code")["count"]
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert got[h3.latlng_to_cell(51.30, -2.90, 8)] == 0  # an empty covering cell is a zero
    assert set(table["period"]) == {"all"}


def test_filters_by_category_flag_and_dates(store: Store, events: pd.DataFrame) -> None:
    table = counts(
        store,
        by="locality",
        categories=["Robbery"],
        flags=["knife_enabled"],
        date_from="2021-01",
        period="quarter",
    )
    inc = events[
        (events[S.KIND] == "incidents")
        & (events[S.CATEGORY] == "Robbery")
        & events[S.KNIFE_ENABLED]
        & (events[S.DATE] >= "2021-01-01")
    ]
    got = table.set_index(["area_code", "period"])["count"]
    assert got.loc[("East Central", "2021Q1")] == int((inc[S.DATE] < "2021-04-01").sum())
    assert got.loc[("East Central", "2021Q2")] == int((inc[S.DATE] >= "2021-04-01").sum())
    assert got.loc["South"].sum() == 0


def test_bad_arguments_are_refused_together(store: Store) -> None:
    with pytest.raises(SchemaError) as info:
        counts(store, by="h3:14", kinds=["bikes"], date_from="March", period="week", flags=["red"])
    message = str(info.value)
    for part in ("h3:14", "bikes", "March", "week", "red"):
        assert part in message


def test_an_empty_store_gives_an_empty_table_with_the_schema(tmp_path: Path) -> None:
    table = counts(Store(tmp_path / "empty.duckdb"), by="ward", period="month")
    assert table.empty
    assert list(table.columns) == list(COUNT_COLUMNS)


def test_within_a_ward_or_locality_keeps_its_events_and_areas(
    store: Store, events: pd.DataFrame
) -> None:
    inc = events[events[S.KIND] == "incidents"]
    by_ward = counts(store, by="ward", within="ward:W2")
    assert list(by_ward["area_code"]) == ["W2"]
    assert by_ward["count"].sum() == int((inc[S.WARD] == "W2").sum())
    cells = counts(store, by="h3:8", within="ward:W2")
    assert cells["count"].sum() == int((inc[S.WARD] == "W2").sum())
    assert h3.latlng_to_cell(51.30, -2.90, 8) not in set(cells["area_code"])  # W3's cell
    south = counts(store, by="h3:8", within="ward:W3")
    assert list(south["area_code"]) == [h3.latlng_to_cell(51.30, -2.90, 8)]
    assert south["count"].sum() == 0
    locality = counts(store, by="locality", within="locality:East Central")
    assert list(locality["area_code"]) == ["East Central"]
    assert locality["count"].sum() == len(inc)


def test_an_unknown_place_is_refused_with_the_known_ones(store: Store) -> None:
    with pytest.raises(SchemaError, match=r"locality:NAME \(one of: East Central, South\)"):
        counts(store, by="ward", within="locality:Nowhere")
