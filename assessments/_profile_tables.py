"""The profile's tables from the area's counts: categories, months, trends, weekdays and hours."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import pandas as pd

from assessments._profile_events import DAYS, LAYERS, Period
from hotspots.trends import Comparison, TrendResult, monthly_trend, period_comparison
from layers._errors import SchemaError
from layers.trend_table import comparison_window

T = TypeVar("T")


@dataclass(frozen=True)
class LayerTrend:
    """One layer's trend over the whole period and its recent change, with the window used."""

    trend: TrendResult | None
    change: Comparison | None
    window: int
    window_reason: str


def category_table(cubes: dict[str, pd.DataFrame], city: pd.DataFrame) -> pd.DataFrame:
    """Return counts by layer and category in the area and the city.

    Returns
    -------
    pandas.DataFrame
        Columns layer, category (str), count, city_count (int64): every category with an
        event in the city in the period; within a layer, most common in the area first.
    """
    area = pd.concat(
        [
            cube.groupby("category")["n"].sum().rename("count").reset_index().assign(layer=layer)
            for layer, cube in cubes.items()
        ],
        ignore_index=True,
    )
    table = city.rename(columns={"count": "city_count"}).merge(
        area, on=["layer", "category"], how="outer"
    )
    table = table.fillna({"count": 0, "city_count": 0}).astype(
        {"layer": "str", "category": "str", "count": "int64", "city_count": "int64"}
    )
    order = {layer: i for i, layer in enumerate(LAYERS)}
    table["_order"] = table["layer"].map(order)
    table = table.sort_values(["_order", "count", "category"], ascending=[True, False, True])
    return table[["layer", "category", "count", "city_count"]].reset_index(drop=True)


def monthly_table(cubes: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Return the area's count of each layer in every month of the period (zeros included).

    Returns
    -------
    pandas.DataFrame
        Columns period (``YYYY-MM``), layer (str), count (int64), month-major.
    """
    frames = []
    for layer, cube in cubes.items():
        summed = cube.groupby("month")["n"].sum().reindex(list(period.months), fill_value=0)
        frames.append(
            pd.DataFrame({"period": period.months, "layer": layer, "count": summed.to_numpy()})
        )
    table = pd.concat(frames, ignore_index=True)
    return table.astype({"period": "str", "layer": "str", "count": "int64"})


def layer_trends(monthly: pd.DataFrame, notes: list[str]) -> dict[str, LayerTrend]:
    """Run the Mann-Kendall trend and the period comparison on each layer's monthly series."""
    out = {}
    for layer, label in LAYERS.items():
        rows = monthly[monthly["layer"] == layer]
        series = pd.Series(
            rows["count"].to_numpy(),
            index=pd.PeriodIndex(rows["period"], freq="M"),
            name=f"{label} in the area",
        )
        out[layer] = _layer_trend(series, label.lower(), notes)
    return out


def _layer_trend(series: pd.Series, label: str, notes: list[str]) -> LayerTrend:
    window, reason = comparison_window(len(series))
    trend = _try(partial(monthly_trend, series), f"The trend of {label}", notes)
    change = (
        _try(partial(period_comparison, series, months=window), f"The change in {label}", notes)
        if window >= 1
        else None
    )
    return LayerTrend(trend, change, window, reason)


def weekday_table(cubes: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return each layer's events dated to the day, by day of the week.

    Returns
    -------
    pandas.DataFrame
        Columns layer, day (``Mon`` ... ``Sun``), count (int64); seven rows per layer.
    """
    return _spread(cubes, "dow", range(1, 8), "day", list(DAYS))


def hour_table(cubes: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return each layer's events with a time, by hour of the day (0-23).

    Returns
    -------
    pandas.DataFrame
        Columns layer, hour (int64), count (int64); 24 rows per layer.
    """
    return _spread(cubes, "hour", range(24), "hour", list(range(24)))


def timed_table(cubes: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return each layer's events, and how many are dated to the day and to the minute.

    Returns
    -------
    pandas.DataFrame
        Columns layer, events, with_day, with_time (int64).
    """
    rows = [
        {
            "layer": layer,
            "events": int(cube["n"].sum()),
            "with_day": int(cube.loc[cube["dow"].notna(), "n"].sum()),
            "with_time": int(cube.loc[cube["hour"].notna(), "n"].sum()),
        }
        for layer, cube in cubes.items()
    ]
    return pd.DataFrame(rows).astype(
        {"layer": "str", "events": "int64", "with_day": "int64", "with_time": "int64"}
    )


def _spread(
    cubes: dict[str, pd.DataFrame], column: str, keys: range, name: str, labels: list[object]
) -> pd.DataFrame:
    frames = []
    for layer, cube in cubes.items():
        known = cube[cube[column].notna()]
        summed = known.groupby(known[column].astype("int64"))["n"].sum()
        summed = summed.reindex(list(keys), fill_value=0)
        frames.append(pd.DataFrame({"layer": layer, name: labels, "count": summed.to_numpy()}))
    table = pd.concat(frames, ignore_index=True)
    return table.astype({"layer": "str", "count": "int64"})


def _try(compute: Callable[[], T], what: str, notes: list[str]) -> T | None:
    try:
        return compute()
    except SchemaError as error:
        notes.append(f"{what} could not be computed: {error}")
        return None
