"""Every report and dashboard goes through the concurrent analytics path (issue #17 item 5): a @query that reads
the DuckDB copy is declared ``session=False`` (it holds no pooled connection while it works) and reads through
``AnalyticsEngine.reading`` (one snapshot, never waiting on a sync), never through the blocking ``sync``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _query_decorator(fn: ast.FunctionDef) -> ast.Call | None:
    for dec in fn.decorator_list:
        if isinstance(dec, ast.Call) and getattr(dec.func, "id", getattr(dec.func, "attr", None)) == "query":
            return dec
    return None


def _calls(fn: ast.FunctionDef) -> set[str]:
    names = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", ""))
    return names


def _analytics_queries():
    for path in sorted((ROOT / "erp_core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        helpers = {n.name: _calls(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or (dec := _query_decorator(node)) is None:
                continue
            called = _calls(node)
            for name in list(called):  # one level of module helpers (_prepare)
                called |= helpers.get(name, set())
            if called & {"engine_for", "reading", "sync"}:
                yield path.relative_to(ROOT), node.name, dec, called


def test_queries_reading_the_copy_hold_no_connection_and_never_wait_for_a_sync():
    found = list(_analytics_queries())
    assert len(found) >= 10  # the finance reports and the dashboard at least
    for path, name, dec, called in found:
        flags = {k.arg: k.value for k in dec.keywords}
        assert isinstance(flags.get("session"), ast.Constant) and flags["session"].value is False, (path, name)
        assert "sync" not in called, (path, name, "reports read through reading(), which never waits")
        if "engine_for" in called and "reading" not in called:
            # only reads of the operational store's small tables through the engine (no copy, no as-of)
            assert not called & {"cursor"}, (path, name)


def test_every_dashboard_page_is_in_the_load_benchmark():
    """bench/load/run.py discovers its default pages from the navigation: every dashboard page a menu lists."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("bench_load_run", ROOT / "bench" / "load" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "bench" / "load"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "bench" / "load"))
    pages = module.dashboards()
    files = sorted(p for p in (ROOT / "pages").rglob("*dashboard*.py"))
    assert files and len(pages) == len(files), (pages, files)
    assert "reports_dashboard" in pages
