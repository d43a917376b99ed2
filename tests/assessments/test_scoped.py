"""The scoped door, counts and points: each role gets its scope and nothing beyond it."""

from __future__ import annotations

from typing import Any

import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from assessments import scoped
from assessments._scoped_protect import protect_block
from assessments.disclosure import get_policy
from assessments.exports import disclosed_csv
from layers import queries
from layers._errors import AccessDenied
from layers.access import User
from layers.aggregate import counts as aggregate_counts
from layers.store import Store
from tests.assessments._scoped_support import (
    ADMIN,
    ENGAGE,
    FIRST,
    LAST,
    LEAD,
    NORTH,
    demo_settings,
    recoverable,
    ward_codes,
    wards,
)

VIEW: dict[str, Any] = {"kinds": ("incidents",), "date_from": FIRST, "date_to": LAST}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store(demo_settings(tmp_path_factory.mktemp("scoped")).store)


# --- the protection itself, on planted tables ---------------------------------------------


def test_a_lone_small_count_takes_a_second_figure_with_it() -> None:
    values = np.array([[3], [10], [12]])
    done = protect_block(values, [(np.arange(3), np.ones(3))], get_policy("partnership"))
    assert done.shown.ravel().tolist() == ["<5", "[c]", "12"]  # the smaller other hides


def test_a_total_spread_over_one_small_count_hides_the_zeros_too() -> None:
    values = np.array([[3], [0], [0]])
    done = protect_block(values, [(np.arange(3), np.ones(3))], get_policy("partnership"))
    assert done.shown.ravel().tolist() == ["<5", "<5", "<5"]
    assert "its zeros are shown as <5 too" in done.statement
    assert done.exposed == 0


def test_a_total_cell_takes_part_in_the_protection() -> None:
    values = np.array([[3, 9, 12]])  # two parts and their total (coefficient -1)
    sums = [(np.arange(3), np.array([1.0, 1.0, -1.0]))]
    done = protect_block(values, sums, get_policy("partnership"))
    assert done.shown.ravel().tolist() == ["<5", "[c]", "12"]


def test_a_group_of_one_area_is_not_a_known_sum() -> None:
    done = protect_block(np.array([[3]]), [(np.arange(1), np.ones(1))], get_policy("partnership"))
    assert done.shown.ravel().tolist() == ["<5"]
    assert "zeros are shown" not in done.statement


# --- full detail: exactly the aggregate counts --------------------------------------------


@pytest.mark.parametrize("user", [ADMIN, LEAD], ids=["admin", "lead"])
@pytest.mark.parametrize("by", ["h3:8", "ward", "locality", "lsoa"])
@pytest.mark.parametrize("period", ["none", "month"])
def test_full_detail_users_get_the_aggregate_counts(
    store: Store, user: User, by: str, period: str
) -> None:
    got = scoped.counts(store, user, by=by, period=period, **VIEW)
    want = aggregate_counts(store, by=by, period=period, **VIEW)
    pd.testing.assert_frame_equal(
        got[["area_code", "area_name", "period"]], want[["area_code", "area_name", "period"]]
    )
    assert got["count"].astype("int64").tolist() == want["count"].tolist()
    assert got["shown"].tolist() == want["count"].astype("str").tolist()
    assert bool(got["exact"].all())
    assert got.attrs == {
        "unassigned": want.attrs["unassigned"],
        "scope": "",
        "statement": "",
        "hidden": 0,
        "exposed": 0,
    }


# --- a locality officer's detail: their wards only ----------------------------------------


def _events(store: Store, kind: str = "incidents") -> pd.DataFrame:
    return store.query(
        f"SELECT h3_cell, ward_code, lon, lat FROM {kind} "
        "WHERE date >= ? AND date < ? AND date IS NOT NULL",
        [pd.Timestamp(FIRST + "-01").date(), (pd.Period(LAST, freq="M") + 1).start_time.date()],
    )


def test_north_hexagons_of_the_city_count_only_north_events(store: Store) -> None:
    got = scoped.counts(store, NORTH, by="h3:8", **VIEW)
    north = ward_codes(store, "North")
    events = _events(store)
    events = events[events["ward_code"].isin(north) & events["h3_cell"].notna()]
    parents = [h3.cell_to_parent(h3.int_to_str(int(c)), 8) for c in events["h3_cell"]]
    expected = pd.Series(parents).value_counts().sort_index()
    shown = got[got["count"] > 0].set_index("area_code")["count"].astype("int64").sort_index()
    assert shown.to_dict() == expected.to_dict()
    cover = store.query("SELECT h3_cell, ward_code FROM coverage WHERE resolution = 8")
    cover["cell"] = [h3.int_to_str(int(c)) for c in cover["h3_cell"]]
    zeros = set(got.loc[got["count"] == 0, "area_code"])
    assert zeros <= set(cover.loc[cover["ward_code"].isin(north), "cell"])
    assert "North only" in got.attrs["scope"]


