"""Feedback (意见反馈): every signed-in user may send feedback and read their own (with the administrators' reply);
administrators triage it (status, reply). Access: a feedback is visible to its sender and to administrators only.

Permissions: ``account.feedback.submit`` and ``account.feedback.view`` (scope own) are held by every signed-in
user (security.sessions.build_actor adds EVERYONE_PERMISSIONS, like the account self-service; roles cannot grant
``account.*``); ``admin.feedback.manage`` comes with the administrator role.

A screenshot is optional: PNG, JPEG or WebP (recognised by its first bytes, whatever the file is called), at most
MAX_SCREENSHOT_BYTES, kept as a file under ``<data_dir>/uploads/feedback/`` with its size and SHA-256 recorded, so
the database stays small and the backup of the app's files carries it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from erp_core.helpdesk.models import FEEDBACK_KINDS, FEEDBACK_STATES, Feedback
from erp_core.kernel.clock import naive_utcnow
from erp_core.kernel.errors import NotFound, ValidationError, raise_if
from erp_core.usecase import Context, query, use_case

SUBMIT = "account.feedback.submit"
VIEW_OWN = "account.feedback.view"
MANAGE = "admin.feedback.manage"
EVERYONE_PERMISSIONS = (SUBMIT, VIEW_OWN)
MAX_TEXT = 5000
MAX_REPLY = 5000
MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024
SCREENSHOT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}

F_KIND = "field.helpdesk.kind"
F_TEXT = "field.helpdesk.text"
F_PAGE = "field.helpdesk.page"
F_SCREENSHOT = "field.helpdesk.screenshot"
F_STATUS = "field.helpdesk.status"
F_REPLY = "field.helpdesk.reply"


def image_type(data: bytes) -> str | None:
    """png / jpeg / webp from the file's signature, None for anything else (pure)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass(frozen=True)
class Upload:
    """An uploaded file handed to a use case. Its text form (what the audit record keeps of the call's
    parameters) is its name and size, never its bytes."""

    data: bytes
    filename: str = ""

    def __str__(self) -> str:
        return f"{self.filename[:80]} ({len(self.data)} bytes)"


def uploads_dir(ctx: Context) -> Path:
    return Path(ctx.db.settings.data_dir) / "uploads" / "feedback"


@dataclass(frozen=True)
class FeedbackView:
    id: int
    version: int
    user_id: int | None
    username: str
    kind: str
    text: str
    page: str
    has_screenshot: bool
    screenshot_type: str | None
    screenshot_size: int | None
    status: str
    reply: str
    replied_by: str | None
    replied_at: dt.datetime | None
    created_at: dt.datetime


def _view(f: Feedback) -> FeedbackView:
    return FeedbackView(f.id, f.version, f.user_id, f.username, f.kind, f.text, f.page, f.screenshot_file is not None,
                        f.screenshot_type, f.screenshot_size, f.status, f.reply, f.replied_by, f.replied_at,
                        f.created_at)


@use_case(SUBMIT, zh="提交意见反馈", en="Send feedback")
def submit_feedback(ctx: Context, *, kind: str, text: str, page: str = "", screenshot: Upload | None = None) -> int:
    """Store the actor's feedback (and its screenshot file); returns its id."""
    problems: list[ValidationError] = []
    if kind not in FEEDBACK_KINDS:
        problems.append(ValidationError("error.choice", field=F_KIND))
    body = (text or "").strip() if isinstance(text, str) else ""
    if not body:
        problems.append(ValidationError("error.required", field=F_TEXT))
    elif len(body) > MAX_TEXT:
        problems.append(ValidationError("error.too_long", field=F_TEXT, max=MAX_TEXT))
    page = (page or "").strip() if isinstance(page, str) else ""
    if len(page) > 120:
        problems.append(ValidationError("error.too_long", field=F_PAGE, max=120))
    kind_of_image = None
    data = screenshot.data if isinstance(screenshot, Upload) else None
    if screenshot is not None:
        if not isinstance(data, bytes) or not data:
            problems.append(ValidationError("error.helpdesk.screenshot_type", field=F_SCREENSHOT))
        elif len(data) > MAX_SCREENSHOT_BYTES:
            problems.append(ValidationError("error.helpdesk.screenshot_size", field=F_SCREENSHOT,
                                            max_mb=MAX_SCREENSHOT_BYTES // (1024 * 1024)))
        else:
            kind_of_image = image_type(data)
            if kind_of_image is None:
                problems.append(ValidationError("error.helpdesk.screenshot_type", field=F_SCREENSHOT))
    raise_if(problems)
    row = Feedback(company_id=ctx.actor.company_id, user_id=ctx.actor.user_id, username=ctx.actor.username or "",
                   kind=kind, text=body, page=page, status="new", reply="")
    if kind_of_image is not None and data is not None:
        folder = uploads_dir(ctx)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(16)}.{kind_of_image}"
        tmp = folder / f".{name}.part"
        tmp.write_bytes(data)
        tmp.replace(folder / name)  # never a half-written file under its real name
        row.screenshot_file, row.screenshot_type = name, SCREENSHOT_TYPES[kind_of_image]
        row.screenshot_size, row.screenshot_sha256 = len(data), hashlib.sha256(data).hexdigest()
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("feedback", row.id, kind=kind, page=page, screenshot=row.screenshot_size)
    return row.id


@query(VIEW_OWN, zh="查看自己的意见反馈", en="View own feedback")
def my_feedback(ctx: Context) -> list[FeedbackView]:
    """The actor's own feedback, newest first, with the replies."""
    rows = ctx.session.execute(select(Feedback).where(
        Feedback.company_id == ctx.actor.company_id, Feedback.user_id == ctx.actor.user_id)
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())).scalars()
    return [_view(f) for f in rows]


