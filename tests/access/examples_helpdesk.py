"""Access examples for feedback (engineer ops2). A feedback is visible to its sender and administrators: the
sender's own calls run as the sender (an actor holding only the permission under test, same user id)."""

from __future__ import annotations

from types import MappingProxyType

from erp_core.helpdesk import services
from erp_core.kernel.actor import Actor, Scope
from tests.access.examples import example

S = "erp_core.helpdesk.services."
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _as(env, permission: str) -> Actor:
    return Actor(user_id=env.admin.user_id, username=env.admin.username, company_id=env.company_id,
                 grants=MappingProxyType({permission: Scope.OWN}))


@example(S + "submit_feedback")
def _(env):
    return {"kind": "question", "text": "怎么结账？", "page": "期末结账"}


@example(S + "my_feedback", S + "list_feedback")
def _(env):
    return {}


@example(S + "triage_feedback")
def _(env):
    fid = env.call(services.submit_feedback, kind="problem", text="保存失败")
    return {"feedback_id": fid, "version": 1, "status": "answered", "reply": "已修复"}


@example(S + "feedback_screenshot")
def _(env):
    fid = env.call(services.submit_feedback, kind="problem", text="截图", screenshot=services.Upload(PNG, "a.png"))
    return {"feedback_id": fid, "__actor__": _as(env, services.VIEW_OWN)}
