"""Disclosure control of map units and of exports built from the demo store."""

from __future__ import annotations

from pathlib import Path

import h3
import pandas as pd
import pytest

from assessments.disclosure import DisclosurePolicy, map_resolution_for, pinned_note
from assessments.exports import disclosed_counts_table, disclosed_csv
from layers import aggregate
from layers._errors import SchemaError
from layers.demo_store import build_demo_store
from layers.settings import load_settings
from layers.store import Store
from tests.assessments._disclosure_support import PARTNERSHIP, PUBLIC

# ------------------------------------------------------------ map coarsening


def _grid(counts_by_child: list[int], parent: str) -> pd.DataFrame:
    children = sorted(h3.cell_to_children(parent, h3.get_resolution(parent) + 1))
    return pd.DataFrame({"area_code": children[: len(counts_by_child)], "count": counts_by_child})


def test_dense_map_keeps_its_resolution() -> None:
    parent = h3.latlng_to_cell(51.455, -2.59, 7)
    unit, why = map_resolution_for(_grid([9, 12, 30, 6, 0, 2, 15], parent), PUBLIC)
    assert unit == "h3:8"
    assert "17% of the 6 cells with any events are shown as <5 (at most 25% allowed)" in why


def test_sparse_map_goes_to_parent_cells() -> None:
    parent = h3.latlng_to_cell(51.455, -2.59, 7)
    unit, why = map_resolution_for(_grid([1, 2, 1, 3, 0, 2, 1], parent), PUBLIC)
    assert unit == "h3:7"
    assert "coarsened from H3 resolution 8 to 7" in why


def test_scattered_single_events_fall_back_to_wards() -> None:
    far = [h3.latlng_to_cell(51.3 + 0.3 * k, -2.9 + 0.4 * k, 8) for k in range(4)]
    frame = pd.DataFrame({"area_code": far, "count": [1, 1, 2, 40]})
    unit, why = map_resolution_for(frame, PUBLIC)
    assert unit == "ward"
    assert "even at H3 resolution 6" in why
    assert "75% of the 4 cells" in why


def test_empty_map_keeps_its_resolution() -> None:
    parent = h3.latlng_to_cell(51.455, -2.59, 7)
    assert map_resolution_for(_grid([0, 0], parent), PUBLIC) == (
        "h3:8",
        "Map cells at H3 resolution 8: no cell has any events.",
    )


def test_map_resolution_refuses_non_h3_tables() -> None:
    with pytest.raises(SchemaError, match="H3 cells of one resolution"):
        map_resolution_for(pd.DataFrame({"area_code": ["E05001"], "count": [3]}), PUBLIC)
    with pytest.raises(SchemaError, match="missing"):
        map_resolution_for(pd.DataFrame({"code": []}), PUBLIC)


# ------------------------------------------------------------ exports on the demo store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    tmp: Path = tmp_path_factory.mktemp("disclosure")
    settings_ = load_settings(
        store=tmp / "demo.duckdb", rejected_dir=tmp / "rejected", secret_file=tmp / "key"
    )
    build_demo_store(settings_, seed=7, scale=0.3)
    return Store(settings_.store)


def test_counts_table_by_ward_and_year_is_protected(store: Store) -> None:
    counts = aggregate.counts(store, by="ward", kinds=["knife"], period="year")
    out = disclosed_counts_table(counts, policy=PARTNERSHIP)
    raw = counts.pivot_table(
        index="area_code", columns="period", values="count", aggfunc="sum", fill_value=0
    )
    years = [str(y) for y in raw.columns]
    assert list(out.columns) == ["area_code", "area_name", *years, "total"]
    assert len(out) == counts["area_code"].nunique()
    hidden = out.attrs["suppressed"]
    for year in years:
        truth = raw[year].reindex(out["area_code"]).to_numpy()
        small = (truth >= 1) & (truth <= 4)
        assert (hidden[year].to_numpy() | ~small).all()
        shown = ~hidden[year].to_numpy()
        assert (out[year].to_numpy()[shown] == truth[shown].astype(str)).all()
    # Knife injuries by ward and year are very sparse: a ward whose four yearly counts
    # are all non-zero yet total under 5 must be 1, 1, 1, 1 (total 4) whatever is hidden.
    nonzero_years = (raw[years] > 0).sum(axis=1)
    pinned = int(((raw[years].sum(axis=1) < 5) & (nonzero_years >= 4)).sum())
    assert out.attrs["exposed"] == pinned * (len(years) + 1)
    hide_zeros = DisclosurePolicy("partnership", show_zero=False)
    assert disclosed_counts_table(counts, policy=hide_zeros).attrs["exposed"] == 0


def test_a_table_with_figures_its_totals_give_away_says_so(store: Store) -> None:
    counts = aggregate.counts(store, by="ward", kinds=["knife"], period="year")
    out = disclosed_counts_table(counts, policy=PARTNERSHIP)
    exposed = int(out.attrs["exposed"])
    assert exposed > 0  # the demo's sparse yearly knife counts pin some wards (test above)
    assert out.attrs["statement"] == PARTNERSHIP.statement() + pinned_note(exposed)
    assert f"Caution: {exposed} hidden figures here" in out.attrs["statement"]
    hide_zeros = DisclosurePolicy("partnership", show_zero=False)
    assert disclosed_counts_table(counts, policy=hide_zeros).attrs["statement"] == (
        hide_zeros.statement()
    )


def test_counts_table_by_locality_is_protected(store: Store) -> None:
    counts = aggregate.counts(store, by="locality", kinds=["incidents"], period="year")
    out = disclosed_counts_table(counts, policy=PUBLIC)
    assert out.attrs["exposed"] == 0
    values = out.drop(columns=["area_code", "area_name"]).to_numpy().ravel()
    assert all(v in {"<5", "[c]"} or int(v) % 5 == 0 for v in values)


def test_disclosed_csv_states_policy_and_neutralises(store: Store) -> None:
    table = pd.DataFrame({"area": ["=cmd()", "B", "C"], "n": [3, 8, 40]})
    text = disclosed_csv(table, count_columns=["n"], policy=PUBLIC, column_totals=True).decode(
        "utf-8-sig"
    )
    lines = text.strip().split("\r\n")
    assert lines[0] == "area,n"
    assert lines[1] == "'=cmd(),<5"
    assert lines[2] == "B,[c]"
    assert lines[3] == "C,40"
    assert lines[-1].startswith('"Disclosure control (public)')
    assert lines[-1].endswith(",")


def test_map_resolution_on_demo_counts_is_coarser_for_knife_injuries(store: Store) -> None:
    fine = aggregate.counts(store, by="h3:10", kinds=["knife"])
    unit, why = map_resolution_for(fine[["area_code", "count"]], PUBLIC)
    assert unit != "h3:10"
    assert "coarsened" in why or unit == "ward"
    nonzero = fine.loc[fine["count"] > 0, "count"]
    assert ((nonzero >= 1) & (nonzero <= 4)).mean() > PUBLIC.max_suppressed_share
