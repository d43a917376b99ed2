"""Map explorer: counts by hexagon or ward on a map, and a table of ward counts."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from app_pages import (
    KIND_LABELS,
    Filters,
    area_counts,
    boundaries,
    current_filters,
    settings,
    unit_words,
)
from layers import maps
from layers import schema as S
from layers._assets import offline_gaps
from layers.settings import Settings
from layers.store import Store

_MAP_HEIGHT = 720
_COUNT = "count"  # count-table columns (layers.aggregate.COUNT_COLUMNS)
_AREA_NAME = "area_name"


def main() -> None:
    """Read the sidebar's filters, draw the map, then the ward table."""
    filters = current_filters()
    if filters is None:
        st.stop()
    config = settings()
    store = Store(config.store)
    path, version = str(store.path), store.version()
    wards = boundaries(path, version, "ward")
    ward_counts = area_counts(path, version, "ward", *_query(filters))
    shown = (
        ward_counts
        if filters.by == "ward"
        else area_counts(path, version, filters.by, *_query(filters))
    )
    when = maps.month_range_label(filters.date_from, filters.date_to)
    st.title("Map explorer")
    st.caption(f"{_layers_text(filters)} · {when} · counts by {_areas_text(filters)}")
    _show_map(filters, config, wards, shown, when)
    _show_ward_table(filters, wards, ward_counts, when)


def _query(filters: Filters) -> tuple[tuple[str, ...], str, str]:
    return filters.kinds, filters.date_from, filters.date_to


def _show_map(
    filters: Filters,
    config: Settings,
    wards: gpd.GeoDataFrame,
    shown: pd.DataFrame,
    when: str,
) -> None:
    m = _build_map(filters, config, wards, shown, when)
    gaps = offline_gaps(m)
    if gaps:
        st.warning(
            f"{len(gaps)} map file(s) would come from the internet (not installed locally): "
            "run `make assets` (python scripts/install_assets.py) so the map works offline."
        )
    st_folium(m, height=_MAP_HEIGHT, use_container_width=True, returned_objects=[], key="map")
    if wards.attrs.get("approximate", False):
        st.caption(maps.APPROXIMATE_NOTE + ". Load official boundaries for real work.")


def _build_map(
    filters: Filters,
    config: Settings,
    wards: gpd.GeoDataFrame,
    shown: pd.DataFrame,
    when: str,
) -> folium.Map:
    west, south, east, north = wards.total_bounds if len(wards) else (-2.7, 51.4, -2.5, 51.55)
    center = ((west + east) / 2, (south + north) / 2)
    m = maps.base_map(center=center, zoom=12, static_dir=config.static_dir)
    m.fit_bounds([[south, west], [north, east]], padding=(24, 24))
    unit = unit_words(filters.kinds)
    name = f"{unit[1].capitalize()} per {'ward' if filters.by == 'ward' else 'hexagon'}"
    if filters.by == "ward":
        layer = maps.area_choropleth(shown, wards, name=name, unit=unit, period_label=when)
    else:
        layer = maps.hex_choropleth(shown, name=name, unit=unit, period_label=when)
    layer.add_to(m)
    maps.boundary_layer(wards, name="Ward boundaries").add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _show_ward_table(
    filters: Filters, wards: gpd.GeoDataFrame, ward_counts: pd.DataFrame, when: str
) -> None:
    unit = unit_words(filters.kinds)
    localities = wards.set_index(S.CODE)[S.PARENT_CODE]
    table = pd.DataFrame(
        {
            "Ward": ward_counts[_AREA_NAME],
            "Code": ward_counts[S.AREA_CODE],
            "Locality": ward_counts[S.AREA_CODE].map(localities),
            unit[1].capitalize(): ward_counts[_COUNT].astype("int64"),
        }
    ).sort_values(unit[1].capitalize(), ascending=False, kind="stable")
    total = int(table[unit[1].capitalize()].sum())
    st.subheader("Counts by ward")
    st.caption(f"{total:,} {unit[1]} in {len(table)} wards, {when}.")
    st.dataframe(table, hide_index=True, width="stretch")


def _layers_text(filters: Filters) -> str:
    return " + ".join(KIND_LABELS[k] for k in filters.kinds)


def _areas_text(filters: Filters) -> str:
    if filters.by == "ward":
        return "ward"
    return f"H3 hexagon (resolution {filters.areas})"


main()
