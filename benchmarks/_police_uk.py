"""Make large police.uk-style files for benchmarks from the real Bristol rows (or the demo)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "police_uk" / "bristol_street_2018-01_to_2021-09.csv.gz"


def police_uk_file(path: Path, *, rows: int = 1_000_000, months: int = 36, seed: int = 1) -> Path:
    """Write a police.uk street-level CSV of ``rows`` rows sampled from the real Bristol file.

    Coordinates, locations, LSOAs, categories and outcomes are resampled from real rows (so
    rows share the real anonymised snap points); months are spread over ``months`` months
    ending 2021-09; every non-ASB row gets a fresh unique Crime ID.
    """
    if not REAL.is_file():
        sys.exit(
            f"benchmark needs the real police.uk file at {REAL} (../shared beside the checkout)"
        )
    real = pd.read_csv(REAL, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    out = real.iloc[rng.integers(0, len(real), rows)].reset_index(drop=True)
    month_list = pd.period_range(end="2021-09", periods=months, freq="M").strftime("%Y-%m")
    out["Month"] = np.asarray(month_list)[rng.integers(0, months, rows)]
    has_id = out["Crime ID"] != ""
    out.loc[has_id, "Crime ID"] = [f"{i:064x}" for i in np.flatnonzero(has_id.to_numpy())]
    out.to_csv(path, index=False)
    return path
