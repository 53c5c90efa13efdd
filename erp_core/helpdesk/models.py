"""User feedback (意见反馈): what a user reported (kind, text, the page it was about, an optional screenshot kept
as a file under data_dir/uploads/feedback), and how an administrator triaged it (status, reply the sender sees)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import UtcDateTime

FEEDBACK_KINDS = ("problem", "question", "suggestion", "other")
# new: not yet read; in_progress: being looked at; answered: replied, waiting for nothing; closed: done
FEEDBACK_STATES = ("new", "in_progress", "answered", "closed")


class Feedback(Versioned, Base):  # 意见反馈
    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_company_id_status", "company_id", "status"),
                      Index("ix_feedback_company_id_user_id", "company_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the sender
    username: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text)
    page: Mapped[str] = mapped_column(String(120), default="")
    screenshot_file: Mapped[str | None] = mapped_column(String(80), nullable=True)  # name under uploads/feedback
    screenshot_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    screenshot_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="new")
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    replied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()
