"""The command line: profiles written as JSON, PDF and HTML; refusals exit 2 with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assessments.__main__ import main
from assessments.disclosure import get_policy
from assessments.profile import area_profile, disclosed_profile
from layers.demo_store import build_demo_store
from layers.settings import load_settings
from layers.store import Store

ROOT = Path(__file__).resolve().parents[2]
WARD = "ward:E05010885"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("cli")
    settings = load_settings(
        store=home / "atlas.duckdb", secret_file=home / "key", rejected_dir=home / "rejected"
    )
    build_demo_store(settings, seed=3, scale=0.3)
    return Store(settings.store)


def _without_time(shown: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in shown.items() if k != "generated"}


@pytest.mark.parametrize("policy", ["public", "partnership"])
def test_json_holds_the_disclosed_profile(store: Store, tmp_path: Path, policy: str) -> None:
    out = tmp_path / "profile.json"
    argv = ["profile", "--area", WARD, "--from", "2024-02", "--to", "2026-03"]
    assert main([*argv, "--policy", policy, "--out", str(out), "--store", str(store.path)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    profile = area_profile(store, WARD, date_from="2024-02", date_to="2026-03")
    expected = json.loads(json.dumps(disclosed_profile(profile, get_policy(policy))))
    assert _without_time(written) == _without_time(expected)
    assert written["policy"]["name"] == policy


def test_the_format_follows_the_file_name(store: Store, tmp_path: Path) -> None:
    pdf, html = tmp_path / "ashley.pdf", tmp_path / "ashley.html"
    for out in (pdf, html):
        assert main(["profile", "--area", WARD, "--out", str(out), "--store", str(store.path)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    other = tmp_path / "ashley.out"
    argv = ["profile", "--area", WARD, "--format", "html", "--out", str(other)]
    assert main([*argv, "--store", str(store.path)]) == 0
    assert "Ashley ward" in other.read_text(encoding="utf-8")


def test_a_refused_area_exits_2_with_the_reason(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    argv = ["profile", "--area", "ward:NOPE", "--from", "2024-13", "--out", str(out)]
    assert main([*argv, "--store", str(store.path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("refused: area_profile: ")
    assert "no loaded ward has this code" in error
    assert "date_from='2024-13' is not a month" in error
    assert not out.exists()


def test_a_missing_store_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.duckdb"
    argv = ["profile", "--area", WARD, "--out", str(tmp_path / "x.pdf"), "--store", str(missing)]
    assert main(argv) == 2
    assert "no store at" in capsys.readouterr().err
    assert not missing.exists()


def test_python_dash_m_runs_the_command_line(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "north.json"
    command = [sys.executable, "-m", "assessments", "profile", "--area", "locality:North"]
    command += ["--out", str(out), "--store", str(store.path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"written to {out}")
    assert json.loads(out.read_text(encoding="utf-8"))["area"]["title"] == "North locality"
    bad = subprocess.run(
        [*command[:4], "--area", "h3:nope", "--out", str(out), "--store", str(store.path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("refused: ")
