"""Disclosure control: the policy in force and the protection of every figure shown."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from assessments import _suppression
from assessments._disclosure_input import as_counts, groups_with_totals, validate_table
from assessments._map_resolution import coarsest_safe_resolution
from layers._errors import SchemaError
from layers.settings import Settings, load_settings

SUPPRESS_BELOW: int = Settings().disclosure_threshold
"""Default threshold: counts from 1 up to one below this are hidden (shown as ``<5``)."""

PUBLIC_ROUNDING: int = Settings().public_rounding
"""Default base to which public output rounds the counts it shows."""

SECONDARY_MARKER = "[c]"
"""How a figure hidden only to protect another one (secondary suppression) is shown."""

PINNED_NOTE = (
    " Caution: {n} hidden figure{s} here can still be worked out from the totals, because"
    " too few events fall outside the figures shown to hide {them}. Keep this table within"
    " the partnership."
)
"""Added to the statement of a table whose known totals give some hidden figures away."""

RATE_SIGNIFICANT_FIGURES: Mapping[str, int] = {"public": 2, "partnership": 3}
"""Significant figures a rate keeps under each policy (other policies: 3)."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """Rules for showing counts: small-count suppression, rounding, secondary suppression.

    Attributes
    ----------
    name
        ``public`` (anything published or shared outside the partnership) or
        ``partnership`` (shared between the partner agencies only).
    suppress_below
        Counts from 1 to ``suppress_below - 1`` are hidden and shown as ``<5``.
    round_to
        Counts that are shown are rounded to the nearest multiple of this (1: exact).
        A non-zero count is never rounded down to 0.
    secondary
        When True, where one figure of a row or group is hidden, another is hidden too
        (shown as ``[c]``) so that it cannot be worked out from the total.
    max_suppressed_share
        A map coarsens its cells while more than this share of its non-zero cells would
        be hidden.
    show_zero
        When True (the default) a true zero is shown as ``0``: knowing that nothing was
        recorded in an area discloses nothing about a person. When False, zeros are
        hidden like small counts (for outputs where an empty cell is itself sensitive).
    """

    name: str
    suppress_below: int = SUPPRESS_BELOW
    round_to: int = 1
    secondary: bool = True
    max_suppressed_share: float = 0.25
    show_zero: bool = True

    def __post_init__(self) -> None:
        """Check the policy's numbers once, when it is made."""
        problems = []
        if not (isinstance(self.suppress_below, int) and self.suppress_below >= 1):
            problems.append(f"suppress_below must be an integer >= 1, got {self.suppress_below!r}")
        if not (isinstance(self.round_to, int) and self.round_to >= 1):
            problems.append(f"round_to must be an integer >= 1, got {self.round_to!r}")
        if not 0.0 <= float(self.max_suppressed_share) <= 1.0:
            problems.append(
                f"max_suppressed_share must be between 0 and 1, got {self.max_suppressed_share!r}"
            )
        if problems:
            raise SchemaError("Disclosure policy: " + "; ".join(problems) + ".")

    @property
    def small_label(self) -> str:
        """Text shown in place of a small count (``<5``)."""
        return f"<{self.suppress_below}"

    def statement(self) -> str:
        """Return one plain-English sentence stating the policy in force.

        Print it on every output that shows figures.

        Returns
        -------
        str
            For example "Disclosure control (public): counts of 1 to 4 are shown as <5
            and other counts are rounded to the nearest 5; ...".
        """
        return _statement(self)


def _policies(settings: Settings) -> dict[str, DisclosurePolicy]:
    threshold, rounding = settings.disclosure_threshold, settings.public_rounding
    return {
        "public": DisclosurePolicy("public", suppress_below=threshold, round_to=rounding),
        "partnership": DisclosurePolicy("partnership", suppress_below=threshold, round_to=1),
    }


POLICIES: Mapping[str, DisclosurePolicy] = _policies(Settings())
"""The two policies at the default settings: ``public`` (rounded to 5) and ``partnership``
(exact counts). :func:`get_policy` applies ``ATLAS_DISCLOSURE_THRESHOLD`` and
``ATLAS_PUBLIC_ROUNDING`` from the environment."""


def get_policy(name: str, *, settings: Settings | None = None) -> DisclosurePolicy:
    """Return the named disclosure policy.

    Parameters
    ----------
    name
        ``public`` or ``partnership``.
    settings
        Settings whose ``disclosure_threshold`` and ``public_rounding`` apply; None reads
        them from the environment (``ATLAS_DISCLOSURE_THRESHOLD``,
        ``ATLAS_PUBLIC_ROUNDING``) with :func:`layers.settings.load_settings`.

    Returns
    -------
    DisclosurePolicy
        The policy.

    Raises
    ------
    SchemaError
        When the name is not one of the policies.
    """
    policies = _policies(settings if settings is not None else load_settings())
    if name not in policies:
        raise SchemaError(
            f"Unknown disclosure policy {name!r}. Use one of: {', '.join(sorted(policies))}."
        )
    return policies[name]


