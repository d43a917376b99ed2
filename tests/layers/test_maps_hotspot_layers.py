"""layers.maps, analysis layers: hot spots, emerging, overlap, density, surveys, interventions."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from layers import maps
from layers._errors import SchemaError
from tests.layers._maps_support import ORIGIN, _areas, _gi, _keyed

# --- hotspot layers ------------------------------------------------------------------------


def test_hotspot_layer_colours_only_significant_cells_in_words() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))
    bins = [3, 2, 1, 0, -1, -3, 0]
    shapes, legend = _keyed(
        maps.hotspot_layer(
            _gi(cells, bins), name="Hot and cold spots (Gi*)",
            unit=("incident", "incidents"), period_label="Mar 2024 – Feb 2026",
        )
    )  # fmt: skip
    assert shapes is not None
    features = shapes.data["features"]
    assert len(features) == 5
    keys = [f["properties"]["c"] for f in features]
    assert [maps.GI_BINS[k] for k in keys] == [3, 2, 1, -1, -3]
    first = features[0]["properties"]["t"]
    assert first.startswith("<b>Hot spot, 99% confidence</b><br>0 incidents in this hexagon")
    assert "Mar 2024 – Feb 2026" in first
    assert "Gi* z-score 4.5" in first
    assert features[3]["properties"]["t"].startswith("<b>Cold spot, 90% confidence</b>")
    assert "FDR-corrected (Benjamini-Hochberg)" in legend
    _, uncorrected = _keyed(maps.hotspot_layer(_gi(cells, bins, fdr=False), name="G"))
    assert "not corrected" in uncorrected


def test_hotspot_layer_by_ward_names_the_ward_and_escapes_it() -> None:
    areas = _areas(["<b>Ashley</b>", "Bee"])
    gi = pd.DataFrame(
        {"count": [12.0, 1.0], "gi_z": [3.2, 0.1], "gi_bin": np.array([2, 0], dtype="int8")},
        index=pd.Index(["E00", "E01"], name="code"),
    )
    shapes, _ = _keyed(maps.hotspot_layer(gi, areas, name="G", unit=("injury", "injuries")))
    assert shapes is not None
    (feature,) = shapes.data["features"]
    assert "12 injuries in &lt;b&gt;Ashley&lt;/b&gt; (E00)" in feature["properties"]["t"]
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['gi_z'\]"):
        maps.hotspot_layer(gi.drop(columns="gi_z"), areas, name="G")


def _emerging(cells: list[str], patterns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "pattern": patterns,
            "pattern_meaning": [f"meaning of {p}" for p in patterns],
            "hot_steps": [33, 2, 0],
            "cold_steps": [0, 0, 0],
            "last_bin": np.array([3, 1, 0], dtype="int8"),
            "count_total": [120, 1, 0],
        },
        index=pd.Index(cells, name="h3_cell"),
    )
    frame.attrs["parameters"] = {"step": "month", "steps": 36}
    return frame


def test_emerging_layer_explains_each_class_drawn() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))[:3]
    table = _emerging(cells, ["Persistent Hot Spot", "New Hot Spot", "No Pattern Detected"])
    shapes, legend = _keyed(maps.emerging_layer(table, name="Emerging hot spots"))
    assert shapes is not None
    features = shapes.data["features"]
    assert len(features) == 2
    assert features[0]["properties"]["t"] == (
        "<b>Persistent hot spot: hot in 33 of 36 months, 99% confidence in the latest month."
        "</b><br>meaning of Persistent Hot Spot<br>120 events in all"
    )
    assert shapes.colours == [
        maps.PATTERN_COLOURS["New Hot Spot"],
        maps.PATTERN_COLOURS["Persistent Hot Spot"],
    ]
    assert "Time step: month (36 months analysed)" in legend
    assert "Intensifying" not in legend
    table.attrs = {}
    with pytest.raises(SchemaError, match="lacks step and steps"):
        maps.emerging_layer(table, name="E")


def test_overlap_layer_names_the_harms() -> None:
    cells = sorted(h3.grid_disk(ORIGIN, 1))[:2]
    overlap = pd.DataFrame(
        {"n_hot_layers": [3, 2], "hot_layers": ["incidents, missing, knife", "incidents, knife"]},
        index=pd.Index(cells, name="h3_cell"),
    )
    overlap.attrs.update(layers=["incidents", "missing", "knife"], min_bin=2, min_layers=2)
    labels = {"incidents": "Police incidents", "knife": "Knife injuries"}
    shapes, legend = _keyed(maps.overlap_layer(overlap, labels=labels, name="Several harms"))
    assert shapes is not None
    tips = [f["properties"]["t"] for f in shapes.data["features"]]
    assert tips[1].startswith("<b>Hot spot for 2 of 3 harm layers</b><br>Police incidents and")
    assert [f["properties"]["c"] for f in shapes.data["features"]] == [1, 0]
    assert "95% confidence or more" in legend


# --- context layers ------------------------------------------------------------------------


def _brute_level(values: np.ndarray, share: float) -> float:
    total = values.sum()
    for v in sorted(set(values[values > 0]), reverse=True):
        if values[values >= v].sum() >= share * total - 1e-9:
            return float(v)
    raise AssertionError


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_density_levels_match_brute_force(seed: int) -> None:
    values = np.random.default_rng(seed).gamma(0.5, size=(30, 40)).round(1)
    levels = maps.density_levels(values, shares=(0.25, 0.5, 0.9))
    assert levels.tolist() == [_brute_level(values, s) for s in (0.25, 0.5, 0.9)]
    assert maps.density_levels(np.array([4.0, 3, 2, 1]), shares=[0.4, 0.5, 1]).tolist() == [4, 3, 1]
    assert np.isnan(maps.density_levels(np.zeros((3, 3)), shares=[0.5])).all()
    with pytest.raises(ValueError, match=r"in \(0, 1\]"):
        maps.density_levels(values, shares=[0.0])


def test_density_layer_draws_widest_first() -> None:
    rings = [shapely.Point(-2.59, 51.45).buffer(r) for r in (0.002, 0.004, 0.008)]
    contours = gpd.GeoDataFrame({"level": [9.0, 5.0, 1.0]}, geometry=rings, crs="EPSG:4326")
    contours.attrs["unit"] = "events per km²"
    layer = maps.density_layer(
        contours, shares=[0.25, 0.5, 0.75], unit=("incident", "incidents"), name="Density",
        notes=["Bandwidth 412 m"],
    )  # fmt: skip
    shapes, legend = _keyed(layer)
    assert shapes is not None
    tips = [f["properties"]["t"] for f in shapes.data["features"]]
    assert tips[0].startswith("<b>Densest area holding 75% of the incidents</b>")
    assert "density at least 1 incidents per km²" in tips[0]
    assert tips[2].startswith("<b>Densest area holding 25% of the incidents</b>")
    assert "Bandwidth 412 m" in legend
    with pytest.raises(SchemaError, match="give one each"):
        maps.density_layer(contours, shares=[0.5], name="D")


def test_survey_layer_classes_means_in_equal_steps() -> None:
    areas = _areas(["A", "B", "C"])
    summary = pd.DataFrame(
        {
            "area_code": ["E00", "E01", "E02"],
            "area_name": ["A", "B", "C"],
            "survey": "S",
            "question": "I feel <safe>",
            "responses": [1, 20, 7],
            "mean_score": [1.0, 3.0, 5.0],
        }
    )
    shapes, legend = _keyed(maps.survey_layer(summary, areas, name="Survey"))
    assert shapes is not None
    features = shapes.data["features"]
    assert [f["properties"]["c"] for f in features] == [0, 2, 4]
    assert features[0]["properties"]["t"] == (
        "<b>Mean score 1.00</b> from 1 answer<br>In A (E00)<br>“I feel &lt;safe&gt;”"
    )
    assert "1.00 – 1.80" in legend
    assert "Question: I feel &lt;safe&gt;" in legend
    with pytest.raises(SchemaError, match="several questions"):
        maps.survey_layer(summary.assign(question=["a", "b", "c"]), areas, name="Survey")


def test_interventions_layer_says_what_when_and_who() -> None:
    register = gpd.GeoDataFrame(
        {
            "name": ["CCTV <upgrade>", "Lighting"],
            "intervention_type": ["CCTV", "street lighting"],
            "start_date": pd.to_datetime(["2025-03-01", "2024-01-15"]),
            "end_date": pd.to_datetime([None, "2024-12-31"]),
            "lead_agency": ["Police", None],
            "notes": [None, "Phase 1"],
        },
        geometry=[shapely.Point(-2.59, 51.46), box(-2.6, 51.44, -2.59, 51.45)],
        crs="EPSG:4326",
    )
    shapes, legend = _keyed(maps.interventions_layer(register, name="Interventions"))
    assert shapes is not None
    tips = [f["properties"]["t"] for f in shapes.data["features"]]
    assert tips[0] == (
        "<b>CCTV &lt;upgrade&gt;</b><br>CCTV, led by Police<br>"
        "From 1 Mar 2025, no end date recorded"
    )
    assert tips[1] == (
        "<b>Lighting</b><br>street lighting<br>From 15 Jan 2024 to 31 Dec 2024<br>Phase 1"
    )
    assert "CCTV" in legend
    with pytest.raises(SchemaError, match="no CRS"):
        maps.interventions_layer(register.set_crs(None, allow_override=True), name="I")
