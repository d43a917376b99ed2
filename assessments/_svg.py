"""Static SVG for printed profiles: shapes in a projected frame, colour classes, bar charts.

No tile server and no plotting library: shapely geometries are projected to British
National Grid and written as SVG paths; charts are rectangles, lines and text. Every
piece of text from data is escaped here, because the HTML template inserts the SVG as is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import shapely
from pyproj import Transformer

from layers import schema as S

FONT = "Liberation Sans, DejaVu Sans, Arial, sans-serif"
"""Font of every SVG text (installed with the fonts WeasyPrint finds)."""

COUNT_COLOURS: tuple[str, ...] = ("#fee8c8", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")
"""Sequential colours of the count classes, lowest first (ColorBrewer OrRd)."""

ZERO_COLOUR = "#ffffff"
HIDDEN_COLOUR = "#cfd4da"
INK = "#1f2933"
MUTED = "#7b8794"

_TO_METRES = Transformer.from_crs(S.CRS_STORE, S.CRS_MEASURE, always_xy=True)


@dataclass(frozen=True)
class Frame:
    """A projected box (metres) fitted into an SVG viewport of ``width`` x ``height``."""

    minx: float
    miny: float
    scale: float
    width: float
    height: float

    def xy(self, x: float, y: float) -> tuple[float, float]:
        """SVG coordinates of a projected point (y grows downwards)."""
        return (x - self.minx) * self.scale, self.height - (y - self.miny) * self.scale

    def box(self) -> shapely.Geometry:
        """Return the viewport as a projected rectangle, to clip shapes with."""
        return shapely.box(
            self.minx,
            self.miny,
            self.minx + self.width / self.scale,
            self.miny + self.height / self.scale,
        )


def project(shape: shapely.Geometry) -> shapely.Geometry:
    """Project a WGS84 shape to British National Grid metres."""
    return shapely.transform(shape, lambda xy: _stack(*_TO_METRES.transform(xy[:, 0], xy[:, 1])))


def frame_around(
    shape: shapely.Geometry, width: float, height: float, pad: float = 0.08, least_m: float = 900
) -> Frame:
    """Fit a projected shape, with a margin, into the viewport (same scale on both axes).

    The frame spans at least ``least_m`` metres, so that a small area (one hexagon) is
    drawn with its surroundings.
    """
    minx, miny, maxx, maxy = shape.bounds
    span_x, span_y = max(maxx - minx, least_m), max(maxy - miny, least_m)
    scale = min(width / (span_x * (1 + 2 * pad)), height / (span_y * (1 + 2 * pad)))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return Frame(cx - width / 2 / scale, cy - height / 2 / scale, scale, width, height)


def path(shape: shapely.Geometry, frame: Frame, **style: object) -> str:
    """Return an SVG path of a projected (multi)polygon or line, clipped to the frame."""
    clipped = shapely.intersection(shape, frame.box())
    if clipped.is_empty:
        return ""
    parts = []
    for ring in _rings(clipped):
        points = [frame.xy(x, y) for x, y in ring.coords]
        closed = "Z" if isinstance(ring, shapely.LinearRing) else ""
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + closed)
    return f'<path d="{" ".join(parts)}" {_attributes(style)}/>' if parts else ""


def text(x: float, y: float, words: str, **style: object) -> str:
    """Return an SVG text element, escaped."""
    base: dict[str, object] = {"font-family": FONT, "font-size": 9, "fill": INK}
    return f'<text x="{x:.1f}" y="{y:.1f}" {_attributes(base | style)}>{escape(words)}</text>'


def svg(width: float, height: float, body: Iterable[str], label: str, *, mm: float) -> str:
    """Wrap elements in an SVG element ``mm`` millimetres wide (the height in proportion).

    A printed size, rather than a share of the container, keeps WeasyPrint's layout exact.
    """
    size = f'width="{mm:.1f}mm" height="{mm * height / width:.1f}mm"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'{size} role="img" aria-label="{escape(label)}">' + "".join(body) + "</svg>"
    )


# --- colour classes -------------------------------------------------------------------


def count_classes(values: Sequence[str], small_label: str) -> list[tuple[str, str, int, int]]:
    """Classes of shown counts: (legend label, colour, lowest, highest) for the numeric ones.

    The breaks are quantiles of the distinct shown values (at most five classes); hidden
    counts (``<5``, ``[c]``) and zeros are coloured apart, so no class starts below the
    smallest count that may be shown.
    """
    numbers = sorted({n for n in (_number(v) for v in values) if n})
    if not numbers:
        return []
    k = min(len(COUNT_COLOURS), len(numbers))
    groups = [
        numbers[round(i * len(numbers) / k) : round((i + 1) * len(numbers) / k)] for i in range(k)
    ]
    colours = COUNT_COLOURS[-k:] if k < 3 else COUNT_COLOURS[:k]
    return [
        (_range_label(g[0], g[-1]), colour, g[0], g[-1])
        for g, colour in zip(groups, colours, strict=True)
        if g
    ]


def colour_of(value: str, classes: list[tuple[str, str, int, int]]) -> str:
    """Colour of one shown count."""
    number = _number(value)
    if number is None:
        return HIDDEN_COLOUR
    if number == 0:
        return ZERO_COLOUR
    for _, colour, low, high in classes:
        if low <= number <= high:
            return colour
    return classes[-1][1] if classes else HIDDEN_COLOUR


# --- charts ---------------------------------------------------------------------------


def bar_chart(
    labels: Sequence[str],
    values: Sequence[str],
    line: Sequence[float | None],
    *,
    width: float,
    height: float,
    colour: str,
    label: str,
    small_label: str,
    threshold: int,
    mm: float,
) -> str:
    """Vertical bars of shown counts with an optional line (rolling average) over them.

    Hidden counts are drawn as pale bars up to the threshold (``<5``: somewhere from 1
    to 4) or not at all (``[c]``, marked with a small c on the axis).
    """
    left, bottom, top = 34.0, 18.0, 8.0
    numbers = [_number(v) for v in values]
    peak = max([n or 0 for n in numbers] + [v or 0 for v in line] + [threshold])
    step, ceiling = _ticks(peak)
    plot_h, plot_w = height - bottom - top, width - left - 6
    slot = plot_w / max(len(values), 1)

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / ceiling)

    body = _axis(left, width - 6, y_of, step, ceiling)
    for i, (value, number) in enumerate(zip(values, numbers, strict=True)):
        x = left + i * slot + slot * 0.12
        if number is not None:
            body.append(_rect(x, y_of(number), slot * 0.76, y_of(0) - y_of(number), colour))
        elif value == small_label:
            body.append(
                _rect(x, y_of(threshold), slot * 0.76, y_of(0) - y_of(threshold), HIDDEN_COLOUR)
            )
        else:
            body.append(
                text(
                    x + slot * 0.38,
                    y_of(0) - 2,
                    "c",
                    **{"font-size": 7, "text-anchor": "middle", "fill": MUTED},
                )
            )
    body += _line(line, left, slot, y_of)
    body += _x_labels(labels, left, slot, height - 5)
    return svg(width, height, body, label, mm=mm)


def horizontal_bars(
    rows: Sequence[tuple[str, str]],
    *,
    width: float,
    colour: str,
    label: str,
    mm: float,
    row_height: float = 12,
) -> str:
    """Horizontal bars of shown counts, the label on the left and the shown value on the right."""
    name_w, value_w = width * 0.42, 40.0
    numbers = [_number(v) for _, v in rows]
    peak = max([n or 0 for n in numbers] + [1])
    bar_w = width - name_w - value_w - 8
    body = []
    for i, ((name, value), number) in enumerate(zip(rows, numbers, strict=True)):
        y = i * row_height
        body.append(
            text(
                name_w - 4, y + row_height * 0.72, name, **{"text-anchor": "end", "font-size": 8.5}
            )
        )
        length = bar_w * (number or 0) / peak
        if number:
            body.append(_rect(name_w, y + 2, max(length, 1.0), row_height - 4, colour))
        body.append(text(name_w + length + 4, y + row_height * 0.72, value, **{"font-size": 8.5}))
    return svg(width, row_height * len(rows) + 2, body, label, mm=mm)


# --- private steps --------------------------------------------------------------------


def _stack(x: Iterable[float], y: Iterable[float]) -> np.ndarray:
    return np.column_stack([np.asarray(x), np.asarray(y)])


def _rings(shape: shapely.Geometry) -> list[shapely.Geometry]:
    rings = []
    for part in shapely.get_parts(shape):
        if isinstance(part, shapely.Polygon):
            rings += [part.exterior, *part.interiors]
        elif isinstance(part, shapely.LineString):
            rings.append(part)
        elif isinstance(part, shapely.GeometryCollection | shapely.MultiPolygon):
            rings += _rings(part)
    return rings


def _attributes(style: dict[str, object]) -> str:
    return " ".join(f'{k.replace("_", "-")}="{escape(str(v))}"' for k, v in style.items())


def _number(value: str) -> int | None:
    digits = str(value).replace(",", "")
    return int(digits) if digits.isdigit() else None


def _range_label(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}\u2013{high:,}"


def _ticks(peak: float) -> tuple[int, int]:
    """Return a tick step (a multiple of 5: no tick reads 1-4) and the axis ceiling."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if peak / step <= 5:
            return step, step * max(1, math.ceil(peak / step))
    step = 10 ** math.ceil(math.log10(peak / 5))
    return step, step * math.ceil(peak / step)


