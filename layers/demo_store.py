"""The demo store: the shipped demo wards, a synthetic population and generated layers."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd

from layers import boundaries as B
from layers import context as C
from layers import schema as S
from layers.ingest import (
    ImportReport,
    import_result,
    open_store,
    store_boundaries,
    study_areas,
)
from layers.readers import ReadResult, SourceFile
from layers.settings import Settings

DEMO_POPULATION = "synthetic demo population (not real figures)"
"""Source named on the demo store's ward populations."""


def _demo_population(wards: gpd.GeoDataFrame, seed: int | None) -> pd.DataFrame:
    rng = np.random.default_rng(0 if seed is None else seed)
    population = rng.integers(9_000, 16_000, len(wards)).astype("float64")
    return pd.DataFrame(
        {
            "level": S.Level.WARD.value,
            "code": wards[S.CODE].to_numpy(),
            "population": population,
            "children": np.round(population * rng.uniform(0.15, 0.25, len(wards))),
            "imd_decile": rng.integers(1, 11, len(wards)).astype("float64"),
            "lsoas": 0,
        }
    ).astype(C.CONTEXT_COLUMNS)


def build_demo_store(
    settings: Settings, *, seed: int | None = None, scale: float = 1.0
) -> list[ImportReport]:
    """Build the demo store at ``settings.store``: shipped demo wards and generated layers.

    Does nothing when the store already holds event data.

    Parameters
    ----------
    settings
        Settings in force (store path, boundaries folder, demo seed).
    seed
        Seed of the generator; None uses ``settings.demo_seed``.
    scale
        Multiplies the demo volumes (1: about 50,000 incidents over three years).

    Returns
    -------
    list of ImportReport
        One per layer imported (empty when the store already had data).
    """
    from layers.demo import demo_data  # the generator is only needed here

    store = open_store(settings)
    if store.exists() and store.date_range() is not None:
        return []
    wards = B.demo_wards(settings.boundaries_dir)
    source = SourceFile(name="demo_wards", sha256=f"demo-wards-{len(wards)}", rows_read=len(wards))
    reports = [
        store_boundaries(
            wards, level=S.Level.WARD, source=source, settings=settings, approximate=True
        )
    ]
    demo = demo_data(wards, seed=settings.demo_seed if seed is None else seed, scale=scale)
    with store.transaction() as writer:
        population = _demo_population(wards, settings.demo_seed if seed is None else seed)
        writer.replace_context(population, source=DEMO_POPULATION)
    areas = study_areas(store, settings)
    for kind, frame in demo.layers.items():
        sha = hashlib.sha256(
            pd.util.hash_pandas_object(frame[S.EVENT_ID]).to_numpy().tobytes()
        ).hexdigest()
        result = ReadResult(
            kind=kind,
            valid=frame,
            rejected=S.empty_rejected(),
            sources=(SourceFile(name=f"demo_{kind.value}", sha256=sha, rows_read=len(frame)),),
        )
        reports.append(import_result(result, store=store, settings=settings, areas=areas))
    return reports
