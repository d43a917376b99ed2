"""Community and location survey answers by ward or hexagon, compared with the city.

Each question is read by what its answers hold:

- **scores other than 0 / 1** (Likert 1-5): the mean score of the answers that have one;
- **scores of 0 and 1 only** (yes / no): the share of answers scoring 1 (``Yes``);
- **no scores** (categories): the share of answers in each category.

An area is compared with the rest of the city (the city without it, so that the samples
are disjoint): Welch's t for a mean, the pooled two-proportion z for a share; p-values
are then adjusted across the areas of each question and answer (Benjamini-Hochberg).
Results from fewer than :data:`MIN_RESPONSES` answers are not shown.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from assessments._survey_stats import two_proportion_z, welch_t
from assessments.disclosure import DisclosurePolicy, protect_table
from hotspots._multiple_testing import CORRECTIONS, adjusted_p
from layers import grid
from layers import schema as S
from layers._errors import SchemaError
from layers.store import Store

MIN_RESPONSES = 10
"""Fewest answers behind a result that is shown (a disclosure and reliability rule)."""

SIGNIFICANCE = 0.05
"""Adjusted p below which a difference from the city is called significant."""

CORRECTION = "fdr_bh"
"""Multiple-testing correction across the areas of one question and answer."""

MEAN, SHARE = "mean score", "share"
"""The two measures a result can be."""

RESULT_COLUMNS: dict[str, str] = {
    "area_code": "str",
    "area_name": "str",
    "survey": "str",
    "question": "str",
    "measure": "str",
    "answer": "str",
    "responses": "int64",
    "value": "float64",
    "city_value": "float64",
    "city_responses": "int64",
    "difference": "float64",
    "test": "str",
    "statistic": "float64",
    "p_value": "float64",
    "p_adjusted": "float64",
    "significant": "bool",
    "shown": "bool",
}
"""Columns and dtypes of :func:`survey_results`."""

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_KEYS = ["survey", "question", "measure", "answer"]


def survey_results(
    store: Store,
    *,
    by: str = "ward",
    survey: str | None = None,
    question: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    min_responses: int = MIN_RESPONSES,
) -> pd.DataFrame:
    """Return each question's result per area, compared with the city, small counts hidden.

    Parameters
    ----------
    store
        The store.
    by
        ``ward`` or ``h3:RES`` (RES 6-11; answers recorded by area code only have no
        hexagon and are left out, counted in ``attrs["unplaced"]``).
    survey, question
        Keep only this survey / question (None: all).
    date_from, date_to
        First and last month included, ``YYYY-MM`` (None: all).
    min_responses
        Fewest answers behind a shown result (default :data:`MIN_RESPONSES`).

    Returns
    -------
    pandas.DataFrame
        One row per area x survey x question x answer counted (:data:`RESULT_COLUMNS`):
        ``measure`` (``mean score`` or ``share``), ``answer`` (the category a share
        counts, ``Yes`` for yes / no; missing for a mean), ``responses`` (answers behind
        the result), ``value`` and ``city_value`` (the city: every answer placed in an
        area of the table), ``difference`` (value minus city value), ``test`` (``Welch
        t`` or ``two-proportion z``), ``statistic``, ``p_value`` (the area against the
        rest of the city), ``p_adjusted`` (Benjamini-Hochberg across the shown areas of
        the same question and answer), ``significant`` (``p_adjusted`` < 0.05) and
        ``shown``. Where ``responses`` < ``min_responses``, ``shown`` is False and
        ``value``, ``difference``, the test and the p-values are missing. Areas without
        answers are absent. ``attrs``: ``min_responses``, ``rule`` (the rules in words),
        ``unplaced``.
    """
    area_sql, params, clauses = _validate(by, survey, question, date_from, date_to, min_responses)
    answers, unplaced = _answers(store, area_sql, clauses, params)
    measures = _measures(answers)
    compared = _compare(measures)
    shown = _suppress_and_adjust(compared, min_responses)
    out = _finish(store, shown, by)
    out.attrs = {
        "min_responses": min_responses,
        "rule": rule_words(min_responses),
        "unplaced": unplaced,
    }
    return out


def rule_words(min_responses: int = MIN_RESPONSES) -> str:
    """Return the rules behind survey results in one plain-English paragraph."""
    return (
        f"Results from fewer than {min_responses} answers are not shown. Likert questions "
        "show the mean score, yes / no questions the share answering yes, other questions "
        "the share giving each answer. Each area is compared with the rest of the city "
        "(Welch's t for a mean, a two-proportion z test for a share); a difference is "
        f"called significant when its p-value, adjusted for the number of areas "
        f"({CORRECTIONS[CORRECTION]}), is below {SIGNIFICANCE:g}."
    )


def survey_table(results: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    """Return survey results as they may be shown: responses disclosure-controlled, in words.

    Parameters
    ----------
    results
        A frame of :func:`survey_results`.
    policy
        The disclosure policy in force.

    Returns
    -------
    pandas.DataFrame
        Columns Area, Question, Answer, Responses (after ``protect_table`` within each
        question and answer), Result, City, Compared with the city; ``attrs["statement"]``.
    """
    missing = [c for c in RESULT_COLUMNS if c not in results.columns]
    if missing:
        raise SchemaError(f"survey_table: results lacks {missing}; pass survey_results(...)")
    keyed = results.reset_index(drop=True).assign(answer=results["answer"].fillna("").to_numpy())
    protected = protect_table(
        keyed,
        count_columns=["responses"],
        policy=policy,
        group_columns=["survey", "question", "answer"],
    )
    table = pd.DataFrame(
        {
            "Area": results["area_name"].fillna(results["area_code"]).to_numpy(),
            "Question": results["question"].to_numpy(),
            "Answer": results["answer"].fillna("mean score (1-5)").to_numpy(),
            "Responses": protected["responses"].to_numpy(),
            "Result": [_number(r) for _, r in results.iterrows()],
            "City": [_number(r, "city_value") for _, r in results.iterrows()],
            "Compared with the city": [_verdict(r) for _, r in results.iterrows()],
        }
    )
    table.attrs["statement"] = policy.statement()
    return table


# --- private steps ---------------------------------------------------------------------------


def _validate(
    by: Any, survey: Any, question: Any, date_from: Any, date_to: Any, min_responses: Any
) -> tuple[str, list[Any], list[str]]:
    problems: list[str] = []
    area_sql = S.WARD
    if by != "ward":
        head, _, tail = str(by).partition(":")
        if head == "h3" and tail.isdigit() and 6 <= int(tail) <= 11:
            area_sql = grid.parent_sql(S.H3_CELL, resolution=int(tail))
        else:
            problems.append(f"by={by!r}: use ward or h3:6 ... h3:11")
    clauses, params = [], []
    for column, value in (("survey", survey), ("question", question)):
        if value is not None and not isinstance(value, str):
            problems.append(f"{column} must be text or None, got {type(value).__name__}")
        elif value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    for name, op, month, shift in (("date_from", ">=", date_from, 0), ("date_to", "<", date_to, 1)):
        if month is not None and not (isinstance(month, str) and _MONTH.fullmatch(month)):
            problems.append(f"{name}={month!r} is not a month: write it as YYYY-MM, e.g. 2024-03")
        elif month is not None:
            clauses.append(f"date {op} ?")
            params.append((pd.Period(month, freq="M") + shift).start_time.date())
    if isinstance(min_responses, bool) or not isinstance(min_responses, int) or min_responses < 1:
        problems.append(f"min_responses must be a whole number >= 1, got {min_responses!r}")
    if date_from and date_to and not problems and date_from > date_to:
        problems.append(f"date_from {date_from} is after date_to {date_to}: swap them")
    if problems:
        raise SchemaError("survey_results: " + "; ".join(problems) + ".")
    return area_sql, params, clauses


def _answers(
    store: Store, area_sql: str, clauses: list[str], params: list[Any]
) -> tuple[pd.DataFrame, int]:
    where = " AND ".join(clauses) if clauses else "TRUE"
    frame = store.query(
        f"SELECT {area_sql} AS area, survey, question, answer, score, count(*) AS n "
        f"FROM surveys WHERE {where} GROUP BY ALL",
        params,
    )
    unplaced = int(frame.loc[frame["area"].isna(), "n"].sum())
    return frame[frame["area"].notna()].reset_index(drop=True), unplaced


def _measures(answers: pd.DataFrame) -> pd.DataFrame:
    """Return per area and measure: responses n, sum s and sum of squares q."""
    parts = [_question_measures(group) for _, group in answers.groupby(["survey", "question"])]
    columns = ["area", *_KEYS, "n", "s", "q"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _question_measures(rows: pd.DataFrame) -> pd.DataFrame:
    scored = rows[rows["score"].notna()]
    keys = {"survey": rows["survey"].iloc[0], "question": rows["question"].iloc[0]}
    if scored.empty:  # categories: one share per answer, zeros where an area had none
        n = rows.groupby("area")["n"].sum()
        hits = rows.pivot_table(index="area", columns="answer", values="n", aggfunc="sum")
        long = hits.fillna(0).stack().rename("s").reset_index()
        long["n"] = long["area"].map(n)
        return long.assign(**keys, measure=SHARE, q=long["s"])
    n = scored.groupby("area")["n"].sum()
    s = (scored["n"] * scored["score"]).groupby(scored["area"]).sum()
    q = (scored["n"] * scored["score"] ** 2).groupby(scored["area"]).sum()
    out = pd.DataFrame({"n": n, "s": s, "q": q}).reset_index()
    if set(scored["score"].unique()) <= {0.0, 1.0}:
        ones = scored[scored["score"] == 1.0]
        label = ones.groupby("answer")["n"].sum().idxmax() if not ones.empty else "1"
        return out.assign(**keys, measure=SHARE, answer=label)
    return out.assign(**keys, measure=MEAN, answer=None)


def _compare(measures: pd.DataFrame) -> pd.DataFrame:
    city = measures.groupby(_KEYS, dropna=False)[["n", "s", "q"]].transform("sum")
    out = measures.assign(city_n=city["n"], city_s=city["s"], city_q=city["q"])
    rest = {k: out[f"city_{k}"] - out[k] for k in ("n", "s", "q")}
    t, p_t = welch_t(out["n"], out["s"], out["q"], rest["n"], rest["s"], rest["q"])
    z, p_z = two_proportion_z(out["n"], out["s"], rest["n"], rest["s"])
    is_mean = (out["measure"] == MEAN).to_numpy()
    return out.assign(
        value=out["s"] / out["n"],
        city_value=out["city_s"] / out["city_n"],
        test=np.where(is_mean, "Welch t", "two-proportion z"),
        statistic=np.where(is_mean, t, z),
        p_value=np.where(is_mean, p_t, p_z),
    )


def _suppress_and_adjust(compared: pd.DataFrame, min_responses: int) -> pd.DataFrame:
    out = compared.copy()
    out["shown"] = out["n"] >= min_responses
    hidden = ~out["shown"]
    out.loc[hidden, ["value", "statistic", "p_value"]] = np.nan
    out["difference"] = out["value"] - out["city_value"]
    out["p_adjusted"] = np.nan
    for _, rows in out.groupby(_KEYS, dropna=False).groups.items():
        out.loc[rows, "p_adjusted"] = adjusted_p(out.loc[rows, "p_value"].to_numpy(), CORRECTION)
    out["significant"] = out["p_adjusted"].lt(SIGNIFICANCE)
    return out


def _finish(store: Store, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    out = frame.rename(columns={"area": "area_code", "n": "responses", "city_n": "city_responses"})
    if by == "ward":
        names = store.boundaries(S.Level.WARD).set_index(S.CODE)[S.NAME]
        out["area_name"] = out["area_code"].map(names)
    else:
        out["area_code"] = grid.cells_to_str(out["area_code"].to_numpy(dtype="uint64"))
        out["area_name"] = None
    out = out[list(RESULT_COLUMNS)].astype(RESULT_COLUMNS)
    return out.sort_values(["area_code", *_KEYS], ignore_index=True)


def _number(row: pd.Series, column: str = "value") -> str:
    value = row[column]
    if pd.isna(value):
        return "not shown (too few answers)" if column == "value" else ""
    return f"{value:.1f}" if row["measure"] == MEAN else f"{100 * value:.0f}%"


def _verdict(row: pd.Series) -> str:
    if not row["shown"] or pd.isna(row["p_adjusted"]):
        return "not tested"
    if not row["significant"]:
        return "no clear difference"
    way = "higher" if row["difference"] > 0 else "lower"
    return f"{way}, unlikely to be chance"
