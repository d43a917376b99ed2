"""The pages reach the data only through ``assessments.scoped``: roles in the data layer."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN_MODULES = {"layers.store", "layers.aggregate", "layers.queries", "layers.ingest"}
"""Modules a page may not import: they read or write the store without a user."""

FORBIDDEN_NAMES = {
    "assessments.profile": {"area_profile"},
    "assessments.priority": {"candidate_places"},
    "assessments.interventions": {"evaluate_intervention", "evaluate_interventions"},
}
"""Functions a page may not import: they read detail without a user."""

FORBIDDEN_CALLS = {"query", "connect"}
"""Methods a page may not call: raw SQL and raw connections."""


def _page_files() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py"))]


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += _from_import(node)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in FORBIDDEN_CALLS
        ):
            found.append(f"line {node.lineno}: .{node.func.attr}(")
    return found


def _from_import(node: ast.ImportFrom) -> list[str]:
    module = str(node.module)
    names = sorted(a.name for a in node.names)
    if module in FORBIDDEN_MODULES:
        return [f"from {module} import {', '.join(names)}"]
    banned = FORBIDDEN_NAMES.get(module, set())
    bad = [n for n in names if f"{module}.{n}" in FORBIDDEN_MODULES or n in banned]
    return [f"from {module} import {n}" for n in bad]


def test_the_checker_finds_what_it_looks_for(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "from layers import aggregate\nfrom layers.store import Store\nimport layers.queries\n"
        "from assessments.profile import area_profile, disclosed_profile\n"
        "Store('x').query('SELECT 1')\n",
        encoding="utf-8",
    )
    assert _offences(page) == [
        "from layers import aggregate",
        "from layers.store import Store",
        "import layers.queries",
        "from assessments.profile import area_profile",
        "line 5: .query(",
    ]


def test_pages_read_data_only_through_the_scoped_door() -> None:
    offences = {
        str(path.relative_to(ROOT)): _offences(path) for path in _page_files() if _offences(path)
    }
    assert offences == {}
