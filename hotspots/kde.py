"""Kernel density surfaces of points (ArcGIS-style quartic KDE) and their means and contours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hotspots import _kde_contours, _kde_zones
from hotspots._kde_exact import Exactness, accuracy_sentence
from hotspots._kde_inputs import refuse
from hotspots._kde_plan import Plan, checked_inputs, make_plan, warn_if_suspicious, zero_beyond
from hotspots._kde_surface import kernel_sum
from layers.schema import CODE, CRS_MEASURE, H3_CELL

DENSITY = "density"
"""Column of the mean surface value (in the unit of :attr:`KdeResult.unit`)."""
GRID_CELLS = "grid_cells"
"""Column counting the grid-cell centres averaged (0: sampled at one inner point)."""
LEVEL = "level"
"""Column of :func:`contours`: the surface value the polygon lies at or above."""
_PER_KM2 = 1e6  # square metres in a square kilometre


class KdeWarning(UserWarning):
    """The surface was computed but something about it deserves a look.

    Raised when the bandwidth is so narrow for the cell size that a point's kernel,
    sampled at the cell centres, adds up to more than 1 % above or below its weight
    (lower ``cell_size``), and when some points lie so far beyond the grid that they add
    nothing to it (widen ``extent`` if they matter).
    """


@dataclass(frozen=True, eq=False)
class KdeResult:
    """A kernel density surface on a regular grid in EPSG:27700.

    Attributes
    ----------
    density
        2-D float64 array, read-only, shape (rows, columns). Row 0 is the southernmost
        row (northing grows with the row index), column 0 the westernmost. With
        ``output="density"`` values are events per km²; with ``output="counts"``,
        expected events per cell (density x cell area). Weighted events when weights
        were given.
    cell_size
        Side of a square cell, metres.
    bandwidth
        Quartic: the kernel's radius (metres). Gaussian: its standard deviation sigma.
    kernel
        ``"quartic"`` or ``"gaussian"``.
    output
        ``"density"`` or ``"counts"``.
    crs
        ``"EPSG:27700"``.
    origin
        (easting, northing) of the grid's south-west corner (not a cell centre).
    extent
        (xmin, ymin, xmax, ymax) of the grid's outer edges, metres.
    bandwidth_rule, cell_size_rule
        How each was chosen, in a plain-English sentence.
    n_points
        Points given (zero-weight points included).
    total_weight
        Sum of the weights (``n_points`` without weights).
    n_left_out
        Points so far beyond the grid that their kernel cannot reach it.
    zero_beyond_grid
        Whether every weighted point lies a kernel radius inside the grid's outer cell
        centres, so that the surface is exactly 0 beyond them.
    exact_cells
        Cells whose value is the exact kernel sum: every cell for the quartic; for the
        Gaussian, the cells summed point by point because the expansion could err there.
    accuracy
        How close the surface is to the exact kernel sum, in a plain-English sentence.
    """

    density: np.ndarray
    cell_size: float
    bandwidth: float
    kernel: str
    output: str
    crs: str
    origin: tuple[float, float]
    extent: tuple[float, float, float, float]
    bandwidth_rule: str
    cell_size_rule: str
    n_points: int
    total_weight: float
    n_left_out: int
    zero_beyond_grid: bool
    exact_cells: int
    accuracy: str

    @property
    def unit(self) -> str:
        """The unit of :attr:`density`: ``"events per km²"`` or ``"events per cell"``."""
        return "events per km²" if self.output == "density" else "events per cell"

    def cell_centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return (easting, northing) of every cell centre, each of :attr:`density`'s shape."""
        rows, columns = self.density.shape
        x = self.origin[0] + (np.arange(columns) + 0.5) * self.cell_size
        y = self.origin[1] + (np.arange(rows) + 0.5) * self.cell_size
        easting, northing = np.meshgrid(x, y)
        return easting, northing