def test_north_hexagons_inside_a_north_ward_equal_the_admins(store: Store) -> None:
    ward = sorted(ward_codes(store, "North"))[0]
    mine = scoped.counts(store, NORTH, by="h3:9", within=f"ward:{ward}", **VIEW)
    admins = scoped.counts(store, ADMIN, by="h3:9", within=f"ward:{ward}", **VIEW)
    pd.testing.assert_frame_equal(mine, admins, check_like=False)
    assert mine.attrs["scope"] == ""


@pytest.mark.parametrize("by", ["h3:8", "lsoa"])
def test_detail_elsewhere_is_refused(store: Store, by: str) -> None:
    south = sorted(ward_codes(store, "South"))[0]
    for place in ("locality:South", f"ward:{south}"):
        with pytest.raises(AccessDenied, match=r"North only.*ward figures"):
            scoped.counts(store, NORTH, by=by, within=place, **VIEW)
    for anywhere in (None, "locality:North"):
        with pytest.raises(AccessDenied, match="ward figures under disclosure control"):
            scoped.counts(store, ENGAGE, by=by, within=anywhere, **VIEW)


def test_north_points_lie_in_north_wards(store: Store) -> None:
    points = scoped.event_points(store, NORTH, **VIEW)
    shapes = store.boundaries("ward")
    north = shapely.union_all(shapes.loc[shapes["parent_code"] == "North"].geometry.to_numpy())
    inside = shapely.covered_by(
        shapely.points(points["lon"], points["lat"]), shapely.buffer(north, 1e-7)
    )
    assert len(points) > 100
    assert bool(inside.all())
    events = _events(store).dropna(subset=["lon", "lat"])
    assert int(points["weight"].sum()) == int(
        events["ward_code"].isin(ward_codes(store, "North")).sum()
    )


def test_points_and_resolutions_elsewhere_are_refused(store: Store) -> None:
    with pytest.raises(AccessDenied, match="North only"):
        scoped.event_points(store, NORTH, within="locality:South", **VIEW)
    with pytest.raises(AccessDenied, match="North only"):
        scoped.suggest_resolution(store, NORTH, within="locality:East Central", **VIEW)
    with pytest.raises(AccessDenied):
        scoped.event_points(store, ENGAGE, **VIEW)
    with pytest.raises(AccessDenied):
        scoped.suggest_resolution(store, ENGAGE, **VIEW)


def test_north_resolution_is_chosen_for_north(store: Store) -> None:
    mine = scoped.suggest_resolution(store, NORTH, **VIEW)
    assert mine == queries.suggest_resolution(store, within="locality:North", **VIEW)
    assert scoped.suggest_resolution(store, ADMIN, **VIEW) == queries.suggest_resolution(
        store, **VIEW
    )


# --- ward and locality figures: own exact, others protected, nothing recoverable ----------


def _joint(store: Store, user: User, view: dict[str, Any]) -> tuple[pd.DataFrame, ...]:
    """The user's ward and locality tables of the city, one under the other, and the truth."""
    shown = pd.concat(
        [
            scoped.counts(store, user, by=by, **view).assign(
                statement=lambda t: t.attrs["statement"]
            )
            for by in ("ward", "locality")
        ],
        ignore_index=True,
    )
    truth = pd.concat(
        [aggregate_counts(store, by=by, **view) for by in ("ward", "locality")],
        ignore_index=True,
    )
    return shown, truth


def _known_sums(truth: pd.DataFrame, localities: pd.Series) -> list[tuple[list[int], list[float]]]:
    """Return the sums a reader knows: row positions and coefficients.

    The city in each period (the localities' sum), each locality as the sum of its wards
    in each period, and each area over the periods.
    """
    frame = truth.reset_index(drop=True)
    is_locality = frame["area_code"].isin(set(localities))
    sums = [
        (list(map(int, rows)), [1.0] * len(rows))
        for rows in frame[is_locality].groupby("period").groups.values()
    ]
    parent = frame["area_code"].map(localities)
    for (locality, period), rows in frame[~is_locality].groupby([parent, "period"]).groups.items():
        total = frame.index[
            is_locality & (frame["area_code"] == locality) & (frame["period"] == period)
        ]
        sums.append(([*map(int, rows), int(total[0])], [1.0] * len(rows) + [-1.0]))
    if frame["period"].nunique() > 1:
        sums += [
            (list(map(int, rows)), [1.0] * len(rows))
            for rows in frame.groupby("area_code").groups.values()
        ]
    return sums


