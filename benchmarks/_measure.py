"""Run each side of a benchmark in its own process and report time and peak memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB (VmHWM: not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(side: str, work: Callable[[], Any]) -> None:
    """Run ``work`` once (in a child process) and print its seconds and peak RSS as JSON.

    ``work`` returns a description, or a (seconds, description) pair when it times
    itself (a median of repeats, say).
    """
    start = time.perf_counter()
    detail = work()
    seconds = time.perf_counter() - start
    if isinstance(detail, tuple):
        seconds, detail = detail
    print(
        json.dumps({"side": side, "seconds": seconds, "peak_mb": peak_rss_mb(), "detail": detail})
    )


def run_side(script: str, side: str, *args: str) -> dict[str, Any]:
    """Run ``script --side SIDE ARGS`` in a fresh interpreter and return its JSON line."""
    done = subprocess.run(
        [sys.executable, script, "--side", side, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{side} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def report(title: str, project: dict[str, Any], peer: dict[str, Any], peer_name: str) -> None:
    """Print both sides, the ratio and the peak memory."""
    print(title)
    for name, side in (("project", project), (peer_name, peer)):
        print(
            f"  {name}: {side['seconds']:8.3f} s  peak {side['peak_mb']:6.0f} MB  {side['detail']}"
        )
    print(f"  ratio (peer / project): {peer['seconds'] / project['seconds']:.1f}x")