def pinned_note(count: int) -> str:
    """Return the caution a statement carries when ``count`` hidden figures are pinned.

    Secondary suppression cannot always help: when a known total is spread thinly (a
    month with 8 events outside a user's locality, split over two localities under 5),
    its parts follow from it whatever is hidden. The reader must be told: ``""`` when
    ``count`` is 0.
    """
    if count <= 0:
        return ""
    one = count == 1
    return PINNED_NOTE.format(n=count, s="" if one else "s", them="it" if one else "them")


def disclose_count(value: int, policy: DisclosurePolicy) -> str:
    """Return a single count as it may be shown: ``<5``, rounded, or ``0``.

    Parameters
    ----------
    value
        A count (non-negative integer).
    policy
        The policy in force.

    Returns
    -------
    str
        The text to show. A single figure has no total beside it, so no secondary
        suppression applies; use :func:`protect_table` for parts of a total.
    """
    count = _check_count(value)
    if _is_small(count, policy):
        return policy.small_label
    return str(_round(count, policy.round_to))


def protect_series(values: pd.Series, policy: DisclosurePolicy) -> pd.Series:
    """Return counts as display strings after small-count suppression and rounding.

    Parameters
    ----------
    values
        Counts (non-negative integers, no missing values); not changed.
    policy
        The policy in force.

    Returns
    -------
    pandas.Series
        Strings with the same index; ``attrs["suppressed"]`` is a boolean Series. Use
        :func:`protect_table` instead when a total of these counts is shown too.
    """
    counts = as_counts(values, str(values.name or "values"))
    out = pd.Series(
        [disclose_count(int(v), policy) for v in counts],
        index=values.index,
        name=values.name,
        dtype=object,
    )
    out.attrs["suppressed"] = pd.Series(_small_mask(counts, policy), index=values.index)
    return out


def protect_rate(
    value: float, count: int, policy: DisclosurePolicy, *, suppressed: bool = False
) -> str:
    """Return a rate as it may be shown: hidden when its count is, else rounded.

    Parameters
    ----------
    value
        The rate (for example per 1,000 children).
    count
        The count the rate was computed from.
    policy
        The policy in force.
    suppressed
        True when the count was hidden by secondary suppression in a table
        (``protect_table(...).attrs["suppressed"]``): the rate is hidden too.

    Returns
    -------
    str
        ``<5`` when the count is small, ``[c]`` when it was hidden to protect another
        figure, ``0`` for a zero count, otherwise the rate to 2 significant figures
        (public) or 3 (partnership), so that it does not give the count back exactly.
    """
    count = _check_count(count)
    if _is_small(count, policy):
        return policy.small_label
    if suppressed:
        return SECONDARY_MARKER
    if count == 0 or value == 0:
        return "0"
    if not math.isfinite(value):
        raise SchemaError(f"protect_rate: the rate must be a finite number, got {value!r}.")
    return _significant(value, RATE_SIGNIFICANT_FIGURES.get(policy.name, 3))