def kde_grid(
    points: gpd.GeoDataFrame | gpd.GeoSeries | pd.DataFrame,
    *,
    bandwidth: float | None = None,
    cell_size: float | None = None,
    kernel: str = "quartic",
    weights: str | ArrayLike | None = None,
    extent: tuple[float, float, float, float] | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    output: str = "density",
) -> KdeResult:
    """Return the kernel density surface of points on a grid in EPSG:27700.

    The surface at a cell centre c is ``sum_i w_i K(c - p_i)``. Kernels: quartic
    (biweight, ArcGIS's and Silverman's form) ``K(d) = 3 / (pi h²) (1 - d²/h²)²`` for
    d < h, 0 beyond, with h the radius; or gaussian ``K(d) = exp(-d²/2h²) / (2 pi h²)``
    with h = sigma, cut where the x or y offset reaches 5 sigma (a square outside which
    lies 1e-6 of each point's mass). Both integrate to 1, so the surface integrates to
    the total weight.

    How it is computed (the cost grows with the grid and the points, not points x
    cells): each point is binned to its nearest cell centre, keeping its offset d from
    it; the kernel ``K(o - d)`` at a node offset o is expanded in powers of d, so the sum
    becomes a few moment grids of the offsets (9 for the quartic; 6 for the Gaussian, 10
    below 8 cells per sigma) convolved by FFT with coefficient stencils. The quartic is
    a polynomial inside its disc, so this is exact except along each kernel's rim, where
    a point's disc and its node's differ by a thin crescent; the crescents are corrected
    point by point, so the quartic surface is the exact kernel sum (to rounding). For
    the Gaussian a bound of the expansion's error is convolved alongside, and wherever
    it could exceed 0.5 % of a cell's value (cells above 0.5 % of the maximum) the cell
    is summed exactly, point by point, up to 4 million point-cell pairs, most at-risk
    cells first. :attr:`KdeResult.accuracy` says what was achieved. The grid covers the
    extent widened on every side by the kernel's reach (h, or 5h for gaussian) plus one
    cell, so no mass is cut off at its edge.

    Parameters
    ----------
    points
        Points in any CRS (a GeoDataFrame or GeoSeries, reprojected to EPSG:27700), or a
        plain DataFrame with ``lon`` / ``lat`` columns in EPSG:4326.
    bandwidth
        Metres; default ArcGIS's spatial Silverman rule
        ``0.9 x min(SD, sqrt(1/ln 2) x Dm) x n^-0.2``: SD the standard distance, Dm the
        median distance to the mean centre, n the number of points (weighted, and n the
        total weight, when weights are given). For gaussian the same value is sigma.
    cell_size
        Metres; default the shorter side of the extent / 250 (ArcGIS's default).
    kernel
        ``"quartic"`` or ``"gaussian"``.
    weights
        A column of ``points`` or one number >= 0 per point (events per point).
    extent
        The area to cover, (xmin, ymin, xmax, ymax) in EPSG:27700 metres, or a
        GeoDataFrame / GeoSeries whose bounds to use; default the points' bounds.
    output
        ``"density"`` (events per km²) or ``"counts"`` (expected events per cell).

    Returns
    -------
    KdeResult
        The surface, its grid and how the bandwidth and cell size were chosen.

    Raises
    ------
    SchemaError
        Listing every unusable argument: points that are not points or lack a CRS,
        weights that are negative or missing, non-positive sizes, an automatic
        bandwidth with fewer than 2 points or all at one place (give ``bandwidth``), a
        grid over 25 million cells (raise ``cell_size``).

    Warns
    -----
    KdeWarning
        When the bandwidth is too narrow for the cells, or some points add nothing.
    """
    x, y, w, box = checked_inputs(
        points,
        bandwidth=bandwidth,
        cell_size=cell_size,
        kernel=kernel,
        output=output,
        weights=weights,
        extent=extent,
    )
    plan = make_plan(
        x, y, w, box, bandwidth=bandwidth, cell_size=cell_size, kernel=kernel, output=output
    )
    per_m2, left_out, exactness = kernel_sum(
        plan.x,
        plan.y,
        plan.w,
        plan.grid,
        kernel=kernel,
        bandwidth=plan.bandwidth,
    )
    warn_if_suspicious(plan, left_out, category=KdeWarning)
    return _result(plan, per_m2, left_out, exactness)


def density_by_cells(result: KdeResult, cells: ArrayLike) -> pd.DataFrame:
    """Return the mean of the surface within each H3 cell.

    The mean over the grid-cell centres that fall inside the hexagon (projected to
    EPSG:27700 vertex by vertex). A hexagon holding no grid-cell centre (smaller than a
    grid cell) is sampled at its centre by bilinear interpolation. Parts beyond the grid
    count as 0 with their area when :attr:`KdeResult.zero_beyond_grid`, else make the
    mean NaN (the surface is not known there).

    Parameters
    ----------
    result
        A surface from :func:`kde_grid`.
    cells
        H3 cells of one resolution: uint64 integers or hexadecimal strings.

    Returns
    -------
    pandas.DataFrame
        One row per cell, in input order: ``h3_cell`` (uint64), ``density`` (float64, in
        :attr:`KdeResult.unit`), ``grid_cells`` (int64: grid-cell centres averaged).

    Raises
    ------
    SchemaError
        When ``result`` is not a KdeResult, a value is not an H3 cell, or cells mix
        resolutions.
    """
    refuse("density_by_cells", _result_problems(result))
    ids, polygons, problems = _kde_zones.cell_polygons(cells)
    refuse("density_by_cells", problems)
    mean, used = _kde_zones.zonal_means(_kde_zones.Surface.of(result), polygons)
    return pd.DataFrame({H3_CELL: ids, DENSITY: mean, GRID_CELLS: used})


