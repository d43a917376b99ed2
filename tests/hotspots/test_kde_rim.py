"""The quartic's exact rim correction: its table of offsets, its sums, and hard cases end to end."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import hotspots._kde_rim as rim
from hotspots._kde_expansion import nodes_of
from hotspots._kde_surface import grid_around
from hotspots.kde import KdeWarning, kde_grid
from tests.hotspots._kde_support import X0, Y0, brute_force, points

HALF_DIAGONAL = math.sqrt(0.5)


def flipped_offsets(dx: float, dy: float, radius: float) -> set[tuple[int, int]]:
    """Offsets o where the point's disc and its node's disagree, by testing every o."""
    reach = math.ceil(radius) + 2
    steps = np.arange(-reach, reach + 1, dtype="float64")
    oy, ox = np.meshgrid(steps, steps, indexing="ij")
    point = (ox - dx) ** 2 + (oy - dy) ** 2 < radius**2
    node = ox**2 + oy**2 < radius**2
    return {(int(a), int(b)) for a, b in zip(ox[point != node], oy[point != node], strict=True)}


@pytest.mark.parametrize("classes", [1, 5, 16])
@pytest.mark.parametrize("radius", [0.3, 0.71, 1.0, 2.5, 5.0, 12.59, 31.7])
def test_the_table_lists_every_offset_where_the_discs_differ(
    radius: float, classes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rim, "CLASSES_PER_SIDE", classes)
    table = rim._offset_table(radius)
    assert table.starts.size == classes * classes + 1
    ring = np.abs(np.hypot(table.ox, table.oy) - radius)
    assert ring.max() <= HALF_DIAGONAL + 1e-9  # nothing far from the rim is listed
    rng = np.random.default_rng(int(radius * 100) + classes)
    for cx in range(classes):
        for cy in range(classes):
            c = cx * classes + cy
            part = slice(table.starts[c], table.starts[c + 1])
            listed = set(zip(table.ox[part].astype(int), table.oy[part].astype(int), strict=True))
            lo_x, lo_y = -0.5 + cx / classes, -0.5 + cy / classes
            corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0), (0.5, 0.5)]
            for u, v in corners + [tuple(p) for p in rng.random((6, 2))]:
                d = (lo_x + u / classes, lo_y + v / classes)
                assert flipped_offsets(*d, radius) <= listed, (radius, classes, d)
            inside = np.hypot(table.ox[part], table.oy[part]) < radius
            count = int(table.inside_count[c])
            assert inside[:count].all()
            assert not inside[count:].any()


def test_a_radius_of_12_6_cells_lists_about_19_offsets_per_point() -> None:
    # The cost of the rim: a point's disc and its node's differ at about 4 R |d| cells
    # (|d| about 0.38 on average), and a 16 x 16 class adds a few that might differ.
    table = rim._offset_table(12.59)
    assert 16 < np.diff(table.starts).mean() < 21


def brute_corrections(
    fx: np.ndarray, fy: np.ndarray, w: np.ndarray, shape: tuple[int, int], h: float, margin: int
) -> np.ndarray:
    """Sum of ``w P(g - p) ([|g - p| < h] - [|g - n| < h])`` over the points, at every cell g.

    n is the point's nearest node (ties as ``nodes_of`` breaks them, on the widened grid).
    """
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype("float64")
    total = np.zeros(shape)
    for x, y, weight in zip(fx, fy, w, strict=True):
        nx, ny = np.rint(x + margin) - margin, np.rint(y + margin) - margin
        near = (cols - x) ** 2 + (rows - y) ** 2
        node = (cols - nx) ** 2 + (rows - ny) ** 2
        value = 3 / (math.pi * h * h) * (1 - near / (h * h)) ** 2
        total += weight * value * ((near < h * h).astype(float) - (node < h * h))
    return total


@pytest.mark.parametrize("classes", [1, 16])
@pytest.mark.parametrize("h", [0.8, 1.5, 4.0, 6.3, 9.0])
def test_the_corrections_match_a_point_by_point_sum(
    h: float, classes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rim, "CLASSES_PER_SIDE", classes)
    rng = np.random.default_rng(int(h * 10))
    shape, margin = (30, 41), math.floor(h) + 2
    # Random points on and around the grid (some beyond its margin), and a few on ties.
    fx = np.r_[rng.uniform(-h - 4, shape[1] + h + 4, 60), 10.5, 12.0, 20.5, -h - 1.6]
    fy = np.r_[rng.uniform(-h - 4, shape[0] + h + 4, 60), 7.5, 8.0, 3.25, 5.0]
    w = np.r_[rng.uniform(0, 2, 60), 1.0, 0.0, 2.5, 1.0]
    nodes = nodes_of(fx, fy, w, shape, margin=margin)
    got = rim.rim_correction(nodes, shape, h=h, radius=h)
    expected = brute_corrections(fx, fy, w, shape, h, margin)
    peak = 3 / (math.pi * h * h)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * peak)
    assert np.abs(expected).max() > 1e-3 * peak  # the rim was really exercised


@pytest.mark.parametrize(
    ("bandwidth", "cell"),
    [(100.0, 20.0), (800.0, 20.0), (25.0, 20.0)],
    ids=["radius of exactly 5 cells", "radius of 40 cells", "radius of 1.25 cells"],
)
def test_the_quartic_is_exact_with_points_on_cell_centres_edges_and_corners(
    bandwidth: float, cell: float
) -> None:
    box = (X0, Y0, X0 + 2000, Y0 + 1600)
    grid = grid_around(box, cell=cell, pad=bandwidth + cell)  # the quartic's grid
    x0, y0 = grid.x0, grid.y0
    rng = np.random.default_rng(4)
    i = rng.integers(5, 95, 120).astype(float)
    j = rng.integers(5, 75, 120).astype(float)
    offsets = rng.choice([-0.5, -0.25, 0.0, 0.25, 0.5], (2, 120))
    offsets[:, :40] = rng.uniform(-0.5, 0.5, (2, 40))
    x = x0 + (i + 0.5 + offsets[0]) * cell  # on a cell centre, edge or corner, or anywhere
    y = y0 + (j + 0.5 + offsets[1]) * cell
    w = rng.choice([0.0, 0.5, 1.0, 3.0], 120)
    options: dict[str, Any] = {"bandwidth": bandwidth, "cell_size": cell, "extent": box}
    options["weights"] = w
    if bandwidth / cell < 2:
        with pytest.warns(KdeWarning, match="narrow for cells"):
            result = kde_grid(points(x, y), **options)
    else:
        result = kde_grid(points(x, y), **options)
    assert result.origin == (x0, y0)
    exact = brute_force(result, x, y, w)
    np.testing.assert_allclose(result.density, exact, rtol=1e-9, atol=1e-9 * exact.max())


def test_points_in_the_grids_outer_margin_are_summed_not_refused() -> None:
    # Points just beyond the grid (up to a kernel radius past its edge and further) used
    # to make the rim correction index below the grid's first cell.
    box = (X0, Y0, X0 + 1000, Y0 + 1000)
    below = Y0 - 100.3 - 1.7 * np.arange(120)
    x = np.r_[X0 + 500.0, X0 + 480.0, np.full(below.size, X0 + 517.0)]
    y = np.r_[Y0 + 500.0, Y0 + 20.0, below]
    with pytest.warns(KdeWarning, match="add nothing"):
        result = kde_grid(points(x, y), bandwidth=100.0, cell_size=10.0, extent=box)
    exact = brute_force(result, x, y)
    np.testing.assert_allclose(result.density, exact, rtol=1e-9, atol=1e-9 * exact.max())
    assert 0 < result.n_left_out < below.size
