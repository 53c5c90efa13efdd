"""Tables of the operations module: scheduled jobs and their runs (调度任务 / 运行记录), operation settings
(运维设置) and the upgrade log (升级记录).

Backups themselves are NOT rows: a backup is a folder with a checksummed manifest in the backup folder, so the
list and its verification status survive the restore of an older database (docs/operations.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, utc_column
from erp_core.db.types import UtcDateTime


class ScheduledJob(Base):  # 调度任务: one row per registered job; the lock several schedulers share
    __tablename__ = "ops_job"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    schedule: Mapped[str] = mapped_column(String(60))  # "daily 02:00", "weekly sun 03:00", "every 15 min"
    enabled: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    lock_owner: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lock_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class JobRun(Base):  # 运行记录: start, end, outcome and message of each run
    __tablename__ = "ops_job_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(ForeignKey("ops_job.name"), index=True)
    runner: Mapped[str] = mapped_column(String(120))  # host:pid of the scheduler that ran it
    started_at: Mapped[dt.datetime] = utc_column()
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    outcome: Mapped[str] = mapped_column(String(12), default="running")  # running / ok / failed
    message: Mapped[str] = mapped_column(Text, default="")


class OpsSetting(Base):  # 运维设置: backup times, retention, folders; maintenance notice
    __tablename__ = "ops_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class UpgradeLog(Base):  # 升级记录: time, who, from -> to version, steps, outcome
    __tablename__ = "ops_upgrade_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = utc_column()
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    actor: Mapped[str] = mapped_column(String(120))
    from_version: Mapped[str] = mapped_column(String(60))
    to_version: Mapped[str] = mapped_column(String(60))
    backup_id: Mapped[str] = mapped_column(String(80), default="")
    outcome: Mapped[str] = mapped_column(String(20))  # upgraded / rolled_back / dry_run_failed / current
    steps: Mapped[str] = mapped_column(Text, default="")  # one line per step, with timings
