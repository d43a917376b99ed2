"""The printed profile's static map: wards around, counts per map unit, hot spots, interventions."""

from __future__ import annotations

from string import ascii_uppercase
from typing import TYPE_CHECKING, Any

import h3
import shapely

from assessments import _svg as V
from assessments.disclosure import DisclosurePolicy
from layers import grid

if TYPE_CHECKING:
    from assessments.profile import AreaProfile

HOT_STROKE = "#a50f15"
COLD_STROKE = "#2166ac"
INTERVENTION_COLOUR = "#1b7837"
_HOT_WIDTH = {1: 0.9, 2: 1.4, 3: 2.0}
_LABEL_AREA = 2500.0  # SVG units²: smaller wards are not labelled (their names would overlap)
_SCALES_M = (100, 250, 500, 1000, 2000, 5000, 10000)


def intervention_letter(i: int) -> str:
    """Return the letter marking the ``i``-th intervention on the map and in its table."""
    return ascii_uppercase[i % 26] * (1 + i // 26)


def area_map(
    profile: AreaProfile,
    shown: dict[str, Any],
    policy: DisclosurePolicy,
    *,
    width: float = 400,
    height: float = 270,
    mm: float = 100,
) -> tuple[str, list[tuple[str, str]]]:
    """Draw the area's map as SVG and return it with its legend (colour, words) entries.

    Parameters
    ----------
    profile
        The profile (shapes: the area, the wards around, hexagons, interventions).
    shown
        ``disclosed_profile(profile, policy)``: the map counts as they may be shown.
    policy
        The policy in force (for the label of hidden counts).
    width, height
        Viewport of the SVG.
    mm
        Printed width in millimetres.
    """
    area = V.project(profile.geometry)
    frame = V.frame_around(area, width, height)
    cells = shown["map"]["cells"]
    classes = V.count_classes([c["count"] for c in cells], policy.small_label)
    body = [f'<rect width="{width}" height="{height}" fill="#eef1f4"/>']
    body += _wards(profile, frame)
    body += _units(profile, shown["map"], classes, frame, area)
    body += _own_wards(profile, frame)
    body += _hot_outlines(profile, frame)
    body.append(V.path(area, frame, fill="none", stroke=V.INK, stroke_width=2.2))
    body += _ward_labels(profile, frame)
    body += _interventions(profile, frame)
    body += _scale_and_north(frame)
    legend = _legend(classes, policy, profile)
    return V.svg(width, height, body, f"Map of {profile.title}", mm=mm), legend


def legend_svg(entries: list[tuple[str, str]], *, mm: float, width: float = 400) -> str:
    """Draw legend entries (colour, words) as an SVG, three to a row."""
    body, row_h, col_w = [], 16.0, width / 3
    for i, (colour, words) in enumerate(entries):
        x, y = (i % 3) * col_w, (i // 3) * row_h
        kind, _, value = colour.rpartition(":")
        if kind == "outline":
            body.append(
                f'<rect x="{x + 1}" y="{y + 3}" width="12" height="9" fill="none" '
                f'stroke="{value}" stroke-width="2"/>'
            )
        elif kind == "dot":
            body.append(f'<circle cx="{x + 7}" cy="{y + 8}" r="5" fill="{value}"/>')
        else:
            body.append(
                f'<rect x="{x + 1}" y="{y + 3}" width="12" height="9" fill="{value}" '
                'stroke="#9aa5b1" stroke-width="0.6"/>'
            )
        body.append(V.text(x + 18, y + 11, words, **{"font-size": 8.5}))
    height = row_h * ((len(entries) + 2) // 3) + 2
    return V.svg(width, height, body, "Map legend", mm=mm)


def _wards(profile: AreaProfile, frame: V.Frame) -> list[str]:
    return [
        V.path(V.project(shape), frame, fill="#f8f8f6", stroke="#b8c0c8", stroke_width=0.8)
        for shape in profile.nearby.geometry
    ]


def _own_wards(profile: AreaProfile, frame: V.Frame) -> list[str]:
    """Outline the wards inside a locality (thin), over the counts."""
    if profile.wards is None or len(profile.wards) < 2:
        return []
    own = profile.nearby[profile.nearby["code"].isin(profile.wards)]
    return [
        V.path(V.project(shape), frame, fill="none", stroke="#52606d", stroke_width=0.6)
        for shape in own.geometry
    ]


def _units(
    profile: AreaProfile,
    shown_map: dict[str, Any],
    classes: list[tuple[str, str, int, int]],
    frame: V.Frame,
    area: shapely.Geometry,
) -> list[str]:
    out = []
    for unit in shown_map["cells"]:
        code = str(unit["code"])
        if h3.is_valid_cell(code):
            shape = V.project(grid.cell_polygons(grid.str_to_cells([code])).geometry.iloc[0])
            if h3.get_resolution(code) < profile.hotspot_resolution:
                shape = shapely.intersection(shape, area)
        else:
            shape = area
        colour = V.colour_of(str(unit["count"]), classes)
        out.append(V.path(shape, frame, fill=colour, stroke="#ffffff", stroke_width=0.5))
    return out


def _hot_outlines(profile: AreaProfile, frame: V.Frame) -> list[str]:
    cells = profile.hexagons.dropna(subset=["gi_bin_incidents"])
    cells = cells[cells["gi_bin_incidents"].astype("int64") != 0]
    if cells.empty:
        return []
    shapes = grid.cell_polygons(grid.str_to_cells(cells["h3_cell"].tolist())).geometry
    out = []
    for shape, gi_bin in zip(shapes, cells["gi_bin_incidents"].astype("int64"), strict=True):
        stroke = HOT_STROKE if gi_bin > 0 else COLD_STROKE
        out.append(
            V.path(
                V.project(shape),
                frame,
                fill="none",
                stroke=stroke,
                stroke_width=_HOT_WIDTH[abs(int(gi_bin))],
            )
        )
    return out


def _ward_labels(profile: AreaProfile, frame: V.Frame) -> list[str]:
    out = []
    inner = shapely.buffer(frame.box(), -20 / frame.scale)
    own = set(profile.wards or ())
    for code, name, shape in zip(
        profile.nearby["code"], profile.nearby["name"], profile.nearby.geometry, strict=True
    ):
        if code in own:
            continue
        projected = V.project(shape)
        point = projected.representative_point()
        visible = shapely.intersection(projected, frame.box()).area * frame.scale**2
        if inner.contains(point) and visible > _LABEL_AREA:
            x, y = frame.xy(point.x, point.y)
            out.append(
                V.text(
                    x,
                    y,
                    str(name),
                    **{
                        "text-anchor": "middle",
                        "font-size": 8,
                        "fill": V.MUTED,
                        "font-style": "italic",
                    },
                )
            )
    return out


def _interventions(profile: AreaProfile, frame: V.Frame) -> list[str]:
    out = []
    for i, shape in enumerate(profile.interventions.geometry):
        projected = V.project(shape)
        if isinstance(shape, shapely.Polygon | shapely.MultiPolygon):
            out.append(
                V.path(
                    projected,
                    frame,
                    fill="none",
                    stroke=INTERVENTION_COLOUR,
                    stroke_width=1.6,
                    stroke_dasharray="4 2",
                )
            )
        point = projected.representative_point()
        if not frame.box().contains(point):
            continue
        x, y = frame.xy(point.x, point.y)
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6.5" fill="{INTERVENTION_COLOUR}" '
            'stroke="#ffffff" stroke-width="1.2"/>'
        )
        out.append(
            V.text(
                x,
                y + 3,
                intervention_letter(i),
                **{
                    "text-anchor": "middle",
                    "font-size": 8,
                    "fill": "#ffffff",
                    "font-weight": "bold",
                },
            )
        )
    return out


def _scale_and_north(frame: V.Frame) -> list[str]:
    metres = next(
        (m for m in reversed(_SCALES_M) if m * frame.scale <= frame.width * 0.28), _SCALES_M[0]
    )
    length = metres * frame.scale
    x, y = 12.0, frame.height - 12.0
    return [
        (
            f'<rect x="{x - 4}" y="{y - 16}" width="{length + 8:.1f}" height="22" '
            'fill="#ffffff" fill-opacity="0.8"/>'
        ),
        (
            f'<line x1="{x}" x2="{x + length:.1f}" y1="{y}" y2="{y}" stroke="{V.INK}" '
            'stroke-width="2"/>'
        ),
        V.text(x + length / 2, y - 5, f"{metres:,} m", **{"text-anchor": "middle", "font-size": 8}),
        f'<path d="M{frame.width - 18},{22} l6,14 l-6,-4 l-6,4 Z" fill="{V.INK}"/>',
        V.text(
            frame.width - 18,
            17,
            "N",
            **{"text-anchor": "middle", "font-size": 9, "font-weight": "bold"},
        ),
    ]


def _legend(
    classes: list[tuple[str, str, int, int]], policy: DisclosurePolicy, profile: AreaProfile
) -> list[tuple[str, str]]:
    entries = [(colour, f"{label} incidents") for label, colour, _, _ in classes]
    entries.append((V.HIDDEN_COLOUR, f"{policy.small_label} or hidden"))
    entries.append((V.ZERO_COLOUR, "none"))
    entries.append(("outline:" + HOT_STROKE, "hot spot (Gi*)"))
    if (profile.hexagons["gi_bin_incidents"].fillna(0).astype("int64") < 0).any():
        entries.append(("outline:" + COLD_STROKE, "cold spot (Gi*)"))
    if len(profile.interventions):
        entries.append(("dot:" + INTERVENTION_COLOUR, "intervention (letter as in the table)"))
    return entries