def _axis(
    left: float, right: float, y_of: Callable[[float], float], step: int, ceiling: int
) -> list[str]:
    body = []
    for tick in range(0, ceiling + 1, step):
        y = y_of(tick)
        body.append(
            f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{"#9aa5b1" if tick == 0 else "#e4e7eb"}" stroke-width="0.6"/>'
        )
        body.append(
            text(
                left - 4,
                y + 3,
                f"{tick:,}",
                **{"text-anchor": "end", "font-size": 7.5, "fill": MUTED},
            )
        )
    return body


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{max(h, 0):.1f}" fill="{colour}"/>'
    )


def _line(
    values: Sequence[float | None], left: float, slot: float, y_of: Callable[[float], float]
) -> list[str]:
    segments: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for i, value in enumerate(values):
        if value is None:
            segments.append(current)
            current = []
        else:
            current.append((left + (i + 0.5) * slot, y_of(value)))
    segments.append(current)
    return [
        f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in seg)}" fill="none" '
        f'stroke="{INK}" stroke-width="1.6" stroke-linejoin="round"/>'
        for seg in segments
        if len(seg) > 1
    ]


def _x_labels(labels: Sequence[str], left: float, slot: float, y: float) -> list[str]:
    every = max(1, math.ceil(len(labels) / 8))
    start = (len(labels) - 1) % every
    return [
        text(
            left + (i + 0.5) * slot,
            y,
            labels[i],
            **{"text-anchor": "middle", "font-size": 7.5, "fill": MUTED},
        )
        for i in range(start, len(labels), every)
    ]
