"""Self-service use cases of a logged-in user on their own account: change password, preferences, language.

Every logged-in user holds SELF_SERVICE_PERMISSIONS (sessions.build_actor adds them, scope OWN): a user can
always change their own password, whatever roles an administrator gave them. The acting user is always
``ctx.actor``; no parameter names another user.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass

from erp_core.db.uow import Database
from erp_core.i18n import LOCALES
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import NotAuthenticated, ValidationError, ValidationErrors, raise_if
from erp_core.masterdata.models import Company
from erp_core.security.models import User
from erp_core.security.passwords import hash_password, policy_problems, verify_password
from erp_core.security.sessions import revoke_user_sessions
from erp_core.usecase import Context, query, use_case

PASSWORD_CHANGE = "account.password.change"
PREFERENCES_EDIT = "account.preferences.edit"
PROFILE_VIEW = "account.profile.view"
SELF_SERVICE_PERMISSIONS = (PASSWORD_CHANGE, PREFERENCES_EDIT, PROFILE_VIEW)
_LANDING_RE = re.compile(r"^[A-Za-z0-9_\-/]{1,64}$")


@dataclass(frozen=True)
class Profile:
    """What the shell needs about the logged-in user on every run."""

    user_id: int
    username: str
    display_name: str
    company_name: str
    locale: str
    time_zone: str
    landing_page: str | None
    must_change_password: bool
    first_login_done: bool
    version: int
    date_format: str = "YYYY-MM-DD"  # the company's way of writing dates (settings), for every page


def _me(ctx: Context) -> User:
    if ctx.actor.user_id is None:
        raise NotAuthenticated(reason="missing")
    user = ctx.session.get(User, ctx.actor.user_id)
    if user is None:
        raise NotAuthenticated(reason="unknown")
    return user


@query(PROFILE_VIEW, zh="查看本人账户", en="View own account")
def my_profile(ctx: Context) -> Profile:
    """The acting user's own account settings."""
    user = _me(ctx)
    company = ctx.session.get(Company, user.company_id)
    return Profile(user.id, user.username, user.display_name, company.name if company else "",
                   ctx.actor.locale, ctx.actor.time_zone, user.landing_page, bool(user.must_change_password),
                   bool(user.first_login_done), user.version,
                   company.date_format if company is not None and company.date_format else "YYYY-MM-DD")


@use_case(PASSWORD_CHANGE, zh="修改本人密码", en="Change own password")
def change_password(ctx: Context, *, current_password: str, new_password: str, confirm_password: str) -> int:
    """Change the acting user's password. Ends every other session of the user (a stolen cookie dies with
    the old password); returns how many were ended."""
    user = _me(ctx)
    problems: list[ValidationError] = []
    if not current_password:
        problems.append(ValidationError("error.required", field="field.account.current_password"))
    elif not verify_password(current_password, user.password_hash):
        problems.append(ValidationError("error.account.current_password_wrong",
                                        field="field.account.current_password"))
    problems += policy_problems(new_password or "", username=user.username,
                                min_length=ctx.db.settings.security.password_min_length,
                                field="field.account.new_password")
    if (new_password or "") != (confirm_password or ""):
        problems.append(ValidationError("error.account.password_mismatch", field="field.account.confirm_password"))
    if new_password and current_password and new_password == current_password:
        problems.append(ValidationError("error.account.password_unchanged", field="field.account.new_password"))
    raise_if(problems)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    ended = revoke_user_sessions(ctx.session, user.id, "password_changed", except_id=ctx.actor.session_id)
    ctx.company_id = user.company_id
    ctx.audit("user", user.id, password="changed", other_sessions_ended=ended)
    return ended


_change_password_once = change_password


@functools.wraps(_change_password_once)
def change_password(db: Database, actor: Actor, /, **kwargs) -> int:  # noqa: F811 - the public entry point
    """``change_password`` as registered, plus what a failed use case cannot commit itself: a wrong current
    password counts toward the account's lockout, exactly like a wrong password at login, and is audited
    (a stolen, still-open session must not get unlimited guesses at the password)."""
    try:
        return _change_password_once(db, actor, **kwargs)
    except (ValidationError, ValidationErrors) as err:
        problems = err.errors if isinstance(err, ValidationErrors) else [err]
        if actor.user_id is not None and any(p.message_id == "error.account.current_password_wrong"
                                             for p in problems):
            from erp_core.security.auth import record_failure

            record_failure(db, action=PASSWORD_CHANGE, user_id=actor.user_id, who=actor,
                           details={"reason": "wrong_current_password"}, count=True)
        raise


def _preference_problems(locale: str | None, time_zone: str | None,
                         landing_page: str | None) -> list[ValidationError]:
    problems: list[ValidationError] = []
    if locale is not None and locale not in LOCALES:
        problems.append(ValidationError("error.choice", field="field.locale"))
    if time_zone is not None:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except Exception:
            problems.append(ValidationError("error.choice", field="field.account.time_zone"))
    if landing_page and not _LANDING_RE.match(landing_page):
        problems.append(ValidationError("error.choice", field="field.account.landing_page"))
    return problems


@use_case(PREFERENCES_EDIT, zh="修改本人偏好", en="Edit own preferences")
def save_preferences(ctx: Context, *, locale: str, time_zone: str, landing_page: str | None = None,
                     expected_version: int | None = None) -> int:
    """Save the first-login (or later) preferences: interface language, time zone, landing page.
    ``landing_page`` is a page's URL path; the page offers only pages the user may open. Returns the
    account's new version."""
    user = _me(ctx)
    ctx.check_version(user, expected_version)
    problems = _preference_problems(locale, time_zone, landing_page)
    raise_if(problems)
    ctx.diff(user, locale=locale, time_zone=time_zone, landing_page=landing_page or None, first_login_done=True)
    ctx.company_id = user.company_id
    ctx.audit("user", user.id)
    ctx.session.flush()
    return user.version


@use_case(PREFERENCES_EDIT, zh="修改本人偏好", en="Edit own preferences")
def set_language(ctx: Context, *, locale: str) -> None:
    """Switch the acting user's interface language (the user menu's language switch)."""
    user = _me(ctx)
    problems = _preference_problems(locale, None, None)
    if problems:
        raise problems[0]
    ctx.diff(user, locale=locale)
    ctx.company_id = user.company_id
    ctx.audit("user", user.id)
