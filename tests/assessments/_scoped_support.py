"""Shared by the scoped tests: users, the demo store, and an attacker working out figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from layers.access import Role, User
from layers.demo_store import build_demo_store
from layers.settings import Settings, load_settings
from layers.store import Store

ADMIN = User("admin", Role.ADMIN)
LEAD = User("lead", Role.LEAD)
NORTH = User("north", Role.LOCALITY, locality="North")
ENGAGE = User("engage", Role.ENGAGEMENT)
USERS = (ADMIN, LEAD, NORTH, ENGAGE)
FIRST, LAST = "2025-11", "2026-10"  # the demo's last 12 months


def demo_settings(home: Path) -> Settings:
    """Build the demo store (scale 0.3, seed 5) in ``home``; return its settings."""
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, seed=5, scale=0.3)
    return settings


def wards(store: Store) -> pd.DataFrame:
    """Ward code -> locality, straight from the boundaries table."""
    frame = store.query("SELECT code, parent_code FROM boundaries WHERE level = 'ward'")
    return frame.astype("str")


def ward_codes(store: Store, locality: str) -> set[str]:
    """The codes of one locality's wards."""
    table = wards(store)
    return set(table.loc[table["parent_code"] == locality, "code"])


def recoverable(
    shown: pd.DataFrame, truth: pd.DataFrame, known: list[tuple[list[int], list[float]]]
) -> list[int]:
    """Return the rows of ``shown`` whose hidden figure the known sums pin to one value.

    An attacker sees ``shown`` (one row per area x period: columns ``shown`` and
    ``count``, NaN where hidden) and knows, exactly, each sum in ``known``: row
    positions and their coefficients, its value taken from ``truth`` (the unprotected
    counts, same rows). For every hidden figure an integer programme finds the least
    and the greatest value consistent with all of that: ``<5`` is 1-4 (0-4 when the
    table's statement says zeros may be hidden too), ``[c]`` 5 or more. A figure is
    recoverable when the two are equal.
    """
    hidden = np.flatnonzero(shown["count"].isna().to_numpy())
    if not hidden.size:
        return []
    statements = set(shown["statement"]) if "statement" in shown else set()
    zero_hidden = any(
        "true zero is shown as 0" not in str(t) or "zeros are shown as" in str(t)
        for t in statements
    )
    text = shown["shown"].to_numpy(dtype=object)[hidden]
    low = np.where(text == "[c]", 5.0, 0.0 if zero_hidden else 1.0)
    high = np.where(text == "[c]", float(truth["count"].sum()), 4.0)
    system = _system(hidden, shown["count"].to_numpy(dtype=float), truth, known)
    found = []
    for i in range(hidden.size):
        extremes = []
        for sign in (1.0, -1.0):
            cost = np.zeros(hidden.size)
            cost[i] = sign
            result = milp(
                cost,
                constraints=system,
                integrality=np.ones(hidden.size),
                bounds=Bounds(low, high),
            )
            assert result.status == 0, "the shown figures contradict the true sums"
            extremes.append(sign * result.fun)
        if extremes[1] - extremes[0] < 0.5:
            found.append(int(hidden[i]))
    return found


def _system(
    hidden: np.ndarray,
    values: np.ndarray,
    truth: pd.DataFrame,
    known: list[tuple[list[int], list[float]]],
) -> list[LinearConstraint]:
    position = {int(row): i for i, row in enumerate(hidden)}
    total = truth["count"].to_numpy(dtype=float)
    rows, rhs = [], []
    for members, coefs in known:
        row = np.zeros(hidden.size)
        rest = 0.0
        for member, coef in zip(members, coefs, strict=True):
            if member in position:
                row[position[member]] = coef
            else:
                rest += coef * values[member]
        if row.any():
            rows.append(row)
            rhs.append(float(np.dot(coefs, total[members])) - rest)
    if not rows:
        return []
    return [LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))]
