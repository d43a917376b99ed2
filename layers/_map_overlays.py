"""Map layers of hotspot results: Gi* bins, emerging-hotspot classes and multi-harm overlap."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import folium
import geopandas as gpd
import pandas as pd

from layers import schema as S
from layers._map_checks import frame_problems, raise_problems, unit_problems
from layers._map_keyed import KEY, PLACE, TIP, Key, area_shapes, keyed_layer
from layers._map_words import NO_PATTERN, emerging_sentence, gi_bin_words, step_words

GI_BINS: tuple[int, ...] = (3, 2, 1, -1, -2, -3)
"""The Gi* bins a hot spot layer colours, hottest first (0 is left uncoloured)."""

GI_COLOURS: tuple[str, ...] = ("#c0282d", "#e8735a", "#f7b98b", "#bccbe0", "#7d9cc7", "#3e6aa8")
"""Fill of each of :data:`GI_BINS` (ArcGIS's hot-cold ramp, cold side a little bluer)."""

PATTERN_COLOURS: dict[str, str] = {
    "New Hot Spot": "#fdd049",
    "Consecutive Hot Spot": "#fd8d3c",
    "Intensifying Hot Spot": "#99000d",
    "Persistent Hot Spot": "#de2d26",
    "Diminishing Hot Spot": "#fc9272",
    "Sporadic Hot Spot": "#f7c6b0",
    "Oscillating Hot Spot": "#c51b7d",
    "Historical Hot Spot": "#8c6d62",
    "New Cold Spot": "#c6dbef",
    "Consecutive Cold Spot": "#9ecae1",
    "Intensifying Cold Spot": "#08306b",
    "Persistent Cold Spot": "#2171b5",
    "Diminishing Cold Spot": "#6baed6",
    "Sporadic Cold Spot": "#deebf7",
    "Oscillating Cold Spot": "#6a51a3",
    "Historical Cold Spot": "#6b7b8c",
}
"""Fill of each emerging-hotspot class drawn (places with no pattern are left uncoloured)."""

OVERLAP_COLOURS: tuple[str, ...] = ("#f59fc0", "#c51b8a", "#5c0061")
"""Fill of places hot in 1, 2 and 3 harm layers."""

_GI_COLUMNS = ("count", "gi_z", "gi_bin")
_EMERGING_COLUMNS = ("pattern", "pattern_meaning", "hot_steps", "cold_steps", "last_bin")
_OVERLAP_COLUMNS = ("n_hot_layers", "hot_layers")


def hotspot_layer(
    gi: pd.DataFrame,
    areas: gpd.GeoDataFrame | None = None,
    *,
    name: str,
    unit: tuple[str, str] = ("event", "events"),
    period_label: str = "",
    show: bool = False,
) -> folium.FeatureGroup:
    """Return a layer of the Gi* hot and cold spots, each with its confidence in words.

    Parameters
    ----------
    gi
        ``hotspots.gistar.gi_star`` (index H3 cell strings) or ``gi_star_areas`` (index
        area codes): columns ``count``, ``gi_z``, ``gi_bin``; ``attrs["fdr"]`` says
        whether the bins are FDR-corrected (True when absent).
    areas
        The polygons of area codes (``Store.boundaries``); None when ``gi`` is by H3 cell.
    name
        Layer name for the layer control and legend.
    unit
        Singular and plural of what is counted: ("incident", "incidents").
    period_label
        The period counted, in words.
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The places in a hot or cold bin (the rest uncoloured) and a legend that says the
        confidence is FDR-corrected when it is.
    """
    raise_problems(
        frame_problems(gi, _GI_COLUMNS, name="gi", source="hotspots.gistar.gi_star")
        + unit_problems(unit)
    )
    marked = gi[gi["gi_bin"].to_numpy() != 0]
    shapes = area_shapes(marked.index.astype("str"), areas)
    rows = marked.loc[shapes[S.CODE]]
    bins = rows["gi_bin"].to_numpy(dtype="int64")
    shapes[KEY] = [GI_BINS.index(int(b)) for b in bins]
    tips = [
        _gi_tip(int(b), float(n), float(z), place, unit, period_label)
        for b, n, z, place in zip(bins, rows["count"], rows["gi_z"], shapes[PLACE], strict=True)
    ]
    shapes[TIP] = tips
    fdr = bool(gi.attrs.get("fdr", True))
    notes = [
        "Not coloured: neither.",
        "Confidence FDR-corrected (Benjamini-Hochberg) for testing many places at once."
        if fdr
        else "Confidence not corrected for testing many places at once.",
    ]
    key = Key(name, list(GI_COLOURS), [gi_bin_words(b) for b in GI_BINS], notes)
    return keyed_layer(shapes, key, name=name, show=show)


def emerging_layer(
    emerging: pd.DataFrame,
    *,
    name: str,
    unit: tuple[str, str] = ("event", "events"),
    show: bool = False,
) -> folium.FeatureGroup:
    """Return a layer of emerging hot and cold spot classes, each explained in words.

    Parameters
    ----------
    emerging
        ``hotspots.emerging.emerging_hotspots``: index H3 cell strings, columns
        ``pattern``, ``pattern_meaning``, ``hot_steps``, ``cold_steps``, ``last_bin``
        (``count_total`` used when present), ``attrs["parameters"]`` with ``step`` and
        ``steps``.
    name
        Layer name for the layer control and legend.
    unit
        Singular and plural of what is counted.
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The cells with a pattern (the rest uncoloured) and a legend of the classes drawn.
    """
    problems = frame_problems(
        emerging, _EMERGING_COLUMNS, name="emerging", source="hotspots.emerging.emerging_hotspots"
    )
    parameters = getattr(emerging, "attrs", {}).get("parameters", {})
    if not problems and not {"step", "steps"} <= set(parameters):
        problems.append("emerging.attrs['parameters'] lacks step and steps; pass the result as is")
    raise_problems(problems + unit_problems(unit))
    step, steps = str(parameters["step"]), int(parameters["steps"])
    drawn = emerging[emerging["pattern"].isin(list(PATTERN_COLOURS))]
    shapes = area_shapes(drawn.index.astype("str"))
    present = [p for p in PATTERN_COLOURS if p in set(drawn["pattern"])]
    shapes[KEY] = [present.index(p) for p in drawn["pattern"]]
    shapes[TIP] = [_emerging_tip(row, step, steps, unit) for row in drawn.to_dict("records")]
    notes = [
        "Not coloured: " + NO_PATTERN.lower() + ".",
        f"Time step: {step} ({step_words(step, steps)} analysed).",
    ]
    key = Key(name, [PATTERN_COLOURS[p] for p in present], present, notes)
    return keyed_layer(shapes, key, name=name, show=show)


def overlap_layer(
    overlap: pd.DataFrame,
    areas: gpd.GeoDataFrame | None = None,
    *,
    labels: Mapping[str, str],
    name: str,
    show: bool = False,
) -> folium.FeatureGroup:
    """Return a layer of the places that are hot spots for several harm layers at once.

    Parameters
    ----------
    overlap
        ``hotspots.overlap.multi_harm_overlap``: index H3 cells or area codes, columns
        ``n_hot_layers`` and ``hot_layers``; ``attrs["layers"]`` and ``attrs["min_bin"]``.
    areas
        The polygons of area codes; None for H3 cells.
    labels
        Words for each layer name ("knife" -> "Knife injuries (hospital)").
    name
        Layer name for the layer control and legend.
    show
        Whether the layer is shown when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The places, coloured by how many layers they are hot in, with a legend.
    """
    raise_problems(
        frame_problems(
            overlap, _OVERLAP_COLUMNS, name="overlap", source="hotspots.overlap.multi_harm_overlap"
        )
    )
    layers = list(overlap.attrs.get("layers", labels))
    level = int(overlap.attrs.get("min_bin", 2))
    fewest = int(overlap.attrs.get("min_layers", 2))
    shapes = area_shapes(overlap.index.astype("str"), areas)
    rows = overlap.loc[shapes[S.CODE]]
    hot = rows["n_hot_layers"].to_numpy(dtype="int64")
    shapes[KEY] = hot - fewest
    shapes[TIP] = [
        _overlap_tip(int(n), len(layers), str(which), place, labels)
        for n, which, place in zip(hot, rows["hot_layers"], shapes[PLACE], strict=True)
    ]
    counts = range(fewest, len(layers) + 1)
    confidence = {1: "90%", 2: "95%", 3: "99%"}.get(level, f"bin {level}")
    key = Key(
        name,
        [OVERLAP_COLOURS[min(n, len(OVERLAP_COLOURS)) - 1] for n in counts],
        [f"Hot for {n} of {len(layers)} harm layers" for n in counts],
        [f"Hot: a Gi* hot spot with {confidence} confidence or more, FDR-corrected per layer."],
    )
    return keyed_layer(shapes, key, name=name, show=show)


# --- tooltips ----------------------------------------------------------------------------


def _gi_tip(
    gi_bin: int, count: float, z: float, place: str, unit: tuple[str, str], period: str
) -> str:
    n = round(count)
    counted = f"{n:,} {unit[0] if n == 1 else unit[1]} {place}"
    lines = [f"<b>{html.escape(gi_bin_words(gi_bin))}</b>", html.escape(counted)]
    lines += [html.escape(period)] if period else []
    lines.append(f"Gi* z-score {z:.1f}")
    return "<br>".join(lines)


def _emerging_tip(row: Mapping[str, Any], step: str, steps: int, unit: tuple[str, str]) -> str:
    sentence = emerging_sentence(
        str(row["pattern"]),
        hot_steps=int(row["hot_steps"]),
        cold_steps=int(row["cold_steps"]),
        steps=steps,
        step=step,
        last_bin=int(row["last_bin"]),
    )
    lines = [f"<b>{html.escape(sentence)}</b>", html.escape(str(row["pattern_meaning"]))]
    if "count_total" in row:
        total = int(row["count_total"])
        lines.append(html.escape(f"{total:,} {unit[0] if total == 1 else unit[1]} in all"))
    return "<br>".join(lines)


def _overlap_tip(n: int, of: int, which: str, place: str, labels: Mapping[str, str]) -> str:
    names = [labels.get(w, w) for w in which.split(", ") if w]
    return "<br>".join(
        [
            f"<b>Hot spot for {n} of {of} harm layers</b>",
            html.escape(" and ".join(names)),
            html.escape(place[:1].upper() + place[1:]),
        ]
    )
