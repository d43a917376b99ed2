"""Shared by the safe-output tests: a store holding hostile text, and CSV cell checks."""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

from layers import aggregate
from layers import schema as S
from layers.demo_store import build_demo_store
from layers.export import FORMULA_STARTS
from layers.ingest import import_files
from layers.settings import Settings, load_settings
from layers.store import Store

ROOT = Path(__file__).resolve().parent.parent
LOCATION = "<img src=x onerror=alert(1)>"
SCRIPT_WARD = "<script>alert(2)</script>"
BRACES_WARD = "{{ 7*7 }}"
FORMULA = '=HYPERLINK("http://x","y")'
IMAGE_WARD = "![x](http://beacon.invalid/x.png)"  # Markdown that would fetch an image
LITERAL_WARD = "${alert(5)}"  # runs inside a JavaScript template literal (folium's tooltips)
INTERVENTION = "<svg onload=alert(3)>"
QUESTION = '"><img src=x onerror=alert(4)>'
AGENCY = "@SUM(1+1)"
WARD_NAMES = (SCRIPT_WARD, BRACES_WARD, FORMULA, IMAGE_WARD, LITERAL_WARD)
RAW = ("<img src=x", "<script>alert", "<svg onload", '"><img')  # never reach a parser
MONTH = "2026-10"
HOSTILE_ROWS = 250  # incidents at the hostile location: the commonest place in its ward
POPPLER = shutil.which("pdftotext") is not None


@dataclass(frozen=True)
class Hostile:
    """A store holding hostile text, and where it went."""

    settings: Settings
    store: Store
    codes: dict[str, str]  # hostile ward name -> its code
    rejected_path: Path  # the incidents import's rejected rows (one: the formula category)


def build_hostile_store(home: Path) -> Hostile:
    """Build the demo store in ``home`` and import hostile boundaries and layers into it."""
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, seed=11, scale=0.3)
    wards = Store(settings.store).boundaries("ward").set_index("code")
    counted = aggregate.counts(Store(settings.store), by="ward")
    busiest = counted.nlargest(len(WARD_NAMES), "count")["area_code"]  # ranked high, mapped
    codes = dict(zip(WARD_NAMES, busiest, strict=True))
    renamed = wards.copy()
    renamed.loc[list(codes.values()), "name"] = list(codes)
    renamed.reset_index()[["code", "name", "geometry"]].to_file(
        home / "wards.geojson", driver="GeoJSON"
    )
    import_files("boundaries", [home / "wards.geojson"], settings=settings)
    point = wards.geometry[codes[SCRIPT_WARD]].representative_point()
    lon, lat = f"{point.x:.6f}", f"{point.y:.6f}"
    report = import_files("incidents", [_police_month(home, lon, lat)], settings=settings)
    import_files("interventions", [_interventions(home, lon, lat)], settings=settings)
    import_files("surveys", [_surveys(home, codes[SCRIPT_WARD])], settings=settings)
    assert report.rejected == 1
    assert report.rejected_path is not None
    return Hostile(settings, Store(settings.store), codes, Path(report.rejected_path))


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _police_month(home: Path, lon: str, lat: str) -> Path:
    force = "Avon and Somerset Constabulary"
    rows = [
        [f"{i:064x}", MONTH, force, force, lon, lat, LOCATION, "", "", "Burglary", "", ""]
        for i in range(1, HOSTILE_ROWS + 1)
    ]
    rows.append(["f" * 64, MONTH, force, force, lon, lat, "On or near X", "", "", FORMULA, "", ""])
    return _write(home / f"{MONTH}-avon-and-somerset-street.csv", list(S.POLICE_UK_COLUMNS), rows)


def _interventions(home: Path, lon: str, lat: str) -> Path:
    header = ["id", "name", "intervention_type", "start_date", "lead_agency", "notes", "lon"]
    row = ["x-1", INTERVENTION, FORMULA, "2025-01-01", AGENCY, BRACES_WARD, lon, lat]
    return _write(home / "interventions.csv", [*header, "lat"], [row])


def _surveys(home: Path, code: str) -> Path:
    header = ["id", "survey", "question", "answer", "date", "area_code"]
    rows = [[f"h{i}", "Safety", QUESTION, str(1 + i % 5), "2026-09", code] for i in range(20)]
    return _write(home / "surveys.csv", header, rows)


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _assert_neutral(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(FORMULA_STARTS) or _number(cell), cell


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
