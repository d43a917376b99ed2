"""Profiles, candidate places and evaluations for one user: raw only inside their detail."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from assessments import priority
from assessments._area import parse_area, resolve_area
from assessments._intervention_inputs import site_inputs
from assessments._priority_places import Places, candidates, cell_stats, request_of
from assessments._scoped_access import detail_shape, require_inside
from assessments.disclosure import DisclosurePolicy
from assessments.interventions import (
    EvaluationOptions,
    InterventionEvaluation,
    evaluate_intervention,
    evaluate_interventions,
)
from assessments.profile import AreaProfile, area_profile
from layers import grid
from layers import schema as S
from layers._errors import AccessDenied, SchemaError
from layers.access import User, require_detail
from layers.queries import interventions as register
from layers.store import Store


def raw_profile(
    store: Store,
    user: User,
    area: str | shapely.Geometry,
    *,
    date_from: str | None,
    date_to: str | None,
) -> AreaProfile:
    """Return the raw profile of an area wholly inside the user's detail (else refuse)."""
    shape = detail_shape(store, user)
    if shape is not None:
        _check_area(store, user, area, shape)
    profile = area_profile(store, area, date_from=date_from, date_to=date_to)
    require_inside(shape, profile.geometry, profile.title, user)
    return profile


def _check_area(store: Store, user: User, area: object, shape: shapely.Geometry) -> None:
    """Refuse an area outside the user's wards before any event is read."""
    wards = store.boundaries(S.Level.WARD)
    parsed = parse_area(area, wards)
    if parsed.kind == "hotspot":
        seed = shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(parsed.value)])
        require_inside(shape, seed, f"The hot spot at {parsed.value}", user)
        return
    resolved = resolve_area(parsed, wards)
    require_inside(shape, resolved.geometry, resolved.title, user)


def scoped_places(
    store: Store,
    user: User,
    *,
    unit: str,
    date_from: str | None,
    date_to: str | None,
    weights: priority.PriorityWeights | None,
    policy: str | DisclosurePolicy,
) -> pd.DataFrame:
    """Rank the places inside the user's detail (see ``assessments.scoped.candidate_places``).

    The candidates outside the user's wards are dropped before any component is scaled,
    so every value (a share of the highest place, a rank) is relative to the user's own
    places only. Follows ``assessments.priority.candidate_places`` step by step.
    """
    require_detail(user, "places ranked for an assessment")
    shape = detail_shape(store, user)
    weights, chosen, problems = priority._checked(weights, policy)
    kinds = priority._kinds(weights)
    request = request_of(store, unit, date_from, date_to, kinds, chosen, problems)
    stats = cell_stats(store, request)
    places, notes = candidates(store, request, stats)
    if shape is not None:
        places = _places_inside(store, places, shape)
    table, more = priority._measured(store, request, places, stats, weights)
    scored = priority._scored(table, weights)
    return priority._finished(scored, request, weights, [*notes, *stats.notes, *more])


def _places_inside(store: Store, places: Places, shape: shapely.Geometry) -> Places:
    """Keep the candidates whose outline lies wholly inside the shape."""
    codes = places.names.index
    if places.base == "ward":
        wards = store.boundaries(S.Level.WARD).set_index(S.CODE).geometry.reindex(codes)
        keep = _covered(wards.to_numpy(), shape)
    else:
        members = places.cells.to_frame("place")
        inside = _covered(grid.cell_polygons(grid.str_to_cells(members.index)).geometry, shape)
        ok = pd.Series(inside, index=members.index).groupby(members["place"].to_numpy()).all()
        keep = ok.reindex(codes, fill_value=False).to_numpy(dtype=bool)
    kept = codes[keep]
    return Places(
        names=places.names.loc[kept],
        base=places.base,
        group=places.group[places.group.isin(kept)],
        cells=places.cells[places.cells.isin(kept)],
    )


def _covered(geometries: Any, shape: shapely.Geometry) -> np.ndarray:
    outline = shapely.buffer(shape, 1e-7)
    shapely.prepare(outline)
    values = np.asarray(gpd.GeoSeries(list(geometries)).to_numpy(), dtype=object)
    return np.array([g is not None and outline.covers(g) for g in values], dtype=bool)


def scoped_evaluations(
    store: Store, user: User, interventions: pd.DataFrame, options: EvaluationOptions | None
) -> pd.DataFrame:
    """Evaluate interventions whose shapes lie in the user's wards (else refuse them all)."""
    _require_sites_inside(store, user, interventions)
    return evaluate_interventions(store, interventions, options=options)


def scoped_evaluation(
    store: Store,
    user: User,
    intervention: str | pd.Series | pd.DataFrame,
    options: EvaluationOptions | None,
) -> InterventionEvaluation:
    """Evaluate one intervention whose shape lies in the user's wards."""
    rows: Any = intervention
    if isinstance(intervention, str):
        found = register(store)
        rows = found[found[S.EVENT_ID] == intervention]
        if rows.empty:
            raise SchemaError(
                f"intervention {intervention!r} is not in the register; pick an event_id "
                "that the register lists"
            )
    _require_sites_inside(store, user, rows)
    return evaluate_intervention(store, rows, options=options)


def sites_inside(store: Store, user: User, interventions: pd.DataFrame) -> pd.Series:
    """Return, per intervention row, whether the user may see its evaluation (bool)."""
    if not user.has_detail:
        return pd.Series(False, index=interventions.index, dtype="bool")
    shape = detail_shape(store, user)
    sites = site_inputs(interventions)
    if shape is None:
        return pd.Series(True, index=interventions.index, dtype="bool")
    inside = _covered([s.geometry for s in sites], shape)
    return pd.Series(inside, index=interventions.index, dtype="bool")


def _require_sites_inside(store: Store, user: User, interventions: Any) -> None:
    require_detail(user, "intervention evaluations")
    shape = detail_shape(store, user)
    if shape is None:
        return
    sites = site_inputs(interventions)
    inside = _covered([s.geometry for s in sites], shape)
    outside = [s.name for s, ok in zip(sites, inside, strict=True) if not ok]
    if outside:
        named = "; ".join(outside[:5]) + (" ..." if len(outside) > 5 else "")
        raise AccessDenied(
            f"Evaluations are detail, shown for interventions in {user.locality} only (your "
            f"locality); outside it: {named}. The register itself lists every intervention."
        )
