"""Survey results for one user: ward means where enough answered, hexagons only in detail."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessments._scoped_access import clipped_within
from assessments.disclosure import DisclosurePolicy
from layers import grid, queries
from layers import schema as S
from layers._errors import SchemaError
from layers.access import User, detail_wards
from layers.aggregate import wards_within
from layers.store import Store


def scoped_surveys(
    store: Store,
    user: User,
    *,
    by: str,
    survey: str | None,
    question: str | None,
    date_from: str | None,
    date_to: str | None,
    policy: DisclosurePolicy,
) -> pd.DataFrame:
    """Return survey results the user may see (see ``assessments.scoped.survey_summary``)."""
    filters = {
        "survey": survey,
        "question": question,
        "date_from": date_from,
        "date_to": date_to,
    }
    if by == "ward":
        table = queries.survey_summary(store, by="ward", **filters)
        return _ward_means(table, detail_wards(store, user), policy)
    resolution = _resolution(by)
    place = clipped_within(store, user, None, "survey results by hexagon")
    if place is None:
        table = queries.survey_summary(store, by=by, **filters)
    else:
        table = _cells_within(store, resolution, wards_within(store, place) or (), filters)
    return table.assign(shown=_means_text(table["mean_score"]))


def _ward_means(
    table: pd.DataFrame, detail: frozenset[str] | None, policy: DisclosurePolicy
) -> pd.DataFrame:
    """Hide the means of wards outside the user's detail that too few people answered."""
    few = table["responses"].to_numpy() < policy.suppress_below
    outside = ~table["area_code"].isin(list(detail)) if detail is not None else False
    hide = few & np.asarray(outside, dtype=bool)
    out = table.assign(mean_score=table["mean_score"].where(~hide))
    out["shown"] = np.where(
        hide, f"<{policy.suppress_below} answers", _means_text(out["mean_score"])
    )
    out = out.astype({"shown": "str"})
    out.attrs = {"hidden": int(hide.sum())}
    return out


def _means_text(means: pd.Series) -> np.ndarray:
    return np.array(["" if pd.isna(m) else f"{m:.2f}" for m in means], dtype=object)


def _cells_within(
    store: Store, resolution: int, wards: tuple[str, ...], filters: dict[str, str | None]
) -> pd.DataFrame:
    """Answers per hexagon, counting only answers given in the wards named."""
    area = grid.parent_sql(S.H3_CELL, resolution=resolution)
    clauses = [f"{area} IS NOT NULL", "list_contains(?, ward_code)"]
    params: list[object] = [list(wards)]
    for column in (S.SURVEY, S.QUESTION):
        if filters[column] is not None:
            clauses.append(f"{column} = ?")
            params.append(filters[column])
    for op, key, shift in ((">=", "date_from", 0), ("<", "date_to", 1)):
        if filters[key] is not None:
            clauses.append(f"date {op} ?")
            params.append((pd.Period(filters[key], freq="M") + shift).start_time.date())
    frame = store.query(
        f"SELECT {area} AS area_code, survey, question, count(*) AS responses, "
        f"avg(score) AS mean_score FROM surveys WHERE {' AND '.join(clauses)} "
        "GROUP BY ALL ORDER BY 1, 2, 3",
        params,
    )
    frame["area_code"] = grid.cells_to_str(frame["area_code"].to_numpy(dtype="uint64"))
    frame.insert(1, "area_name", pd.Series(None, index=frame.index, dtype="str"))
    return frame.astype(
        {"area_code": "str", "survey": "str", "question": "str", "responses": "int64"}
    ).astype({"mean_score": "float64"})


def _resolution(by: str) -> int:
    head, _, tail = by.partition(":")
    if head == "h3" and tail.isdigit() and 6 <= int(tail) <= 11:
        return int(tail)
    raise SchemaError(f"by={by!r}: use ward or h3:6 ... h3:11")
