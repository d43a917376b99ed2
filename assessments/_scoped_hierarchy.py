"""The city's wards and localities x periods as one table: values and how they add up."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layers.store import Store

TABLE_DTYPES: dict[str, str] = {
    "area_code": "str",
    "area_name": "str",
    "period": "str",
    "count": "float64",
    "shown": "str",
    "exact": "bool",
}
"""Columns and dtypes of a scoped count table."""


_AREAS: dict[tuple[str, str], pd.DataFrame] = {}
_KEPT = 8
_LOCK = threading.Lock()


def _areas(store: Store) -> pd.DataFrame:
    """Wards and localities (code, name, level, parent_code), read once per store version."""
    key = (str(store.path), store.version())
    with _LOCK:
        found = _AREAS.get(key)
    if found is None:
        found = store.query(
            "SELECT code, name, level, parent_code FROM boundaries "
            "WHERE level IN ('ward', 'locality') ORDER BY code"
        )
        with _LOCK:
            while len(_AREAS) >= _KEPT:
                _AREAS.pop(next(iter(_AREAS)))
            _AREAS[key] = found
    return found


@dataclass(frozen=True)
class Hierarchy:
    """Wards (rows first, by code) then localities (by code), each x periods.

    A locality's figure is the sum of its wards' figures.
    """

    codes: np.ndarray  # object array of str
    names: np.ndarray  # object array (None where unnamed)
    is_ward: np.ndarray
    parent: np.ndarray  # for a ward its locality's row, else -1
    locality_of: np.ndarray  # for every row its locality's name (a locality: itself)
    periods: list[str]
    values: np.ndarray  # rows x periods, int64

    @classmethod
    def of(cls, store: Store, wards: pd.DataFrame) -> Hierarchy:
        """Build it from ``layers.aggregate.counts(by="ward")`` of the city (a full grid).

        The count table is sorted by area and period and holds every area in every
        period, so it reshapes into areas x periods.
        """
        periods = list(pd.unique(wards["period"].to_numpy(dtype=object)))
        n = max(len(periods), 1)
        codes = wards["area_code"].to_numpy(dtype=object)[::n]
        values = wards["count"].to_numpy(dtype=np.int64).reshape(len(codes), len(periods))
        areas = _areas(store)
        up = areas[areas["level"] == "ward"].set_index("code")["parent_code"].reindex(codes)
        named = areas[areas["level"] == "locality"].set_index("code")["name"]
        extra = sorted({str(p) for p in up.dropna()} - set(named.index))
        localities = np.array([*named.index, *extra], dtype=object)
        row = {code: len(codes) + i for i, code in enumerate(localities)}
        parent = np.array([row.get(p, -1) for p in up.to_numpy(dtype=object)], dtype=np.int64)
        sums = np.zeros((len(localities), len(periods)), dtype=np.int64)
        has = parent >= 0
        np.add.at(sums, parent[has] - len(codes), values[has])
        return cls(
            codes=np.concatenate([codes, localities]),
            names=np.concatenate(
                [
                    wards["area_name"].to_numpy(dtype=object)[::n],
                    [*named.to_numpy(dtype=object), *([None] * len(extra))],
                ]
            ),
            is_ward=np.arange(len(codes) + len(localities)) < len(codes),
            parent=np.concatenate([parent, np.full(len(localities), -1)]),
            locality_of=np.concatenate([up.to_numpy(dtype=object), localities]),
            periods=[str(p) for p in periods],
            values=np.vstack([values, sums]),
        )

    def own_rows(self, locality: str | None) -> np.ndarray:
        """Rows the user sees exactly: the wards of their locality and the locality itself."""
        if locality is None:
            return np.zeros(len(self.codes), dtype=bool)
        return np.asarray(self.locality_of == locality, dtype=bool)

    def sums(self, block: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Return the sums the reader knows, as flat indices into the block's values.

        Each area over the periods (several periods only), the city minus the user's own
        areas in each period, and each locality as the sum of its wards in each period.
        """
        n = len(self.periods)
        position = np.full(len(self.codes), -1)
        position[block] = np.arange(int(block.sum()))
        rows = np.flatnonzero(block)
        out = [(position[r] * n + np.arange(n), np.ones(n)) for r in rows] if n > 1 else []
        top = np.array([r for r in rows if not self.is_ward[r] or self.parent[r] < 0], dtype=int)
        totals = [r for r in rows if not self.is_ward[r]]
        members = {r: rows[self.parent[rows] == r] for r in totals}
        for col in range(n):
            out.append((position[top] * n + col, np.ones(len(top))))
            for total in totals:
                cells = np.append(position[members[total]], position[total]) * n + col
                out.append((cells, np.append(np.ones(len(members[total])), -1.0)))
        return out

    def rows(self, unit: str, place: tuple[str, ...] | None) -> np.ndarray:
        """Return the rows of the unit (``ward`` or ``locality``) in a place, by code."""
        wards = np.flatnonzero(self.is_ward)
        inside = wards if place is None else wards[np.isin(self.codes[wards], list(place))]
        if unit == "ward":
            return inside
        localities = np.flatnonzero(~self.is_ward)
        if place is not None:
            localities = np.intersect1d(localities, self.parent[inside])
        return localities[np.argsort(self.codes[localities].astype(str), kind="stable")]

    def frame(
        self, keep: np.ndarray, shown: np.ndarray, hidden: np.ndarray, attrs: dict[str, object]
    ) -> pd.DataFrame:
        """Return the rows ``keep`` as a long count table (hidden figures: NaN)."""
        n = len(self.periods)
        raw = self.values[keep].ravel().astype(str)
        text = shown[keep].ravel().astype(object)
        gone = hidden[keep].ravel()
        numbers = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy()
        out = pd.DataFrame(
            {
                "area_code": pd.Series(np.repeat(self.codes[keep], n), dtype="str"),
                "area_name": pd.Series(np.repeat(self.names[keep], n), dtype="str"),
                "period": pd.Series(np.tile(self.periods, len(keep)), dtype="str"),
                "count": np.where(gone, np.nan, numbers).astype("float64"),
                "shown": pd.Series(text, dtype="str"),
                "exact": ~gone & (text == raw),
            }
        )
        out.attrs = dict(attrs)
        return out
