"""Count tables for one user: detail clipped to their wards, other figures protected.

Ward and locality figures outside the user's detail are protected together, as one
table of the whole city (wards, and localities as the sums of their wards), whatever the
place asked for: a ward table and a locality table, or two places, show the same hidden
figures, so one cannot be worked out from another. The reader is assumed to know, in
each period, the city's total (and so the total of the areas they do not see in detail)
and, over the periods, every area's total.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from assessments._scoped_access import (
    UNIT_WORDS,
    clipped_within,
    own_locality,
    scope_sentence,
)
from assessments._scoped_hierarchy import TABLE_DTYPES, Hierarchy
from assessments._scoped_protect import protect_block
from assessments.disclosure import DisclosurePolicy, pinned_note
from layers import aggregate
from layers import schema as S
from layers.access import User
from layers.store import Store

SCOPED_COLUMNS: dict[str, str] = TABLE_DTYPES
"""Columns and dtypes of a scoped count table (``count`` NaN where hidden)."""


def scoped_counts(
    store: Store,
    user: User,
    *,
    by: str,
    kinds: Sequence[S.Kind | str],
    categories: Sequence[str] | None,
    flags: Sequence[str] | None,
    date_from: str | None,
    date_to: str | None,
    period: str,
    within: str | None,
    policy: DisclosurePolicy,
) -> pd.DataFrame:
    """Return the counts the user may see (see ``assessments.scoped.counts``)."""
    unit = by.partition(":")[0]
    query: dict[str, Any] = {
        "kinds": kinds,
        "categories": categories,
        "flags": flags,
        "date_from": date_from,
        "date_to": date_to,
        "period": period,
    }
    place = within
    if unit in UNIT_WORDS:
        place = clipped_within(store, user, within, f"{UNIT_WORDS[unit]} counts")
    if user.sees_all_detail or unit not in ("ward", "locality"):
        table = aggregate.counts(store, by=by, within=place, **query)
        unassigned = int(table.attrs.get("unassigned", 0)) if user.sees_all_detail else 0
        return _all_exact(table, scope_sentence(user, unit, within, place), unassigned)
    city = Hierarchy.of(store, aggregate.counts(store, by="ward", **query))
    keep = city.rows(unit, aggregate.wards_within(store, within))
    exact = city.own_rows(own_locality(user))
    shown = city.values.astype(str).astype(object)
    hidden = np.zeros(city.values.shape, dtype=bool)
    pinned = np.zeros(city.values.shape, dtype=bool)
    attrs: dict[str, object] = {"unassigned": 0, "scope": "", "statement": "", "hidden": 0}
    attrs["scope"] = scope_sentence(user, unit, within, place)
    if (~exact[keep]).any():
        result = protect_block(city.values[~exact], city.sums(~exact), policy)
        shown[~exact], hidden[~exact] = result.shown, result.hidden
        pinned[~exact] = result.pinned
        attrs["statement"] = result.statement
    attrs["hidden"] = int(hidden[keep].sum())
    exposed = int(pinned[keep].sum())
    attrs["exposed"] = exposed
    attrs["statement"] = f"{attrs['statement']}{pinned_note(exposed)}"
    return city.frame(keep, shown, hidden, attrs)


def _all_exact(table: pd.DataFrame, scope: str, unassigned: int = 0) -> pd.DataFrame:
    counts = table["count"]
    out = table.assign(
        count=counts.to_numpy(dtype="float64"),
        shown=counts.astype("str"),
        exact=np.ones(len(table), dtype=bool),
    )
    out.attrs = {
        "unassigned": unassigned,
        "scope": scope,
        "statement": "",
        "hidden": 0,
        "exposed": 0,
    }
    return out
