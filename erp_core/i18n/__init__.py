"""Message catalogs (zh_CN default, en) and locale-aware rendering of DomainErrors.

Catalogs are TOML files in messages/, one per area, each entry a quoted key with a zh_CN and an en text:

    ["error.permission_denied"]
    zh_CN = "您没有权限执行此操作（{permission}）"
    en = "You are not allowed to do this ({permission})"

tests/unit/test_i18n_catalogs.py checks that every key has both languages and the same placeholders.
"""

from __future__ import annotations

import functools
import string
import tomllib
from pathlib import Path

from erp_core.kernel.errors import DomainError, ValidationErrors

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}
_DIR = Path(__file__).parent / "messages"


@functools.cache
def catalog() -> dict[str, dict[str, str]]:
    """All messages: key -> {locale: text}. A key defined in two files is an error."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(_DIR.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for key, texts in data.items():
            if key in merged:
                raise ValueError(f"message {key!r} defined twice (again in {path.name})")
            merged[key] = texts
    return merged


def normalize_locale(locale: str | None) -> str:
    if not locale:
        return DEFAULT_LOCALE
    return "en" if locale.lower().startswith("en") else "zh_CN"


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, locale: str | None = None, /, **params: object) -> str:
    """The text of ``key`` in ``locale`` with ``params`` filled in. Unknown keys come back as the key itself,
    so a missing translation is visible rather than fatal (and caught by the catalog test)."""
    loc = normalize_locale(locale)
    texts = catalog().get(key)
    if texts is None:
        return key
    text = texts.get(loc) or texts.get(DEFAULT_LOCALE) or key
    if not params:
        return text
    return string.Formatter().vformat(text, (), _SafeDict(params))


def has(key: str) -> bool:
    return key in catalog()


def render_error(err: DomainError, locale: str | None = None) -> str:
    """A DomainError as a sentence in the user's language. Parameters that are themselves catalog keys
    (``field.customer.name``) are translated first, so messages name fields in the reader's language."""
    params = {k: (t(v, locale) if isinstance(v, str) and has(v) else v) for k, v in err.params.items()}
    text = t(err.message_id, locale, **params)
    if isinstance(err, ValidationErrors):
        text += "\n" + "\n".join("• " + render_error(e, locale) for e in err.errors)
    return text
