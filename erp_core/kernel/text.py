"""Control characters in business text (issue #11 item 14), defined once for the field parsers (erp_core/io/parsers)
and the use-case wrapper's backstop (erp_core/usecase.py).

A NUL crashed writes on PostgreSQL (psycopg refuses it in text) and was stored silently on SQLite; other C0/C1
controls and the explicit bidirectional overrides (which can make a name display as something else) have no place
in business text either. Tab, line feed and carriage return are allowed only where a field takes several lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
CONTROL_RE = re.compile(f"[{_CONTROL}]")  # never allowed
SINGLE_LINE_CONTROL_RE = re.compile(f"[{_CONTROL}\t\n\r\u2028\u2029]")  # nor in a one-line field


def char_name(ch: str) -> str:
    """A control character as people can read and search for it: U+0000."""
    return f"U+{ord(ch):04X}"


def control_chars_in(value: Any, name: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """(name, character) for every text inside ``value`` (text, or lists / tuples / sets / mappings of them, nested a
    few levels) that holds a character never allowed in business text; ``name`` is the nearest mapping key or
    argument name. Other objects (files as bytes, tables, records) are not looked into."""
    if isinstance(value, str):
        m = CONTROL_RE.search(value)
        if m:
            yield name, m.group()
    elif depth < 4 and isinstance(value, dict):
        for key, item in value.items():
            yield from control_chars_in(item, key if isinstance(key, str) else name, depth + 1)
    elif depth < 4 and isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from control_chars_in(item, name, depth + 1)
