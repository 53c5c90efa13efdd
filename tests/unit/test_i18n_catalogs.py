"""Every interface string exists in both languages (DESIGN.md rule 8). These checks read ALL catalog files in
erp_core/i18n/messages/, so they guard every module's messages, and every message id, field key and page
title the code refers to."""

from __future__ import annotations

import ast
import re
import string
import tomllib
from pathlib import Path

import pytest

from erp_core.i18n import LOCALES, catalog, t

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "erp_core" / "i18n" / "messages"
FILES = sorted(MESSAGES.glob("*.toml"))
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[^\s.]+)+$")  # area-prefixed, dotted, no spaces
# Literal catalog references in code: whole strings that look like message ids or field keys.
REFERENCE = re.compile(r"^(error|field|nav|cli)\.[a-z0-9_]+(\.[a-z0-9_]+)*$")


def _placeholders(text: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


def _entries():
    for path in FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key, texts in data.items():
            yield path.name, key, texts


def test_there_are_catalogs():
    assert {"errors.toml", "fields.toml"} <= {p.name for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_catalog_parses(path):
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        pytest.fail(f"{path.name} is not valid TOML: {exc}")


def test_no_key_is_defined_in_two_files():
    seen: dict[str, str] = {}
    dupes = []
    for name, key, _ in _entries():
        if key in seen:
            dupes.append(f"{key}: {seen[key]} and {name}")
        seen[key] = name
    assert not dupes, "keys defined twice:\n" + "\n".join(dupes)
    assert len(catalog.__wrapped__()) == len(seen)  # freshly merged, not the copy cached earlier in this run


def test_every_entry_has_both_languages_with_the_same_placeholders():
    problems = []
    for name, key, texts in _entries():
        where = f"{name} [{key}]"
        if not KEY.match(key):
            problems.append(f"{where}: key must be <area>.<name> (dotted, no spaces)")
        if not isinstance(texts, dict):
            problems.append(f"{where}: not a table with zh_CN and en")
            continue
        if set(texts) != set(LOCALES):
            problems.append(f"{where}: has {sorted(texts)}, needs exactly {list(LOCALES)}")
        parsed = {}
        for loc in LOCALES:
            text = texts.get(loc)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{where}: {loc} is missing or empty")
                continue
            try:
                parsed[loc] = _placeholders(text)
            except ValueError as exc:
                problems.append(f"{where}: {loc} has broken braces ({exc})")
        if len(parsed) == 2 and parsed["zh_CN"] != parsed["en"]:
            problems.append(f"{where}: placeholders differ: zh_CN {sorted(parsed['zh_CN'])}, "
                            f"en {sorted(parsed['en'])}")
    assert not problems, f"{len(problems)} catalog problems:\n" + "\n".join(problems)


def test_every_placeholder_can_be_filled():
    for _name, key, texts in _entries():
        params = {p: "X" for p in _placeholders(texts["en"])}
        for loc in LOCALES:
            rendered = t(key, loc, **params)
            assert not any("{" + p + "}" in rendered for p in params), (key, loc, rendered)


def _string_literals(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def _python_files():
    for top in ("erp_core", "ui", "pages", "app.py"):
        base = ROOT / top
        if base.is_file():
            yield base
        elif base.is_dir():
            yield from sorted(base.rglob("*.py"))


def test_every_message_id_and_field_key_used_in_code_is_in_the_catalog():
    """``raise ValidationError("error.required", field="field.sales.qty")`` must name keys that exist, or the
    user would read the raw key. Catches typos and forgotten catalog entries in every module."""
    keys = catalog()
    prefixes = {k.rsplit(".", 1)[0] for k in keys} | {k for k in keys}
    missing = []
    for path in _python_files():
        for lineno, value in _string_literals(path):
            if REFERENCE.match(value) and value not in keys:
                # A prefix that code extends at run time ("nav.group." + module) is not a reference.
                if any(k.startswith(value + ".") for k in keys) or value in prefixes:
                    continue
                missing.append(f"{path.relative_to(ROOT)}:{lineno}: {value}")
    assert not missing, "keys used in code but missing from erp_core/i18n/messages/*.toml:\n" + "\n".join(missing)


def test_every_page_title_and_group_is_in_the_catalog():
    from ui.nav import all_pages

    keys = catalog()
    missing = [f"{p.file}: {k}" for p in all_pages() for k in (p.title, p.group) if k not in keys]
    assert not missing, "page titles/groups missing from the catalog:\n" + "\n".join(missing)
