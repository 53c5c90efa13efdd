"""What `erp check` found each time it ran (检查记录), kept so the health page shows the last results and the
database's growth between runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, utc_column
from erp_core.db.types import UtcDateTime

CHECK_KINDS = ("integrity", "quality")


class CheckRun(Base):  # 检查记录: one row per `erp check` (integrity) or `erp check --quality` run
    __tablename__ = "check_run"
    __table_args__ = (Index("ix_check_run_kind_started_at", "kind", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # CHECK_KINDS
    started_at: Mapped[dt.datetime] = utc_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    problems: Mapped[int] = mapped_column(Integer, default=0)
    # JSON: [{"name": check, "count": n, "messages": [first problems rendered in zh_CN and en]}]
    results: Mapped[str] = mapped_column(Text, default="[]")
    db_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # bytes, when the backend tells
    ran_by: Mapped[str] = mapped_column(String(64), default="")
