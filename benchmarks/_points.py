"""Make 1,000,000 police.uk-style points (shared anonymised snap points) for the benchmarks."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._measure import report, run_side

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "police_uk" / "bristol_street_2018-01_to_2021-09.csv.gz"
LATTICE = (-2.72, 51.40, -2.51, 51.54)  # lon / lat box around Bristol for the fallback


def million_points(*, rows: int = 1_000_000, seed: int = 1) -> tuple[np.ndarray, np.ndarray, str]:
    """Return lon, lat and a note saying where they came from.

    The real Bristol police.uk coordinates (2018-01 to 2021-09) are sampled with
    replacement, so the points share the real snap points. Without ../shared the points
    are sampled from a synthetic lattice of about 3,000 snap points over Bristol.
    """
    rng = np.random.default_rng(seed)
    if REAL.is_file():
        real = pd.read_csv(REAL, usecols=["Longitude", "Latitude"]).dropna()
        lon_u, lat_u = real["Longitude"].to_numpy(), real["Latitude"].to_numpy()
        note = f"sampled from {len(real):,} real police.uk rows ({REAL.name})"
    else:
        lon_u, lat_u = _lattice(rng)
        note = f"SYNTHETIC: {REAL} not found, sampled from a {lon_u.size:,}-point lattice"
    pick = rng.integers(0, lon_u.size, rows)
    return lon_u[pick], lat_u[pick], note


def saved_points(folder: Path) -> tuple[Path, str]:
    """Write the points to ``folder/points.npz`` (for child processes) and return path, note."""
    lon, lat, note = million_points()
    path = folder / "points.npz"
    np.savez(path, lon=lon, lat=lat)
    unique = len(set(zip(lon[:200_000].tolist(), lat[:200_000].tolist(), strict=True)))
    return path, f"{lon.size:,} points {note}; {unique:,} distinct in the first 200,000"


def load_points(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read the points written by :func:`saved_points`."""
    with np.load(path) as data:
        return data["lon"], data["lat"]


def compare_on_points(
    script: str,
    description: str,
    sides: tuple[Callable[[Path], None], Callable[[Path], None]],
    *,
    title: str,
    peer_name: str,
    same: str,
    note: Callable[[], str] | None = None,
) -> None:
    """Run a points benchmark's command line: one side (``--side``) or both, compared.

    With ``--side project|peer --points FILE`` (a child process) run that side of
    ``sides`` on the saved points. Otherwise save the points, print where they came from
    (and ``note()``), run each side in its own process, report both under ``title`` and
    say whether their details are the ``same`` (cells, wards).
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--side", choices=["project", "peer"])
    parser.add_argument("--points", type=Path)
    args = parser.parse_args()
    if args.side is not None:
        side = sides[0] if args.side == "project" else sides[1]
        side(args.points)
        return
    with tempfile.TemporaryDirectory() as folder:
        points, where = saved_points(Path(folder))
        print(f"{where}; {note()}" if note is not None else where)
        project = run_side(script, "project", "--points", str(points))
        peer = run_side(script, "peer", "--points", str(points))
    report(title, project, peer, peer_name)
    print(f"  same {same}: {project['detail'] == peer['detail']}")


def _lattice(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x0, y0, x1, y1 = LATTICE
    lon, lat = np.meshgrid(np.linspace(x0, x1, 60), np.linspace(y0, y1, 50))
    jitter = rng.normal(0, 0.0005, (2, lon.size))
    return (lon.ravel() + jitter[0]).round(6), (lat.ravel() + jitter[1]).round(6)
