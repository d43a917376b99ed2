"""Imports end to end: real data against independent counts, idempotence, atomicity, and more.

Also: concurrency with a reader, pseudonymisation, the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pytest

from layers import schema as S
from layers.__main__ import main
from layers.aggregate import counts
from layers.ingest import import_files
from layers.settings import Settings, load_settings
from layers.store import Store, Writer

POLICE_12M = "police_uk/bristol_street_2020-10_to_2021-09.csv"
WARDS_2016 = "boundaries/bristol_wards_2016_34wards_bcc.geojson"


def _settings(tmp: Path) -> Settings:
    return load_settings(store=tmp / "atlas.duckdb", rejected_dir=tmp / "rejected")


def _police_csv(path: Path, rows: list[list[str]]) -> Path:
    header = ",".join(S.POLICE_UK_COLUMNS)
    path.write_text(header + "\n" + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _row(
    crime_id: str, lon: str = "-2.5900", lat: str = "51.4550", crime: str = "Robbery"
) -> list[str]:
    return [
        crime_id,
        "2021-03",
        "Avon and Somerset Constabulary",
        "Avon and Somerset Constabulary",
        lon,
        lat,
        "On or near Park Street",
        "E01014540",
        "Bristol 032B",
        crime,
        "Under investigation",
        "",
    ]


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    rows = [_row(f"id{i}") for i in range(5)] + [_row("", crime="Anti-social behaviour")] * 2
    rows += [_row("bad1", lon="", lat=""), _row("id0")]  # no location; a repeated id
    return _police_csv(tmp_path / "2021-03-street.csv", rows)


# --- real data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Path]:
    shared = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("real data not found: ../shared/data beside the checkout")
    tmp = tmp_path_factory.mktemp("real")
    store_arg = ["--store", str(tmp / "atlas.duckdb")]
    assert (
        main(
            [
                "import",
                "boundaries",
                str(shared / WARDS_2016),
                "--map",
                "ward_id=code",
                "ward_name=name",
                *store_arg,
            ]
        )
        == 0
    )
    assert main(["import", "incidents", str(shared / POLICE_12M), *store_arg]) == 0
    return Store(tmp / "atlas.duckdb"), shared


def _kept_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """The raw rows that must be imported: located, and not a repeat of an earlier Crime ID."""
    repeated = raw["Crime ID"].notna() & raw["Crime ID"].duplicated()
    return raw[~repeated & raw["Longitude"].notna()]


@pytest.mark.realdata
def test_real_file_every_row_is_imported_or_rejected_with_a_reason(
    real_store: tuple[Store, Path],
) -> None:
    store, shared = real_store
    raw = pd.read_csv(shared / POLICE_12M)
    imported = int(store.query("SELECT count(*) FROM incidents").iloc[0, 0])
    rejected = store.query("SELECT reason FROM rejected WHERE kind = 'incidents'")
    assert imported + len(rejected) == len(raw) == 58_436
    assert len(rejected) == len(raw) - len(_kept_rows(raw))
    assert rejected["reason"].str.len().gt(0).all()


@pytest.mark.realdata
def test_real_counts_by_lsoa_match_a_groupby_on_the_raw_file(
    real_store: tuple[Store, Path],
) -> None:
    store, shared = real_store
    kept = _kept_rows(pd.read_csv(shared / POLICE_12M))
    expected = kept.groupby("LSOA code").size()
    table = counts(store, by="lsoa").set_index("area_code")["count"]
    assert table[table > 0].sort_index().to_dict() == expected.sort_index().to_dict()


@pytest.mark.realdata
def test_real_counts_by_ward_match_a_spatial_join_on_the_real_wards(
    real_store: tuple[Store, Path],
) -> None:
    store, shared = real_store
    kept = _kept_rows(pd.read_csv(shared / POLICE_12M))
    points = gpd.GeoDataFrame(
        kept, geometry=gpd.points_from_xy(kept["Longitude"], kept["Latitude"]), crs=4326
    )
    wards = gpd.read_file(shared / WARDS_2016)
    joined = gpd.sjoin(points, wards[["ward_id", "geometry"]], predicate="within")
    expected = joined.groupby("ward_id").size()
    table = counts(store, by="ward")
    assert len(table) == 34
    got = table.set_index("area_code")["count"]
    assert (
        got.sort_index().to_dict()
        == expected.reindex(got.index, fill_value=0).sort_index().to_dict()
    )
    names = dict(zip(wards["ward_id"], wards["ward_name"], strict=True))
    assert dict(zip(table["area_code"], table["area_name"], strict=True)) == names


@pytest.mark.realdata
def test_real_store_knows_localities_and_is_not_approximate(real_store: tuple[Store, Path]) -> None:
    store, _ = real_store
    status = store.status()
    assert status["boundaries"] == {"locality": 3, "ward": 34}
    assert status["boundaries_approximate"] is False
    by_locality = counts(store, by="locality")
    assert set(by_locality["area_code"]) == {"North", "East Central", "South"}
    assert by_locality["count"].sum() == counts(store, by="ward")["count"].sum()


# --- idempotence, atomicity, concurrency ------------------------------------------------


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path, small_file: Path) -> None:
    settings = _settings(tmp_path)
    first = import_files("incidents", [small_file], settings=settings)
    second = import_files("incidents", [small_file], settings=settings)
    assert (first.imported, first.duplicates, first.rejected) == (7, 0, 2)
    assert (second.imported, second.duplicates, second.rejected) == (0, 7, 2)
    store = Store(settings.store)
    assert int(store.query("SELECT count(*) FROM incidents").iloc[0, 0]) == 7
    assert int(store.query("SELECT count(*) FROM rejected").iloc[0, 0]) == 2
    assert int(store.query("SELECT count(*) FROM imports WHERE kind = 'incidents'").iloc[0, 0]) == 2
    reasons = set(store.query("SELECT reason FROM rejected")["reason"])
    assert any("no location" in r for r in reasons)
    assert any("duplicate id in file" in r for r in reasons)


def test_a_failure_in_the_middle_leaves_the_store_unchanged(
    tmp_path: Path, small_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path)
    import_files(
        "incidents", [_police_csv(tmp_path / "other.csv", [_row("x1")])], settings=settings
    )
    before = Store(settings.store).version()

    def fail(*args: object, **kwargs: object) -> int:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(Writer, "add_rejected", fail)
    with pytest.raises(OSError, match="simulated"):
        import_files("incidents", [small_file], settings=settings)
    store = Store(settings.store)
    assert store.version() == before
    assert int(store.query("SELECT count(*) FROM incidents").iloc[0, 0]) == 1
    assert int(store.query("SELECT count(*) FROM imports").iloc[0, 0]) == 1


def test_import_from_a_second_process_while_the_app_holds_a_connection(
    tmp_path: Path, small_file: Path
) -> None:
    settings = _settings(tmp_path)
    import_files(
        "incidents", [_police_csv(tmp_path / "other.csv", [_row("x1")])], settings=settings
    )
    app_connection = duckdb.connect(str(settings.store), read_only=True)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "layers",
                "import",
                "incidents",
                str(small_file),
                "--store",
                str(settings.store),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["imported"] == 7
        assert app_connection.execute("SELECT count(*) FROM incidents").fetchone() == (1,)
    finally:
        app_connection.close()
    assert int(Store(settings.store).query("SELECT count(*) FROM incidents").iloc[0, 0]) == 8


# --- pseudonymisation -------------------------------------------------------------------


def test_no_raw_person_reference_reaches_the_store(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    refs = ["CHILD-REF-7731", "CHILD-REF-7731", "CHILD-REF-9902", "CHILD-REF-4410"]
    frame = pd.DataFrame(
        {
            "Episode": ["m1", "m2", "m3", "m4"],
            "Child": refs,
            "Reported": ["2021-03-05 22:10", "2021-04-01 18:00", "2021-04-02 09:30", "not a date"],
            "Lon": [-2.59, -2.58, -2.60, -2.59],
            "Lat": [51.45, 51.46, 51.44, 51.45],
        }
    )
    path = tmp_path / "episodes.csv"
    frame.to_csv(path, index=False)
    mapping = {
        "Episode": "event_id",
        "Child": "person_ref",
        "Reported": "datetime",
        "Lon": "lon",
        "Lat": "lat",
    }
    report = import_files("missing", [path], settings=settings, mapping=mapping)
    assert (report.imported, report.rejected) == (3, 1)
    store = Store(settings.store)
    stored = store.query("SELECT person_ref FROM missing")["person_ref"]
    assert stored.nunique() == 2  # the repeat episode still links
    dump = (
        store.query("SELECT * FROM missing").astype(str).to_csv()
        + store.query("SELECT * FROM rejected").astype(str).to_csv()
    )
    files = [
        settings.store.read_bytes(),
        *(p.read_bytes() for p in settings.rejected_dir.iterdir()),
    ]
    for ref in set(refs):
        assert ref not in dump
        assert all(ref.encode() not in blob for blob in files)


# --- command line -----------------------------------------------------------------------


def test_cli_refuses_a_file_without_the_required_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("ref,when,what\n1,2021-03-01,Robbery\n", encoding="utf-8")
    status = main(["import", "incidents", str(path), "--store", str(tmp_path / "s.duckdb")])
    err = capsys.readouterr().err
    assert status == 2
    for part in ("wrong.csv", "ref", "event_id"):
        assert part in err
    assert (
        not (tmp_path / "s.duckdb").exists()
        or Store(tmp_path / "s.duckdb").status()["layers"]["incidents"]["rows"] == 0
    )


def test_cli_json_report_and_counts(
    tmp_path: Path, small_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store_arg = ["--store", str(tmp_path / "s.duckdb")]
    assert main(["import", "incidents", str(small_file), "--json", *store_arg]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"imported": 7, "duplicates": 0, "rejected": 2}.items() <= report.items()
    assert (
        main(["counts", "--by", "ward", "--period", "month", "--format", "json", *store_arg]) == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert set(rows[0]) == {"area_code", "area_name", "period", "count"}
    assert sum(r["count"] for r in rows) == 7
    assert {r["period"] for r in rows} == {"2021-03"}
    assert main(["status", *store_arg]) == 0
    assert "incidents" in capsys.readouterr().out


# --- areas --------------------------------------------------------------------------------


def test_points_outside_every_ward_are_kept_and_reported(tmp_path: Path) -> None:
    from layers.boundaries import demo_wards

    settings = _settings(tmp_path)
    union = demo_wards(settings.boundaries_dir).union_all()
    minx, miny, maxx, maxy = union.bounds
    corners = [(minx, miny), (minx, maxy), (maxx, miny), (maxx, maxy)]
    outside = next(
        (x, y) for x, y in corners if not union.contains(gpd.points_from_xy([x], [y])[0])
    )
    rows = [_row("in1"), _row("out1", lon=f"{outside[0]:.5f}", lat=f"{outside[1]:.5f}")]
    report = import_files(
        "incidents", [_police_csv(tmp_path / "edge.csv", rows)], settings=settings
    )
    assert (report.imported, report.outside_wards) == (2, 1)
    assert any("outside every ward" in note for note in report.notes)
    assert any("approximate demo wards" in note for note in report.notes)
    by_ward = counts(Store(settings.store), by="ward")
    assert by_ward["count"].sum() == 1
    assert by_ward.attrs["unassigned"] == 1


@pytest.mark.realdata
def test_lsoa_boundaries_give_every_lsoa_a_row_and_locate_points_without_a_code(
    tmp_path: Path, shared_data: Path
) -> None:
    settings = _settings(tmp_path)
    lsoa_file = shared_data / "boundaries" / "bristol_lsoa_2011_ukgeojson.geojson"
    frame = pd.DataFrame(
        {
            "id": ["k1", "k2"],
            "date": ["2021-03-05", "2021-04-09"],
            "lon": [-2.59, -2.56],
            "lat": [51.455, 51.46],
        }
    )
    frame.to_csv(tmp_path / "knife.csv", index=False)
    assert import_files("knife", [tmp_path / "knife.csv"], settings=settings).imported == 2
    report = import_files(
        "boundaries",
        [lsoa_file],
        settings=settings,
        level="lsoa",
        mapping={"LSOA11CD": "code", "LSOA11NM": "name"},
    )
    assert report.imported == 263
    table = counts(Store(settings.store), by="lsoa", kinds=["knife"])
    assert len(table) == 263
    assert table["count"].sum() == 2
    lsoas = gpd.read_file(lsoa_file)
    points = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326
    )
    expected = gpd.sjoin(points, lsoas, predicate="within")["LSOA11CD"].value_counts()
    got = table.set_index("area_code")["count"]
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_stored_cells_equal_h3_on_every_row(tmp_path: Path, small_file: Path) -> None:
    import h3

    settings = _settings(tmp_path)
    import_files("incidents", [small_file], settings=settings)
    stored = Store(settings.store).query("SELECT lon, lat, h3_cell FROM incidents")
    expected = [
        h3.str_to_int(h3.latlng_to_cell(y, x, 11))
        for x, y in zip(stored.lon, stored.lat, strict=True)
    ]
    assert [int(c) for c in stored["h3_cell"]] == expected


def test_preview_says_what_an_import_would_do_and_writes_nothing(
    tmp_path: Path, small_file: Path
) -> None:
    from layers.ingest import preview
    from layers.readers import read_layer

    settings = _settings(tmp_path)
    import_files(
        "incidents",
        [_police_csv(tmp_path / "first.csv", [_row("id0"), _row("id1")])],
        settings=settings,
    )
    store = Store(settings.store)
    before = store.version()
    result = read_layer("incidents", [small_file])
    assert preview(result, store=store) == {
        "rows_read": 9,
        "imported": 5,
        "duplicates": 2,
        "rejected": 2,
    }
    assert store.version() == before
    report = import_files("incidents", [small_file], settings=settings)
    assert (report.imported, report.duplicates, report.rejected) == (5, 2, 2)
