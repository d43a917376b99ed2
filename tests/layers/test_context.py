"""Population and deprivation context: read, rolled up to wards, stored, queried."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from layers.__main__ import main
from layers._errors import FileRefused
from layers.context import read_context, ward_context
from layers.queries import area_context
from layers.store import Store

IOD = "deprivation/bristol_iod2019_domains_lsoa2011.csv"
IOD_MAP = [
    "LSOA code (2011)=lsoa_code",
    "Total population: mid 2015 (excluding prisoners)=population",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)=children",
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)=imd_decile",
]


def test_wards_sum_population_and_weight_the_decile_by_it() -> None:
    lsoas = pd.DataFrame(
        {
            "lsoa_code": ["A", "B", "C"],
            "ward_code": [None, None, None],
            "population": [1000.0, 3000.0, 500.0],
            "children": [200.0, 600.0, 50.0],
            "imd_decile": [1.0, 5.0, 10.0],
        }
    )
    wards = ward_context(lsoas, pd.Series({"A": "W1", "B": "W1", "C": "W2"}))
    w1 = wards.set_index("code").loc["W1"]
    assert (w1["population"], w1["children"], w1["lsoas"]) == (4000.0, 800.0, 2)
    assert w1["imd_decile"] == pytest.approx((1 * 1000 + 5 * 3000) / 4000)


def test_thousands_separators_bom_and_refusals(tmp_path: Path) -> None:
    good = tmp_path / "pop.csv"
    good.write_text('\ufeffLSOA,Pop\nE01,"29,199"\nE02,\n', encoding="utf-8")
    frame = read_context(good, mapping={"LSOA": "lsoa_code", "Pop": "population"})
    assert frame["population"].tolist()[0] == 29199.0
    assert np.isnan(frame["population"].tolist()[1])
    bad = tmp_path / "bad.csv"
    bad.write_text("LSOA,Pop\nE01,many\n", encoding="utf-8")
    with pytest.raises(FileRefused, match=r"population is not a number on rows \[2\]"):
        read_context(bad, mapping={"LSOA": "lsoa_code", "Pop": "population"})
    with pytest.raises(FileRefused, match=r"no lsoa_code column.*Columns found: \['LSOA', 'Pop'\]"):
        read_context(good)


@pytest.mark.realdata
def test_real_deprivation_file_rolls_up_to_the_real_wards(
    tmp_path: Path, shared_data: Path
) -> None:
    store_arg = ["--store", str(tmp_path / "s.duckdb")]
    wards_file = shared_data / "boundaries" / "bristol_wards_2016_34wards_bcc.geojson"
    lsoa_file = shared_data / "boundaries" / "bristol_lsoa_2011_ukgeojson.geojson"
    assert (
        main(
            [
                "import",
                "boundaries",
                str(wards_file),
                "--map",
                "ward_id=code",
                "ward_name=name",
                *store_arg,
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "import",
                "boundaries",
                str(lsoa_file),
                "--level",
                "lsoa",
                "--map",
                "LSOA11CD=code",
                "LSOA11NM=name",
                *store_arg,
            ]
        )
        == 0
    )
    assert main(["import", "context", str(shared_data / IOD), "--map", *IOD_MAP, *store_arg]) == 0
    store = Store(tmp_path / "s.duckdb")
    got = area_context(store, level="ward").set_index("code")
    raw = pd.read_csv(shared_data / IOD, thousands=",", encoding="utf-8-sig")
    lsoas = gpd.read_file(lsoa_file)
    points = gpd.GeoDataFrame(
        lsoas[["LSOA11CD"]], geometry=lsoas.geometry.representative_point(), crs=4326
    )
    joined = gpd.sjoin(
        points, gpd.read_file(wards_file)[["ward_id", "geometry"]], predicate="within"
    )
    merged = raw.merge(joined, left_on="LSOA code (2011)", right_on="LSOA11CD")
    expected = merged.groupby("ward_id")["Total population: mid 2015 (excluding prisoners)"].sum()
    assert len(got) == 34
    assert got["population"].to_dict() == expected.astype(float).to_dict()
    assert got["lsoas"].sum() == 263
    assert got["imd_decile"].min() >= 1
    assert got["imd_decile"].max() <= 10
    assert area_context(store, level="lsoa")["population"].sum() == raw.iloc[:, 20].sum()
    assert area_context(store).attrs["source"] == "bristol_iod2019_domains_lsoa2011.csv"