@query(MANAGE, zh="处理意见反馈", en="Triage feedback")
def list_feedback(ctx: Context, *, status: str | None = None, kind: str | None = None) -> list[FeedbackView]:
    """All feedback of the company (optionally by status / kind), newest first."""
    stmt = select(Feedback).where(Feedback.company_id == ctx.actor.company_id)
    if status:
        stmt = stmt.where(Feedback.status == (status if status in FEEDBACK_STATES else "-"))
    if kind:
        stmt = stmt.where(Feedback.kind == (kind if kind in FEEDBACK_KINDS else "-"))
    rows = ctx.session.execute(stmt.order_by(Feedback.created_at.desc(), Feedback.id.desc())).scalars()
    return [_view(f) for f in rows]


@use_case(MANAGE, zh="处理意见反馈", en="Triage feedback")
def triage_feedback(ctx: Context, *, feedback_id: int, version: int | None, status: str, reply: str = "") -> None:
    """Set a feedback's status and reply (the sender sees both on their feedback page)."""
    f = ctx.session.get(Feedback, feedback_id) if isinstance(feedback_id, int) else None
    if f is None or f.company_id != ctx.actor.company_id:
        raise NotFound(entity="feedback", id=feedback_id)
    ctx.check_version(f, version)
    problems: list[ValidationError] = []
    if status not in FEEDBACK_STATES:
        problems.append(ValidationError("error.choice", field=F_STATUS))
    text = (reply or "").strip() if isinstance(reply, str) else ""
    if len(text) > MAX_REPLY:
        problems.append(ValidationError("error.too_long", field=F_REPLY, max=MAX_REPLY))
    if status == "answered" and not text:
        problems.append(ValidationError("error.helpdesk.reply_required", field=F_REPLY))
    raise_if(problems)
    old_reply = f.reply
    ctx.diff(f, status=status, reply=text)
    if text != old_reply:
        f.replied_by, f.replied_at = ctx.actor.username, naive_utcnow()
    ctx.session.flush()
    ctx.audit("feedback", f.id)


@query(VIEW_OWN, zh="查看自己的意见反馈", en="View own feedback")
def feedback_screenshot(ctx: Context, *, feedback_id: int) -> tuple[bytes, str] | None:
    """The screenshot of one feedback as (bytes, mime type), None when it has none. Only its sender or an
    administrator (admin.feedback.manage) may read it; anyone else is told it does not exist. A file whose
    content no longer matches its recorded SHA-256 is refused."""
    f = ctx.session.get(Feedback, feedback_id) if isinstance(feedback_id, int) else None
    if f is None or f.company_id != ctx.actor.company_id or (
            f.user_id != ctx.actor.user_id and not ctx.actor.may(MANAGE)):
        raise NotFound(entity="feedback", id=feedback_id)
    if f.screenshot_file is None:
        return None
    path = uploads_dir(ctx) / f.screenshot_file
    if not path.is_file():
        raise NotFound(entity="feedback_screenshot", id=feedback_id)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != f.screenshot_sha256:
        raise ValidationError("error.helpdesk.screenshot_altered", field=F_SCREENSHOT)
    return data, f.screenshot_type or "application/octet-stream"
