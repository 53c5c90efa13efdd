"""The work calendar's exception days (migration 0034_hr3 merged hr_calendar_day and crm_calendar_day into it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base


class WorkCalendarDay(Base):  # 工作日历例外: a holiday (法定节假日, workday False) or a 调休 working day (True)
    __tablename__ = "work_calendar_day"
    __table_args__ = (UniqueConstraint("company_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")
