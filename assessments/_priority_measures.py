"""The assessment planner's components, each measured per candidate and scaled 0-1."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import shapely

from assessments._priority_places import CellStats, Places, Request, guarded, place_outlines
from hotspots.gistar import gi_star
from hotspots.overlap import multi_harm_overlap
from hotspots.trends import trends_by_area
from layers import queries
from layers import schema as S
from layers.aggregate import counts
from layers.store import Store

LAYER_WORDS: dict[str, str] = {
    "incidents": "police incidents",
    "missing": "missing-child episodes",
    "knife": "knife injuries",
}
"""How the sentences name each harm layer."""

EMERGING_SCORES: dict[str, float] = {
    "New Hot Spot": 1.0,
    "Intensifying Hot Spot": 0.9,
    "Consecutive Hot Spot": 0.9,
    "Sporadic Hot Spot": 0.5,
    "Oscillating Hot Spot": 0.4,
    "Persistent Hot Spot": 0.3,
    "Diminishing Hot Spot": 0.2,
    "Historical Hot Spot": 0.1,
}
"""Emerging component of each hot spot class (every other class, cold ones included: 0).
New, intensifying and consecutive hot spots are what an assessment can still act on; a
persistent one is already counted by the harm and overlap components."""

INTENSIFYING = "Intensifying Hot Spot"
STEADY = " (steady counts)"
"""Added to the class of an intensifying hot spot whose own counts show no significant
rise (Mann-Kendall): with overlapping time windows a city-wide rise can make a steady hot
spot read as intensifying (see ``hotspots.emerging``), so it scores as persistent."""

SAFETY_WORDS = "feel safe"
"""The survey question used for felt safety is the first whose text contains this."""

HARM_NOTE = (
    "Harm: counts in the months chosen, each layer as a share of the highest place, then "
    "averaged with the layer weights. Counts, not rates per resident: harm to children "
    "outside the home happens where young people go, not where they live."
)
"""How the harm component is measured, as the notes say it."""

_OVERLAP_SHARE = (
    " A hexagon scores the share of the layers it is hot in; a ward or hot spot the mean of "
    "its hexagons' scores weighted by their events."
)

NEUTRAL = 0.5
"""Safety component of a place with too few survey answers: neither raised nor lowered."""


def layer_counts(store: Store, request: Request, by: str) -> pd.DataFrame:
    """Count each harm layer in every area of a unit (zeros included; index area_code)."""
    series = {
        kind: counts(
            store,
            by=by,
            kinds=(kind,),
            date_from=request.date_from,
            date_to=request.date_to,
        ).set_index("area_code")["count"]
        for kind in LAYER_WORDS
    }
    return pd.DataFrame(series).fillna(0).astype("int64")


def harm(
    places: Places, base: pd.DataFrame, weights: dict[str, float]
) -> tuple[pd.DataFrame, list[str]]:
    """Return counts per layer and the harm level (weighted mean of shares of the top)."""
    grouped = _to_candidates(base, places).astype("int64")
    scaled = grouped.astype("float64").apply(_share_of_max)
    weighted = scaled[list(weights)] * pd.Series(weights)
    frame = grouped.copy()
    frame["harm_value"] = weighted.sum(axis=1) / sum(weights.values())
    frame["harm_layers"] = [_leading(row) for _, row in weighted.iterrows()]
    return frame, [HARM_NOTE]


def trend(
    store: Store, request: Request, places: Places, stats: CellStats
) -> tuple[pd.DataFrame, list[str]]:
    """Last months against the months before: counts, rate ratio, its interval, value."""
    index = places.names.index
    empty = pd.DataFrame(
        {"recent": 0, "previous": 0, "rate_ratio": np.nan, "ci_low": np.nan, "significant": False},
        index=index,
    )
    if request.window == 0 or not len(index):
        return _trend_value(empty), [f"No trend: {request.window_reason}."]
    monthly = _candidate_months(store, request, places, stats)
    table = trends_by_area(monthly, months=request.window)
    found = table.set_index("area_code")[list(empty.columns)]
    frame = found.reindex(index).fillna(empty).astype(empty.dtypes.to_dict())
    note = (
        f"Trend: {request.window_reason}, the layers counted together; {table.attrs['method']}; "
        f"{table.attrs['correction']}. The trend component is the smallest rise the 95% "
        "interval allows (0 when it allows no change or a fall), as a share of the largest."
    )
    return _trend_value(frame), [note]


def emerging(request: Request, places: Places, stats: CellStats) -> pd.DataFrame:
    """Share of each candidate's recent events in emerging hot spot hexagons, by class.

    ``sum(score x recent events) / sum(recent events)`` over the candidate's hexagons
    (recent: the trend's last window, or every month without one), so a hexagon scores
    its class (:data:`EMERGING_SCORES`) and a ward scores high when much of its recent
    harm lies in new, consecutive or intensifying hot spots. ``emerging_pattern`` is the
    highest-scoring class found among its hexagons.
    """
    index = places.names.index
    out = pd.DataFrame({"emerging_pattern": "", "emerging_value": 0.0}, index=index)
    if stats.emerging is None:
        return out
    classes, scores = _classes(stats.emerging)
    out["emerging_value"] = _event_weighted(scores, stats.events(request.window), places)
    place = places.cells.reindex(classes.index)
    found = pd.DataFrame({"pattern": classes, "score": scores, "place": place})
    found = found[(found["score"] > 0) & found["place"].notna()]
    best = found.sort_values(["score", "pattern"], ascending=[False, True])
    out["emerging_pattern"] = best.groupby("place")["pattern"].first().reindex(index).fillna("")
    return out


def overlap(
    request: Request, places: Places, cells: pd.DataFrame, stats: CellStats
) -> tuple[pd.DataFrame, list[str]]:
    """Hot for several harms: Gi* of each layer on the hexagons, shared out to the places.

    A hexagon's value is the share of the layers counted in which it is a Gi* hot spot at
    95 % (``multi_harm_overlap``); a ward or hot spot takes the mean over its hexagons
    weighted by their events, and lists every layer hot somewhere in it.
    """
    index = places.names.index
    out = pd.DataFrame({"hot_layers": "", "overlap_value": 0.0}, index=index)
    results, notes = _layer_hot_spots(request, cells)
    if not results:
        return out, [*notes, "Hot for several harms: no layer could be tested, so 0 everywhere."]
    found = multi_harm_overlap(results, min_layers=1, min_bin=2)
    share = found["n_hot_layers"] / len(request.kinds)
    out["overlap_value"] = _event_weighted(share, stats.events(0), places)
    out["hot_layers"] = _hot_layers(found, places, index)
    return out, [*notes, found.attrs["method"] + _OVERLAP_SHARE]


def safety(store: Store, request: Request, places: Places) -> tuple[pd.DataFrame, list[str], float]:
    """Mean answer to the felt-safety question per candidate, inverted and scaled 0-1."""
    index = places.names.index
    out = pd.DataFrame(
        {"safety_mean": np.nan, "safety_answers": 0, "safety_value": NEUTRAL}, index=index
    )
    question = _safety_question(store)
    if question is None:
        return out, [f'Felt safety: no survey question contains "{SAFETY_WORDS}"; neutral.'], np.nan
    by = "ward" if places.base == "ward" else f"h3:{request.resolution}"
    answers = queries.survey_summary(
        store, by=by, question=question, date_from=request.date_from, date_to=request.date_to
    )
    city = _weighted_mean(answers)
    mapping = places.group if places.base == "ward" else places.cells
    grouped = answers.assign(place=answers["area_code"].map(mapping)).dropna(subset=["place"])
    sums = grouped.assign(total=grouped["mean_score"] * grouped["responses"])
    sums = sums.groupby("place")[["responses", "total"]].sum().reindex(index).fillna(0)
    out["safety_answers"] = sums["responses"].astype("int64")
    enough = out["safety_answers"] >= request.policy.suppress_below
    out.loc[enough, "safety_mean"] = sums["total"][enough] / sums["responses"][enough]
    out["safety_value"] = _inverted(out["safety_mean"])
    return out, [_safety_note(question, request, city)], city


def cover(store: Store, request: Request, places: Places) -> tuple[pd.DataFrame, list[str]]:
    """Interventions whose area meets the place and that ran at some time in the period."""
    index = places.names.index
    out = pd.DataFrame(
        {"interventions": "", "intervention_names": "", "intervention_value": 0.0}, index=index
    )
    register = _active(queries.interventions(store), request)
    if register.empty or not len(index):
        return out, [_cover_note(request, len(register))]
    outlines = place_outlines(store, places, request.unit)
    tree = shapely.STRtree(outlines.to_numpy())
    hits, where = tree.query(register.geometry.to_numpy(), predicate="intersects")
    pairs = pd.DataFrame(
        {
            "place": outlines.index[where],
            "words": register["words"].iloc[hits].to_numpy(),
            "name": register[S.NAME].iloc[hits].astype("str").to_numpy(),
        }
    ).sort_values(["place", "name"])
    listed = pairs.groupby("place")[["words", "name"]].agg("; ".join)
    out.loc[listed.index, "interventions"] = listed["words"]
    out.loc[listed.index, "intervention_names"] = listed["name"]
    out.loc[listed.index, "intervention_value"] = 1.0
    return out, [_cover_note(request, len(register))]


# --- private steps ----------------------------------------------------------------------


def _classes(found: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each hexagon's class and score; intensifying with steady counts scores as persistent."""
    classes = found["pattern"].astype("str")
    steady = (classes == INTENSIFYING) & (found["count_trend_direction"] != "rising")
    scores = classes.map(EMERGING_SCORES).fillna(0.0)
    scores[steady] = EMERGING_SCORES["Persistent Hot Spot"]
    return classes.where(~steady, INTENSIFYING + STEADY), scores


def _event_weighted(values: pd.Series, events: pd.Series, places: Places) -> pd.Series:
    """Mean of the hexagons' values in each candidate, weighted by their events (0 if none)."""
    frame = pd.DataFrame(
        {"value": values.reindex(events.index).fillna(0.0), "events": events},
        index=events.index,
    )
    frame["place"] = places.cells.reindex(events.index)
    frame = frame.dropna(subset=["place"])
    frame["weighted"] = frame["value"] * frame["events"]
    sums = frame.groupby("place")[["weighted", "events"]].sum()
    sums = sums.reindex(places.names.index).fillna(0.0)
    return (sums["weighted"] / sums["events"].where(sums["events"] > 0)).fillna(0.0)


def _to_candidates(frame: pd.DataFrame, places: Places) -> pd.DataFrame:
    """Add up rows of base areas into the candidates (areas of no candidate dropped)."""
    owner = places.group.reindex(frame.index)
    summed = frame[owner.notna().to_numpy()].groupby(owner.dropna().to_numpy()).sum()
    return summed.reindex(places.names.index).fillna(0)


def _share_of_max(values: pd.Series) -> pd.Series:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 else values * 0.0


def _leading(weighted: pd.Series) -> str:
    """Name the layers giving at least half of the row's largest layer contribution."""
    top = float(weighted.max())
    if top <= 0:
        return ""
    leading = weighted[weighted >= top / 2].sort_values(ascending=False, kind="stable")
    return ", ".join(str(name) for name in leading.index)


def _candidate_months(
    store: Store, request: Request, places: Places, stats: CellStats
) -> pd.DataFrame:
    if places.base == "ward":
        monthly = counts(
            store, by="ward", kinds=request.kinds, date_from=request.date_from,
            date_to=request.date_to, period="month",
        )  # fmt: skip
    else:
        monthly = stats.monthly
    owner = monthly["area_code"].map(places.group)
    kept = monthly.assign(area_code=owner).dropna(subset=["area_code"])
    table = kept.groupby(["area_code", "period"], as_index=False)["count"].sum()
    return table.assign(area_name="")


def _trend_value(frame: pd.DataFrame) -> pd.DataFrame:
    """Log of the interval's lower end where it lies above 1, as a share of the largest.

    The smallest rise the data allow: a large count that rose a little and a small count
    that rose a lot by chance both score little, a clear rise scores most.
    """
    low = frame["ci_low"].to_numpy(dtype="float64")
    size = np.where(np.nan_to_num(low, nan=0.0) > 1, np.log(np.where(low > 1, low, 1.0)), 0.0)
    out = frame.copy()
    out["trend_value"] = _share_of_max(pd.Series(size, index=frame.index))
    return out


def _layer_hot_spots(
    request: Request, cells: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    results: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    for kind in request.kinds:
        gi, said = guarded(LAYER_WORDS[kind], partial(gi_star, cells[kind]))
        notes += [f"Hot for several harms: {n}" for n in said]
        if gi is not None:
            results[kind] = gi
    return results, notes


def _hot_layers(found: pd.DataFrame, places: Places, index: pd.Index) -> pd.Series:
    """Every layer hot in at least one of the place's hexagons, in the layers' order."""
    place = places.cells.reindex(found.index)
    hot = found.loc[place.notna().to_numpy(), "hot_layers"]
    if hot.empty:
        return pd.Series("", index=index, dtype="str")
    layers = hot.groupby(place.dropna().to_numpy()).agg(
        lambda names: ", ".join(k for k in LAYER_WORDS if k in ", ".join(names).split(", "))
    )
    return layers.reindex(index).fillna("").astype("str")


def _safety_question(store: Store) -> str | None:
    questions = queries.survey_summary(store, by="ward")["question"].astype("str")
    matching = [q for q in dict.fromkeys(questions) if SAFETY_WORDS in q.lower()]
    return matching[0] if matching else None


def _weighted_mean(answers: pd.DataFrame) -> float:
    scored = answers.dropna(subset=["mean_score"])
    total = float(scored["responses"].sum())
    return float((scored["mean_score"] * scored["responses"]).sum() / total) if total else np.nan


def _inverted(means: pd.Series) -> pd.Series:
    """Lowest mean -> 1, highest -> 0, in proportion; no mean -> neutral."""
    known = means.dropna()
    if known.empty or known.max() == known.min():
        return means.notna() * 0.0 + NEUTRAL
    value = (known.max() - means) / (known.max() - known.min())
    return value.fillna(NEUTRAL)


def _safety_note(question: str, request: Request, city: float) -> str:
    level = "no answers" if np.isnan(city) else f"{city:.1f} across the city"
    return (
        f'Felt safety: mean score of the answers to "{question}" (higher: safer; {level}) '
        "over the same months, the lowest place scaled to 1 and the highest to 0; "
        f"places with fewer than {request.policy.suppress_below} answers count as neutral "
        f"({NEUTRAL:g})."
    )


def _active(register: pd.DataFrame, request: Request) -> pd.DataFrame:
    """Interventions running at some time between the first and the last month chosen."""
    first = pd.Period(request.date_from, freq="M").start_time
    last = pd.Period(request.date_to, freq="M").end_time
    start, end = register[S.START_DATE], register[S.END_DATE]
    running = (start <= last) & (end.isna() | (end >= first))
    active = register[running.to_numpy()].copy()
    since = [
        _when(s, e, last) for s, e in zip(active[S.START_DATE], active[S.END_DATE], strict=True)
    ]
    active["words"] = active[S.NAME].astype("str") + since
    return active


def _when(start: pd.Timestamp, end: pd.Timestamp, last: pd.Timestamp) -> str:
    if pd.isna(end) or end > last:
        return f" (since {start:%b %Y})"
    return f" ({start:%b %Y} to {end:%b %Y})"


def _cover_note(request: Request, active: int) -> str:
    return (
        f"Interventions: {active} ran at some time in the months chosen; a place they reach "
        "(their point or area meets it) loses the intervention weight."
    )
