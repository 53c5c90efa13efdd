"""Maintenance mode (维护模式): while an upgrade runs, users see a notice and every use case is refused with
``error.ops.maintenance``. The flag is a file in the data folder (``maintenance.json``), so it works even
while the schema is between two versions; app processes on other machines share it only if they share the
data folder (otherwise stop them for the upgrade, docs/operations.md)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from erp_core.config import Settings
from erp_core.kernel.errors import DomainError

FILE = "maintenance.json"


def path(settings: Settings) -> Path:
    return Path(settings.data_dir) / FILE


def active(settings: Settings) -> dict | None:
    """The notice ({"since", "reason", "from", "to"}) while maintenance is on, else None."""
    p = path(settings)
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"reason": "upgrade"}


def refuse_writes(settings: Settings) -> None:
    """Called by the use-case wrapper before any use case runs."""
    if os.path.exists(path(settings)):
        raise DomainError("error.ops.maintenance")


def begin(settings: Settings, notice: dict) -> None:
    p = path(settings)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{FILE}.{os.getpid()}")
    tmp.write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, p)


def end(settings: Settings) -> None:
    path(settings).unlink(missing_ok=True)
