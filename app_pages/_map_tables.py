"""Map explorer: the tables of the view (wards, hexagons), their CSV downloads, area names."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from app_pages import _map_data as data
from app_pages import area_counts, unit_words
from app_pages._exports import csv_download
from app_pages._map_build import MapView
from app_pages._view import View
from layers import maps
from layers import schema as S

NOT_COMPUTED = "not computed"


def area_names(shown: MapView, codes: Sequence[str], view: View) -> dict[str, str]:
    """Return how the area list names some areas: "Ashley" or "Hexagon … in Ashley"."""
    if shown.filters.by == "ward":
        return dict(zip(shown.wards[S.CODE], shown.wards[S.NAME].astype("str"), strict=True))
    cells = tuple(sorted(set(codes)))
    wards = data.cell_names(view.path, view.version, cells)
    return {cell: _hexagon_name(cell, wards.get(cell)) for cell in cells}


def show_tables(shown: MapView, view: View) -> None:
    """Show the ward table, and the hexagon table when the map shows hexagons, with CSVs."""
    f = shown.filters
    unit = unit_words(f.kinds)[1].capitalize()
    ward_counts = area_counts(view.counted_by("ward"))
    wards = ward_table(shown, ward_counts, unit)
    when = maps.month_range_label(f.date_from, f.date_to)
    st.subheader("Counts by ward")
    st.caption(_ward_caption(ward_counts, unit, when))
    st.dataframe(wards, hide_index=True, width="stretch")
    _download(shown, view, wards, unit, "wards", "ward counts")
    if f.by != "ward":
        cells = hexagon_table(shown, unit, view)
        st.subheader("Hexagons in this view")
        st.caption(
            f"The {len(cells):,} hexagons (H3 resolution {f.resolution}) with any {unit.lower()} "
            "or a hot, cold or emerging spot, busiest first."
        )
        st.dataframe(cells, hide_index=True, width="stretch")
        _download(shown, view, cells, unit, "hexagons", "hexagon counts")


def _ward_caption(ward_counts: pd.DataFrame, unit: str, when: str) -> str:
    text = f"{len(ward_counts)} wards, {when}."
    if ward_counts["exact"].all():
        return f"{int(ward_counts['count'].sum()):,} {unit.lower()} in {text}"
    return f"{text} {ward_counts.attrs.get('scope', '')} {ward_counts.attrs.get('statement', '')}"


def ward_table(shown: MapView, ward_counts: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Return the ward table: name, code, locality, count (and Gi* words by ward).

    Figures protected by ``assessments.scoped`` come as display strings, with their
    statement in ``attrs`` for the CSV.
    """
    localities = shown.wards.set_index(S.CODE)[S.PARENT_CODE]
    exact = bool(ward_counts["exact"].all())
    table = pd.DataFrame(
        {
            "Ward": ward_counts["area_name"],
            "Code": ward_counts[S.AREA_CODE],
            "Locality": ward_counts[S.AREA_CODE].map(localities),
            unit: ward_counts["count"].astype("int64") if exact else ward_counts["shown"],
        }
    )
    if shown.filters.by == "ward":
        table["Hot or cold spot"] = _gi_column(shown, table["Code"])
    if not exact:  # its CSV ends with the statement of these figures, cautions included
        table.attrs["statement"] = str(ward_counts.attrs.get("statement", ""))
    order = ward_counts["count"].fillna(-1).to_numpy()
    return table.iloc[(-order).argsort(kind="stable")]


def hexagon_table(shown: MapView, unit: str, view: View) -> pd.DataFrame:
    """Return the hexagons with events or a pattern: cell, ward, count, Gi*, emerging class.

    The emerging class is a column only when emerging hot spots were computed.
    """
    codes = shown.counts["area_code"]
    table = pd.DataFrame(
        {
            "Hexagon": codes,
            unit: shown.counts["count"].astype("int64"),
            "Hot or cold spot": _gi_column(shown, codes),
        }
    )
    marked = (table[unit] > 0) | (table["Hot or cold spot"] != maps.gi_bin_words(0))
    if shown.emerging is not None:
        table["Emerging pattern"] = _emerging_column(shown, codes)
        marked |= ~table["Emerging pattern"].isin(["No Pattern Detected", NOT_COMPUTED])
    kept = table[marked].sort_values(unit, ascending=False, kind="stable")
    names = data.cell_names(view.path, view.version, tuple(sorted(kept["Hexagon"])))
    kept.insert(1, "Ward", kept["Hexagon"].map(names))
    return kept


def _gi_column(shown: MapView, codes: pd.Series) -> list[str]:
    if shown.gi is None:
        return [NOT_COMPUTED] * len(codes)
    bins = shown.gi["gi_bin"].reindex(codes.to_numpy()).fillna(0).astype("int64")
    return [maps.gi_bin_words(int(b)) for b in bins]


def _emerging_column(shown: MapView, codes: pd.Series) -> list[str]:
    if shown.emerging is None:
        return [NOT_COMPUTED] * len(codes)
    patterns = shown.emerging["pattern"].reindex(codes.to_numpy()).fillna(NOT_COMPUTED)
    return [str(p) for p in patterns]


def _download(
    shown: MapView, view: View, table: pd.DataFrame, unit: str, name: str, what: str
) -> None:
    csv_download(
        table,
        label=f"Download the {name[:-1]} table (CSV)",
        name=name,
        count_columns=[unit],
        user=view.user,
        store_path=view.path,
        what=what,
        filters=shown.filters.to_params(),
    )


def _hexagon_name(cell: str, ward: str | None) -> str:
    return f"Hexagon {cell}" + (f" in {ward}" if ward else "")
