"""Area profiles: input errors, the output contract, figures against pandas, planted patterns."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator

import geopandas as gpd
import h3
import pandas as pd
import pytest
import shapely

from assessments.disclosure import get_policy
from assessments.profile import LAYERS, AreaProfile, area_profile, disclosed_profile
from hotspots.gistar import gi_star
from layers._errors import SchemaError
from layers.aggregate import counts
from layers.demo import PlantedPattern, demo_data
from layers.demo_store import build_demo_store
from layers.grid import cells_covering
from layers.settings import load_settings
from layers.store import Store

SEED = 11
FIRST, LAST = "2024-01", "2026-06"  # a period inside the demo's 36 months


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("profile")
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, seed=SEED, scale=0.3)
    return Store(settings.store)


@pytest.fixture(scope="module")
def wards(store: Store) -> gpd.GeoDataFrame:
    return store.boundaries("ward")


@pytest.fixture(scope="module")
def planted(wards: gpd.GeoDataFrame) -> dict[str, PlantedPattern]:
    return {p.name: p for p in demo_data(wards, seed=SEED, scale=0.3).planted}


@pytest.fixture(scope="module")
def events(store: Store) -> pd.DataFrame:
    """Every event row the profile could count, read plainly (no library code)."""
    frames = []
    for kind in LAYERS:
        desc = "location_desc" if kind == "incidents" else "NULL AS location_desc"
        frames.append(
            store.query(
                f"SELECT '{kind}' AS layer, category, date, date_precision, datetime, "
                f"ward_code, h3_cell, {desc} FROM {kind}"
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["month"] = frame["date"].dt.strftime("%Y-%m")
    return frame


@pytest.fixture(scope="module")
def ashley(store: Store, wards: gpd.GeoDataFrame) -> AreaProfile:
    code = _code(wards, "Ashley")
    return area_profile(store, f"ward:{code}", date_from=FIRST, date_to=LAST)


@pytest.fixture(scope="module")
def in_period(events: pd.DataFrame) -> pd.DataFrame:
    return events[(events["month"] >= FIRST) & (events["month"] <= LAST)]


def _code(wards: gpd.GeoDataFrame, name: str) -> str:
    return str(wards.loc[wards["name"] == name, "code"].iloc[0])


def _parent(cells: pd.Series, resolution: int) -> pd.Series:
    """The parent of stored res-11 cells, with the h3 library (not the project's SQL)."""
    ints = cells.dropna().astype("uint64")
    parents = {c: h3.cell_to_parent(h3.int_to_str(int(c)), resolution) for c in ints.unique()}
    return cells.map(lambda c: parents.get(c) if pd.notna(c) else None)


# --- input errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "words"),
    [
        ("ward:E99999999", "no loaded ward has this code"),
        ("ward:Ashley", "did you mean ward:"),
        ("locality:Nowhere", "use one of East Central, North, South"),
        ("h3:zzz", "expected an H3 cell of resolution 6-11"),
        ("h3:85195833fffffff", "resolution 5"),
        ("county:Avon", "'county' is not a kind of area"),
        ("Ashley", "write ward:CODE"),
        (42, "is not an area"),
    ],
)
def test_an_unusable_area_is_refused_with_how_to_fix_it(
    store: Store, area: object, words: str
) -> None:
    with pytest.raises(SchemaError, match=re.escape(words)):
        area_profile(store, area)  # type: ignore[arg-type]


def test_area_and_month_problems_are_reported_together(store: Store) -> None:
    with pytest.raises(SchemaError) as caught:
        area_profile(store, "ward:E99999999", date_from="2024-13", date_to="24-01")
    message = str(caught.value)
    assert "no loaded ward" in message
    assert "date_from='2024-13' is not a month" in message
    assert "date_to='24-01' is not a month" in message


def test_months_in_the_wrong_order_are_refused(store: Store, wards: gpd.GeoDataFrame) -> None:
    with pytest.raises(SchemaError, match="is after date_to"):
        area_profile(
            store, f"ward:{_code(wards, 'Ashley')}", date_from="2026-01", date_to="2025-01"
        )


def test_a_polygon_outside_the_wards_is_refused(store: Store) -> None:
    with pytest.raises(SchemaError, match="outside every loaded ward"):
        area_profile(store, shapely.box(0.0, 0.0, 0.01, 0.01))


