"""Intervention evaluation, results: the output contract, words and disclosure, input errors."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import geopandas as gpd
import pandas as pd
import pytest

from assessments.disclosure import POLICIES
from assessments.interventions import (
    RESULT_COLUMNS,
    STATUSES,
    EvaluationOptions,
    InterventionEvaluation,
    evaluate_intervention,
    evaluate_interventions,
    evaluation_chart_data,
    evaluation_summary,
    evaluation_table,
)
from layers import schema as S
from layers._errors import SchemaError
from layers.queries import interventions
from layers.store import Store
from tests.assessments._interventions_support import placebo_sites

# --- the output contract --------------------------------------------------------------------


def test_one_row_per_intervention_with_the_documented_columns(store: Store) -> None:
    register = interventions(store)
    before = register.copy()
    table = evaluate_interventions(store, register)
    pd.testing.assert_frame_equal(register, before)
    assert list(table.columns) == list(RESULT_COLUMNS)
    assert table.dtypes.astype(str).to_dict() == RESULT_COLUMNS
    assert table["event_id"].tolist() == register[S.EVENT_ID].tolist()
    assert set(table["status"]) <= set(STATUSES)
    not_evaluated = table["status"] != "evaluated"
    assert table.loc[not_evaluated, "ratio_vs_similar"].isna().all()
    assert table.loc[~not_evaluated, "ratio_vs_similar"].notna().all()


def test_the_register_as_stored_text_works_too(store: Store) -> None:
    frame = store.query("SELECT event_id, name, start_date, geometry_wkt FROM interventions")
    from_text = evaluate_interventions(store, frame)
    from_shapes = evaluate_interventions(store, interventions(store).sort_values(S.EVENT_ID))
    key = from_text.sort_values("event_id", ignore_index=True)
    pd.testing.assert_frame_equal(key, from_shapes.sort_values("event_id", ignore_index=True))


def test_sites_outside_the_data_or_too_quiet_say_so(
    store: Store, placebos: gpd.GeoDataFrame
) -> None:
    span = store.date_range()
    assert span is not None
    site = placebo_sites(store, placebos, 1, seed=5)
    rows = pd.concat([site] * 3, ignore_index=True)
    rows[S.EVENT_ID] = ["early", "late", "quiet"]
    rows.loc[0, S.START_DATE] = pd.Timestamp(span[0]) + pd.DateOffset(months=1)
    rows.loc[1, S.START_DATE] = pd.Timestamp(span[1]) - pd.DateOffset(months=1)
    options = EvaluationOptions(point_buffer_m=1.0, ring_width_m=50.0)
    table = evaluate_interventions(store, rows, options=options)
    assert table["status"].tolist() == [
        "too little data before the start",
        "too little data after the start",
        "too few events",
    ]
    policy = POLICIES["public"]
    for event_id in ("early", "quiet"):
        one = evaluate_intervention(store, rows[rows[S.EVENT_ID] == event_id], options=options)
        text = evaluation_summary(one, policy)
        assert "cannot be evaluated" in text or "Too few" in text


def test_windows_are_cut_to_the_data_and_said(store: Store, placebos: gpd.GeoDataFrame) -> None:
    span = store.date_range()
    assert span is not None
    site = placebo_sites(store, placebos, 1, seed=6)
    site[S.START_DATE] = pd.Timestamp(span[1]) - pd.DateOffset(months=4)
    one = evaluate_intervention(store, site)
    assert one.result["window_months"] == 5
    assert len(one.monthly) == 10
    assert any("cut from 12" in choice for choice in one.choices)


# --- words, tables and disclosure -----------------------------------------------------------


def test_summary_says_the_reduction_in_words(evaluation: InterventionEvaluation) -> None:
    text = evaluation_summary(evaluation, POLICIES["public"])
    reduction = round(100 * (1 - evaluation.result["ratio_vs_similar"]))
    assert f"fell by {reduction}% (95% CI" in text
    assert "similar areas" in text
    assert "No sign that harm moved to the streets around it" in text
    assert "Other changes at the same time" in text


def test_table_passes_disclosure_control(evaluation: InterventionEvaluation) -> None:
    table = evaluation_table(evaluation, POLICIES["public"])
    counts_shown = table.iloc[:, 1:3].to_numpy().ravel()
    assert all(v == "<5" or int(v) % 5 == 0 for v in counts_shown)
    assert table.attrs["statement"].startswith("Disclosure control (public)")
    exact = evaluation_table(evaluation, POLICIES["partnership"])
    assert exact.iloc[0, 1] == str(evaluation.result["treated_before"])


def test_small_counts_never_reach_the_words_or_the_chart(
    evaluation: InterventionEvaluation,
) -> None:
    small = evaluation.result.copy()
    small[["treated_before", "treated_after", "ring_before", "ring_after"]] = [8, 3, 40, 41]
    small_eval = replace(evaluation, result=small)
    policy = POLICIES["public"]
    text = evaluation_summary(small_eval, policy)
    assert "Too few" in text
    assert "3" not in text
    table = evaluation_table(small_eval, policy)
    assert table.iloc[0, 1:].tolist()[1:] == ["<5", "not shown"]
    chart = evaluation_chart_data(small_eval, policy)
    assert "Treated area" not in chart["area"].tolist()


def test_choices_state_every_default(evaluation: InterventionEvaluation) -> None:
    said = " ".join(evaluation.choices)
    for phrase in ("own shape", "400 m", "12 months", "20 H3 hexagons", "resolution 9", "Poisson"):
        assert phrase in said


# --- input errors ---------------------------------------------------------------------------


def test_bad_options_are_named_at_once(store: Store) -> None:
    bad: dict[str, Any] = {
        "kinds": ("crimes",),
        "flags": ("red",),
        "window_months": 0,
        "control_cells": 2.5,
        "confidence": 2.0,
    }
    options = EvaluationOptions(**bad)
    with pytest.raises(SchemaError) as caught:
        evaluate_interventions(store, interventions(store), options=options)
    message = str(caught.value)
    for part in ("kinds=", "flags ['red']", "window_months", "control_cells", "confidence"):
        assert part in message


def test_bad_intervention_rows_are_named(store: Store) -> None:
    with pytest.raises(SchemaError, match="lacks the column"):
        evaluate_interventions(store, pd.DataFrame({"event_id": ["a"]}))
    frame = store.query("SELECT event_id, name, start_date, geometry_wkt FROM interventions")
    frame.loc[0, "geometry_wkt"] = "not a shape"
    frame.loc[1, "start_date"] = pd.NaT
    with pytest.raises(SchemaError) as caught:
        evaluate_interventions(store, frame)
    assert "no usable start_date" in str(caught.value)
    assert "no usable geometry" in str(caught.value)
    with pytest.raises(SchemaError, match="not in the register"):
        evaluate_intervention(store, "int-000000000000")
    with pytest.raises(SchemaError, match="must be a"):
        evaluate_interventions(store, cast(Any, ["demo-int-01"]))
