"""layers.readers, input errors: unreadable files and bad arguments are refused, naming why."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers._errors import FileRefused, SchemaError
from layers.readers import parse_mapping, read_layer
from tests.layers._readers_support import GOOD, INCIDENT_HEADER, write_csv

# --- input errors ---------------------------------------------------------------------


def test_missing_columns_refuse_the_file_naming_them_and_the_columns_found(
    tmp_path: Path,
) -> None:
    path = write_csv(tmp_path / "crimes.csv", ["ref", "when", "x", "y"], [["1", "2", "3", "4"]])
    with pytest.raises(FileRefused) as info:
        read_layer("incidents", [path], mapping={"ref": "id"})
    message = str(info.value)
    assert "crimes.csv" in message
    for expected in ("date (or datetime)", "category", "a location", "ref=id", "'when'", "'x'"):
        assert expected in message
    assert message.rstrip().endswith("(e.g. --map 'Crime ref=event_id').")


def test_mapped_column_absent_from_the_file_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", INCIDENT_HEADER, [GOOD])
    with pytest.raises(FileRefused, match="mapped column 'Crime ref' \\(for event_id\\)"):
        read_layer("incidents", [path], mapping={"Crime ref": "event_id"})


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"  \n\n", "empty"),
        ("latin1.csv", "event_id,caf\xe9\n1,2\n".encode("latin-1"), "UTF-8"),
        ("body.csv", "event_id,date\n1,caf\xe9\n".encode("latin-1"), "UTF-8"),
        ("binary.csv", b"\x00\x01\x02event_id\n", "binary"),
        ("broken.geojson", b'{"type": "FeatureCollection", "features": [', "GeoJSON"),
        ("notes.txt", b"event_id\n1\n", "unknown file type"),
        ("bad.csv.gz", b"not gzip", "gzip"),
    ],
)
def test_unreadable_files_are_refused(
    tmp_path: Path, name: str, content: bytes, phrase: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=phrase):
        read_layer("incidents", [path])


def test_absent_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match=r"nowhere\.csv: cannot be read"):
        read_layer("incidents", [tmp_path / "nowhere.csv"])


def test_one_refused_file_refuses_the_whole_call(tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", INCIDENT_HEADER, [GOOD])
    bad = write_csv(tmp_path / "bad.csv", ["event_id"], [["x"]])
    with pytest.raises(FileRefused, match=r"bad\.csv") as info:
        read_layer("incidents", [good, bad])
    assert "good.csv" not in str(info.value)


def test_bad_arguments_are_collected_into_one_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as info:
        read_layer(
            "nope",
            "a.csv",
            fmt="xls",
            extent=(0, 0, 1, 1),  # type: ignore[arg-type]
        )
    message = str(info.value)
    for expected in ("kind must be one of", "paths must be a list", "fmt must be one of", "extent"):
        assert expected in message


@pytest.mark.parametrize(
    ("kind", "options", "phrase"),
    [
        ("boundaries", {}, "layers.boundaries"),
        ("incidents", {"mapping": {"a": "colour"}}, "'colour' \\(from 'a'\\)"),
        ("incidents", {"mapping": {"a": "lon", "b": "lon"}}, "two columns to 'lon'"),
        ("missing", {"fmt": "police-uk"}, "holds incidents"),
        ("missing", {"secret": "text"}, "secret must be"),
        ("incidents", {"today": "2024-01-01"}, "today must be"),
    ],
)
def test_invalid_argument_is_refused(
    tmp_path: Path, kind: str, options: dict[str, object], phrase: str
) -> None:
    with pytest.raises(SchemaError, match=phrase):
        read_layer(kind, [tmp_path / "a.csv"], **options)  # type: ignore[arg-type]


def test_parse_mapping_reads_pairs_and_splits_at_the_last_equals() -> None:
    assert parse_mapping(["Crime ref=event_id", " X = easting", "a=b=lat"]) == {
        "Crime ref": "event_id",
        "X": "easting",
        "a=b": "lat",
    }


def test_parse_mapping_names_every_malformed_pair() -> None:
    with pytest.raises(SchemaError) as info:
        parse_mapping(["no equals", "=lat", "a=", "x=lon", "x=lat"])
    message = str(info.value)
    for expected in ("'no equals'", "'=lat'", "'a='", "'x' is mapped twice", "--map"):
        assert expected in message
