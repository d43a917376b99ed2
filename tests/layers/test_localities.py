"""Tests of layers.localities: the ward -> locality CSV, matching wards, dissolving localities."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from layers import boundaries as B
from layers import localities as L
from layers._errors import FileRefused

MAP = {"wd_id": "code", "wd_nm": "name"}
OUTPUT = ["code", "name", "level", "parent_code", "geometry"]
BNG = "EPSG:27700"


@pytest.fixture
def wards(tmp_path: Path, squares: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The four squares written to GeoJSON and read back as wards W1..W4."""
    path = tmp_path / "w.geojson"
    squares.to_file(path)
    return B.read_boundaries(path, mapping=MAP)


def _localities_csv(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    body = "\n".join(",".join(r) for r in rows)
    path.write_text("ward_code,ward_name,locality\n" + body + "\n", encoding="utf-8")
    return path


def test_read_localities_canonical_names(tmp_path: Path) -> None:
    path = _localities_csv(
        tmp_path / "l.csv", [("W1", "One", " east  central"), ("W2", "Two", "North")]
    )
    table = L.read_localities(path)
    assert list(table.columns) == ["ward_code", "ward_name", "locality"]
    assert table["locality"].tolist() == ["East Central", "North"]


def test_read_localities_refuses_unknown_names_and_duplicates(tmp_path: Path) -> None:
    rows = [("W1", "One", "Norht"), ("W1", "Uno", "South"), ("", "", "South")]
    with pytest.raises(FileRefused) as caught:
        L.read_localities(_localities_csv(tmp_path / "loc.csv", rows))
    message = str(caught.value)
    assert "loc.csv: unknown locality names ['Norht'] on lines [2]" in message
    assert "use one of ['North', 'East Central', 'South']" in message
    assert "ward codes listed twice: ['W1']" in message
    assert "lines [4] have neither ward_code nor ward_name" in message


def test_with_localities_by_code_then_name(tmp_path: Path, wards: gpd.GeoDataFrame) -> None:
    wards["name"] = ["One", "Two & Half", "Three", "Four"]
    before = wards.copy()
    rows = [("W1", "x", "North"), ("E999", "two  AND half", "South"), ("W9", "Nine", "South")]
    localities = L.read_localities(_localities_csv(tmp_path / "l.csv", rows))
    out = L.with_localities(wards, localities)
    assert out["parent_code"].tolist()[:2] == ["North", "South"]
    assert out["parent_code"].iloc[2:].isna().all()
    pd.testing.assert_frame_equal(wards, before)  # input not mutated
    notes = " | ".join(out.attrs["notes"])
    assert "1 ward(s) matched to a locality by name" in notes
    assert "2 ward(s) have no locality: ['Three', 'Four']" in notes
    assert "1 locality row(s) match no ward: ['Nine']" in notes


def test_localities_from_wards_dissolves(wards: gpd.GeoDataFrame) -> None:
    wards["parent_code"] = ["South", "South", "North", None]
    localities = L.localities_from_wards(wards)
    assert list(localities.columns) == OUTPUT
    assert localities["code"].tolist() == ["North", "South"] == localities["name"].tolist()
    assert (localities["level"] == "locality").all()
    assert localities.to_crs(BNG).area.tolist() == pytest.approx([1e6, 2e6], rel=1e-6)
    assert localities.attrs["notes"] == ["1 ward(s) without a locality left out: ['W4']"]
