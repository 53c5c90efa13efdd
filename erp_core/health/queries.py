"""Read side of system health (系统日志与健康) and data quality (数据质量), for administrators only
(``admin.*`` permissions are granted through the administrator role, never by a role's patterns).

- ``health_snapshot``: database size and growth, disk space left, last `erp check` results (integrity and
  quality), active sessions, recent errors from the application log, backup status and scheduler runs (the
  last two "not available" until the operations module provides them).
- ``data_quality``: every quality check with its count and drill-down rows (erp_core/health/quality.py).
- ``export_quality``: one check's rows as a CSV or XLSX file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from erp_core.health import status
from erp_core.health.logs import LogEntry, recent_errors
from erp_core.health.quality import QUALITY_CHECKS, STUCK_DAYS, QualityResult, run_quality
from erp_core.kernel.clock import utcnow
from erp_core.kernel.errors import ValidationError
from erp_core.usecase import Context, query

HEALTH_VIEW = "admin.health.view"
QUALITY_VIEW = "admin.quality.view"


@dataclass(frozen=True)
class HealthSnapshot:
    backend: str
    db_size: int | None
    size_history: list[tuple[dt.datetime, int]]
    disk: status.DiskSpace | None
    log_dir: str
    last_integrity: status.CheckRunView | None
    last_quality: status.CheckRunView | None
    active_sessions: int
    recent_errors: list[LogEntry]
    backups: dict[str, Any] | None  # None: not available (no backup module yet)
    scheduler: list[dict[str, Any]] | None  # None: not available (no scheduler yet)


@query(HEALTH_VIEW, zh="查看系统健康与日志", en="View system health and logs")
def health_snapshot(ctx: Context, *, error_limit: int = 50) -> HealthSnapshot:
    """Everything the health page shows, in one read."""
    settings = ctx.db.settings
    s = ctx.session
    return HealthSnapshot(
        backend=ctx.db.engine.dialect.name,
        db_size=status.database_size(ctx.db.engine),
        size_history=status.size_history(s),
        disk=status.disk_space(settings.data_dir),
        log_dir=str(settings.log_dir),
        last_integrity=status.last_check_run(s, "integrity"),
        last_quality=status.last_check_run(s, "quality"),
        active_sessions=status.active_session_count(s, ctx.actor.company_id),
        recent_errors=recent_errors(settings.log_dir, limit=max(1, min(int(error_limit), 500))),
        backups=status.backup_status(ctx.db),
        scheduler=status.scheduler_runs(ctx.db),
    )


def _stuck_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
        raise ValidationError("error.health.stuck_days", field="field.health.stuck_days")
    return value


@query(QUALITY_VIEW, zh="查看数据质量", en="View data quality")
def data_quality(ctx: Context, *, codes: list[str] | None = None, stuck_days: int = STUCK_DAYS,
                 on: dt.date | None = None) -> list[QualityResult]:
    """The quality checks of the actor's company (all, or ``codes``), each with its count and rows."""
    days = _stuck_days(stuck_days)
    if codes is not None:
        unknown = [c for c in codes if c not in QUALITY_CHECKS]
        if unknown:
            raise ValidationError("error.health.unknown_check", field="field.health.check", code=unknown[0])
    return run_quality(ctx.session, ctx.actor.company_id, on=on or utcnow().date(), codes=codes, stuck_days=days)


@query(QUALITY_VIEW, zh="查看数据质量", en="View data quality")
def export_quality(ctx: Context, *, code: str, fmt: str = "xlsx", stuck_days: int = STUCK_DAYS,
                   locale: str | None = None):
    """One check's rows (all of them, up to the drill-down limit) as a file: headers in ``locale``."""
    from erp_core.i18n import t
    from erp_core.io.export import to_csv_bytes, to_xlsx_bytes
    from erp_core.io.tabular import SheetFile

    if code not in QUALITY_CHECKS:
        raise ValidationError("error.health.unknown_check", field="field.health.check", code=code)
    (result,) = run_quality(ctx.session, ctx.actor.company_id, on=utcnow().date(), codes=[code],
                            stuck_days=_stuck_days(stuck_days))
    loc = locale or ctx.actor.locale
    columns = list(result.rows[0]) if result.rows else []
    head = [t(f"health.col.{c}", loc) for c in columns]
    rows = [[r.get(c) for c in columns] for r in result.rows]
    name = f"quality_{code}"
    if fmt == "csv":
        return SheetFile(to_csv_bytes(head, rows), f"{name}.csv", "text/csv", len(rows))
    return SheetFile(to_xlsx_bytes(head, rows, sheet=code[:31]), f"{name}.xlsx",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", len(rows))
