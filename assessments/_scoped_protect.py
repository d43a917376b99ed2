"""Disclosure control of a block of figures against sums the reader is assumed to know.

Small counts are hidden; then more figures are hidden (secondary suppression, ``[c]``)
until no hidden non-zero figure can be worked out from the known sums (each given as
cells and coefficients, its value known exactly). Where that is impossible because a
sum is tiny and spread thin (a ward with 1 event in 12 months, its other months 0), the
zeros of that sum are hidden too (``<5`` then reads 0 to 4, and the statement says so);
when even that fails, every non-zero figure of the block is, if that helps. Figures
that stay exposed then are exposed by the known sums themselves (a city total of 8 with
two areas under 5 outside the user's own: each is 4), whatever is hidden. A zero that
the sums pin down is not protected: the policy shows a true zero. The figures the sums
give away are marked (``Protection.pinned``) so that a table showing any of them can say
so (``disclosure.pinned_note``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessments import _suppression as sup
from assessments.disclosure import SECONDARY_MARKER, DisclosurePolicy, disclose_count

ZEROS_NOTE = (
    " Where a total is too small to hide its parts otherwise, its zeros are shown as {label} too."
)
"""Added to the policy statement when some zeros are hidden."""

_MAX_ROUNDS = 5


@dataclass(frozen=True)
class Protection:
    """The outcome for a block of protected figures (areas x periods).

    Attributes
    ----------
    shown
        What may be displayed (``12``, ``<5``, ``[c]``), object array of str.
    hidden
        True where the figure is hidden.
    statement
        The policy statement, saying so when some zeros are hidden too.
    exposed
        Hidden non-zero figures the known sums still pin down (0 unless unavoidable).
    pinned
        True where a hidden figure is one of those (same shape as ``values``).
    """

    shown: np.ndarray
    hidden: np.ndarray
    statement: str
    exposed: int
    pinned: np.ndarray


def protect_block(
    values: np.ndarray, sums: list[tuple[np.ndarray, np.ndarray]], policy: DisclosurePolicy
) -> Protection:
    """Hide small figures and enough others that no hidden one can be worked out.

    Parameters
    ----------
    values
        Counts, rows x columns (int64).
    sums
        The sums the reader knows: flat cell indices into ``values`` and their
        coefficients (+1 for a part, -1 for a total the parts add up to). A sum of one
        cell is left out: it is the figure itself.
    policy
        The policy in force.

    Returns
    -------
    Protection
        What to show.
    """
    constraints = _constraints(values, sums)
    primary = _small(values, policy)
    hidden, exposed = _masked(values, constraints, policy, primary)
    for _ in range(_MAX_ROUNDS):
        more = _zeros_beside(values, constraints, exposed) & ~primary
        if not exposed.size or not more.any():
            break
        primary = primary | more
        hidden, exposed = _masked(values, constraints, policy, primary)
    if exposed.size:
        everything = hidden | (values > 0)
        left = _exposed(values, everything, constraints, policy, primary)
        if left.size < exposed.size:  # else hiding everything would not help
            hidden, exposed = everything, left
    return _display(values, hidden, primary, policy, exposed)


def _display(
    values: np.ndarray,
    hidden: np.ndarray,
    primary: np.ndarray,
    policy: DisclosurePolicy,
    exposed: np.ndarray,
) -> Protection:
    shown = np.empty(values.shape, dtype=object)
    for index, value in np.ndenumerate(values):
        if primary[index]:
            shown[index] = policy.small_label
        elif hidden[index]:
            shown[index] = SECONDARY_MARKER
        else:
            shown[index] = disclose_count(int(value), policy)
    statement = policy.statement()
    if policy.show_zero and bool((primary & (values == 0)).any()):
        statement += ZEROS_NOTE.format(label=policy.small_label)
    pinned = np.zeros(values.size, dtype=bool)
    pinned[exposed] = True
    return Protection(
        shown=shown,
        hidden=hidden,
        statement=statement,
        exposed=int(exposed.size),
        pinned=pinned.reshape(values.shape),
    )


def _small(values: np.ndarray, policy: DisclosurePolicy) -> np.ndarray:
    small = values < policy.suppress_below
    return small if not policy.show_zero else small & (values > 0)


def _masked(
    values: np.ndarray,
    constraints: list[sup._Constraint],
    policy: DisclosurePolicy,
    primary: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Secondary suppression around ``primary``; returns the mask and what stays exposed."""
    if not policy.secondary:
        return primary.copy(), np.array([], dtype=np.int64)
    flat = values.ravel().astype(float)
    hidden = primary.ravel().copy()
    while True:
        sup._pair_singletons(flat, hidden, constraints)
        exposed = _exposed(values, hidden.reshape(values.shape), constraints, policy, primary)
        if not exposed.size or not sup._protect(flat, hidden, exposed, constraints):
            break
    return hidden.reshape(values.shape), exposed


def _exposed(
    values: np.ndarray,
    hidden: np.ndarray,
    constraints: list[sup._Constraint],
    policy: DisclosurePolicy,
    primary: np.ndarray,
) -> np.ndarray:
    """Hidden non-zero cells (flat indices) that the known sums pin to one value.

    A reader who sees a zero shown as ``<5`` anywhere must read every ``<5`` as 0 to 4.
    """
    flat = values.ravel().astype(float)
    zeros_shown = policy.show_zero and not bool((primary & (values == 0)).any())
    found = sup._exposed(
        flat, primary.ravel(), hidden.ravel(), constraints, policy.suppress_below, zeros_shown
    )
    return found[flat[found] > 0]


def _zeros_beside(
    values: np.ndarray, constraints: list[sup._Constraint], exposed: np.ndarray
) -> np.ndarray:
    """Zeros sharing a known sum with an exposed figure (the ones to hide next)."""
    out = np.zeros(values.size, dtype=bool)
    flat = values.ravel()
    for con in constraints:
        if np.isin(con.cells, exposed).any():
            out[con.cells[flat[con.cells] == 0]] = True
    return out.reshape(values.shape)


def _constraints(
    values: np.ndarray, sums: list[tuple[np.ndarray, np.ndarray]]
) -> list[sup._Constraint]:
    """Each known sum, with the cells to hide beside a hidden one (smallest part first)."""
    flat = values.ravel()
    out, seen = [], set()
    for cells, coefs in sums:
        key = tuple(sorted(zip(cells.tolist(), coefs.tolist(), strict=True)))
        if len(cells) < 2 or key in seen:
            continue
        seen.add(key)
        total = float(np.dot(coefs, flat[cells]))
        parts, totals = cells[coefs > 0], cells[coefs < 0]
        order = np.concatenate([parts[np.argsort(flat[parts], kind="stable")], totals])
        out.append(sup._Constraint(cells, coefs.astype(float), total, total, order))
    return out
