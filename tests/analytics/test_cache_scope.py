"""Caches hold only what is the same for everyone (issue #17 item 3).

A process-wide cache (``st.cache_data`` / ``st.cache_resource`` in the UI, ``functools.cache`` / ``lru_cache`` in
erp_core) is shared by every browser session of the process. Whatever it keeps must not depend on who is asking:
a cached report or record list keyed by anything but the actor's full scope would show one user's rows to
another. So every such cache is listed here with why it is the same for everyone; a new one fails this test until
someone looks at it. Report data is never cached: tests/analytics/test_concurrency.py checks that actors with
different scopes, alternating in one process, each get their own figures."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# (file, function) -> why its value is the same for every user of the process
SAME_FOR_EVERYONE = {
    ("ui/context.py", "settings"): "the installation's settings (config.toml + environment)",
    ("ui/context.py", "database"): "the engine and session factory (no session, no rows)",
    ("erp_core/settings/seed.py", "_load"): "a seed file shipped with the program",
    ("erp_core/helpdesk/help.py", "_read"): "a help file shipped with the program (keyed by path and mtime)",
    ("erp_core/hr/payroll/iit.py", "_load"): "the income-tax tables shipped with the program (db/seed/payroll)",
    ("erp_core/settings/company_services.py", "known_time_zones"): "the system's zoneinfo names",
    ("erp_core/masterdata/duplicates.py", "phone_key"): "a pure function of its text argument",
    ("erp_core/masterdata/duplicates.py", "name_key"): "a pure function of its text argument",
    ("erp_core/i18n/__init__.py", "catalog"): "the message catalogs shipped with the program",
    ("erp_core/security/passwords.py", "dummy_hash"): "a constant hash for timing-safe refusals",
    ("erp_core/security/passwords.py", "common_passwords"): "a word list shipped with the program",
    ("erp_core/analytics/statements.py", "_load_layout"): "statement layouts shipped with the program",
    ("erp_core/security/audit_services.py", "_permissions"): "the permission catalog declared in the program",
    ("ui/pages.py", "_page_files"): "the names of the page files shipped with the program (no arguments)",
    ("ui/nav.py", "_all_pages"): "the page specs of the menus shipped with the program (no arguments)",
    ("ui/nav.py", "_kept_page_class"): "a subclass of st.Page, made once (no arguments, no data)",
}
# Parameters a Streamlit cache may be keyed by: none. Anything a user can vary (company, filters, period) makes
# the cache per-input, and a per-input cache of business data skips the permission check and the row scope.
CACHE_NAMES = {"cache_data", "cache_resource", "cache", "lru_cache", "experimental_memo", "experimental_singleton"}


def _caches(root: Path = ROOT) -> list[tuple[str, str, ast.FunctionDef | None]]:
    found: list[tuple[str, str, ast.FunctionDef | None]] = []
    files = [p for p in (root / "app.py",) if p.exists()]
    files += [p for folder in ("pages", "ui", "erp_core") for p in sorted((root / folder).rglob("*.py"))]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in CACHE_NAMES:
                    found.append((str(path.relative_to(root)), node.name, node))
    # st.cache_data(fn) / st.cache_resource(fn) called as functions count too
    for path in files:
        text = path.read_text(encoding="utf-8")
        for call in ("st.cache_data(", "st.cache_resource("):
            for line in text.splitlines():
                stripped = line.strip()
                if call in stripped and not stripped.startswith(("@", "#")):
                    found.append((str(path.relative_to(root)), f"<call {stripped}>", None))
    return found


def test_every_process_wide_cache_is_the_same_for_everyone():
    unknown = [(f, n) for f, n, _ in _caches() if (f, n) not in SAME_FOR_EVERYONE]
    assert not unknown, ("process-wide caches not reviewed for scope leaks (add to SAME_FOR_EVERYONE only if the "
                         f"value cannot depend on the user): {unknown}")


def test_streamlit_caches_take_no_arguments():
    """A Streamlit cache keyed by arguments is a per-input store shared by all sessions: none in the UI."""
    for file, name, node in _caches():
        if node is None or not file.startswith(("ui/", "pages/", "app.py")):
            continue
        args = node.args
        assert not (args.args or args.kwonlyargs or args.vararg or args.kwarg), (file, name)


def test_the_scan_finds_cached_report_data(tmp_path):
    """The scan is not vacuous: a page caching a report by company, and a call-style cache, are both found."""
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "p.py").write_text(
        "import streamlit as st\n@st.cache_data(ttl=60)\ndef figures(company_id):\n    pass\n"
        "rows = st.cache_data(load)(1)\n", encoding="utf-8")
    found = [(f, n) for f, n, _ in _caches(tmp_path)]
    assert ("pages/p.py", "figures") in found
    assert any(n.startswith("<call") for _, n in found)
