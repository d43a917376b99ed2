"""Packed shapes for the browser: the decoder gives back the GeoJSON, in a third of the text."""

from __future__ import annotations

import json
import shutil
import subprocess

import h3
import numpy as np
import pytest
import shapely

from layers import grid
from layers._map_pack import DECODE_JS, geojson, packed_json, rounded

NODE = shutil.which("node")
ORIGIN = "891f1d48177ffff"  # Bristol, H3 resolution 9


def _hexagons(k: int = 3) -> np.ndarray:
    cells = grid.str_to_cells(np.array(sorted(h3.grid_disk(ORIGIN, k)), dtype=object))
    return np.asarray(grid.cell_polygons(cells).geometry.to_numpy())


def _decoded(text: str) -> dict:
    """Run the page's decoder in Node on the packed text."""
    assert NODE is not None
    script = f"const decode = {DECODE_JS};\nprocess.stdout.write(JSON.stringify(decode({text})));"
    done = subprocess.run([NODE, "-e", script], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


def _mixed() -> np.ndarray:
    hexagons = _hexagons(2)
    ring = shapely.get_coordinates(hexagons[3].buffer(0.004).exterior)
    with_hole = shapely.Polygon(ring, [shapely.get_coordinates(hexagons[3].exterior)])
    return rounded(
        np.array(
            [
                hexagons[0],
                shapely.MultiPolygon([hexagons[1], hexagons[5]]),
                with_hole,
                shapely.Point(-2.591234, 51.456789),
                shapely.LineString([(-2.6, 51.4), (-2.5, 51.5)]),
            ],
            dtype=object,
        )
    )


@pytest.mark.skipif(NODE is None, reason="node missing: apt-get install nodejs")
def test_the_browser_decoder_gives_back_the_geojson() -> None:
    shapes = _mixed()
    properties = {"c": [0, 1, 2, 3, 4], "t": ["a", "<b>b</b>", "c & d", "é", "'e'"]}
    decoded = _decoded(packed_json(shapes, properties))
    expected = geojson(shapes, properties)
    assert [f["properties"] for f in decoded["features"]] == [
        f["properties"] for f in expected["features"]
    ]
    for got, want in zip(decoded["features"], expected["features"], strict=True):
        a = shapely.from_geojson(json.dumps(got["geometry"]))
        b = shapely.from_geojson(json.dumps(want["geometry"]))
        assert got["geometry"]["type"] == want["geometry"]["type"]
        assert shapely.equals_exact(a, b, tolerance=1e-9)


def test_coordinates_are_rounded_to_six_decimals_and_exact() -> None:
    (hexagon,) = rounded(_hexagons(0))
    packed = json.loads(packed_json(np.array([hexagon], dtype=object), {}))
    ((ring,),) = packed["g"]
    x, y = np.cumsum(np.reshape(ring, (-1, 2)), axis=0).T + np.array(packed["o"])[:, None]
    expected = {(round(lng, 6), round(lat, 6)) for lat, lng in h3.cell_to_boundary(ORIGIN)}
    assert {(a / 1e6, b / 1e6) for a, b in zip(x, y, strict=True)} == expected
    assert len(ring) == 12  # six vertices: the closing one is left out


def test_packed_text_is_safe_in_a_script_and_much_smaller_than_geojson() -> None:
    shapes = rounded(_hexagons(6))
    properties = {"n": list(range(len(shapes))), "w": ["</script><img src=x>"] * len(shapes)}
    text = packed_json(shapes, properties)
    assert "<" not in text
    assert ">" not in text
    assert json.loads(text)["p"]["w"][0] == "</script><img src=x>"
    plain = json.dumps(geojson(shapes, {"n": properties["n"]}), separators=(",", ":"))
    assert len(packed_json(shapes, {"n": properties["n"]})) < 0.4 * len(plain)


def test_no_shapes_packs_to_an_empty_collection() -> None:
    packed = json.loads(packed_json(np.array([], dtype=object), {"c": []}))
    assert packed == {"o": [0, 0], "g": [], "p": {"c": []}}
    assert geojson(np.array([], dtype=object), {"c": []})["features"] == []
