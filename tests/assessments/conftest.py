"""Fixtures of the intervention tests: the demo store (seed 11), its planted effect, placebos.

Package-scoped, so the store is built once for the three intervention modules, as it was
for the one module they were split from. Modules that define their own ``store`` or
``settings`` fixture use theirs.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from assessments.interventions import InterventionEvaluation, evaluate_intervention
from layers import schema as S
from layers.boundaries import demo_wards
from layers.demo import PlantedPattern, demo_data
from layers.demo_store import build_demo_store
from layers.settings import Settings, load_settings
from layers.store import Store
from tests.assessments._interventions_support import BNG, SCALE, SEED, incidents_in_metres


@pytest.fixture(scope="package")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("interventions")
    config = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(config, seed=SEED, scale=SCALE)
    return config


@pytest.fixture(scope="package")
def store(settings: Settings) -> Store:
    return Store(settings.store)


@pytest.fixture(scope="package")
def patterns() -> tuple[PlantedPattern, ...]:
    return demo_data(demo_wards(), seed=SEED, scale=SCALE).planted


@pytest.fixture(scope="package")
def planted(patterns: tuple[PlantedPattern, ...]) -> PlantedPattern:
    (effect,) = [p for p in patterns if p.name == "intervention effect"]
    return effect


@pytest.fixture(scope="package")
def placebos(store: Store, patterns: tuple[PlantedPattern, ...]) -> gpd.GeoDataFrame:
    """Incident places at least 1.5 km from the planted intervention and hotspots."""
    points = incidents_in_metres(store).drop_duplicates(["lon", "lat"])
    incidents = [p for p in patterns if p.kind == S.Kind.INCIDENTS]
    sites = gpd.GeoSeries(
        gpd.points_from_xy([p.lon for p in incidents], [p.lat for p in incidents]), crs=S.CRS_STORE
    )
    far = np.all([points.distance(site) > 1500 for site in sites.to_crs(BNG)], axis=0)
    return points[far].to_crs(S.CRS_STORE)


@pytest.fixture(scope="package")
def evaluation(store: Store, planted: PlantedPattern) -> InterventionEvaluation:
    assert planted.intervention_id is not None
    return evaluate_intervention(store, planted.intervention_id)
