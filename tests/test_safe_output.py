"""Hostile text imported into a store stays text on every map, profile and store export.

A small store is built the way a partnership fills one: the demo store, then official
boundaries whose ward names are hostile, a police.uk month whose location description is
an HTML payload, an intervention and a survey with hostile text. Every map layer, the
HTML and PDF profiles and the CSV exports of store tables are then checked against it.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import pytest

from assessments.disclosure import get_policy
from assessments.exports import disclosed_counts_table, disclosed_csv
from assessments.priority import candidate_places, place_shapes
from assessments.profile import area_profile
from assessments.report import map_svg, render_html, render_pdf
from hotspots.emerging import cube_from_counts, emerging_hotspots
from hotspots.gistar import gi_star, gi_star_areas
from hotspots.kde import contours, kde_grid
from hotspots.overlap import multi_harm_overlap
from layers import aggregate, maps, queries
from layers.export import safe_csv
from layers.ingest import import_files
from tests._safe_output_support import (
    AGENCY,
    BRACES_WARD,
    FORMULA,
    HOSTILE_ROWS,
    IMAGE_WARD,
    INTERVENTION,
    LITERAL_WARD,
    LOCATION,
    POPPLER,
    QUESTION,
    RAW,
    ROOT,
    SCRIPT_WARD,
    WARD_NAMES,
    Hostile,
    _assert_neutral,
    _cells,
    _police_month,
    build_hostile_store,
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    return build_hostile_store(tmp_path_factory.mktemp("hostile"))


# --- what a browser would parse -----------------------------------------------------------


def reached(page: str) -> str:
    r"""Return the page with the JavaScript string escapes undone.

    Text inside a script reaches Leaflet (``bindTooltip``, ``innerHTML``) as HTML once
    the string literal is read; undoing ``\u003c`` and friends shows that HTML.
    """
    for escaped, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&"), ("\\u0027", "'")):
        page = page.replace(escaped, char)
    return page.replace('\\"', '"').replace("\\/", "/")


def assert_inert(page: str) -> None:
    """No hostile markup reaches an HTML parser, nor a template engine."""
    for text in (page, reached(page)):
        found = [raw for raw in RAW if raw in text]
        assert found == [], f"raw hostile markup in the page: {found}"
    assert "&amp;lt;" not in reached(page)  # escaped once, not twice (shows literally)
    for evaluated in ("in 49 (", ">49<", "<br>49"):
        assert evaluated not in reached(page), "{{ 7*7 }} was run as a template"
    literals = re.findall(r"`[^`]*`", page)  # JavaScript template literals run ${...}
    assert [t for t in literals if "${" in t] == [], "data inside a JavaScript template literal"


def shows(page: str, text: str) -> bool:
    """Whether ``text`` reaches the browser as HTML that displays it literally."""
    forms = {html.escape(text), html.escape(text, quote=False), text}
    forms.add(html.escape(text).replace("{", "&#123;").replace("}", "&#125;"))
    return any(form in reached(page) for form in forms if not any(r in form for r in RAW))


# --- maps -----------------------------------------------------------------------------------


def _gi_planted(hostile: Hostile) -> pd.DataFrame:
    """Gi* of the ward counts, with every hostile ward planted as a 99 % hot spot."""
    wards = hostile.store.boundaries("ward")
    series = aggregate.counts(hostile.store, by="ward").set_index("area_code")["count"]
    gi = gi_star_areas(series.astype("int64"), wards)
    gi.loc[list(hostile.codes.values()), "gi_bin"] = 3
    return gi


def _layers(hostile: Hostile) -> dict[str, Callable[[], folium.FeatureGroup]]:
    store, wards = hostile.store, hostile.store.boundaries("ward")
    cells = aggregate.counts(store, by="h3:8")
    monthly = aggregate.counts(store, by="h3:8", period="month", date_from="2025-01")
    points = queries.event_points(store, kinds=("incidents",))
    surface = kde_grid(points, weights="weight", extent=wards)
    levels = maps.density_levels(surface.density, shares=(0.25, 0.5))
    question = queries.survey_summary(store, by="ward", question=QUESTION)
    return {
        "area_choropleth": lambda: maps.area_choropleth(
            aggregate.counts(store, by="ward"), wards, name="Incidents per ward"
        ),
        "hex_choropleth": lambda: maps.hex_choropleth(cells, name="Incidents per hexagon"),
        "boundary_layer": lambda: maps.boundary_layer(wards, name="Wards"),
        "hotspot_layer": lambda: maps.hotspot_layer(_gi_planted(hostile), wards, name="Gi*"),
        "hex_hotspot_layer": lambda: maps.hotspot_layer(
            gi_star(cells.set_index("area_code")["count"]), name="Gi* cells"
        ),
        "overlap_layer": lambda: maps.overlap_layer(
            multi_harm_overlap({"incidents": _gi_planted(hostile), "knife": _gi_planted(hostile)}),
            wards,
            labels={"incidents": "Police incidents", "knife": "Knife injuries"},
            name="Several harms",
        ),
        "emerging_layer": lambda: maps.emerging_layer(
            emerging_hotspots(cube_from_counts(monthly), pool="auto"), name="Emerging"
        ),
        "density_layer": lambda: maps.density_layer(
            contours(surface, levels=levels), shares=(0.25, 0.5), name="Density"
        ),
        "survey_layer": lambda: maps.survey_layer(question, wards, name="Survey"),
        "interventions_layer": lambda: maps.interventions_layer(
            queries.interventions(store), name="Interventions"
        ),
        "ranked_layer": lambda: maps.ranked_layer(
            place_shapes(store, candidate_places(store, unit="ward")), name="Places ranked"
        ),
    }


SHOWN = {  # what each layer must show literally (the rest only must not run)
    "area_choropleth": list(WARD_NAMES),
    "boundary_layer": list(WARD_NAMES),
    "hotspot_layer": list(WARD_NAMES),
    "overlap_layer": list(WARD_NAMES),
    "survey_layer": [SCRIPT_WARD, QUESTION],
    "interventions_layer": [INTERVENTION, FORMULA, AGENCY, BRACES_WARD],
    "ranked_layer": list(WARD_NAMES),
}
LAYER_NAMES = [
    "area_choropleth",
    "hex_choropleth",
    "boundary_layer",
    "hotspot_layer",
    "hex_hotspot_layer",
    "overlap_layer",
    "emerging_layer",
    "density_layer",
    "survey_layer",
    "interventions_layer",
    "ranked_layer",
]


def _page(*layers: folium.Element, standalone: bool = False) -> str:
    m = maps.base_map(center=(-2.59, 51.45), zoom=12, leaflet_only=True)
    for layer in layers:
        layer.add_to(m)
    maps.layer_list().add_to(m)
    return maps.standalone_html(m) if standalone else str(m.get_root().render())


@pytest.mark.parametrize("builder", LAYER_NAMES)
def test_every_map_layer_shows_hostile_text_literally(hostile: Hostile, builder: str) -> None:
    page = _page(_layers(hostile)[builder]())
    assert_inert(page)
    missing = [text for text in SHOWN.get(builder, []) if not shows(page, text)]
    assert missing == []


def test_the_whole_map_and_its_download_stay_inert(hostile: Hostile) -> None:
    built = [make() for make in _layers(hostile).values()]
    for page in (_page(*built), _page(*built, standalone=True)):
        assert_inert(page)
        assert all(shows(page, text) for text in (*WARD_NAMES, QUESTION, INTERVENTION))


def test_the_checks_catch_an_unescaped_tooltip() -> None:
    """The page checks above fail on the hole they guard against (folium's own tooltip)."""
    m = maps.base_map(center=(-2.59, 51.45), zoom=12)
    folium.Marker([51.45, -2.59], tooltip=folium.Tooltip(LOCATION)).add_to(m)
    with pytest.raises(AssertionError, match="raw hostile markup"):
        assert_inert(str(m.get_root().render()))
    braces = maps.base_map(center=(-2.59, 51.45), zoom=12)
    folium.Marker([51.45, -2.59], tooltip=folium.Tooltip("in " + BRACES_WARD + " (")).add_to(braces)
    with pytest.raises(AssertionError, match="run as a template"):
        assert_inert(str(braces.get_root().render()))
    literal = maps.base_map(center=(-2.59, 51.45), zoom=12)
    folium.Marker([51.45, -2.59], tooltip=folium.Tooltip(LITERAL_WARD)).add_to(literal)
    with pytest.raises(AssertionError, match="template literal"):
        assert_inert(str(literal.get_root().render()))


# --- profiles ---------------------------------------------------------------------------------


class _Parsed(HTMLParser):
    """Tags with their attributes, and the text a reader sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(document: str) -> _Parsed:
    parser = _Parsed()
    parser.feed(document)
    parser.close()
    return parser


@pytest.mark.parametrize("ward", [SCRIPT_WARD, BRACES_WARD, IMAGE_WARD, LITERAL_WARD])
def test_the_html_profile_shows_hostile_text_as_text(hostile: Hostile, ward: str) -> None:
    profile = area_profile(hostile.store, f"ward:{hostile.codes[ward]}", date_from="2025-11")
    document = render_html(profile, policy=get_policy("public"))
    parsed = _parsed(document)
    handlers = [(tag, name) for tag, attrs in parsed.tags for name, _ in attrs if name[:2] == "on"]
    assert handlers == []
    assert {tag for tag, _ in parsed.tags} & {"script", "img", "iframe", "object"} == set()
    text = "".join(parsed.text)
    assert ward in text
    if ward == SCRIPT_WARD:  # the ward holding the hostile incidents, survey, intervention
        for shown in (LOCATION, QUESTION, INTERVENTION, FORMULA, AGENCY):
            assert shown in text, shown
    for svg in map_svg(profile, policy=get_policy("public")):
        assert not [raw for raw in RAW if raw in svg]


@pytest.mark.skipif(not POPPLER, reason="poppler-utils missing: apt-get install poppler-utils")
def test_the_pdf_profile_prints_hostile_text_literally(hostile: Hostile, tmp_path: Path) -> None:
    profile = area_profile(hostile.store, f"ward:{hostile.codes[SCRIPT_WARD]}", date_from="2025-11")
    path = tmp_path / "profile.pdf"
    path.write_bytes(render_pdf(profile, policy=get_policy("public")))
    printed = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    squeezed = "".join(printed.split())
    for text in (SCRIPT_WARD, LOCATION, QUESTION, INTERVENTION, FORMULA, AGENCY):
        assert "".join(text.split()) in squeezed, text


# --- CSV exports of the hostile store ----------------------------------------------------------


def test_exports_of_store_tables_neutralise_hostile_ward_names(hostile: Hostile) -> None:
    table = aggregate.counts(hostile.store, by="ward", period="year")
    for data in (
        safe_csv(table),
        disclosed_csv(
            disclosed_counts_table(table, policy=get_policy("public")),
            count_columns=(),
            policy=get_policy("public"),
        ),
    ):
        rows = _cells(data)
        _assert_neutral(rows)
        assert f"'{FORMULA}" in {cell for row in rows for cell in row}


def test_the_rejected_rows_file_neutralises_a_hostile_file_name(
    hostile: Hostile, tmp_path: Path
) -> None:
    path = _police_month(tmp_path, "-2.59", "51.45").rename(tmp_path / f"{AGENCY}.csv")
    report = import_files("incidents", [path], settings=hostile.settings)
    assert report.rejected_path is not None
    rows = _cells(Path(report.rejected_path).read_bytes())
    assert rows[1][0] == f"'{AGENCY}.csv"
    _assert_neutral(rows)


def test_the_counts_command_neutralises_hostile_ward_names(hostile: Hostile) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "layers", "counts", "--by", "ward"],
        cwd=ROOT,
        env={"ATLAS_STORE": str(hostile.settings.store), "PATH": ""},
        capture_output=True,
        check=True,
    )
    rows = _cells(done.stdout)
    assert f"'{FORMULA}" in {cell for row in rows for cell in row}
    _assert_neutral(rows)


def test_hostile_wards_are_stored_as_given(hostile: Hostile) -> None:
    """The fixture is what the tests above assume: the names were imported unchanged."""
    wards = hostile.store.boundaries("ward").set_index("code")["name"]
    assert {name: wards[code] for name, code in hostile.codes.items()} == {
        name: name for name in WARD_NAMES
    }
    locations = hostile.store.query(
        "SELECT count(*) AS n FROM incidents WHERE location_desc = ?", [LOCATION]
    )
    assert int(locations["n"].iloc[0]) == HOSTILE_ROWS
    assert isinstance(queries.interventions(hostile.store), gpd.GeoDataFrame)
