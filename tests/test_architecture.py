"""The rules that keep the design whole (DESIGN.md rules 1-3), checked over the source tree with the AST.

1. Pages and ui/ never touch the database: no database libraries, no SQL in string literals, no units of work.
2. erp_core never imports Streamlit (or the UI).
3. Every use case and query is declared through the wrapper with a catalogued ``module.object.action``
   permission, takes the actor only from the wrapper, and never commits by itself.
4. No erp_core module reads the acting user from a global (module state, context variables, thread locals).
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DB_LIBRARIES = ("sqlalchemy", "duckdb", "sqlite3", "psycopg", "psycopg2", "pymysql", "MySQLdb", "mariadb",
                "alembic", "adbc_driver_sqlite", "adbc_driver_postgresql")
UI_LIBRARIES = ("streamlit", "streamlit_authenticator", "ui", "pages")
# SQL as it is written in code (upper-case keywords); interface text such as "Select an account from the
# list" is not SQL.
SQL = [re.compile(p) for p in (
    r"\bSELECT\b[\s\S]+?\bFROM\b", r"\bINSERT\s+INTO\b", r"\bUPDATE\b\s+[\w\".`]+\s+SET\b",
    r"\bDELETE\s+FROM\b", r"\bCREATE\s+(TABLE|INDEX|VIEW)\b", r"\bDROP\s+TABLE\b", r"\bALTER\s+TABLE\b",
)]
PERMISSION = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
ACTOR_PARAMETERS = {"actor", "acting_user", "as_user", "current_user", "current_actor", "on_behalf_of",
                    "impersonate"}


def _files(*tops: str) -> list[Path]:
    out: list[Path] = []
    for top in tops:
        base = ROOT / top
        if base.is_file():
            out.append(base)
        elif base.is_dir():
            out.extend(p for p in sorted(base.rglob("*.py")) if "__pycache__" not in p.parts)
    return out


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "import_module" and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "__import__" \
                and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _strings(tree: ast.Module):
    """String literals, f-string parts joined (so an f-string with SQL is caught too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
            yield node.lineno, text


UI_FILES = _files("pages", "ui", "app.py")
CORE_FILES = _files("erp_core")


def test_the_tree_is_where_we_think():
    assert CORE_FILES, "erp_core not found"
    assert any(p.parts[-2] == "ui" for p in UI_FILES), "ui/ not found"


def test_pages_and_ui_import_no_database_library():
    bad = [f"{_rel(p)}:{line}: imports {mod}" for p in UI_FILES for line, mod in _imports(_tree(p))
           if _top(mod) in DB_LIBRARIES]
    assert not bad, "pages/ and ui/ must not touch the database (DESIGN.md rule 1):\n" + "\n".join(bad)


def test_pages_and_ui_hold_no_sql():
    bad = []
    for p in UI_FILES:
        for line, text in _strings(_tree(p)):
            if any(rx.search(text) for rx in SQL):
                bad.append(f"{_rel(p)}:{line}: {text.strip()[:80]!r}")
    assert not bad, "SQL in pages/ or ui/ (move it into erp_core):\n" + "\n".join(bad)


def test_pages_and_ui_open_no_unit_of_work_or_session():
    """Pages call use cases (ui.actions.run_action); they never open a transaction themselves."""
    bad = []
    for p in UI_FILES:
        for node in ast.walk(_tree(p)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("uow", "begin", "execute", "exec_driver_sql", "commit"):
                bad.append(f"{_rel(p)}:{node.lineno}: .{node.func.attr}(...)")
    assert not bad, "pages/ and ui/ must go through use cases and queries:\n" + "\n".join(bad)


def test_erp_core_imports_no_streamlit_or_ui():
    bad = [f"{_rel(p)}:{line}: imports {mod}" for p in CORE_FILES for line, mod in _imports(_tree(p))
           if _top(mod) in UI_LIBRARIES]
    assert not bad, "erp_core must stay usable without Streamlit (DESIGN.md rule 1):\n" + "\n".join(bad)


def test_the_sql_detector_detects():
    samples = ["SELECT id FROM gl_line", "select 1", "INSERT INTO x VALUES (1)", "UPDATE voucher SET x = 1",
               "DELETE FROM t", "请选择一个科目", "Select an account from the list", "Update the settings"]
    hits = [s for s in samples if any(rx.search(s) for rx in SQL)]
    assert hits == samples[:1] + samples[2:5]


# --- use cases and queries ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def registry():
    from erp_core.security.catalog import CATALOG, load_all
    from erp_core.usecase import QUERIES, USE_CASES

    load_all()
    return CATALOG, dict(USE_CASES), dict(QUERIES)


def _decorated(tree: ast.Module):
    """(function node, decorator name) for every function decorated with use_case(...) or query(...)."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                call = dec if isinstance(dec, ast.Call) else None
                func = call.func if call else dec
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in ("use_case", "query") and call is not None:
                    yield node, name


def test_every_use_case_and_query_permission_is_catalogued_and_well_formed(registry):
    catalog, use_cases, queries = registry
    assert use_cases and queries
    bad = [f"{fn}: {perm!r}" for fn, perm in {**use_cases, **queries}.items()
           if not PERMISSION.match(perm) or perm not in catalog]
    assert not bad, "permissions must be module.object.action and in the catalog:\n" + "\n".join(bad)


def test_every_module_declaring_use_cases_is_found_by_the_catalog(registry):
    """Roles are seeded from the catalog (security.catalog.load_all): a use case in a module load_all does not
    import would be missing from every role until something else happened to import it."""
    _catalog, use_cases, queries = registry
    registered = {name.rsplit(".", 1)[0] for name in {**use_cases, **queries}}
    bad = []
    for p in CORE_FILES:
        if any(True for _ in _decorated(_tree(p))):
            module = ".".join(p.relative_to(ROOT).with_suffix("").parts)
            if module not in registered:
                bad.append(f"{module}: declares use cases/queries but security.catalog.load_all() does not import "
                           "it (name it services.py, queries.py, usecases.py, *_services.py or *_queries.py)")
    assert not bad, "\n".join(bad)


def test_the_actor_comes_only_from_the_wrapper(registry):
    """No use case or query has a parameter that could name who is acting, or the company it acts for
    (DESIGN.md rule 2): both come from the actor the wrapper was given."""
    _catalog, use_cases, queries = registry
    import importlib

    bad = []
    for qualname in {**use_cases, **queries}:
        module, name = qualname.rsplit(".", 1)
        fn = getattr(importlib.import_module(module), name, None)
        if fn is None:
            continue
        inner = inspect.unwrap(fn)
        params = list(inspect.signature(inner).parameters.values())
        if not params or params[0].name != "ctx":
            bad.append(f"{qualname}: first parameter must be ctx (the wrapper's Context)")
        clash = ACTOR_PARAMETERS & {p.name for p in params}
        if clash:
            bad.append(f"{qualname}: parameter {sorted(clash)} could replace the actor")
        if "company_id" in {p.name for p in params}:
            bad.append(f"{qualname}: takes company_id; the company is the actor's (ctx.company_id)")
    assert not bad, "\n".join(bad)


def test_use_cases_and_queries_never_commit_or_open_their_own_transaction():
    """The wrapper owns the transaction (DESIGN.md rule 3)."""
    bad = []
    for p in CORE_FILES:
        for fn, kind in _decorated(_tree(p)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in ("commit", "uow", "begin", "rollback"):
                    bad.append(f"{_rel(p)}:{node.lineno}: {kind} {fn.name} calls .{node.func.attr}()")
    assert not bad, "\n".join(bad)


# --- no acting user from a global ---------------------------------------------------------------------------

# A name holding "who is acting": actor, _user, CURRENT_USER, active_actor, logged_in_user_id ...
_USERISH = re.compile(r"^_*((current|active|acting|logged_in|request|session)_?)?"
                      r"(actor|user|username|user_id|operator)$", re.I)


def test_no_erp_core_module_reads_the_acting_user_from_a_global():
    bad = []
    for p in CORE_FILES:
        tree = _tree(p)
        for node in ast.walk(tree):
            # context variables and thread locals are globals in disguise
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
                if name == "ContextVar" or (name == "local" and owner == "threading"):
                    bad.append(f"{_rel(p)}:{node.lineno}: {owner + '.' if owner else ''}{name}()")
                if name == "getuser" and owner == "getpass":
                    bad.append(f"{_rel(p)}:{node.lineno}: getpass.getuser() is not an ERP actor")
            if isinstance(node, ast.Global):
                bad += [f"{_rel(p)}:{node.lineno}: global {n}" for n in node.names if _USERISH.search(n)]
        # module-level mutable state named like a user (CURRENT_USER = None; _actor = ...)
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, ast.AnnAssign) else []
            for tgt in targets:
                if isinstance(tgt, ast.Name) and _USERISH.search(tgt.id) and _is_mutable_holder(node.value):
                    bad.append(f"{_rel(p)}:{node.lineno}: module-level {tgt.id}")
    assert not bad, "pass the Actor; never read it from a global (STYLE.md):\n" + "\n".join(bad)


def _is_mutable_holder(value: ast.expr | None) -> bool:
    """None / {} / [] / a call: state someone would fill at run time (constants such as regexes are fine)."""
    if value is None:
        return True
    if isinstance(value, ast.Constant):
        return value.value is None
    if isinstance(value, (ast.Dict, ast.List, ast.Set)):
        return True
    if isinstance(value, ast.Call):
        name = getattr(value.func, "id", getattr(value.func, "attr", ""))
        return name not in ("compile", "frozenset", "tuple", "MappingProxyType", "namedtuple", "TypeVar",
                            "ParamSpec", "Table", "declare")
    return False


def test_every_registered_page_exists_and_is_guarded_by_catalogued_permissions(registry):
    """A page listed in ui/menus/*.py must exist, and the permissions that show it must be real: a typo in
    ``any_of`` would hide the page from everyone (or a page with no permission would show to everyone)."""
    from ui.nav import all_pages

    catalog, _use_cases, _queries = registry
    bad = []
    for spec in all_pages():
        if not (ROOT / spec.file).is_file():
            bad.append(f"{spec.file}: file does not exist")
        if not spec.any_of:
            bad.append(f"{spec.file}: no permission guards it (any_of is empty)")
        bad += [f"{spec.file}: permission {p!r} is not in the catalog" for p in spec.any_of if p not in catalog]
    files = [spec.file for spec in all_pages()]
    bad += [f"{f}: registered twice" for f in sorted({f for f in files if files.count(f) > 1})]
    assert not bad, "\n".join(bad)
