"""Run each side of a benchmark in its own process and report time and peak memory."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def child(side: str, work: Callable[[], Any]) -> None:
    """Run ``work`` once (in a child process) and print its seconds and peak RSS as JSON."""
    start = time.perf_counter()
    detail = work()
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": side, "seconds": seconds, "peak_mb": peak_mb, "detail": detail}))


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
    ratio = peer["seconds"] / project["seconds"]
    print(f"{title}")
    print(
        f"  project: {project['seconds']:8.3f} s   peak {project['peak_mb']:7.0f} MB   {project['detail']}"
    )
    print(
        f"  {peer_name}: {peer['seconds']:8.3f} s   peak {peer['peak_mb']:7.0f} MB   {peer['detail']}"
    )
    print(f"  ratio (peer / project): {ratio:.1f}x")
