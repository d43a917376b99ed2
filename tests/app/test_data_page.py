"""The Data page run headless with AppTest: upload, check, import, and the helpers behind it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages._data_upload import (
    mapping_from_text,
    markdown_text,
    report_words,
    safe_name,
    shown_name,
)
from layers import schema as sc
from layers._errors import FileRefused, SchemaError
from layers.boundaries import extent_of
from layers.ingest import ImportReport, study_areas
from layers.readers import ReadResult, read_layer
from layers.settings import Settings, load_settings
from layers.store import Store
from tests.app.conftest import signed_in

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "data.py")
FORCE = "Avon and Somerset Constabulary"
UPLOADED = "../../etc/2021-03 avon & somerset [street].csv"
SHOWN = "2021-03 avon & somerset [street].csv"


def police_csv(ids: list[str], *, bad: int = 1) -> bytes:
    """A police.uk file: one located burglary per id, then ``bad`` rows with no location."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sc.POLICE_UK_COLUMNS)
    for i, crime_id in enumerate(ids):
        lon = f"{-2.5900 + 0.0015 * i:.6f}"
        writer.writerow([crime_id, "2021-03", FORCE, FORCE, lon, "51.454000",
                         "On or near Park Street", "E01014601", "Bristol 001A", "Burglary",
                         "", ""])  # fmt: skip
    for j in range(bad):
        writer.writerow([f"nowhere{j}", "2021-03", FORCE, FORCE, "", "", "No Location", "", "",
                         "Burglary", "", ""])  # fmt: skip
    return out.getvalue().encode("utf-8")


