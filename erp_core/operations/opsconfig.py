"""Operation settings (运维设置) kept in ops_setting, with their defaults. The backup folder defaults to the
config file's ``[backup] dir``; a passphrase is never stored in the database (it would be inside every backup):
it comes from ERP_BACKUP_PASSPHRASE or from the file named by the ``passphrase_file`` setting."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.operations.models import OpsSetting

DEFAULTS: dict[str, str] = {
    "backup_dir": "",  # empty: config.toml [backup] dir
    "offsite_dir": "",  # a second folder or mount every backup is copied to
    "keep_full": "4",  # full backups (with their incrementals) kept
    "passphrase_file": "",  # file holding the encryption passphrase; empty and no env: not encrypted
    "compression_level": "",  # zlib 0 (stored as is) .. 9 (small); empty: SQLite pages 0, dumps and files 1
    "scratch_url": "",  # where restore verification builds its scratch database (PostgreSQL/MariaDB server)
    "maintenance": "",  # non-empty while an upgrade runs: users see a notice, writes are refused
    "last_verification": "",  # JSON of the newest restore verification (home page alert when it failed)
}
INT_KEYS = ("keep_full", "compression_level")


def read_all(session: Session) -> dict[str, str]:
    values = dict(DEFAULTS)
    values.update({k: v for k, v in session.execute(select(OpsSetting.key, OpsSetting.value)) if k in DEFAULTS})
    return values


def write(session: Session, key: str, value: str) -> None:
    row = session.get(OpsSetting, key)
    if row is None:
        session.add(OpsSetting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def backup_root(values: dict[str, str], default: Path) -> Path:
    return Path(values["backup_dir"]) if values.get("backup_dir") else Path(default)


def passphrase(values: dict[str, str]) -> str | None:
    env = os.environ.get("ERP_BACKUP_PASSPHRASE")
    if env:
        return env
    path = values.get("passphrase_file")
    if path and Path(path).exists():
        return Path(path).read_text(encoding="utf-8").strip() or None
    return None
