"""Secondary suppression: hide more figures until no hidden one can be worked out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.linalg import orth
from scipy.optimize import linprog

_MAX_PASSES = 100


@dataclass(frozen=True)
class _Constraint:
    """A published sum: ``sum(coefs * cells)`` lies in ``[low, high]``."""

    cells: np.ndarray  # flat indices into the table of counts
    coefs: np.ndarray  # +1 for a part, -1 for the row total
    low: float
    high: float
    candidates: np.ndarray  # cells that may be hidden to protect others, in order of choice


def secondary_mask(
    values: np.ndarray,
    primary: np.ndarray,
    *,
    total_index: int | None,
    groups: list[np.ndarray],
    threshold: int,
    show_zero: bool,
) -> tuple[np.ndarray, int]:
    """Return the cells to hide as well as the primary ones, and how many stay exposed.

    Parameters
    ----------
    values
        Counts, rows x columns (int64); the row total, if any, in column ``total_index``.
    primary
        Cells hidden because they are small (boolean, same shape).
    total_index
        Column of the row totals (each the sum of the other columns), or None.
    groups
        Row indices of each group whose column totals are published.
    threshold
        Counts below this (and above 0 when ``show_zero``) are small.
    show_zero
        Whether a zero is shown (then a hidden small count is at least 1).

    Returns
    -------
    tuple
        The boolean mask of secondary cells and the number of hidden cells whose value
        can still be worked out (0 unless a constraint has nothing left to hide).
    """
    flat = values.ravel().astype(float)
    constraints = _constraints(values, total_index, groups, threshold, show_zero)
    hidden = primary.ravel().copy()
    while True:
        _pair_singletons(flat, hidden, constraints)
        exposed = _exposed(flat, primary.ravel(), hidden, constraints, threshold, show_zero)
        if not exposed.size or not _protect(flat, hidden, exposed, constraints):
            break
    secondary = (hidden & ~primary.ravel()).reshape(values.shape)
    return secondary, int(exposed.size)


def _constraints(
    values: np.ndarray,
    total_index: int | None,
    groups: list[np.ndarray],
    threshold: int,
    show_zero: bool,
) -> list[_Constraint]:
    n_rows, n_cols = values.shape
    flat = values.ravel()
    out: list[_Constraint] = []
    if total_index is not None:
        for row in range(n_rows):
            cells = row * n_cols + np.arange(n_cols)
            coefs = np.where(np.arange(n_cols) == total_index, -1.0, 1.0)
            parts = cells[coefs > 0]
            order = np.concatenate(
                [parts[np.argsort(flat[parts], kind="stable")], cells[coefs < 0]]
            )
            out.append(_Constraint(cells, coefs, 0.0, 0.0, order))
    for rows in groups:
        for col in range(n_cols):
            cells = rows * n_cols + col
            total = int(flat[cells].sum())
            low, high = _published(total, threshold, show_zero)
            order = cells[np.argsort(flat[cells], kind="stable")]
            out.append(_Constraint(cells, np.ones(len(cells)), low, high, order))
    return out


def _published(total: int, threshold: int, show_zero: bool) -> tuple[float, float]:
    """Return what a reader learns from a group total shown under the same policy."""
    if total >= threshold or (total == 0 and show_zero):
        return float(total), float(total)
    return (1.0 if show_zero else 0.0), float(threshold - 1)


def _pair_singletons(flat: np.ndarray, hidden: np.ndarray, constraints: list[_Constraint]) -> None:
    changed = True
    while changed:
        changed = False
        for con in constraints:
            if int(hidden[con.cells].sum()) == 1:
                pick = _candidate(flat, hidden, con)
                if pick is not None:
                    hidden[pick] = True
                    changed = True


def _candidate(flat: np.ndarray, hidden: np.ndarray, con: _Constraint) -> int | None:
    for cell in con.candidates:
        if not hidden[cell] and flat[cell] > 0:
            return int(cell)
    return None


def _protect(
    flat: np.ndarray, hidden: np.ndarray, exposed: np.ndarray, constraints: list[_Constraint]
) -> bool:
    """Hide one more figure beside each exposed one; False when nothing could be hidden."""
    added = False
    for cell in exposed:
        for con in constraints:
            if cell in con.cells:
                pick = _candidate(flat, hidden, con)
                if pick is not None:
                    hidden[pick] = True
                    added = True
                    break
    return added


def _bounds(
    flat: np.ndarray, primary: np.ndarray, hidden: np.ndarray, threshold: int, show_zero: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Return what a reader knows of each cell before using the totals."""
    low = flat.copy()
    high = flat.copy()
    low[primary] = 1.0 if show_zero else 0.0
    high[primary] = threshold - 1
    other = hidden & ~primary
    low[other] = threshold
    high[other] = np.inf
    return low, high


