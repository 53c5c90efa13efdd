"""Feedback (issue #16 item 8) on every backend: any signed-in user sends feedback (kind, text, page, optional
screenshot within size and type limits) and reads only their own with the reply; administrators list and triage
everything; a screenshot is readable by its sender and administrators only, and refused once altered on disk."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from erp_core.helpdesk import services
from erp_core.helpdesk.models import Feedback
from erp_core.kernel.errors import NotFound, PermissionDenied, ValidationError, ValidationErrors
from erp_core.security.models import AuditLog, User
from erp_core.security.sessions import build_actor
from tests.support.factories import admin_actor, make_company

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _user(db, username):
    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        return build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")


@pytest.fixture
def people(db):
    company = make_company(db, load_demo=True)
    return admin_actor(db, company), _user(db, "wang.xiaoshou"), _user(db, "sun.chakan")


def fields(exc) -> set[str]:
    errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return {e.field for e in errors}


def test_every_user_sends_and_reads_only_their_own(db, people):
    admin, sales, viewer = people
    # no role grants it: every signed-in user holds it (like the account self-service)
    assert sales.may(services.SUBMIT) and viewer.may(services.VIEW_OWN) and not sales.may(services.MANAGE)
    fid = services.submit_feedback(db, sales, kind="problem", text="  保存客户时提示系统繁忙  ", page="客户",
                                   screenshot=services.Upload(PNG, "shot.png"))
    other = services.submit_feedback(db, viewer, kind="suggestion", text="报表能否按月导出")
    mine = services.my_feedback(db, sales)
    assert [(f.id, f.text, f.page, f.status, f.has_screenshot) for f in mine] == [
        (fid, "保存客户时提示系统繁忙", "客户", "new", True)]
    assert [f.id for f in services.my_feedback(db, viewer)] == [other]
    with pytest.raises(PermissionDenied):
        services.list_feedback(db, sales)
    with pytest.raises(PermissionDenied):
        services.triage_feedback(db, sales, feedback_id=fid, version=1, status="closed")
    # the screenshot: its sender and administrators, nobody else (told it does not exist)
    assert services.feedback_screenshot(db, sales, feedback_id=fid) == (PNG, "image/png")
    assert services.feedback_screenshot(db, admin, feedback_id=fid) == (PNG, "image/png")
    with pytest.raises(NotFound):
        services.feedback_screenshot(db, viewer, feedback_id=fid)
    assert services.feedback_screenshot(db, viewer, feedback_id=other) is None
    # stored as a file with its size and hash; the audit record keeps its size, never its bytes
    with db.uow(readonly=True) as uow:
        row = uow.session.get(Feedback, fid)
        assert (row.screenshot_size, row.screenshot_sha256) == (len(PNG), hashlib.sha256(PNG).hexdigest())
        stored = row.screenshot_file
        details = uow.session.execute(select(AuditLog.details).where(AuditLog.action == services.SUBMIT,
                                                                     AuditLog.entity_id == str(fid))).scalar_one()
    assert "PNG" not in str(details) and "shot.png" in str(details)
    path = services.uploads_dir(type("C", (), {"db": db})()) / stored
    assert path.read_bytes() == PNG
    path.write_bytes(JPEG)  # altered on disk: refused rather than shown
    with pytest.raises(ValidationError) as exc:
        services.feedback_screenshot(db, admin, feedback_id=fid)
    assert exc.value.message_id == "error.helpdesk.screenshot_altered"


def test_admin_triages_and_the_sender_reads_the_reply(db, people):
    admin, sales, _viewer = people
    fid = services.submit_feedback(db, sales, kind="question", text="怎么反结账？")
    assert [f.id for f in services.list_feedback(db, admin, status="new")] == [fid]
    assert services.list_feedback(db, admin, kind="problem") == []
    with pytest.raises(ValidationError) as exc:
        services.triage_feedback(db, admin, feedback_id=fid, version=1, status="answered", reply="  ")
    assert exc.value.field == "field.helpdesk.reply"
    services.triage_feedback(db, admin, feedback_id=fid, version=1, status="in_progress")
    services.triage_feedback(db, admin, feedback_id=fid, version=2, status="answered", reply="在期末结账页点“反结账”")
    (mine,) = services.my_feedback(db, sales)
    assert (mine.status, mine.reply, mine.replied_by) == ("answered", "在期末结账页点“反结账”", "admin")
    from erp_core.kernel.errors import ConcurrencyError

    with pytest.raises(ConcurrencyError):
        services.triage_feedback(db, admin, feedback_id=fid, version=1, status="closed")
    with pytest.raises(ValidationError):
        services.triage_feedback(db, admin, feedback_id=fid, version=3, status="bogus")
    with pytest.raises(NotFound):
        services.triage_feedback(db, admin, feedback_id=fid + 1000, version=1, status="closed")


def test_bad_input_names_the_field_and_writes_nothing(db, people):
    _admin, sales, _viewer = people
    with pytest.raises(ValidationErrors) as exc:
        services.submit_feedback(db, sales, kind="rant", text=" ")
    assert fields(exc.value) == {"field.helpdesk.kind", "field.helpdesk.text"}
    with pytest.raises(ValidationError) as exc:
        services.submit_feedback(db, sales, kind="problem", text="x" * (services.MAX_TEXT + 1))
    assert exc.value.field == "field.helpdesk.text"
    with pytest.raises(ValidationError) as exc:  # named .png, but not an image
        services.submit_feedback(db, sales, kind="problem", text="见截图",
                                 screenshot=services.Upload(b"<script>alert(1)</script>", "x.png"))
    assert exc.value.message_id == "error.helpdesk.screenshot_type"
    big = services.Upload(PNG + b"\x00" * services.MAX_SCREENSHOT_BYTES, "big.png")
    with pytest.raises(ValidationError) as exc:
        services.submit_feedback(db, sales, kind="problem", text="大截图", screenshot=big)
    assert exc.value.message_id == "error.helpdesk.screenshot_size"
    assert services.my_feedback(db, sales) == []


def test_image_types_by_signature():
    assert services.image_type(PNG) == "png" and services.image_type(JPEG) == "jpeg"
    assert services.image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert services.image_type(b"GIF89a") is None and services.image_type(b"") is None
