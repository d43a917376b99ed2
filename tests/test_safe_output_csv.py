"""No CSV export carries a spreadsheet formula, and every CSV leaves through an exporter."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pandas as pd
import pytest

from assessments.disclosure import get_policy
from assessments.exports import disclosed_csv
from layers.export import FORMULA_STARTS, neutralise_formulas, safe_csv
from tests._safe_output_support import ROOT, _assert_neutral, _cells

# --- CSV exports --------------------------------------------------------------------------------

STARTS = {repr(start): start for start in FORMULA_STARTS}


def _hostile_table(start: str) -> pd.DataFrame:
    payload = f"{start}cmd|' /C calc'!A0"
    return pd.DataFrame(
        {
            "text": [payload, "Ashley"],
            "string": pd.Series([payload, None], dtype="string"),
            "category": pd.Categorical(["Ashley", payload]),
            f"{start}head": ["a", "b"],
            "count": [-3, 40],
            "rate": [-1.5, 2.25],
            "mixed": pd.Series([-2, 7], dtype=object),
            "as_text": ["-1", "+2.5"],
        }
    )


@pytest.mark.parametrize("start", list(STARTS.values()), ids=list(STARTS))
def test_safe_csv_neutralises_every_formula_start_and_keeps_numbers(start: str) -> None:
    data = safe_csv(_hostile_table(start))
    rows = _cells(data)
    _assert_neutral(rows)
    payload = f"{start}cmd|' /C calc'!A0"
    assert rows[0][3] == f"'{start}head"
    assert [rows[1][0], rows[1][1], rows[2][2]] == [f"'{payload}"] * 3
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["count"].tolist() == [-3, 40]
    assert back["rate"].tolist() == [-1.5, 2.25]
    assert back["mixed"].tolist() == [-2, 7]
    assert back["as_text"].tolist() == [-1.0, 2.5]  # plain numbers stay numbers


@pytest.mark.parametrize("start", list(STARTS.values()), ids=list(STARTS))
def test_disclosed_csv_neutralises_every_formula_start(start: str) -> None:
    table = _hostile_table(start)[["text", "category", "count"]].assign(count=[30, 45])
    rows = _cells(disclosed_csv(table, count_columns=["count"], policy=get_policy("public")))
    _assert_neutral(rows)
    assert rows[1][0] == f"'{start}cmd|' /C calc'!A0"
    assert rows[1][2] == "30"


def test_spreadsheet_formulas_after_a_number_are_still_neutralised() -> None:
    frame = pd.DataFrame({"x": ["-1+2", "-2+3+cmd|' /C calc'!A0", " =1+1", "-1", "-12%"]})
    assert neutralise_formulas(frame)["x"].tolist() == [
        "'-1+2",
        "'-2+3+cmd|' /C calc'!A0",
        "' =1+1",
        "-1",
        "-12%",
    ]


# --- every CSV leaves through an exporter (an AST scan of the app's modules) ---------------


def _exported(path: Path) -> tuple[set[str], bool]:
    """Whether the module writes CSV itself, and whether a CSV download bypasses an exporter."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assigned = {
        target.id: node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    names = {_name(call.func) for call in calls}
    bypass = False
    for call in calls:
        if _name(call.func) == "download_button" and _is_csv(call):
            data = call.args[1] if len(call.args) > 1 else None
            data = data or next((k.value for k in call.keywords if k.arg == "data"), None)
            if isinstance(data, ast.Name):
                data = assigned.get(data.id)
            bypass |= not (isinstance(data, ast.Call) and _name(data.func) in _EXPORTERS)
    return names, bypass


def _name(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


_EXPORTERS = {"safe_csv", "disclosed_csv"}


def _is_csv(call: ast.Call) -> bool:
    words = [k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)]
    words += [v.value for k in call.keywords if isinstance(k.value, ast.JoinedStr)
              for v in k.value.values if isinstance(v, ast.Constant)]  # fmt: skip
    return any(isinstance(w, str) and (w.endswith(".csv") or w == "text/csv") for w in words)


def test_every_csv_leaves_through_an_exporter() -> None:
    """No module writes CSV by itself, and every CSV download comes from an export function."""
    writers, downloads = set(), set()
    for package in ("app_pages", "assessments", "layers"):
        for path in (ROOT / package).rglob("*.py"):
            where = str(path.relative_to(ROOT))
            names, bypass = _exported(path)
            if "to_csv" in names and where != "layers/export.py":
                writers.add(where)
            if bypass:
                downloads.add(where)
    assert writers <= {"layers/_import_log.py", "layers/__main__.py"}  # via neutralise_formulas
    assert downloads == set()


def test_the_download_check_sees_a_raw_csv_download(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "data = table.to_csv().encode()\n"
        "st.download_button('CSV', data, file_name='x.csv')\n"
        "ok = safe_csv(table)\n"
        "st.download_button('CSV', data=ok, mime='text/csv')\n",
        encoding="utf-8",
    )
    assert _exported(page) == ({"to_csv", "encode", "download_button", "safe_csv"}, True)
    page.write_text("st.download_button('CSV', data=safe_csv(t), file_name=f'{n}.csv')\n")
    assert _exported(page)[1] is False
