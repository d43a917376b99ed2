"""Intervention evaluation, the effect: the planted reduction, placebos, independent counts."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from assessments._intervention_stats import displacement_quotient, rate_ratio_did
from assessments.disclosure import POLICIES
from assessments.interventions import (
    InterventionEvaluation,
    evaluate_intervention,
    evaluate_interventions,
    evaluation_summary,
)
from layers import grid
from layers import schema as S
from layers.aggregate import counts
from layers.demo import PlantedPattern
from layers.queries import interventions
from layers.store import Store
from tests.assessments._interventions_support import BNG, incidents_in_metres, placebo_sites

# --- the planted effect and placebos ------------------------------------------------------


def test_planted_reduction_lies_in_the_interval(
    evaluation: InterventionEvaluation, planted: PlantedPattern
) -> None:
    result = evaluation.result
    assert planted.expected_reduction == pytest.approx(0.4)
    assert result["status"] == "evaluated"
    assert result["window_months"] == 12
    assert result["after_from"] == f"{planted.first_month:%Y-%m}"
    low, high = 1 - result["high_vs_similar"], 1 - result["low_vs_similar"]
    assert low < planted.expected_reduction < high
    assert result["p_vs_similar"] < 0.01
    assert 1 - result["high_vs_ring"] < planted.expected_reduction < 1 - result["low_vs_ring"]
    assert result["low_ring_vs_similar"] < 1 < result["high_ring_vs_similar"]  # no displacement


def test_a_placebo_site_shows_no_effect(store: Store, placebos: gpd.GeoDataFrame) -> None:
    # the first of 20 random places with 30 events or more over both windows together:
    # choosing on the total says nothing about how it splits between before and after
    results = evaluate_interventions(store, placebo_sites(store, placebos, 20, seed=3))
    busy = results[results["treated_before"] + results["treated_after"] >= 30]
    result = busy.iloc[0]
    assert result["status"] == "evaluated"
    assert result["low_vs_similar"] < 1 < result["high_vs_similar"]
    assert result["p_vs_similar"] > 0.05
    words = evaluation_summary(
        evaluate_intervention(
            store, placebo_sites(store, placebos, 20, seed=3).iloc[[busy.index[0]]]
        ),
        POLICIES["public"],
    )
    assert "so no clear change" in words
    assert "could well be chance" in words


def test_placebos_are_rarely_significant(store: Store, placebos: gpd.GeoDataFrame) -> None:
    results = evaluate_interventions(store, placebo_sites(store, placebos, 200, seed=4))
    tested = results[results["status"] == "evaluated"]
    assert len(tested) >= 60
    assert (tested["p_vs_similar"] < 0.05).mean() <= 0.12
    assert abs(np.log(tested["ratio_vs_similar"]).median()) < 0.1


# --- the counts, against an independent computation ------------------------------------------


def test_counts_equal_an_independent_count(
    store: Store, evaluation: InterventionEvaluation, planted: PlantedPattern
) -> None:
    row = interventions(store).set_index(S.EVENT_ID).loc[planted.intervention_id]
    square = gpd.GeoSeries([row.geometry], crs=S.CRS_STORE).to_crs(BNG).iloc[0]
    ring = square.buffer(400).difference(square)
    events = incidents_in_metres(store)
    month = events["date"].dt.to_period("M")
    start = pd.Period(planted.first_month, freq="M")
    before = (month >= start - 12) & (month < start)
    after = (month >= start) & (month < start + 12)
    inside = events.intersects(square)
    around = events.within(ring)
    result = evaluation.result
    assert result["treated_before"] == int((inside & before).sum())
    assert result["treated_after"] == int((inside & after).sum())
    assert result["ring_before"] == int((around & before).sum())
    assert result["ring_after"] == int((around & after).sum())
    assert result["treated_area_km2"] == pytest.approx(square.area / 1e6)
    monthly = evaluation.monthly
    assert monthly["treated"].sum() == result["treated_before"] + result["treated_after"]
    assert monthly["similar"].sum() == result["control_before"] + result["control_after"]


def test_similar_areas_are_matched_on_level_outside_the_ring(
    store: Store, evaluation: InterventionEvaluation
) -> None:
    result = evaluation.result
    windows = {
        name: counts(
            store, by="h3:9", date_from=result[f"{name}_from"], date_to=result[f"{name}_to"]
        ).set_index("area_code")["count"]
        for name in ("before", "after")
    }
    chosen = list(evaluation.similar_cells)
    assert len(chosen) == result["control_cells"] == 20
    assert int(windows["before"][chosen].sum()) == result["control_before"]
    assert int(windows["after"][chosen].sum()) == result["control_after"]
    hexagons = grid.cell_polygons(grid.str_to_cells(windows["before"].index.to_numpy()))
    hexagons.index = windows["before"].index
    region = shapely.union(evaluation.treated, evaluation.ring)
    outside = ~hexagons.intersects(region)
    assert outside[chosen].all()
    level = (windows["before"] + windows["after"]) / 2
    gap = (level - result["treated_before"]).abs()
    assert gap[chosen].max() <= gap[outside[outside].index.difference(chosen)].min()


def test_ratios_follow_the_formula(evaluation: InterventionEvaluation) -> None:
    r = evaluation.result
    a, b, c, d = (
        r[k] for k in ("treated_after", "treated_before", "control_after", "control_before")
    )
    ratio = (a / b) / (c / d)
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert r["ratio_vs_similar"] == pytest.approx(ratio)
    assert r["low_vs_similar"] == pytest.approx(ratio * np.exp(-1.959964 * se))
    assert r["high_vs_similar"] == pytest.approx(ratio * np.exp(1.959964 * se))


# --- hand-computed statistics ---------------------------------------------------------------


def test_wdq_of_complete_displacement_is_minus_one() -> None:
    out = displacement_quotient(treated=(100, 50), ring=(100, 150), control=(100, 100))
    assert out["success"] == pytest.approx(-0.5)
    assert out["wdq"] == pytest.approx(-1.0)
    assert out["net_effect"] == pytest.approx(0.0)


def test_wdq_with_a_control_trend_and_diffusion() -> None:
    # controls rise 20 %: expected A after 120, R after 240; A fell to 60, R rose only to 220
    out = displacement_quotient(treated=(100, 60), ring=(200, 220), control=(100, 120))
    assert out["wdq"] == pytest.approx((220 / 120 - 200 / 100) / (60 / 120 - 100 / 100))
    assert out["wdq"] == pytest.approx(1 / 3)
    assert out["net_effect"] == pytest.approx((120 - 60) + (240 - 220))


def test_wdq_is_not_read_without_success() -> None:
    out = displacement_quotient(
        treated=(np.array([100, 5]), np.array([120, 5])),
        ring=(np.array([100, 5]), np.array([90, 5])),
        control=(np.array([100, 0]), np.array([100, 0])),
    )
    assert np.isnan(out["wdq"]).all()
    assert out["net_effect"][0] == pytest.approx(-20 + 10)
    assert np.isnan(out["net_effect"][1])


def test_rate_ratio_did_by_hand() -> None:
    out = rate_ratio_did([60, 0], [100, 10], [120, 10], [100, 10])
    se = np.sqrt(1 / 60 + 1 / 100 + 1 / 120 + 1 / 100)
    assert out["ratio"][0] == pytest.approx(0.5)
    assert out["low"][0] == pytest.approx(0.5 * np.exp(-1.959964 * se))
    assert out["p"][0] == pytest.approx(math.erfc(abs(math.log(0.5)) / se / math.sqrt(2)))
    assert np.isnan(out["ratio"][1])
    assert np.isnan(out["p"][1])
