"""Shared by the disclosure tests: the policies, and a brute-force reader of hidden cells."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from assessments.disclosure import DisclosurePolicy, disclose_count, get_policy

PUBLIC = get_policy("public")
PARTNERSHIP = get_policy("partnership")
NO_SECONDARY = DisclosurePolicy("partnership", secondary=False)


# ------------------------------------------------------------ brute-force reader


Cell = tuple[int, str]
Constraint = tuple[list[Cell], list[int], int, int]


def _reader_solutions(
    protected: pd.DataFrame,
    true: pd.DataFrame,
    columns: Sequence[str],
    *,
    total: str | None,
    groups: list[list[int]],
    policy: DisclosurePolicy,
) -> dict[Cell, set[int]]:
    """Every value a hidden cell can take given all shown figures (shown taken as exact).

    The reader knows: shown cells exactly, ``<5`` is 1-4, ``[c]`` is 5 or more (it was
    not small), each row total equals its parts, each group's column total as
    ``disclose_count`` shows it. Enumerated by depth-first search with interval pruning.
    """
    known, domain = _reader_cells(protected, true, columns, policy)
    constraints = _row_sums(true, columns, total) + _group_sums(true, columns, groups, policy)
    return _enumerate(known, domain, constraints)


def _reader_cells(
    protected: pd.DataFrame, true: pd.DataFrame, columns: Sequence[str], policy: DisclosurePolicy
) -> tuple[dict[Cell, int], dict[Cell, range]]:
    upper = int(true[list(columns)].to_numpy().sum()) + 1
    known: dict[Cell, int] = {}
    domain: dict[Cell, range] = {}
    for i in range(len(true)):
        for c in columns:
            text = protected[c].iloc[i]
            if text == policy.small_label:
                domain[(i, c)] = range(1, policy.suppress_below)
            elif text == "[c]":
                domain[(i, c)] = range(policy.suppress_below, upper + 1)
            else:
                known[(i, c)] = int(true[c].iloc[i])
    return known, domain


def _row_sums(true: pd.DataFrame, columns: Sequence[str], total: str | None) -> list[Constraint]:
    if total is None:
        return []
    parts = [c for c in columns if c != total]
    return [
        ([(i, c) for c in parts] + [(i, total)], [1] * len(parts) + [-1], 0, 0)
        for i in range(len(true))
    ]


def _group_sums(
    true: pd.DataFrame, columns: Sequence[str], groups: list[list[int]], policy: DisclosurePolicy
) -> list[Constraint]:
    out: list[Constraint] = []
    for rows in groups:
        for c in columns:
            value = int(true[c].iloc[rows].sum())
            small = disclose_count(value, policy).startswith("<")
            low, high = (1, policy.suppress_below - 1) if small else (value, value)
            out.append(([(i, c) for i in rows], [1] * len(rows), low, high))
    return out


def _enumerate(
    known: dict[Cell, int], domain: dict[Cell, range], constraints: list[Constraint]
) -> dict[Cell, set[int]]:
    hidden = list(domain)
    found: dict[Cell, set[int]] = {cell: set() for cell in hidden}
    assign: dict[Cell, int] = {}

    def term(cell: Cell, a: int) -> tuple[int, int]:
        if cell in known or cell in assign:
            v = known.get(cell, assign.get(cell, 0))
            return a * v, a * v
        d = domain[cell]
        return (a * d[0], a * d[-1]) if a > 0 else (a * d[-1], a * d[0])

    def feasible() -> bool:
        for cells, coefs, low, high in constraints:
            terms = [term(cell, a) for cell, a in zip(cells, coefs, strict=True)]
            if sum(t[0] for t in terms) > high or sum(t[1] for t in terms) < low:
                return False
        return True

    def search(k: int) -> None:
        if k == len(hidden):
            for cell in hidden:
                found[cell].add(assign[cell])
            return
        for v in domain[hidden[k]]:
            assign[hidden[k]] = v
            if feasible():
                search(k + 1)
        del assign[hidden[k]]

    search(0)
    return found


def _determined(solutions: dict[tuple[int, str], set[int]]) -> list[tuple[int, str]]:
    return [cell for cell, values in solutions.items() if len(values) < 2]