@pytest.mark.parametrize("user", [NORTH, ENGAGE], ids=["north", "engagement"])
@pytest.mark.parametrize("period", ["none", "month"])
@pytest.mark.parametrize("kind", ["incidents", "missing", "knife"])
def test_protected_figures_cannot_be_worked_out(
    store: Store, user: User, period: str, kind: str
) -> None:
    view: dict[str, Any] = {**VIEW, "kinds": (kind,), "period": period}
    shown, truth = _joint(store, user, view)
    assert shown["area_code"].tolist() == truth["area_code"].tolist()
    localities = wards(store).set_index("code")["parent_code"]
    sums = _known_sums(truth, localities)
    pinned = [i for i in recoverable(shown, truth, sums) if truth["count"].iloc[i] > 0]
    own = ward_codes(store, "North") | {"North"} if user is NORTH else set()
    mine = shown["area_code"].isin(own).to_numpy()
    if pinned:  # only figures the known sums give away whatever is hidden
        unavoidable = recoverable(_all_hidden(shown, truth, mine), truth, sums)
        assert set(pinned) <= set(unavoidable)
    assert bool(shown["exact"].to_numpy()[mine].all())
    others = shown[~mine]
    assert not bool((others["exact"] & others["count"].between(1, 4)).any())
    visible = shown["exact"].to_numpy()
    assert (shown["count"].to_numpy()[visible] == truth["count"].to_numpy()[visible]).all()


@pytest.mark.parametrize("user", [NORTH, ENGAGE], ids=["north", "engagement"])
@pytest.mark.parametrize("kind", ["incidents", "missing", "knife"])
def test_figures_the_totals_give_away_are_counted_and_the_reader_warned(
    store: Store, user: User, kind: str
) -> None:
    view: dict[str, Any] = {**VIEW, "kinds": (kind,), "period": "month"}
    shown, truth = _joint(store, user, view)
    sums = _known_sums(truth, wards(store).set_index("code")["parent_code"])
    pinned = [i for i in recoverable(shown, truth, sums) if truth["count"].iloc[i] > 0]
    tables = [scoped.counts(store, user, by=by, **view) for by in ("ward", "locality")]
    assert sum(int(t.attrs["exposed"]) for t in tables) == len(pinned)
    for table in tables:
        warned = "can still be worked out from the totals" in table.attrs["statement"]
        assert warned == (table.attrs["exposed"] > 0)


def test_north_knife_months_have_figures_the_totals_give_away(store: Store) -> None:
    view: dict[str, Any] = {**VIEW, "kinds": ("knife",), "period": "month"}
    tables = [scoped.counts(store, NORTH, by=by, **view) for by in ("ward", "locality")]
    assert sum(int(t.attrs["exposed"]) for t in tables) > 0
    for table in (t for t in tables if t.attrs["exposed"]):
        assert f"Caution: {table.attrs['exposed']} hidden figure" in table.attrs["statement"]
        table.attrs["policy"] = "partnership"
        data = disclosed_csv(table, count_columns=(), policy=get_policy("partnership"))
        last = data.decode("utf-8-sig").strip().splitlines()[-1]
        assert "can still be worked out from the totals" in last


def _all_hidden(shown: pd.DataFrame, truth: pd.DataFrame, mine: np.ndarray) -> pd.DataFrame:
    """The table with every figure outside the user's own areas hidden."""
    small = truth["count"].to_numpy() < 5
    return shown.assign(
        count=np.where(mine, truth["count"], np.nan),
        shown=np.where(mine, truth["count"].astype("str"), np.where(small, "<5", "[c]")),
        statement="zeros are shown as <5 too",
    )


def test_a_place_shows_the_citys_figures_for_its_areas(store: Store) -> None:
    view: dict[str, Any] = {**VIEW, "kinds": ("knife",), "period": "month"}
    city = scoped.counts(store, ENGAGE, by="ward", **view)
    south = scoped.counts(store, ENGAGE, by="ward", within="locality:South", **view)
    assert set(south["area_code"]) == ward_codes(store, "South")
    expected = city[city["area_code"].isin(ward_codes(store, "South"))].reset_index(drop=True)
    pd.testing.assert_frame_equal(south, expected)
    one = scoped.counts(store, ENGAGE, by="locality", within="locality:South", **view)
    both = scoped.counts(store, ENGAGE, by="locality", **view)
    pd.testing.assert_frame_equal(one, both[both["area_code"] == "South"].reset_index(drop=True))


def test_knife_months_do_hide_figures(store: Store) -> None:
    shown = scoped.counts(store, NORTH, by="ward", period="month", **{**VIEW, "kinds": ("knife",)})
    hidden = shown["count"].isna()
    assert 0 < int(hidden.sum()) == shown.attrs["hidden"]
    assert set(shown.loc[hidden, "shown"]) <= {"<5", "[c]"}
    assert shown.attrs["statement"].startswith("Disclosure control (partnership)")


@pytest.mark.parametrize("user", [NORTH, ENGAGE], ids=["north", "engagement"])
def test_no_hidden_value_is_left_anywhere(store: Store, user: User) -> None:
    view: dict[str, Any] = {**VIEW, "kinds": ("knife",)}
    shown = scoped.counts(store, user, by="ward", period="month", **view)
    hidden = ~shown["exact"]
    assert shown.loc[hidden, "count"].isna().all()
    assert set(shown.attrs) == {"unassigned", "scope", "statement", "hidden", "exposed"}
    assert shown.attrs["unassigned"] == 0
    assert all(isinstance(v, (str, int)) for v in shown.attrs.values())
    assert (
        shown.loc[~hidden, "shown"] == shown.loc[~hidden, "count"].astype("int64").astype("str")
    ).all()
