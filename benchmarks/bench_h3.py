"""H3 cells of 1,000,000 police.uk-style points: cells_from_points vs a plain h3 loop.

Project: layers.grid.cells_from_points (h3 on the distinct coordinate pairs only,
scattered back). Peer: a plain Python loop over h3.latlng_to_cell (the int API, so both
give the same uint64 cells). Target: the project at least 10x faster. Resolution 11 (the
store resolution). Each side runs in its own process; peak memory is its peak RSS.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._measure import child
from benchmarks._points import compare_on_points, load_points

RESOLUTION = 11


def _checksum(cells: object) -> str:
    import numpy as np

    values = np.asarray(cells, dtype=np.uint64)
    return f"{values.size:,} cells, checksum {int(values.sum(dtype=np.uint64))}"


def _project(points: Path) -> None:
    from layers.grid import cells_from_points

    lon, lat = load_points(points)
    child("project", lambda: _checksum(cells_from_points(lon, lat, resolution=RESOLUTION)))


def _peer(points: Path) -> None:
    import numpy as np
    from h3.api import basic_int as h3

    lon, lat = load_points(points)

    def work() -> str:
        cells = [
            h3.latlng_to_cell(y, x, RESOLUTION)
            for x, y in zip(lon.tolist(), lat.tolist(), strict=True)
        ]
        return _checksum(np.array(cells, dtype=np.uint64))

    child("peer", work)


def main() -> None:
    compare_on_points(
        __file__,
        __doc__.splitlines()[0],
        (_project, _peer),
        title=f"H3 res {RESOLUTION} cells",
        peer_name="plain h3 loop",
        same="cells",
    )


if __name__ == "__main__":
    main()
