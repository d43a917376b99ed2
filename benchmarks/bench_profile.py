"""A ward's profile from a store of about a million incidents: the figures, then the PDF.

A demo store scaled to about 1,100,000 police incidents over three years is built in a
temporary folder with the command line (``python -m layers demo --scale 20``, timed),
unless ``--store`` names one. Then, in a fresh interpreter (so that the first call pays
what a first visit pays, imports excepted and timed apart):

- ``assessments.profile.area_profile`` for the ward with most incidents: the first call
  and the median of three more. Target: under 1 s.
- ``assessments.report.render_pdf`` of that profile under the public policy: the first
  call (WeasyPrint's fonts loaded) and the median of three more. Target: under 5 s.

Usage: ``python benchmarks/bench_profile.py [--scale 20] [--store PATH]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA_TARGET_S = 1.0
PDF_TARGET_S = 5.0


def build_store(home: Path, scale: float) -> tuple[Path, float]:
    """Build the demo store with the command line; return its path and the seconds taken."""
    store = home / "atlas.duckdb"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "layers", "demo", "--store", str(store), "--scale", str(scale)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return store, time.perf_counter() - start


def measure(store: Path) -> dict[str, object]:
    """Time the profile and the PDF of the busiest ward (run in a fresh interpreter)."""
    start = time.perf_counter()
    import weasyprint  # noqa: F401  - imported here so that its import is timed apart

    from assessments.disclosure import get_policy
    from assessments.profile import area_profile
    from assessments.report import render_pdf
    from layers.store import Store

    imports = time.perf_counter() - start
    atlas = Store(store)
    rows = atlas.query("SELECT count(*) AS n FROM incidents")["n"].iloc[0]
    busiest = atlas.query(
        "SELECT ward_code, count(*) AS n FROM incidents WHERE ward_code IS NOT NULL "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
    ).iloc[0]
    area = f"ward:{busiest['ward_code']}"
    data = [_timed(lambda: area_profile(atlas, area)) for _ in range(4)]
    profile = area_profile(atlas, area)
    policy = get_policy("public")
    pdf = [_timed(lambda: render_pdf(profile, policy=policy)) for _ in range(4)]
    size = len(render_pdf(profile, policy=policy))
    return {
        "incidents": int(rows),
        "area": f"{area} ({profile.title}, {int(busiest['n']):,} incidents)",
        "imports_s": imports,
        "data_first_s": data[0],
        "data_warm_s": statistics.median(data[1:]),
        "pdf_first_s": pdf[0],
        "pdf_warm_s": statistics.median(pdf[1:]),
        "pdf_kb": size / 1024,
    }


def _timed(work: object) -> float:
    start = time.perf_counter()
    work()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    """Build (or reuse) the store, measure in a child interpreter, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as home:
        if args.store is None:
            store, built = build_store(Path(home), args.scale)
            print(
                f"demo store, scale {args.scale:g}: built in {built:.1f} s (python -m layers demo)"
            )
        else:
            store = args.store
        done = subprocess.run(
            [sys.executable, __file__, "--measure", str(store)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        _report(json.loads(done.stdout.strip().splitlines()[-1]))


def _report(result: dict[str, object]) -> None:
    data, pdf = float(result["data_first_s"]), float(result["pdf_first_s"])  # type: ignore[arg-type]
    print(f"store: {result['incidents']:,} incidents; profile of {result['area']}")
    print(f"  imports (pandas, DuckDB, WeasyPrint...): {result['imports_s']:.2f} s, once")
    print(
        f"  data (area_profile): first {data:.3f} s, warm {result['data_warm_s']:.3f} s "
        f"(target < {DATA_TARGET_S:g} s: {'met' if data < DATA_TARGET_S else 'MISSED'})"
    )
    print(
        f"  PDF (render_pdf, public policy): first {pdf:.3f} s, warm {result['pdf_warm_s']:.3f} s,"
        f" {result['pdf_kb']:.0f} KB (target < {PDF_TARGET_S:g} s: "
        f"{'met' if pdf < PDF_TARGET_S else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
