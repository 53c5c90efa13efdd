"""The permission catalog: every permission is declared in code next to the use case that needs it
(`module.object.action`, with zh and en labels). Roles grant codes from this catalog; nothing else exists."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Permission:
    code: str
    zh: str
    en: str

    @property
    def module(self) -> str:
        return self.code.split(".", 1)[0]

    def label(self, locale: str) -> str:
        return self.zh if locale.startswith("zh") else self.en


CATALOG: dict[str, Permission] = {}


def declare(code: str, zh: str, en: str) -> Permission:
    """Add a permission to the catalog (idempotent for identical labels)."""
    if not _CODE.match(code):
        raise ValueError(f"permission code must be module.object.action, got {code!r}")
    perm = Permission(code, zh, en)
    existing = CATALOG.get(code)
    if existing and existing != perm:
        raise ValueError(f"permission {code} declared twice with different labels")
    CATALOG[code] = perm
    return perm


def load_all() -> dict[str, Permission]:
    """Import every module that declares use cases (``services``, ``queries``, ``usecases`` or a name ending in
    ``_services`` / ``_queries``), so the catalog is complete."""
    import importlib
    import pkgutil

    import erp_core

    for info in pkgutil.walk_packages(erp_core.__path__, "erp_core."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf in ("services", "queries", "usecases") or leaf.endswith(("_services", "_queries")):
            importlib.import_module(info.name)
    return CATALOG
