"""The one door from the pages to the data: every read takes the signed-in user's scope.

Roles (``layers.access``): admins and VRU leads see everything in detail; a locality
officer sees detail (H3 cells, LSOAs, points, unsuppressed counts, statistics from cells
or points, evaluations, candidate places) only inside the wards of their locality, and
elsewhere ward and locality figures under disclosure control; an engagement officer sees
only disclosure-controlled output. Scope is checked before any detail is read, and a
hidden figure's value never leaves this module (not in a column, an attribute or a
message). Imports, the import log and what is loaded are for admins
(:mod:`assessments._scoped_admin`); downloads are disclosure-controlled and audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from assessments import _scoped_analysis as analysis
from assessments._scoped_access import SCREEN_POLICY, clipped_within, screen_policy
from assessments._scoped_admin import (
    add_intervention,
    audit_log,
    audit_problems,
    edit_intervention,
    export_counts,
    import_files,
    import_log,
    import_result,
    loaded_summary,
    may_edit_register,
    preview,
    record_export,
    study_areas,
)
from assessments._scoped_counts import SCOPED_COLUMNS, scoped_counts
from assessments._scoped_surveys import scoped_surveys
from assessments._snapshot import snapshot
from assessments.disclosure import DisclosurePolicy, get_policy
from assessments.interventions import EvaluationOptions, InterventionEvaluation
from assessments.printable import printable_profile
from assessments.priority import PriorityWeights, place_shapes
from assessments.profile import AreaProfile
from layers import aggregate, queries
from layers import schema as S
from layers.access import User
from layers.ingest import ImportReport, StudyAreas
from layers.store import Store

__all__ = [
    "SCOPED_COLUMNS",
    "ImportReport",
    "Store",
    "StudyAreas",
    "add_intervention",
    "audit_log",
    "audit_problems",
    "boundaries",
    "candidate_places",
    "categories",
    "counts",
    "date_range",
    "disclosed",
    "edit_intervention",
    "evaluate_intervention",
    "evaluate_interventions",
    "event_points",
    "export_counts",
    "import_files",
    "import_log",
    "import_result",
    "interventions",
    "interventions_in_scope",
    "loaded_summary",
    "may_edit_register",
    "open_store",
    "place_shapes",
    "preview",
    "profile",
    "record_export",
    "store_version",
    "study_areas",
    "suggest_resolution",
    "survey_summary",
    "wards_within",
]


# --- public metadata: no user needed ---------------------------------------------------


def open_store(path: str | Path) -> Store:
    """Return the store at a path (the pages keep paths, simple cache keys)."""
    return Store(Path(path))


def store_version(store: Store) -> str:
    """Return the store's version token (changes whenever a write lands)."""
    return store.version()


def boundaries(store: Store, level: S.Level | str = S.Level.WARD) -> gpd.GeoDataFrame:
    """Return the areas of one level (public: codes, names, outlines)."""
    return store.boundaries(level)


def date_range(
    store: Store, kinds: Sequence[S.Kind | str] = S.EVENT_KINDS
) -> tuple[date, date] | None:
    """Return the first and last month with events, or None when the store is empty."""
    return store.date_range(kinds)


def categories(store: Store, kind: S.Kind | str) -> list[str]:
    """Return the categories present in one event layer, sorted."""
    return store.categories(kind)


def wards_within(store: Store, user: User, within: str | None) -> tuple[str, ...] | None:
    """Return the ward codes of a place (None: the city); ward codes are public."""
    return aggregate.wards_within(store, within)


def interventions(store: Store, user: User) -> gpd.GeoDataFrame:
    """Return the intervention register (names, places, dates; for every role)."""
    return queries.interventions(store)


# --- counts, points, surveys -----------------------------------------------------------


def counts(
    store: Store,
    user: User,
    *,
    by: str,
    kinds: Sequence[S.Kind | str],
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    period: str = "none",
    within: str | None = None,
    policy: DisclosurePolicy | None = None,
) -> pd.DataFrame:
    """Count events as ``layers.aggregate.counts`` does, within the user's scope.

    ``h3:RES`` and ``lsoa`` are detail: a locality officer gets only the areas of their
    wards (a city view is clipped to their locality), an engagement officer none. Ward
    and locality tables cover every area of the place: the user's own wards (or
    locality) exact, the others under disclosure control with secondary suppression,
    so that no hidden figure can be worked out from the totals of the place, of each
    locality or of each area over the periods.

    Parameters
    ----------
    store, user
        The store and the signed-in user.
    by, kinds, categories, flags, date_from, date_to, period, within
        As for :func:`layers.aggregate.counts`.
    policy
        Disclosure policy of protected figures; None: ``partnership`` at the settings'
        threshold.

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`SCOPED_COLUMNS`: ``area_code``, ``area_name``, ``period``,
        ``count`` (float64, NaN where hidden), ``shown`` (``12``, ``<5``, ``[c]``) and
        ``exact`` (shown unsuppressed and unrounded). ``attrs``: ``unassigned`` (0 unless
        the user sees all detail), ``scope`` (a sentence, empty when nothing was cut),
        ``statement`` (the policy, when anything is disclosure-controlled) and
        ``hidden`` (number of hidden figures).

    Raises
    ------
    AccessDenied
        For detail the user may not see; the message says what they may see instead.
    """
    with snapshot(store) as snap:
        return scoped_counts(
            snap,
            user,
            by=by,
            kinds=kinds,
            categories=categories,
            flags=flags,
            date_from=date_from,
            date_to=date_to,
            period=period,
            within=within,
            policy=screen_policy(policy),
        )