def test_a_cell_that_is_not_hot_is_not_a_hot_spot_area(
    store: Store, planted: dict[str, PlantedPattern], wards: gpd.GeoDataFrame
) -> None:
    quiet = wards.loc[wards["name"] == "Stockwood"].geometry.iloc[0].representative_point()
    cell = h3.latlng_to_cell(quiet.y, quiet.x, 9)
    with pytest.raises(SchemaError, match=r"not a hot spot .* profile it as h3:"):
        area_profile(store, f"hotspot:{cell}")


# --- output contract --------------------------------------------------------------------


def test_the_profile_follows_its_documented_schema(ashley: AreaProfile) -> None:
    assert ashley.kind == "ward"
    assert ashley.title == "Ashley ward"
    assert (ashley.date_from, ashley.date_to, ashley.months) == (FIRST, LAST, 30)
    assert ashley.layers["layer"].tolist() == list(LAYERS)
    assert list(ashley.categories.columns) == ["layer", "category", "count", "city_count"]
    assert list(ashley.monthly.columns) == ["period", "layer", "count"]
    assert len(ashley.monthly) == 30 * len(LAYERS)
    assert set(ashley.hexagons.columns) >= {"h3_cell", "incidents", "gi_bin_incidents", "pattern"}
    assert ashley.hexagons["h3_cell"].map(h3.get_resolution).eq(ashley.hotspot_resolution).all()
    assert ashley.weekdays.groupby("layer").size().eq(7).all()
    assert ashley.hours.groupby("layer").size().eq(24).all()
    assert ashley.interventions.crs.to_epsg() == 4326
    assert "Hot spots are found on hexagons" in ashley.hotspot_reason


def test_the_disclosed_profile_is_json_and_states_the_policy(ashley: AreaProfile) -> None:
    policy = get_policy("public")
    shown = disclosed_profile(ashley, policy)
    assert json.loads(json.dumps(shown)) == shown
    assert shown["policy"] == {"name": "public", "statement": policy.statement()}
    assert shown["area"]["spec"] == ashley.area
    assert shown["period"]["label"] == "Jan 2024 – Jun 2026 (30 months)"


# --- figures against an independent computation ----------------------------------------


