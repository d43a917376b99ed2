"""Printed profiles: two A4 pages for a ward, every section, no small count, text escaped."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest

from assessments.disclosure import get_policy
from assessments.profile import AreaProfile, area_profile, disclosed_profile
from assessments.report import map_svg, render_html, render_pdf
from layers.demo_store import build_demo_store
from layers.settings import load_settings
from layers.store import Store

POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdftoppm"))
pytestmark = pytest.mark.skipif(not POPPLER, reason="poppler-utils missing: apt-get install")

SAMPLE = ("Ashley", "Central", "Lockleaze", "Stockwood", "Hartcliffe & Withywood", "Southmead")
SECTIONS = (
    "Summary",
    "Where in the area",
    "Key figures",
    "over time",
    "What changed",
    "What was recorded, by category",
    "Hot spots",
    "Most common places (police.uk)",
    "Days and times",
    "What people say (surveys)",
    "Interventions in or touching the area",
    "Data, methods and disclosure control",
)
# A count from 1 to 4 standing alone: not part of a longer number, a decimal, a
# percentage, a time, a range or a cell code.
SMALL = re.compile(r"(?<![\w.,:/<\[\-–−+])([1-4])(?![\w.,:%/×\-–])")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("report")
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, seed=5, scale=0.3)
    return Store(settings.store)


@pytest.fixture(scope="module")
def wards(store: Store) -> gpd.GeoDataFrame:
    return store.boundaries("ward")


@pytest.fixture(scope="module")
def printed(
    store: Store, wards: gpd.GeoDataFrame, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[AreaProfile, Path]]:
    """The public PDF of each sampled ward, written to a folder kept for the session."""
    folder = tmp_path_factory.mktemp("pdfs")
    out = {}
    for name in SAMPLE:
        code = wards.loc[wards["name"] == name, "code"].iloc[0]
        profile = area_profile(store, f"ward:{code}")
        path = folder / f"{code}.pdf"
        path.write_bytes(render_pdf(profile, policy=get_policy("public")))
        out[name] = (profile, path)
    return out


def _text(path: Path, *, layout: bool = False, page: int | None = None) -> str:
    command = ["pdftotext", *(["-layout"] if layout else [])]
    if page is not None:
        command += ["-f", str(page), "-l", str(page)]
    return subprocess.run(
        [*command, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _info(path: Path) -> dict[str, str]:
    lines = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pairs = (line.split(":", 1) for line in lines.stdout.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", SAMPLE)
def test_a_ward_prints_on_two_a4_pages(
    printed: dict[str, tuple[AreaProfile, Path]], name: str
) -> None:
    info = _info(printed[name][1])
    assert info["Pages"] == "2"
    assert info["Page size"].endswith("(A4)")


@pytest.mark.parametrize("name", SAMPLE)
def test_the_pdf_has_every_section_and_says_its_policy_on_every_page(
    printed: dict[str, tuple[AreaProfile, Path]], name: str
) -> None:
    profile, path = printed[name]
    text = _flat(_text(path))
    for heading in (profile.title, *SECTIONS):
        assert heading in text, heading
    assert _flat(get_policy("public").statement()) in text
    for page in (1, 2):
        assert "Public version" in _text(path, page=page)
        assert f"Page {page} of 2" in _text(path, page=page)


@pytest.mark.parametrize("name", SAMPLE)
def test_no_count_from_1_to_4_is_printed_under_the_public_policy(
    printed: dict[str, tuple[AreaProfile, Path]], name: str
) -> None:
    text = _flat(_text(printed[name][1]))
    text = text.replace(_flat(get_policy("public").statement()), " ")
    text = re.sub(r"Page \d of \d", " ", text)
    leaks = [text[max(0, m.start() - 50) : m.end() + 20] for m in SMALL.finditer(text)]
    assert leaks == []


def test_the_pdf_prints_the_disclosed_figures(
    printed: dict[str, tuple[AreaProfile, Path]],
) -> None:
    profile, path = printed["Ashley"]
    shown = disclosed_profile(profile, get_policy("public"))
    text = _flat(_text(path))
    for line in shown["summary"]:
        assert _flat(line) in text
    lines = _text(path, layout=True).splitlines()
    for row in shown["layers"]:
        assert any(row["label"].split()[0] in ln and row["count"] in ln for ln in lines), row
    for row in shown["locations"]["rows"]:
        assert any(row["location"] in ln and ln.rstrip().endswith(row["count"]) for ln in lines)
    categories = [r for r in shown["categories"] if r["layer"] == "incidents"]
    for row in categories:
        assert any(row["category"] in ln and row["count"] in ln for ln in lines), row


def test_each_page_is_saved_as_a_picture(
    printed: dict[str, tuple[AreaProfile, Path]], tmp_path: Path
) -> None:
    """Pictures to look at (kept in pytest's temporary folder); each is a full page."""
    for name, (_, path) in printed.items():
        stem = tmp_path / re.sub(r"\W+", "-", name).lower()
        subprocess.run(["pdftoppm", "-r", "80", "-png", str(path), str(stem)], check=True)
    pictures = sorted(tmp_path.glob("*.png"))
    assert len(pictures) == 2 * len(printed)
    assert all(p.stat().st_size > 40_000 for p in pictures)


def test_other_kinds_of_area_print(store: Store, tmp_path: Path) -> None:
    for area in ("locality:South", "h3:89195839043ffff"):
        profile = area_profile(store, area)
        path = tmp_path / f"{area.replace(':', '-')}.pdf"
        path.write_bytes(render_pdf(profile, policy=get_policy("partnership")))
        assert int(_info(path)["Pages"]) >= 1
        assert "Partnership version" in _text(path)


def test_text_from_the_data_is_escaped(store: Store, wards: gpd.GeoDataFrame) -> None:
    profile = area_profile(store, f"ward:{wards['code'].iloc[0]}")
    nearby = profile.nearby.assign(name="<b>Ward</b>")
    register = gpd.GeoDataFrame(
        {
            "name": ['<img src=x onerror="alert(1)">'],
            "intervention_type": ["<i>CCTV</i>"],
            "lead_agency": ["A & B"],
            "start_date": [None],
            "end_date": [None],
            "status": ["running"],
        },
        geometry=[profile.geometry.representative_point()],
        crs="EPSG:4326",
    )
    hostile = dataclasses.replace(
        profile, title="<script>alert(1)</script>", nearby=nearby, interventions=register
    )
    html = render_html(hostile, policy=get_policy("public"))
    for raw in ("<script>alert", "<img src=x", "<b>Ward</b>", "<i>CCTV</i>", "A & B"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Ward&lt;/b&gt;" in map_svg(hostile, policy=get_policy("public"))[0]


def test_the_page_needs_no_network(store: Store, wards: gpd.GeoDataFrame) -> None:
    profile = area_profile(store, f"ward:{wards['code'].iloc[0]}")
    html = render_html(profile, policy=get_policy("partnership"))
    assert re.findall(r"\b(?:src|href)\s*=", html) == []
    assert set(re.findall(r"https?://[^\s\"')]+", html)) == {"http://www.w3.org/2000/svg"}


def test_the_map_draws_the_area_and_its_shown_counts(store: Store, wards: gpd.GeoDataFrame) -> None:
    profile = area_profile(store, f"ward:{wards['code'].iloc[0]}")
    drawn, legend = map_svg(profile, policy=get_policy("public"))
    shown = disclosed_profile(profile, get_policy("public"))
    assert drawn.startswith("<svg")
    assert legend.startswith("<svg")
    assert drawn.count("<path") >= len(shown["map"]["cells"]) + 1  # the cells and the outline
    assert "hot spot (Gi*)" in legend