def density_by_areas(result: KdeResult, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return the mean of the surface inside each polygon.

    The same rule as :func:`density_by_cells`: the mean over the grid-cell centres in
    the polygon; a polygon holding none is sampled at a point inside it
    (``point_on_surface``) by bilinear interpolation.

    Parameters
    ----------
    result
        A surface from :func:`kde_grid`.
    areas
        Polygons with a CRS (any; reprojected to EPSG:27700) and a unique ``code``.

    Returns
    -------
    pandas.DataFrame
        One row per area, in input order: ``code`` (str), ``density`` (float64, in
        :attr:`KdeResult.unit`), ``grid_cells`` (int64).

    Raises
    ------
    SchemaError
        When ``result`` is not a KdeResult, or ``areas`` lacks a CRS, a ``code`` column,
        unique codes, or polygon geometries.
    """
    refuse("density_by_areas", _result_problems(result))
    codes, polygons, problems = _kde_zones.area_polygons(areas)
    refuse("density_by_areas", problems)
    mean, used = _kde_zones.zonal_means(_kde_zones.Surface.of(result), polygons)
    return pd.DataFrame({CODE: pd.Series(codes, dtype="str"), DENSITY: mean, GRID_CELLS: used})


def contours(result: KdeResult, *, levels: float | Iterable[float]) -> gpd.GeoDataFrame:
    """Return, for each level, the polygon(s) where the surface is at or above it.

    Marching squares on the grid-cell centres: within each square of four centres the
    surface is cut where linear interpolation along the square's edges crosses the level
    (a saddle square is resolved by the mean of its corners); the pieces and the
    squares wholly above are merged into one (multi)polygon, with holes, per level.
    Polygons end at the outermost cell centres.

    Parameters
    ----------
    result
        A surface from :func:`kde_grid`.
    levels
        One or more values > 0, in :attr:`KdeResult.unit`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per level, in the order given: ``level`` (float64) and ``geometry``
        ((Multi)Polygon, empty when the surface never reaches the level), EPSG:4326.
        ``attrs["unit"]`` holds the unit.

    Raises
    ------
    SchemaError
        When ``result`` is not a KdeResult or a level is not a finite number > 0.
    """
    values, problems = _kde_contours.levels_of(levels)
    refuse("contours", _result_problems(result) + problems)
    surface = _kde_zones.Surface.of(result)
    shapes = [_kde_contours.isoband(surface, level) for level in values]
    frame = gpd.GeoDataFrame(
        {LEVEL: np.asarray(values, dtype="float64")},
        geometry=gpd.GeoSeries(shapes, crs=CRS_MEASURE).to_crs("EPSG:4326"),
    )
    frame.attrs["unit"] = result.unit
    return frame


def _result(
    plan: Plan, per_m2: np.ndarray, left_out: int, exactness: Exactness | None
) -> KdeResult:
    g = plan.grid
    scale = _PER_KM2 if plan.output == "density" else g.cell**2
    density = per_m2 * scale
    density.flags.writeable = False
    return KdeResult(
        density=density,
        cell_size=g.cell,
        bandwidth=plan.bandwidth,
        kernel=plan.kernel,
        output=plan.output,
        crs=CRS_MEASURE,
        origin=(g.x0, g.y0),
        extent=(g.x0, g.y0, g.x0 + g.nx * g.cell, g.y0 + g.ny * g.cell),
        bandwidth_rule=plan.bandwidth_rule,
        cell_size_rule=plan.cell_size_rule,
        n_points=int(plan.x.size),
        total_weight=float(plan.w.sum()),
        n_left_out=left_out,
        zero_beyond_grid=zero_beyond(plan),
        exact_cells=exactness.exact_cells if exactness else per_m2.size,
        accuracy=accuracy_sentence(exactness),
    )


def _result_problems(result: object) -> list[str]:
    if isinstance(result, KdeResult):
        return []
    return [f"result must be a KdeResult from kde_grid(); received {type(result).__name__}"]


__all__ = [
    "DENSITY",
    "GRID_CELLS",
    "LEVEL",
    "KdeResult",
    "KdeWarning",
    "contours",
    "density_by_areas",
    "density_by_cells",
    "kde_grid",
]