@pytest.fixture
def config(demo_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A private copy of the demo store (imports change it), named in the environment."""
    store = tmp_path / "atlas.duckdb"
    shutil.copyfile(demo_store, store)
    env = {"STORE": store, "SECRET_FILE": tmp_path / "key", "REJECTED_DIR": tmp_path / "rej"}
    for name, value in env.items():
        monkeypatch.setenv(f"ATLAS_{name}", str(value))
    return load_settings()


def open_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    signed_in(at)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, name: str, data: bytes, round_: int = 0) -> AppTest:
    at.file_uploader(key=f"data_file_{round_}").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def read_directly(config: Settings, data: bytes, tmp_path: Path, **options: object) -> ReadResult:
    """The same file read by layers.readers itself, as the page should have read it."""
    path = tmp_path / "direct" / "file.csv"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    wards = study_areas(Store(config.store), config).wards
    extent = extent_of(wards, buffer_m=config.extent_buffer_m)
    return read_layer(options.pop("kind", "incidents"), [path], extent=extent, **options)  # type: ignore[arg-type]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [frame.value for frame in at.dataframe]


def with_column(at: AppTest, column: str) -> pd.DataFrame:
    (frame,) = [f for f in frames(at) if column in f.columns]
    return frame


# --- the page -------------------------------------------------------------------------


def test_an_upload_is_checked_then_imported_and_logged(config: Settings, tmp_path: Path) -> None:
    ids = [f"atlas-test-{i}" for i in range(6)]
    data = police_csv(ids)
    direct = read_directly(config, data, tmp_path)
    at = upload(open_page(), UPLOADED, data)

    assert metrics(at) == {
        "Rows read": f"{len(direct.valid) + len(direct.rejected)}",
        "New, to import": f"{len(direct.valid)}",
        "Already in the store": "0",
        "Rejected": f"{len(direct.rejected)}",
    }
    assert (len(direct.valid), len(direct.rejected)) == (6, 1)
    rejected = with_column(at, "The row as read")
    assert rejected["Row"].tolist() == direct.rejected[sc.ROW_NUMBER].tolist() == [8]
    assert rejected["Reason"].tolist() == direct.rejected[sc.REASON].tolist()
    assert at.markdown[0].value.startswith(f"**{markdown_text(SHOWN)}**, read as police incid")
    assert Store(config.store).query(
        "SELECT count(*) n FROM incidents WHERE event_id LIKE 'pu:atlas-test-%'"
    ).iloc[0, 0] == 0  # fmt: skip

    at.button(key="data_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (done,) = at.success
    assert done.value == (
        f"**{markdown_text(SHOWN)}**: Imported 6 rows; 0 were already in the store; "
        "1 rejected (reasons below)."
    )
    stored = Store(config.store).query(
        "SELECT event_id, category FROM incidents WHERE event_id LIKE 'pu:atlas-test-%' ORDER BY 1"
    )
    assert stored["event_id"].tolist() == sorted(direct.valid[sc.EVENT_ID])
    assert set(stored["category"]) == {"Burglary"}
    log = with_column(at, "Finished (UTC)")
    first = log.iloc[0]
    assert first[["File", "Imported", "Already stored", "Rejected"]].tolist() == [SHOWN, 6, 0, 1]
    assert at.file_uploader(key="data_file_1").value is None  # the chooser was emptied


def test_the_same_file_again_is_all_duplicates_and_adds_nothing(
    config: Settings, tmp_path: Path
) -> None:
    data = police_csv([f"atlas-twice-{i}" for i in range(4)], bad=0)
    at = upload(open_page(), "twice.csv", data)
    at.button(key="data_import").click().run()
    before = len(Store(config.store).query("SELECT event_id FROM incidents"))
    upload(at, "twice.csv", data, round_=1)
    assert metrics(at)["New, to import"] == "0"
    assert metrics(at)["Already in the store"] == "4"
    assert "Every checked row is already in the store" in at.info[0].value
    at.button(key="data_import").click().run()
    assert at.success[0].value.endswith("Imported 0 rows; 4 were already in the store; 0 rejected.")
    assert len(Store(config.store).query("SELECT event_id FROM incidents")) == before


def test_a_mapped_csv_is_read_with_the_typed_mapping(config: Settings, tmp_path: Path) -> None:
    text = (
        "Ref,When,Offence,X,Y\n"
        "r1,2021-03-05,Burglary,359000,173000\n"
        "r2,soon,Burglary,359100,173100\n"
    )
    typed = "Ref = event_id\nWhen -> date\n\nOffence=category\nX = easting\nY = northing"
    at = open_page()
    at.selectbox(key="data_format").set_value("csv")
    at.text_area(key="data_mapping").input(typed)
    upload(at, "local.csv", text.encode())
    mapping = {"Ref": "event_id", "When": "date", "Offence": "category", "X": "easting",
               "Y": "northing"}  # fmt: skip
    direct = read_directly(config, text.encode(), tmp_path, fmt="csv", mapping=mapping)
    assert metrics(at)["New, to import"] == f"{len(direct.valid)}" == "1"
    rejected = with_column(at, "Row")
    assert rejected["Reason"].tolist() == direct.rejected[sc.REASON].tolist()
    assert rejected["Row"].tolist() == [3]


def test_a_refused_file_says_why_without_a_traceback(config: Settings) -> None:
    at = open_page()
    at.selectbox(key="data_format").set_value("csv")
    upload(at, "crimes.csv", b"ref,when,x,y\n1,2,3,4\n")
    (error,) = at.error
    assert error.value.startswith("**The file was not read.** crimes\\.csv\\: cannot be read as")
    assert "required column missing" in error.value
    assert not at.metric
    assert not at.button


def test_missing_episodes_never_show_the_rows_fields(config: Settings) -> None:
    text = (
        "Episode,Child,Reported,E,N,Name\n"
        "m1,CHILD-001,2021-03-05 10:00,359000,173000,Alex Example\n"
        "m2,CHILD-002,not a date,359000,173000,Sam Example\n"
    )
    at = open_page()
    at.selectbox(key="data_kind").set_value("missing")
    at.text_area(key="data_mapping").input(
        "Episode=event_id\nChild=person_ref\nReported=datetime\nE=easting\nN=northing"
    )
    upload(at, "episodes.csv", text.encode())
    assert metrics(at)["Rejected"] == "1"
    assert list(with_column(at, "Row").columns) == ["Row", "Reason"]
    shown = " ".join(
        [str(e.value) for group in (at.markdown, at.caption, at.error, at.info) for e in group]
        + [f.to_csv() for f in frames(at)]
    )
    for secret in ("CHILD-00", "Example"):
        assert secret not in shown


def test_a_bad_mapping_and_a_too_big_file_are_refused_in_words(
    config: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page()
    at.text_area(key="data_mapping").input("Ref event_id")
    upload(at, "x.csv", police_csv(["a"]))
    assert at.error[0].value.startswith("Column mapping\\: line 1")
    monkeypatch.setenv("ATLAS_MAX_UPLOAD_MB", "1")
    at = open_page()
    upload(at, "big.csv", police_csv([f"b{i}" for i in range(12_000)]))
    assert "the page takes files up to 1 MB" in at.error[0].value
    assert not at.metric


def test_what_is_loaded_matches_the_store(config: Settings) -> None:
    at = open_page()
    loaded = with_column(at, "Months")
    status = Store(config.store).status()["layers"]
    rows = dict(zip(loaded["Layer"], loaded["Rows"], strict=True))
    assert rows["Police incidents"] == status["incidents"]["rows"]
    assert rows["Missing-child episodes"] == status["missing"]["rows"]
    assert any("approximate demo wards" in w.value for w in at.warning)
    assert "python -m layers import boundaries" in at.code[0].value


# --- the helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uploaded", "saved"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\me\\March 2021 (final).CSV", "March_2021_final.csv"),
        ("..csv", "upload.csv"),
        ("street.CSV.GZ", "street.csv.gz"),
        ("a;rm -rf ~.geojson", "a_rm_-rf.geojson"),
        ("x" * 300 + ".gpkg", "x" * 64 + ".gpkg"),
    ],
)
def test_safe_names_keep_letters_digits_and_an_allowed_ending(uploaded: str, saved: str) -> None:
    assert safe_name(uploaded) == saved


@pytest.mark.parametrize("uploaded", ["notes.txt", "run.exe", "data.csv.zip", "noending"])
def test_other_endings_are_refused(uploaded: str) -> None:
    with pytest.raises(FileRefused, match=r"Upload a \.csv, \.csv\.gz, \.geojson, \.json or"):
        safe_name(uploaded)


def test_the_shown_name_drops_folders_and_control_characters() -> None:
    assert shown_name("a/b\\c\nd\x00.csv") == "cd.csv"


def test_mapping_text_reads_pairs_and_names_every_bad_line() -> None:
    assert mapping_from_text("A = event_id\n\nB->date\nC=D=category") == {
        "A": "event_id",
        "B": "date",
        "C=D": "category",
    }
    with pytest.raises(SchemaError, match=r"line 1 \('oops'\), line 3 \('= date'\)"):
        mapping_from_text("oops\nA=event_id\n= date")


def test_markdown_text_shows_punctuation_literally() -> None:
    assert markdown_text("![x](http://e.com) <b>*a*</b>\n:red[b]") == (
        "\\!\\[x\\]\\(http\\:\\/\\/e\\.com\\) \\<b\\>\\*a\\*\\<\\/b\\> \\:red\\[b\\]"
    )


def test_report_words() -> None:
    report = ImportReport("i", "incidents", ("f",), 1250, 1234, 12, 3, outside_wards=1)
    assert report_words(report) == (
        "Imported 1,234 rows; 12 were already in the store; 3 rejected (reasons below); "
        "1 point outside every ward (kept)."
    )
    one = ImportReport("i", "incidents", ("f",), 1, 1, 1, 0)
    assert report_words(one) == "Imported 1 row; 1 was already in the store; 0 rejected."
