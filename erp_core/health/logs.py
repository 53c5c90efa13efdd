"""The application log (应用日志): rotating files under the configured folder, level from settings, retention by
age.

Each kind of process writes its own file (``app.log`` for the web app, ``cli.log`` for the `erp` command,
``scheduler.log`` for the scheduler), so two processes never rotate one file under each other. Files rotate at
midnight (logging.handlers.TimedRotatingFileHandler, UTC) and keep ``retention_days`` rotated files;
:func:`purge_old_logs` deletes rotated files older than the retention (for a scheduled job, or `erp logs
purge`). Only files named like our logs inside the log folder are ever deleted: the audit log lives in the
database and is never deleted (erp_core/security/archive.py archives it to verified files).

Line format (parsed back by :func:`recent_errors`)::

    2026-12-06T05:00:00Z ERROR erp.ui Unhandled error on pages/finance/vouchers.py | Traceback ...
"""

from __future__ import annotations

import datetime as dt
import logging
import logging.handlers
import re
import time
from dataclasses import dataclass
from pathlib import Path

LOG_KINDS = ("app", "cli", "scheduler")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HANDLER_NAME = "erp-file-log"
_LINE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) (DEBUG|INFO|WARNING|ERROR|CRITICAL) (\S+) (.*)$")
_FILE = re.compile(r"^(?:app|cli|scheduler)\.log(?:\.\d{4}-\d{2}-\d{2})?$")


class _UtcFormatter(logging.Formatter):
    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        # one record, one line: a traceback's lines are joined so the reader can parse the file line by line
        return text.replace("\r", "").replace("\n", " | ")


def configure_logging(log_dir: Path, *, level: str = "INFO", kind: str = "app", retention_days: int = 90) -> Path:
    """Attach (once per process) a rotating file handler for ``kind`` to the root logger at ``level``.
    Returns the log file's path."""
    if kind not in LOG_KINDS:
        raise ValueError(f"log kind must be one of {LOG_KINDS}")
    path = log_dir / f"{kind}.log"
    root = logging.getLogger()
    key = (str(log_dir), kind, level)
    for h in root.handlers:
        # The web app calls this on every script run: the same settings again change nothing, and checking that
        # costs no system call (mkdir, resolving the path) and no logger-cache reset (setLevel) (issue #17).
        if getattr(h, "erp_key", None) == key:
            return path
    log_dir.mkdir(parents=True, exist_ok=True)
    for h in root.handlers:
        if getattr(h, "name", None) == _HANDLER_NAME:
            if Path(getattr(h, "baseFilename", "")) == path.resolve():
                h.setLevel(level)
                h.erp_key = key
                return path
            root.removeHandler(h)
            h.close()
    handler = logging.handlers.TimedRotatingFileHandler(path, when="midnight", utc=True, encoding="utf-8",
                                                        backupCount=max(retention_days, 1), delay=True)
    handler.name = _HANDLER_NAME
    handler.erp_key = key
    handler.setLevel(level)
    handler.setFormatter(_UtcFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%SZ"))
    root.addHandler(handler)
    if root.level > logging.getLevelName(level) or root.level == logging.NOTSET:
        root.setLevel(level)
    return path


def log_files(log_dir: Path) -> list[Path]:
    """Our log files in ``log_dir`` (current and rotated), newest first by modification time."""
    if not log_dir.is_dir():
        return []
    files = [p for p in log_dir.iterdir() if p.is_file() and _FILE.match(p.name)]
    return sorted(files, key=lambda p: p.stat().st_mtime, reverse=True)


def purge_old_logs(log_dir: Path, retention_days: int, *, now: dt.datetime | None = None) -> list[str]:
    """Delete rotated log files last written more than ``retention_days`` days ago; returns their names.
    The current files (app.log, cli.log, scheduler.log) are never deleted, nor anything not named like a log."""
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    limit = (now or dt.datetime.now(dt.UTC)).timestamp() - retention_days * 86400
    removed = []
    for p in log_files(log_dir):
        if p.name.endswith(".log"):
            continue
        if p.stat().st_mtime < limit:
            p.unlink()
            removed.append(p.name)
    return sorted(removed)


@dataclass(frozen=True)
class LogEntry:
    at: dt.datetime  # UTC, naive
    level: str
    logger: str
    message: str
    file: str


def recent_errors(log_dir: Path, *, limit: int = 50, min_level: str = "ERROR",
                  max_bytes_per_file: int = 2_000_000) -> list[LogEntry]:
    """The newest ``limit`` entries at ``min_level`` or above from our log files, newest first. Reads at most the
    last ``max_bytes_per_file`` of each file (a huge log never stalls the health page)."""
    floor = LEVELS.index(min_level)
    found: list[LogEntry] = []
    for p in log_files(log_dir):
        with p.open("rb") as f:
            size = f.seek(0, 2)
            f.seek(max(0, size - max_bytes_per_file))
            data = f.read().decode("utf-8", errors="replace")
        for line in data.splitlines():
            m = _LINE.match(line)
            if m and LEVELS.index(m.group(2)) >= floor:
                at = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%SZ")
                found.append(LogEntry(at, m.group(2), m.group(3), m.group(4)[:2000], p.name))
    found.sort(key=lambda e: e.at, reverse=True)
    return found[:limit]


def configure_from_settings(settings, kind: str) -> Path | None:
    """:func:`configure_logging` with the [log] settings; a log folder that cannot be written is not fatal
    (the process runs without its file log rather than not at all). Returns the file's path or None."""
    try:
        return configure_logging(settings.log_dir, level=settings.log.level, kind=kind,
                                 retention_days=settings.log.retention_days)
    except OSError:
        return None
