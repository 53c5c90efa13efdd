"""Optional e-mail of password reset codes. Configured only through the environment (no SMTP -> the
administrator hands the code over in person):

    ERP_SMTP_HOST, ERP_SMTP_PORT (587), ERP_SMTP_USER, ERP_SMTP_PASSWORD, ERP_SMTP_FROM,
    ERP_SMTP_STARTTLS (1 = on, default; 0 = off)
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from erp_core.i18n import t
from erp_core.kernel.errors import DomainError


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool


def smtp_settings(env: dict[str, str] | None = None) -> SmtpSettings | None:
    env = dict(os.environ if env is None else env)
    host = env.get("ERP_SMTP_HOST", "").strip()
    if not host:
        return None
    return SmtpSettings(host=host, port=int(env.get("ERP_SMTP_PORT", "587")), user=env.get("ERP_SMTP_USER"),
                        password=env.get("ERP_SMTP_PASSWORD"), sender=env.get("ERP_SMTP_FROM") or f"erp@{host}",
                        starttls=env.get("ERP_SMTP_STARTTLS", "1") != "0")


def send_reset_code(smtp: SmtpSettings, to: str, username: str, code: str, minutes: int, locale: str) -> None:
    msg = EmailMessage()
    msg["Subject"] = t("security.reset.mail_subject", locale)
    msg["From"], msg["To"] = smtp.sender, to
    msg.set_content(t("security.reset.mail_body", locale, username=username, code=code, minutes=minutes))
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=15) as conn:
            if smtp.starttls:
                conn.starttls()
            if smtp.user:
                conn.login(smtp.user, smtp.password or "")
            conn.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise DomainError("error.reset.mail_failed", detail=str(exc)[:200]) from exc
