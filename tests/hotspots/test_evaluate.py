"""Hotspot accuracy: hand-computed PAI, PEI, RRI and persistence; brute force; a planted hotspot."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest

from hotspots.evaluate import AccuracyResult, AccuracyWarning, hotspot_accuracy
from layers._errors import SchemaError

CODES = list("abcdefghij")


@pytest.fixture
def ten() -> dict[str, pd.Series]:
    """Ten equal cells: scores fall from a to j; period-2 counts a=4 b=1 c=3 e=2."""
    return {
        "scores_1": pd.Series(np.arange(9.0, -1.0, -1.0), index=CODES),
        "counts_2": pd.Series([4, 1, 3, 0, 2, 0, 0, 0, 0, 0], index=CODES),
        "counts_1": pd.Series([5, 5, 1, 1, 1, 1, 1, 1, 1, 1], index=CODES),
    }


# --- hand-computed cases --------------------------------------------------------------


def test_equal_areas_by_hand(ten: dict[str, pd.Series]) -> None:
    result = hotspot_accuracy(
        ten["scores_1"], ten["counts_2"], top_share=0.2, counts_1=ten["counts_1"]
    )
    assert list(result.flagged) == ["a", "b"]
    assert list(result.best) == ["a", "c"]
    assert result.captured == 5
    assert result.total == 10
    assert result.area_share == pytest.approx(0.2)
    assert result.pai == pytest.approx(0.5 / 0.2)  # 2.5
    assert result.pai_max == pytest.approx(0.7 / 0.2)  # best two cells hold 7
    assert result.pei == pytest.approx(5 / 7)
    assert result.rri == pytest.approx((5 / 10) / (10 / 18))  # 0.9
    assert result.persistence == pytest.approx(1 / 3)  # {a, b} vs {a, c}
    assert result.ties_at_cut == 0


def test_unequal_areas_by_hand() -> None:
    codes = ["A", "B", "C", "D"]
    scores = pd.Series([8.0, 10.0, 5.0, 1.0], index=codes)
    counts_2 = pd.Series([2, 6, 9, 3], index=codes)
    area = pd.Series([1.0, 2.0, 3.0, 4.0], index=codes)  # total 10, budget 3 at 30 %
    result = hotspot_accuracy(scores, counts_2, top_share=0.3, area=area)
    assert list(result.flagged) == ["B", "A"]  # areas 2 + 1 = 3 fit the budget
    assert result.area_share == pytest.approx(0.3)
    assert result.pai == pytest.approx((8 / 20) / 0.3)
    # densities B 3, C 3, A 2, D 0.75: B whole (6) + one third of C (3) = 9
    assert result.pai_max == pytest.approx((9 / 20) / 0.3)
    assert result.pei == pytest.approx(8 / 9)
    assert list(result.best) == ["B"]  # C (area 3) no longer fits after B
    assert result.persistence == pytest.approx(1 / 2)
    assert np.isnan(result.rri)  # no counts_1
    assert "areas weighted by their size" in result.choice


def test_first_area_larger_than_the_share_is_still_flagged() -> None:
    codes = ["big", "small1", "small2"]
    area = pd.Series([5.0, 1.0, 1.0], index=codes)
    result = hotspot_accuracy(
        pd.Series([3.0, 2.0, 1.0], index=codes),
        pd.Series([1, 1, 1], index=codes),
        top_share=0.1,
        area=area,
    )
    assert list(result.flagged) == ["big"]
    assert result.area_share == pytest.approx(5 / 7)


def test_rri_undefined_when_flagged_areas_had_no_period_one_events(
    ten: dict[str, pd.Series],
) -> None:
    counts_1 = pd.Series([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], index=CODES)
    result = hotspot_accuracy(ten["scores_1"], ten["counts_2"], top_share=0.2, counts_1=counts_1)
    assert np.isnan(result.rri)
    assert "RRI not computed" in result.sentence


def test_no_period_two_events_gives_nan_and_says_so(ten: dict[str, pd.Series]) -> None:
    zeros = pd.Series(0, index=CODES)
    result = hotspot_accuracy(ten["scores_1"], zeros, top_share=0.2)
    assert np.isnan(result.pai)
    assert np.isnan(result.pei)
    assert "no events" in result.sentence


def test_ties_at_the_cut_warn_and_follow_the_given_order() -> None:
    scores = pd.Series([5.0, 1.0, 1.0, 1.0, 0.0], index=list("vwxyz"))
    counts = pd.Series([1, 1, 1, 1, 1], index=list("vwxyz"))
    with pytest.warns(AccuracyWarning, match="equal scores"):
        result = hotspot_accuracy(scores, counts, top_share=0.4)
    assert list(result.flagged) == ["v", "w"]
    assert result.ties_at_cut == 2


def test_order_of_the_inputs_does_not_matter(ten: dict[str, pd.Series]) -> None:
    c1 = ten["counts_1"]
    first = hotspot_accuracy(ten["scores_1"], ten["counts_2"], top_share=0.2, counts_1=c1)
    second = hotspot_accuracy(
        ten["scores_1"], ten["counts_2"].iloc[::-1], top_share=0.2, counts_1=c1.iloc[::-1]
    )
    assert first == second


# --- brute force ------------------------------------------------------------------------


def test_pai_max_is_at_least_the_best_whole_set_found_by_brute_force() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        codes = [f"u{i}" for i in range(8)]
        area = pd.Series(rng.uniform(0.5, 3.0, 8), index=codes)
        counts_2 = pd.Series(rng.poisson(4, 8), index=codes)
        result = hotspot_accuracy(
            pd.Series(rng.random(8), index=codes), counts_2, top_share=0.3, area=area
        )
        budget = result.area_share * area.sum()
        best = max(
            counts_2.iloc[list(subset)].sum()
            for k in range(1, 9)
            for subset in itertools.combinations(range(8), k)
            if area.iloc[list(subset)].sum() <= budget + 1e-9
        )
        assert result.pai_max * result.area_share * result.total >= best - 1e-9
        assert 0 <= result.pei <= 1


def test_equal_areas_pai_max_is_the_brute_force_best() -> None:
    rng = np.random.default_rng(5)
    codes = [f"h{i}" for i in range(10)]
    counts_2 = pd.Series(rng.poisson(3, 10), index=codes)
    result = hotspot_accuracy(pd.Series(rng.random(10), index=codes), counts_2, top_share=0.3)
    best = max(counts_2.iloc[list(s)].sum() for s in itertools.combinations(range(10), 3))
    assert result.pai_max == pytest.approx((best / counts_2.sum()) / 0.3)


# --- planted pattern --------------------------------------------------------------------


def test_stable_planted_hotspot_gives_high_pai_and_persistence() -> None:
    rng = np.random.default_rng(11)
    codes = [f"cell{i:03d}" for i in range(400)]
    rate = np.full(400, 2.0)
    hot = rng.choice(400, 20, replace=False)  # 5 % of the cells
    rate[hot] = 30.0
    counts_1 = pd.Series(rng.poisson(rate), index=codes)
    counts_2 = pd.Series(rng.poisson(rate), index=codes)
    result = hotspot_accuracy(counts_1.astype(float), counts_2, counts_1=counts_1)
    assert set(result.flagged) == {codes[i] for i in hot}
    assert result.pai > 7
    assert result.persistence > 0.9
    assert result.pei > 0.95
    assert result.rri == pytest.approx(1.0, abs=0.15)


# --- contract -----------------------------------------------------------------------------


def test_result_contract(ten: dict[str, pd.Series]) -> None:
    before = {k: v.copy() for k, v in ten.items()}
    result = hotspot_accuracy(
        ten["scores_1"], ten["counts_2"], top_share=0.2, counts_1=ten["counts_1"]
    )
    assert isinstance(result, AccuracyResult)
    for name in ("pai", "pai_max", "pei", "rri", "persistence", "hit_rate", "area_share"):
        assert isinstance(getattr(result, name), float)
    assert isinstance(result.flagged, tuple)
    assert isinstance(result.best, tuple)
    assert set(result.flagged) <= set(CODES)
    assert 0 <= result.pei <= 1
    assert 0 <= result.persistence <= 1
    assert result.pai <= result.pai_max
    assert "PAI 2.50" in result.sentence
    assert "PEI 0.71" in result.sentence
    assert "2 of 10 areas flagged" in result.choice
    for key, series in before.items():
        pd.testing.assert_series_equal(ten[key], series)  # inputs untouched


# --- input errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"scores_1": [1, 2, 3]}, "scores_1: expected a pandas Series"),
        ({"counts_2": pd.Series(list("abcdefghij"), index=CODES)}, "counts_2: expected numbers"),
        ({"scores_1": pd.Series(dtype="float64")}, "scores_1: received no areas"),
        ({"counts_2": pd.Series(1, index=CODES[:9])}, "counts_2: area codes differ"),
        ({"counts_2": pd.Series([np.nan] + [1] * 9, index=CODES)}, "counts_2: 1 missing"),
        ({"counts_2": pd.Series([-1] + [1] * 9, index=CODES)}, "counts_2: negative counts"),
        ({"area": pd.Series([0.0] + [1.0] * 9, index=CODES)}, "area: sizes must be positive"),
        ({"counts_1": pd.Series(1, index=CODES[:5] * 2)}, "counts_1: area codes repeat"),
        ({"top_share": 0.0}, "top_share: expected a number in"),
        ({"top_share": 1.5}, "top_share: expected a number in"),
        ({"top_share": "5%"}, "top_share: expected a number in"),
    ],
)
def test_input_errors(ten: dict[str, pd.Series], change: dict[str, object], match: str) -> None:
    arguments: dict[str, object] = {"scores_1": ten["scores_1"], "counts_2": ten["counts_2"]}
    arguments |= change
    with pytest.raises(SchemaError, match=match):
        hotspot_accuracy(**arguments)  # type: ignore[arg-type]


def test_every_problem_is_reported_at_once(ten: dict[str, pd.Series]) -> None:
    with pytest.raises(SchemaError) as caught:
        hotspot_accuracy(
            ten["scores_1"],
            pd.Series([-1] + [1] * 9, index=CODES),
            top_share=2.0,
            area=pd.Series(1.0, index=CODES[:3]),
        )
    message = str(caught.value)
    assert "counts_2: negative" in message
    assert "top_share" in message
    assert "area:" in message


def test_no_warning_without_ties(ten: dict[str, pd.Series]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hotspot_accuracy(ten["scores_1"], ten["counts_2"], top_share=0.2)