def _exposed(
    flat: np.ndarray,
    primary: np.ndarray,
    hidden: np.ndarray,
    constraints: list[_Constraint],
    threshold: int,
    show_zero: bool,
) -> np.ndarray:
    """Hidden cells whose value the published figures pin down to one number."""
    low, high = _bounds(flat, primary, hidden, threshold, show_zero)
    _propagate(low, high, hidden, constraints)
    if _two_way(constraints, hidden):
        pinned = _pinned_by_all_sums(low, high, hidden, constraints)
        return np.flatnonzero(hidden & ((high - low < 1.0) | pinned))
    return np.flatnonzero(hidden & (high - low < 1.0))


def _propagate(
    low: np.ndarray, high: np.ndarray, hidden: np.ndarray, constraints: list[_Constraint]
) -> None:
    for _ in range(_MAX_PASSES):
        changed = False
        for con in constraints:
            changed |= _tighten(low, high, hidden, con)
        if not changed:
            return


def _tighten(low: np.ndarray, high: np.ndarray, hidden: np.ndarray, con: _Constraint) -> bool:
    lo, hi, a = low[con.cells], high[con.cells], con.coefs
    term_min = np.where(a > 0, lo, -hi)
    term_max = np.where(a > 0, hi, -lo)
    rest_min = _sum_except(term_min)
    rest_max = _sum_except(term_max)
    t_low, t_high = con.low - rest_max, con.high - rest_min
    new_lo = np.ceil(np.where(a > 0, t_low, -t_high) - 1e-9)
    new_hi = np.floor(np.where(a > 0, t_high, -t_low) + 1e-9)
    keep = hidden[con.cells]
    new_lo = np.where(keep, np.maximum(lo, new_lo), lo)
    new_hi = np.where(keep, np.minimum(hi, new_hi), hi)
    changed = bool(np.any(new_lo != lo) or np.any(new_hi != hi))
    low[con.cells], high[con.cells] = new_lo, new_hi
    return changed


def _sum_except(terms: np.ndarray) -> np.ndarray:
    """Sum of all terms but each one, where terms may be +inf or -inf (never both)."""
    infinite = ~np.isfinite(terms)
    finite_sum = terms[~infinite].sum()
    n_inf = int(infinite.sum())
    if n_inf == 0:
        return finite_sum - terms
    sign = float(np.sign(terms[infinite][0]))
    out = np.full(terms.shape, sign * np.inf)
    if n_inf == 1:
        out[infinite] = finite_sum
    return out


def _two_way(constraints: list[_Constraint], hidden: np.ndarray) -> bool:
    """Whether some hidden cell lies in two published sums (rows and columns)."""
    seen = np.zeros(hidden.shape, dtype=np.int64)
    for con in constraints:
        seen[con.cells] += 1
    return bool(np.any(hidden & (seen > 1)))