def test_counts_by_layer_and_category_equal_pandas(
    ashley: AreaProfile, in_period: pd.DataFrame
) -> None:
    mine = in_period[in_period["ward_code"].isin(ashley.wards or ())]
    expected = mine.groupby(["layer", "category"]).size()
    city = in_period.groupby(["layer", "category"]).size()
    got = ashley.categories.set_index(["layer", "category"])
    assert got["count"][got["count"] > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert got["city_count"].sort_index().to_dict() == city.sort_index().to_dict()
    totals = mine.groupby("layer").size().reindex(list(LAYERS), fill_value=0)
    assert ashley.layers.set_index("layer")["count"].to_dict() == totals.to_dict()


def test_monthly_series_equal_pandas_with_zero_months(
    ashley: AreaProfile, in_period: pd.DataFrame
) -> None:
    mine = in_period[in_period["ward_code"].isin(ashley.wards or ())]
    months = [str(p) for p in pd.period_range(FIRST, LAST, freq="M")]
    for layer in LAYERS:
        expected = mine[mine["layer"] == layer].groupby("month").size()
        expected = expected.reindex(months, fill_value=0)
        got = ashley.monthly[ashley.monthly["layer"] == layer]
        assert got["period"].tolist() == months
        assert got["count"].tolist() == expected.tolist()


def test_rates_and_the_ratio_to_the_city_use_the_loaded_population(
    store: Store, ashley: AreaProfile
) -> None:
    population = store.query("SELECT code, population, children FROM context WHERE level = 'ward'")
    mine = population[population["code"].isin(ashley.wards or ())]
    years = 30 / 12
    for row in ashley.layers.itertuples():
        per_resident = row.count / mine["population"].sum() * 1000 / years
        per_child = row.count / mine["children"].sum() * 1000 / years
        city = row.city_count / population["population"].sum() * 1000 / years
        assert row.per_1000_residents == pytest.approx(per_resident)
        assert row.per_1000_children == pytest.approx(per_child)
        assert row.city_per_1000_residents == pytest.approx(city)
        assert row.rate_ratio == pytest.approx(per_resident / city)
        assert row.ratio_basis == "residents"


def test_deprivation_is_the_wards_loaded_decile(store: Store, ashley: AreaProfile) -> None:
    context = store.query("SELECT code, imd_decile FROM context WHERE level = 'ward'")
    decile = context.set_index("code").loc[ashley.wards[0], "imd_decile"]  # type: ignore[index]
    assert ashley.context.imd_decile == pytest.approx(decile)
    assert "synthetic" in ashley.context.source


def test_top_locations_equal_pandas(ashley: AreaProfile, in_period: pd.DataFrame) -> None:
    mine = in_period[
        in_period["ward_code"].isin(ashley.wards or ()) & in_period["location_desc"].notna()
    ]
    table = mine.groupby("location_desc").size().reset_index(name="n")
    table = table.sort_values(["n", "location_desc"], ascending=[False, True]).head(10)
    assert ashley.locations["location"].tolist() == table["location_desc"].tolist()
    assert ashley.locations["count"].tolist() == table["n"].tolist()
    assert ashley.described == len(mine)


def test_weekdays_and_hours_equal_pandas(ashley: AreaProfile, in_period: pd.DataFrame) -> None:
    mine = in_period[in_period["ward_code"].isin(ashley.wards or ())]
    dated = mine[mine["date_precision"].isin(["day", "datetime"])]
    when = dated["datetime"].fillna(dated["date"])
    days = pd.Series(when.dt.day_of_week.to_numpy(), index=dated.index)
    timed = mine[mine["date_precision"] == "datetime"]
    for layer in LAYERS:
        expected = days[dated["layer"] == layer].value_counts().reindex(range(7), fill_value=0)
        got = ashley.weekdays[ashley.weekdays["layer"] == layer]["count"].tolist()
        assert got == expected.tolist()
        hours = timed.loc[timed["layer"] == layer, "datetime"].dt.hour.value_counts()
        got_hours = ashley.hours[ashley.hours["layer"] == layer]["count"].tolist()
        assert got_hours == hours.reindex(range(24), fill_value=0).tolist()
    assert ashley.timed.set_index("layer")["with_day"].sum() == len(dated)


def test_surveys_equal_pandas(store: Store, ashley: AreaProfile) -> None:
    answers = store.query(
        "SELECT question, score, ward_code, strftime(date, '%Y-%m') AS month FROM surveys "
        "WHERE ward_code IS NOT NULL"
    )
    answers = answers[(answers["month"] >= FIRST) & (answers["month"] <= LAST)]
    mine = answers[answers["ward_code"].isin(ashley.wards or ())]
    for row in ashley.surveys.itertuples():
        here = mine[mine["question"] == row.question]
        city = answers[answers["question"] == row.question]
        assert row.responses == len(here)
        assert row.value == pytest.approx(here["score"].mean())
        assert row.city_responses == len(city)
        assert row.city_value == pytest.approx(city["score"].mean())
    measures = dict(zip(ashley.surveys["question"], ashley.surveys["measure"], strict=True))
    assert measures["Have you seen knives carried in this area?"] == "share answering yes"
    assert measures["I feel safe in my area after dark"] == "mean score, one to five"


def test_interventions_are_those_touching_the_area(store: Store, ashley: AreaProfile) -> None:
    register = store.query("SELECT name, geometry_wkt FROM interventions")
    shapes = shapely.from_wkt(register["geometry_wkt"].to_numpy())
    touching = register.loc[shapely.intersects(shapes, ashley.geometry), "name"]
    assert sorted(ashley.interventions["name"]) == sorted(touching)


def test_a_locality_adds_up_its_wards(
    store: Store, wards: gpd.GeoDataFrame, in_period: pd.DataFrame
) -> None:
    profile = area_profile(store, "locality:north", date_from=FIRST, date_to=LAST)
    codes = wards.loc[wards["parent_code"] == "North", "code"]
    assert profile.area == "locality:North"
    assert profile.wards == tuple(sorted(codes))
    expected = in_period[in_period["ward_code"].isin(codes)].groupby("layer").size()
    assert profile.layers.set_index("layer")["count"].to_dict() == expected.to_dict()


def test_a_hexagon_counts_the_events_in_its_cell(
    store: Store, events: pd.DataFrame, in_period: pd.DataFrame
) -> None:
    busiest = int(events["h3_cell"].dropna().astype("uint64").value_counts().index[0])
    cell = h3.cell_to_parent(h3.int_to_str(busiest), 8)
    profile = area_profile(store, f"h3:{cell}", date_from=FIRST, date_to=LAST)
    inside = in_period[_parent(in_period["h3_cell"], 8) == cell]
    assert profile.cells == (cell,)
    assert profile.layers.set_index("layer")["count"].to_dict() == (
        inside.groupby("layer").size().reindex(list(LAYERS), fill_value=0).to_dict()
    )
    assert profile.layers["ratio_basis"].eq("km²").all()
    assert profile.context.population is None
    assert math.isnan(profile.layers["per_1000_residents"].iloc[0])
    children = set(h3.cell_to_children(cell, profile.hotspot_resolution))
    assert set(profile.hexagons["h3_cell"]) == children


def test_a_drawn_polygon_counts_the_events_in_its_covering_cells(
    store: Store, wards: gpd.GeoDataFrame, in_period: pd.DataFrame
) -> None:
    centre = wards.loc[wards["name"] == "Easton"].geometry.iloc[0].centroid
    polygon = shapely.Point(centre.x, centre.y).buffer(0.006)
    profile = area_profile(store, polygon, date_from=FIRST, date_to=LAST)
    assert profile.kind == "drawn"
    assert profile.cell_resolution == 10
    assert "chosen automatically" in profile.how
    shape = gpd.GeoSeries([polygon], crs="EPSG:4326")
    covering = {h3.int_to_str(int(c)) for c in cells_covering(shape, resolution=10)}
    assert set(profile.cells) == covering
    inside = in_period[_parent(in_period["h3_cell"], 10).isin(covering)]
    expected = inside.groupby("layer").size().reindex(list(LAYERS), fill_value=0)
    assert profile.layers.set_index("layer")["count"].to_dict() == expected.to_dict()


# --- planted patterns -------------------------------------------------------------------


def test_the_planted_persistent_hotspot_is_a_hot_spot_area(
    store: Store, planted: dict[str, PlantedPattern]
) -> None:
    site = planted["persistent hotspot"]
    cell = h3.latlng_to_cell(site.lat, site.lon, 9)
    profile = area_profile(store, f"hotspot:{cell}")
    assert cell in profile.cells
    table = counts(store, by="h3:9").set_index("area_code")["count"]
    bins = gi_star(table)["gi_bin"]
    assert (bins.loc[list(profile.cells)] >= 2).all()
    frontier = {n for c in profile.cells for n in h3.grid_disk(c, 1)} - set(profile.cells)
    assert not (bins.reindex(sorted(frontier)).fillna(0) >= 2).any()  # the whole cluster
    hexagons = profile.hexagons.set_index("h3_cell")
    assert hexagons.loc[cell, "pattern"] in {"Persistent Hot Spot", "Intensifying Hot Spot"}


def test_the_planted_emerging_hotspot_shows_in_its_ward(
    store: Store, wards: gpd.GeoDataFrame, planted: dict[str, PlantedPattern]
) -> None:
    site = planted["emerging hotspot"]
    profile = area_profile(store, f"ward:{_code(wards, 'Lockleaze')}")
    change = profile.trends["incidents"].change
    assert change is not None
    assert change.direction == "rising"
    assert change.p < 0.01
    cell = h3.latlng_to_cell(site.lat, site.lon, profile.hotspot_resolution)
    pattern = profile.hexagons.set_index("h3_cell").loc[cell, "pattern"]
    assert pattern.split()[0] in {"New", "Consecutive", "Intensifying", "Sporadic"}
    summary = " ".join(disclosed_profile(profile, get_policy("public"))["summary"])
    assert "rose by" in summary
    assert "unlikely to be chance" in summary


def test_the_planted_low_felt_safety_shows_against_the_city(ashley: AreaProfile) -> None:
    surveys = ashley.surveys.set_index("question")
    safe = surveys.loc["I feel safe in my area after dark"]
    knives = surveys.loc["Have you seen knives carried in this area?"]
    assert safe["value"] < safe["city_value"] - 0.2
    assert knives["value"] > knives["city_value"]


def test_the_planted_intervention_is_listed_where_it_runs(
    store: Store, planted: dict[str, PlantedPattern], wards: gpd.GeoDataFrame
) -> None:
    effect = planted["intervention effect"]
    point = shapely.Point(effect.lon, effect.lat)
    ward = wards.loc[wards.geometry.contains(point), "code"].iloc[0]
    profile = area_profile(store, f"ward:{ward}")
    listed = profile.interventions.set_index("name")
    assert listed.loc["Bedminster high street lighting and green redesign", "status"].startswith(
        "running"
    )


# --- disclosure -------------------------------------------------------------------------


def _count_strings(shown: dict[str, object]) -> Iterator[str]:
    layers = shown["layers"]
    assert isinstance(layers, list)
    for row in layers:
        yield row["count"]
        yield row["city_count"]
    for row in shown["categories"]:  # type: ignore[attr-defined]
        yield row["count"]
    for rows in shown["times"].values():  # type: ignore[attr-defined]
        for row in rows:
            yield row["total"]
            yield from row["values"]
    for row in shown["locations"]["rows"]:  # type: ignore[index]
        yield row["count"]
    for chart in shown["chart"].values():  # type: ignore[attr-defined]
        yield from chart["values"]
    for cell in shown["map"]["cells"]:  # type: ignore[index]
        yield cell["count"]


@pytest.mark.parametrize("name", ["Ashley", "Lockleaze", "Stockwood", "Central"])
def test_public_figures_are_hidden_or_rounded_to_five(
    store: Store, wards: gpd.GeoDataFrame, name: str
) -> None:
    profile = area_profile(store, f"ward:{_code(wards, name)}")
    shown = disclosed_profile(profile, get_policy("public"))
    for text in _count_strings(shown):
        assert text in ("<5", "[c]") or int(text.replace(",", "")) % 5 == 0, text
    for trend in shown["trends"].values():
        assert not re.search(r"(?<![\d.,])[1-4](?![\d.,%])", trend["recent"] + trend["previous"])


def test_partnership_figures_are_exact_except_small_ones(ashley: AreaProfile) -> None:
    shown = disclosed_profile(ashley, get_policy("partnership"))
    raw = ashley.categories.set_index(["layer", "category"])["count"]
    for row in shown["categories"]:
        value = int(raw.loc[(row["layer"], row["category"])])
        if 0 < value < 5:
            assert row["count"] == "<5"
        elif row["count"] != "[c]":
            assert row["count"] == f"{value:,}"


def test_a_hidden_category_cannot_be_worked_out_from_the_layer_total(
    store: Store, wards: gpd.GeoDataFrame
) -> None:
    for name in ("Ashley", "Stockwood", "Hillfields"):
        profile = area_profile(store, f"ward:{_code(wards, name)}")
        shown = disclosed_profile(profile, get_policy("partnership"))
        totals = {row["layer"]: row["count"] for row in shown["layers"]}
        for layer in LAYERS:
            rows = [r for r in shown["categories"] if r["layer"] == layer]
            hidden = [r for r in rows if r["count"] in ("<5", "[c]")]
            if len(hidden) == 1:  # only safe when the total is hidden too
                assert totals[layer] == "<5", (name, layer, rows)


def test_rates_and_changes_of_small_counts_are_not_shown(
    store: Store, wards: gpd.GeoDataFrame
) -> None:
    profile = area_profile(store, f"ward:{_code(wards, 'Stockwood')}", date_from="2026-01")
    shown = disclosed_profile(profile, get_policy("public"))
    for row, raw in zip(shown["layers"], profile.layers.itertuples(), strict=True):
        if 0 < raw.count < 5:
            assert row["per_1000_residents"] == "<5"
            assert row["compared_with_city"].startswith("not compared")
    for layer, trend in shown["trends"].items():
        change = profile.trends[layer].change
        if change is not None and 0 < min(change.recent, change.baseline) < 5:
            assert trend["change_cell"] == "too few to say"
            assert trend["headline"] == ""
