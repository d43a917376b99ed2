"""Shared by the intervention tests: the demo store's seed, incidents in metres, placebo sites."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layers import schema as S
from layers.store import Store

SEED = 11
SCALE = 0.3
BNG = "EPSG:27700"


def incidents_in_metres(store: Store) -> gpd.GeoDataFrame:
    rows = store.query("SELECT lon, lat, date FROM incidents WHERE lon IS NOT NULL")
    points = gpd.GeoDataFrame(
        rows, geometry=gpd.points_from_xy(rows["lon"], rows["lat"]), crs=S.CRS_STORE
    )
    return points.to_crs(BNG)


def placebo_sites(store: Store, places: gpd.GeoDataFrame, n: int, seed: int) -> gpd.GeoDataFrame:
    """``n`` placebo interventions: random places among ``places``, starts mid-period."""
    rng = np.random.default_rng(seed)
    chosen = places.iloc[rng.choice(len(places), n, replace=False)]
    span = store.date_range()
    assert span is not None
    months = pd.period_range(span[0], span[1], freq="M")
    starts = [months[i].start_time for i in rng.integers(12, len(months) - 11, n)]
    return gpd.GeoDataFrame(
        {S.EVENT_ID: [f"placebo-{i}" for i in range(n)], S.NAME: "placebo", S.START_DATE: starts},
        geometry=gpd.points_from_xy(chosen["lon"], chosen["lat"]),
        crs=S.CRS_STORE,
    )