def _pinned_by_all_sums(
    low: np.ndarray, high: np.ndarray, hidden: np.ndarray, constraints: list[_Constraint]
) -> np.ndarray:
    """Return the hidden cells that every published sum taken together pins to one value.

    One linear programme finds the bounds and sums that hold with equality in every
    solution (Freund, Roundy and Todd 1985); a cell is pinned when its own bound always
    holds with equality, or when the always-equal sums fix it (its unit vector lies in
    their row space). The sums of a table with row and column totals form a totally
    unimodular system, so a cell that is not pinned can take at least two whole values.
    """
    variables = np.flatnonzero(hidden)
    system = _linear_system(low, high, hidden, constraints, variables)
    tight = _always_tight(system)
    fixed = np.zeros(len(variables), dtype=bool)
    fixed[system.bound_of[tight & (system.bound_of >= 0)]] = True
    equal = np.vstack([system.e, system.g[tight & (system.bound_of < 0)].toarray()])
    rest = np.flatnonzero(~fixed)
    if equal.size and rest.size:
        basis = orth(equal[:, rest].T)
        fixed[rest] = np.linalg.norm(basis, axis=1) > 1 - 1e-7 if basis.size else False
    pinned = np.zeros(hidden.shape, dtype=bool)
    pinned[variables] = fixed
    return pinned


@dataclass(frozen=True)
class _System:
    """``g x <= h`` (bounds and interval sums) and ``e x = f`` (exact sums)."""

    g: sparse.csr_array
    h: np.ndarray
    e: np.ndarray
    f: np.ndarray
    bound_of: np.ndarray  # for each row of g, the variable it bounds (-1: a sum)


def _linear_system(
    low: np.ndarray,
    high: np.ndarray,
    hidden: np.ndarray,
    constraints: list[_Constraint],
    variables: np.ndarray,
) -> _System:
    n = len(variables)
    finite = np.isfinite(high[variables])
    bound_of = [np.arange(n), np.flatnonzero(finite)]
    coefs = [-np.ones(n), np.ones(int(finite.sum()))]
    h = [-low[variables], high[variables][finite]]
    position = np.full(hidden.shape, -1)
    position[variables] = np.arange(n)
    sums, rhs, e_rows, f = [], [], [], []
    for con in constraints:
        mask = hidden[con.cells]
        if not mask.any():
            continue
        row = np.zeros(n)
        row[position[con.cells[mask]]] = con.coefs[mask]
        shown = float(np.dot(con.coefs[~mask], low[con.cells[~mask]]))
        if con.low == con.high:
            e_rows.append(row)
            f.append(con.low - shown)
        else:
            sums.extend([row, -row])
            rhs.extend([con.high - shown, shown - con.low])
    rows = np.concatenate([*bound_of])
    bounds = sparse.coo_array(
        (np.concatenate(coefs), (np.arange(len(rows)), rows)), shape=(len(rows), n)
    )
    g = sparse.vstack([bounds, sparse.csr_array(np.array(sums).reshape(-1, n))]).tocsr()
    return _System(
        g=g,
        h=np.concatenate([*h, np.array(rhs)]),
        e=np.array(e_rows).reshape(-1, n),
        f=np.array(f),
        bound_of=np.concatenate([rows, np.full(len(sums), -1)]),
    )


def _always_tight(system: _System) -> np.ndarray:
    """Return which rows of ``g x <= h`` hold with equality at every solution.

    Solves max sum(t) subject to g x + t <= h a, e x = f a, 0 <= t <= 1, a >= 1: a row
    whose slack t is 0 at the optimum can never be slack.
    """
    m, n = system.g.shape
    k = len(system.e)
    a_ub = sparse.hstack(
        [system.g, sparse.eye_array(m), sparse.csr_array(-system.h[:, None])]
    ).tocsr()
    a_eq = np.hstack([system.e, np.zeros((k, m)), -system.f[:, None]]) if k else None
    cost = np.concatenate([np.zeros(n), -np.ones(m), [0.0]])
    bounds = [(None, None)] * n + [(0.0, 1.0)] * m + [(1.0, None)]
    result = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.zeros(m),
        A_eq=sparse.csr_array(a_eq) if k else None,
        b_eq=np.zeros(k) if k else None,
        bounds=bounds,
        method="highs",
    )
    if result.status != 0:
        return np.zeros(m, dtype=bool)
    return np.asarray(result.x[n : n + m] < 1e-7)