def suggest_resolution(
    store: Store,
    user: User,
    *,
    kinds: Sequence[S.Kind | str],
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    within: str | None = None,
) -> queries.Suggestion:
    """Choose the H3 resolution of a map of the user's detail (``layers.queries``)."""
    with snapshot(store) as snap:
        place = clipped_within(snap, user, within, "hexagon maps")
        return queries.suggest_resolution(
            snap,
            kinds=kinds,
            categories=categories,
            flags=flags,
            date_from=date_from,
            date_to=date_to,
            within=place,
        )


def event_points(
    store: Store,
    user: User,
    *,
    kinds: Sequence[S.Kind | str],
    categories: Sequence[str] | None = None,
    flags: Sequence[str] | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    within: str | None = None,
) -> pd.DataFrame:
    """Return event locations with weights (``layers.queries.event_points``), clipped.

    Points are detail: a locality officer gets the events of their wards only (a city
    view is clipped to their locality); ``attrs["scope"]`` says so.
    """
    with snapshot(store) as snap:
        place = clipped_within(snap, user, within, "event points")
        points = queries.event_points(
            snap,
            kinds=kinds,
            categories=categories,
            flags=flags,
            date_from=date_from,
            date_to=date_to,
            within=place,
        )
    clipped = place != within and not user.sees_all_detail
    points.attrs["scope"] = (
        f"Event points are shown for {user.locality} only (your locality)." if clipped else ""
    )
    return points


def survey_summary(
    store: Store,
    user: User,
    *,
    by: str = "ward",
    survey: str | None = None,
    question: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    policy: DisclosurePolicy | None = None,
) -> pd.DataFrame:
    """Return survey answers per area (``layers.queries.survey_summary``) for the user.

    By ward for everyone: outside the user's detail, a mean of fewer answers than the
    policy's threshold is NaN and ``shown`` reads ``<5 answers``. By ``h3:RES`` only in
    detail, counting answers given in the user's wards. ``shown`` holds the mean as
    text (2 decimals).
    """
    with snapshot(store) as snap:
        return scoped_surveys(
            snap,
            user,
            by=by,
            survey=survey,
            question=question,
            date_from=date_from,
            date_to=date_to,
            policy=screen_policy(policy),
        )


# --- profiles, places, evaluations -----------------------------------------------------


def profile(
    store: Store,
    user: User,
    area: str | shapely.Geometry,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
) -> AreaProfile:
    """Return an area's raw profile, only where the area lies wholly in the user's detail.

    Raises
    ------
    AccessDenied
        For an engagement officer, or an area reaching outside the officer's wards
        (checked on the boundaries before any event is read; a hot spot's extent is
        checked again once known).
    """
    with snapshot(store) as snap:
        return analysis.raw_profile(snap, user, area, date_from=date_from, date_to=date_to)


def disclosed(
    store: Store,
    user: User,
    area: str | shapely.Geometry,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    policy_name: str = SCREEN_POLICY,
) -> dict[str, Any]:
    """Return an area's disclosed profile (what the PDF prints) for any role.

    Ward and locality profiles for everyone; hexagon, hot spot and drawn areas as
    :func:`assessments.printable.printable_profile` allows them.
    """
    printable = printable_profile(store, user, area, date_from=date_from, date_to=date_to)
    return printable.disclosed(get_policy(policy_name))


def candidate_places(
    store: Store,
    user: User,
    *,
    unit: str = "ward",
    date_from: str | None = None,
    date_to: str | None = None,
    weights: PriorityWeights | None = None,
    policy: str | DisclosurePolicy = SCREEN_POLICY,
) -> pd.DataFrame:
    """Rank places for an assessment (``assessments.priority.candidate_places``) in scope.

    A locality officer ranks only the places wholly inside their wards, scaled and
    ranked among themselves; an engagement officer is refused.
    """
    with snapshot(store) as snap:
        return analysis.scoped_places(
            snap,
            user,
            unit=unit,
            date_from=date_from,
            date_to=date_to,
            weights=weights,
            policy=policy,
        )


def evaluate_interventions(
    store: Store,
    user: User,
    interventions: pd.DataFrame,
    *,
    options: EvaluationOptions | None = None,
) -> pd.DataFrame:
    """Evaluate interventions (``assessments.interventions``) whose shapes lie in scope.

    Raises
    ------
    AccessDenied
        For an engagement officer, or when any shape lies outside the officer's wards
        (use :func:`interventions_in_scope` to choose the rows first).
    """
    with snapshot(store) as snap:
        return analysis.scoped_evaluations(snap, user, interventions, options)


def evaluate_intervention(
    store: Store,
    user: User,
    intervention: str | pd.Series | pd.DataFrame,
    *,
    options: EvaluationOptions | None = None,
) -> InterventionEvaluation:
    """Evaluate one intervention (an id or a row) whose shape lies in the user's wards."""
    with snapshot(store) as snap:
        return analysis.scoped_evaluation(snap, user, intervention, options)


def interventions_in_scope(store: Store, user: User, register: pd.DataFrame) -> pd.Series:
    """Return, per register row, whether the user may see its evaluation (bool Series)."""
    return analysis.sites_inside(store, user, register)
