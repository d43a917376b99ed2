"""Map coarsening: the finest H3 resolution at which few enough cells would be hidden."""

from __future__ import annotations

from typing import TYPE_CHECKING

import h3
import pandas as pd

from layers._errors import SchemaError

if TYPE_CHECKING:
    from assessments.disclosure import DisclosurePolicy

AREA_CODE = "area_code"
COUNT = "count"


def coarsest_safe_resolution(
    counts_by_cell: pd.DataFrame, policy: DisclosurePolicy, *, min_resolution: int
) -> tuple[str, str]:
    """Return the map unit (``h3:RES`` or ``ward``) and a sentence saying why.

    Starting from the cells' own resolution, counts are summed into parent cells while
    more than ``policy.max_suppressed_share`` of the non-zero cells would be hidden; past
    ``min_resolution`` the map falls back to wards.
    """
    counts, resolution = _validate(counts_by_cell)
    start = resolution
    share, nonzero = _hidden_share(counts, policy)
    while share > policy.max_suppressed_share and resolution > min_resolution:
        resolution -= 1
        counts = _to_parent(counts, resolution)
        share, nonzero = _hidden_share(counts, policy)
    if share > policy.max_suppressed_share:
        return "ward", _sentence_ward(share, nonzero, resolution, policy)
    return f"h3:{resolution}", _sentence_h3(share, nonzero, start, resolution, policy)


def _validate(frame: pd.DataFrame) -> tuple[pd.Series, int]:
    missing = [c for c in (AREA_CODE, COUNT) if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"map_resolution_for: columns {missing} are missing; pass a table with "
            f"'{AREA_CODE}' (H3 cells) and '{COUNT}', as layers.aggregate.counts returns."
        )
    codes = frame[AREA_CODE].astype(str)
    valid = codes.map(h3.is_valid_cell)
    resolutions = set(codes[valid].map(h3.get_resolution))
    if not valid.all() or len(resolutions) > 1:
        raise SchemaError(
            "map_resolution_for: area_code must hold H3 cells of one resolution; got "
            f"{int((~valid).sum())} non-H3 code(s) and resolutions {sorted(resolutions)}. "
            "Count by h3:RES first."
        )
    if not resolutions:
        raise SchemaError("map_resolution_for: the table is empty; there is nothing to map.")
    counts = pd.to_numeric(frame[COUNT], errors="raise").groupby(codes.to_numpy()).sum()
    return counts, resolutions.pop()


def _hidden_share(counts: pd.Series, policy: DisclosurePolicy) -> tuple[float, int]:
    nonzero = counts[counts > 0]
    if nonzero.empty:
        return 0.0, 0
    return float((nonzero < policy.suppress_below).mean()), len(nonzero)


def _to_parent(counts: pd.Series, resolution: int) -> pd.Series:
    parents = [h3.cell_to_parent(cell, resolution) for cell in counts.index]
    return counts.groupby(parents).sum()


def _size(resolution: int) -> str:
    edge = h3.average_hexagon_edge_length(resolution, unit="m")
    return f"{edge / 1000:.1f} km" if edge >= 1000 else f"{edge:,.0f} m"


def _sentence_h3(
    share: float, nonzero: int, start: int, resolution: int, policy: DisclosurePolicy
) -> str:
    if nonzero == 0:
        return f"Map cells at H3 resolution {resolution}: no cell has any events."
    limit = f"{policy.max_suppressed_share:.0%}"
    shown = (
        f"{share:.0%} of the {nonzero} cells with any events are shown as "
        f"{policy.small_label} (at most {limit} allowed)"
    )
    if resolution == start:
        return f"Map cells at H3 resolution {resolution} (edge about {_size(resolution)}): {shown}."
    return (
        f"Map cells coarsened from H3 resolution {start} to {resolution} (edge about "
        f"{_size(resolution)}) so that few small counts are hidden: {shown}."
    )


def _sentence_ward(share: float, nonzero: int, resolution: int, policy: DisclosurePolicy) -> str:
    return (
        f"Map shown by ward: even at H3 resolution {resolution} (edge about "
        f"{_size(resolution)}), {share:.0%} of the {nonzero} cells with any events would "
        f"be shown as {policy.small_label}, more than the {policy.max_suppressed_share:.0%} "
        "allowed."
    )
