"""Identity tables added by the identity work (migration 0002): reset codes, IP rules, the company's security
policy, permission-review sign-offs and the record of audit archives."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from erp_core.db.base import Base, Versioned, utc_column
from erp_core.db.types import UtcDateTime


class PasswordResetCode(Base):  # 密码重置码: stored only as a hash, single use, short-lived
    __tablename__ = "password_reset_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = utc_column()
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # set when a newer code is issued, or after too many wrong attempts
    invalidated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    issued_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IpRule(Base):  # 访问地址规则: an allowed network for one user or for everyone holding one role
    __tablename__ = "ip_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), nullable=True)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), nullable=True)
    cidr: Mapped[str] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = utc_column()


class SecurityPolicy(Versioned, Base):  # the company's own security choices (config.toml holds the rest)
    __tablename__ = "security_policy"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    registration_open: Mapped[bool] = mapped_column(Boolean, default=False)


class ReviewSignoff(Base):  # 权限审查签字: append-only
    __tablename__ = "review_signoff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = utc_column()
    note: Mapped[str] = mapped_column(Text)


class AuditArchive(Base):  # 审计归档: one row per archived prefix of the audit chain; append-only
    """Entries with seq <= to_seq were moved to ``file_name``; ``last_hash`` anchors the live chain."""

    __tablename__ = "audit_archive"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    archived_at: Mapped[dt.datetime] = utc_column()
    archived_by: Mapped[str] = mapped_column(String(64))
    from_seq: Mapped[int] = mapped_column(BigInteger)
    to_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    entry_count: Mapped[int] = mapped_column(Integer)
    first_prev_hash: Mapped[str] = mapped_column(String(64))
    last_hash: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))


class UserProject(Base):  # 用户所属项目: the projects whose rows a grant of scope *project* opens to the user
    __tablename__ = "user_project"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


class LoginThrottle(Base):  # 登录限流: per client address and minute, updated atomically (never read-modify-write)
    """``failures``: login attempts of this address in this minute that were not successful (an attempt is
    counted before its password is checked and released if it succeeds, so parallel attempts cannot overtake
    the limit); ``throttled``: attempts refused by the limit (one audit entry per address and minute holds them)."""

    __tablename__ = "login_throttle"

    client_ip: Mapped[str] = mapped_column(String(45), primary_key=True)
    minute: Mapped[dt.datetime] = mapped_column(UtcDateTime(), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    throttled: Mapped[int] = mapped_column(Integer, default=0)