def protect_table(
    table: pd.DataFrame,
    *,
    count_columns: Sequence[str],
    policy: DisclosurePolicy,
    total_column: str | None = None,
    group_columns: Sequence[str] = (),
    column_totals: bool | None = None,
    rate_columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return a copy whose counts are display strings after full disclosure control.

    Small counts are hidden (``<5``); shown counts are rounded; then, when the policy
    asks for it, more figures are hidden (``[c]``) until no hidden figure can be worked
    out from the totals and the other figures (secondary suppression). The check
    assumes, to be safe, that shown figures are exact (rounding is ignored), that a
    hidden small count is known to be 1-4 and a ``[c]`` figure to be 5 or more.

    Parameters
    ----------
    table
        One row per area (or category); not changed.
    count_columns
        Columns of counts (non-negative integers) that are parts of the row's total.
    policy
        The policy in force.
    total_column
        Column holding each row's total, which must equal the sum of ``count_columns``
        (add an "other" column for the rest). None: no row total is shown.
    group_columns
        Rows with equal values here form a group (the wards of one locality) whose
        column totals are assumed to be shown elsewhere.
    column_totals
        Whether the column totals of each group (of the whole table when there are no
        ``group_columns``) are shown. None: True when ``group_columns`` are given.
    rate_columns
        Rate column -> the count column it was computed from; each rate is shown with
        :func:`protect_rate` (hidden when its count is).

    Returns
    -------
    pandas.DataFrame
        The copy, count and total columns as strings. ``attrs``: ``suppressed`` (boolean
        frame over the count and total columns: hidden for any reason), ``secondary``
        (boolean frame: hidden only to protect another figure), ``exposed`` (number of
        hidden figures that could still be worked out: 0 unless nothing is left to hide,
        as when a row's total is itself under 5 and spread over so many parts that each
        must be 1; then use coarser areas or periods, or a policy with
        ``show_zero=False``; not checked without secondary suppression), ``policy``
        (name) and ``statement``.

    Raises
    ------
    SchemaError
        When a column is missing, a count is not a non-negative integer, or a total does
        not equal the sum of its parts.
    """
    rates = dict(rate_columns or {})
    parts, total = validate_table(table, count_columns, total_column, group_columns, rates)
    columns = [*parts, *([total] if total else [])]
    values = np.column_stack([as_counts(table[c], c) for c in columns]).astype(np.int64)
    primary = _small_mask(values, policy)
    groups = groups_with_totals(table, group_columns, column_totals)
    if policy.secondary:
        secondary, exposed = _suppression.secondary_mask(
            values,
            primary,
            total_index=len(parts) if total else None,
            groups=groups,
            threshold=policy.suppress_below,
            show_zero=policy.show_zero,
        )
    else:
        secondary, exposed = np.zeros_like(primary), 0
    out = _display(table, columns, values, primary, secondary, exposed, policy)
    return _display_rates(out, table, rates, policy)


def map_resolution_for(
    counts_by_cell: pd.DataFrame, policy: DisclosurePolicy, *, min_resolution: int = 6
) -> tuple[str, str]:
    """Choose the finest map unit at which few enough cells would be hidden.

    Parameters
    ----------
    counts_by_cell
        Columns ``area_code`` (H3 cells, all at one resolution) and ``count``.
    policy
        The policy in force; its ``max_suppressed_share`` is the limit.
    min_resolution
        Coarsest H3 resolution tried before falling back to wards.

    Returns
    -------
    tuple of str
        The unit (``h3:8``, ``h3:7``, ... or ``ward``) and a sentence saying why.
    """
    return coarsest_safe_resolution(counts_by_cell, policy, min_resolution=min_resolution)


# ---------------------------------------------------------------- private steps


def _statement(policy: DisclosurePolicy) -> str:
    low = policy.suppress_below - 1
    small = (
        f"counts of 1 to {low} are shown as {policy.small_label}"
        if low > 1
        else f"counts of 1 are shown as {policy.small_label}"
    )
    if not policy.show_zero:
        small = f"counts of 0 to {low} are shown as {policy.small_label}"
    rounding = (
        f" and other counts are rounded to the nearest {policy.round_to}"
        if policy.round_to > 1
        else " and other counts are exact"
    )
    zero = " (a true zero is shown as 0)" if policy.show_zero else ""
    secondary = (
        f"; where one figure in a row is hidden, another is hidden too (shown as "
        f"{SECONDARY_MARKER}) so that it cannot be worked out from the total"
        if policy.secondary
        else ""
    )
    adds = "; rounded figures may not add up to the totals" if policy.round_to > 1 else ""
    return f"Disclosure control ({policy.name}): {small}{rounding}{zero}{secondary}{adds}."


def _check_count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise SchemaError(f"A count must be a non-negative integer, got {value!r}.")
    return int(value)


def _is_small(count: int, policy: DisclosurePolicy) -> bool:
    return count < policy.suppress_below and (count > 0 or not policy.show_zero)


def _small_mask(values: np.ndarray, policy: DisclosurePolicy) -> np.ndarray:
    small = values < policy.suppress_below
    return small if not policy.show_zero else small & (values > 0)


def _round(count: int, base: int) -> int:
    if base == 1 or count == 0:
        return count
    return max(((count + base // 2) // base) * base, base)


def _significant(value: float, figures: int) -> str:
    """Round half away from zero to ``figures`` significant figures, in plain notation."""
    digits = figures - 1 - math.floor(math.log10(abs(value)))
    step = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_UP)
    return f"{rounded:f}" if digits > 0 else f"{int(rounded)}"


def _display(
    table: pd.DataFrame,
    columns: list[str],
    values: np.ndarray,
    primary: np.ndarray,
    secondary: np.ndarray,
    exposed: int,
    policy: DisclosurePolicy,
) -> pd.DataFrame:
    out = table.copy()
    out.attrs = {}
    for j, column in enumerate(columns):
        shown = [
            policy.small_label
            if primary[i, j]
            else SECONDARY_MARKER
            if secondary[i, j]
            else str(_round(int(values[i, j]), policy.round_to))
            for i in range(len(values))
        ]
        out[column] = pd.Series(shown, index=table.index, dtype=object)
    out.attrs["suppressed"] = pd.DataFrame(primary | secondary, index=table.index, columns=columns)
    out.attrs["secondary"] = pd.DataFrame(secondary, index=table.index, columns=columns)
    out.attrs["exposed"] = int(exposed)
    out.attrs["policy"] = policy.name
    out.attrs["statement"] = policy.statement() + pinned_note(int(exposed))
    return out


def _display_rates(
    out: pd.DataFrame, table: pd.DataFrame, rates: Mapping[str, str], policy: DisclosurePolicy
) -> pd.DataFrame:
    hidden = out.attrs["suppressed"]
    for rate, count in rates.items():
        counts = as_counts(table[count], count)
        shown = [
            protect_rate(float(v), int(n), policy, suppressed=bool(h))
            for v, n, h in zip(table[rate], counts, hidden[count], strict=True)
        ]
        out[rate] = pd.Series(shown, index=table.index, dtype=object)
    return out
