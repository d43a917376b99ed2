"""The profile's surveys (the area against the city) and the interventions in or near it."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from assessments._area import Area
from assessments._profile_events import Period
from assessments._profile_words import number_words
from layers.queries import interventions, survey_summary
from layers.store import Store

SURVEY_COLUMNS: dict[str, str] = {
    "survey": "str",
    "question": "str",
    "measure": "str",
    "responses": "int64",
    "value": "float64",
    "city_responses": "int64",
    "city_value": "float64",
}
"""Columns of ``AreaProfile.surveys``."""

SHARE = "share answering yes"
"""``measure`` of a yes / no question (scores 0 and 1): ``value`` is a share, 0-1."""

INTERVENTION_COLUMNS: tuple[str, ...] = (
    "name",
    "intervention_type",
    "lead_agency",
    "start_date",
    "end_date",
    "status",
    "geometry",
)
"""Columns of ``AreaProfile.interventions`` (a GeoDataFrame, EPSG:4326)."""


def survey_results(store: Store, area: Area, period: Period) -> pd.DataFrame:
    """Return each question's responses and mean score (or share yes) in the area and the city.

    Answers count where they lie in a ward (the city) and in the area's wards or hexagons.
    A question nobody in the area answered is left out: a mean of nothing is not zero.
    """
    months = {"date_from": period.first, "date_to": period.last}
    city = survey_summary(store, by="ward", **months)
    if city.empty:
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in SURVEY_COLUMNS.items()})
    if area.wards is not None:
        mine = city[city["area_code"].isin(area.wards)]
    else:
        cells = survey_summary(store, by=f"h3:{area.resolution}", **months)
        mine = cells[cells["area_code"].isin(area.cells)]
    merged = _pooled(mine).merge(
        _pooled(city), on=["survey", "question"], suffixes=("", "_city"), how="left"
    )
    out = pd.DataFrame(
        {
            "survey": merged["survey"],
            "question": merged["question"],
            "measure": _measures(store, merged["question"]),
            "responses": merged["responses"],
            "value": merged["value"],
            "city_responses": merged["responses_city"].fillna(0),
            "city_value": merged["value_city"],
        }
    )
    return out.astype(SURVEY_COLUMNS).reset_index(drop=True)


def area_interventions(store: Store, area: Area, period: Period) -> gpd.GeoDataFrame:
    """Return the interventions inside or touching the area, with their status in the period.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`INTERVENTION_COLUMNS`, EPSG:4326, by start date. ``status``: "planned",
        "running", "ended" (within or before the period) in words with the month.
    """
    register = interventions(store)
    if register.empty:
        return register.reindex(columns=list(INTERVENTION_COLUMNS))
    touching = shapely.intersects(register.geometry.to_numpy(), area.geometry)
    chosen = register[touching].reset_index(drop=True)
    start = pd.Period(period.first, freq="M").start_time.date()
    end = (pd.Period(period.last, freq="M") + 1).start_time.date()
    chosen["status"] = [
        _status(row.start_date, row.end_date, start, end) for row in chosen.itertuples()
    ]
    return chosen[list(INTERVENTION_COLUMNS)]


def _pooled(summary: pd.DataFrame) -> pd.DataFrame:
    """Pool areas: responses summed, mean weighted by responses."""
    frame = summary.assign(_sum=summary["mean_score"] * summary["responses"])
    grouped = frame.groupby(["survey", "question"], sort=True)
    out = grouped[["responses", "_sum"]].sum(min_count=1).reset_index()
    out["value"] = out.pop("_sum") / out["responses"]
    return out


def _measures(store: Store, questions: pd.Series) -> np.ndarray:
    """``share answering yes`` for questions scored 0 / 1, else ``mean score (LOW-HIGH)``."""
    scores = store.query(
        "SELECT question, min(score) AS low, max(score) AS high FROM surveys "
        "WHERE score IS NOT NULL GROUP BY 1"
    ).set_index("question")
    words = []
    for question in questions:
        low, high = (
            scores.loc[question, ["low", "high"]] if question in scores.index else (np.nan, np.nan)
        )
        if low >= 0 and high <= 1:
            words.append(SHARE)
        elif np.isfinite(low) and np.isfinite(high):
            words.append(f"mean score, {_scale_end(low)} to {_scale_end(high)}")
        else:
            words.append("mean score")
    return np.array(words, dtype=object)


def _scale_end(value: float) -> str:
    """Write an end of a score scale in words (``one``, ``five``): no bare 1-4 is printed."""
    return number_words(int(value)) if float(value).is_integer() else f"{value:g}"


def _status(start: object, finish: object, first: date, after: date) -> str:
    begun = pd.Timestamp(start).date() if pd.notna(start) else None
    ended = pd.Timestamp(finish).date() if pd.notna(finish) else None
    if begun is not None and begun >= after:
        return f"planned, from {begun:%b %Y}"
    if ended is not None and ended < first:
        return f"ended {ended:%b %Y}, before the period"
    if ended is not None and ended < after:
        return f"ended {ended:%b %Y}"
    since = f" since {begun:%b %Y}" if begun is not None else ""
    return f"running{since}"
