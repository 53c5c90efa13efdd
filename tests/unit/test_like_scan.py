"""Every LIKE in erp_core built from a value escapes it (erp_core.db.like): a scan of the source, so a new search
cannot forget (issue #11 item 15). Allowed: a constant pattern (a literal, or an f-string of module constants),
or a pattern with escape=... from the helper; never a pattern assembled inline from a variable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from erp_core.db.like import ESCAPE, contains_pattern, escape_like

ROOT = Path(__file__).resolve().parents[2] / "erp_core"
LIKE_METHODS = {"like", "ilike", "notlike", "notilike", "not_like", "not_ilike"}
STR_METHODS = {"contains", "startswith", "endswith"}  # column operators that are LIKE in disguise


def _constant(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or (isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name)
                                                    and v.value.id.isupper()) for v in node.values)
    return False


def _offenders() -> list[str]:
    bad = []
    for path in ROOT.rglob("*.py"):
        if path.name == "like.py" and path.parent.name == "db":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            kw = {k.arg for k in node.keywords}
            where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
            if node.func.attr in LIKE_METHODS:
                if _constant(node.args[0]):
                    continue
                if "escape" not in kw or isinstance(node.args[0], (ast.JoinedStr, ast.BinOp)):
                    bad.append(where)
            elif node.func.attr in STR_METHODS and "autoescape" in kw:
                bad.append(where + " (use erp_core.db.like)")
    return bad


def test_no_like_pattern_is_built_from_an_unescaped_value():
    assert _offenders() == []


@pytest.mark.parametrize(("text", "escaped"), [("50%", "50\\%"), ("a_b", "a\\_b"), ("c\\d", "c\\\\d"),
                                                ("plain 中文", "plain 中文")])
def test_escape(text, escaped):
    assert ESCAPE == "\\" and escape_like(text) == escaped and contains_pattern(text) == f"%{escaped}%"
