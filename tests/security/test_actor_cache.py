"""The per-browser-session Actor cache (issue #17 item 3): one statement per rerun while nothing the Actor is
built from changed; any change through a use case (roles, grants, role assignment, department, IP rules) is seen
at the very next rerun, and a revoked session or a disabled user is refused at once, cached or not."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from erp_core.kernel.errors import NotAuthenticated
from erp_core.security.auth import login, logout
from erp_core.security.generation import AFFECTS_ACTORS, affects_actors, current
from erp_core.security.sessions import ActorCache, actor_for_token
from erp_core.security.user_services import disable_user, set_user_roles
from tests.security.helpers import PASSWORD, new_user, role_id, setup_company

IP = "10.0.0.5"


def _statements(db):
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(db.engine, "before_cursor_execute", count)


def _past_the_window(monkeypatch) -> None:
    from tests.security.helpers import past_the_recheck_window

    past_the_recheck_window(monkeypatch)


def test_cached_actor_costs_one_statement_and_is_the_same_object(db, monkeypatch, company):
    _, admin = setup_company(db, company)
    new_user(db, admin, "li.si", roles=("viewer",))
    token = login(db, "li.si", PASSWORD, client_ip=IP).token
    cache = ActorCache()
    first = actor_for_token(db, token, client_ip=IP, cache=cache)
    seen, stop = _statements(db)
    try:
        again = actor_for_token(db, token, client_ip=IP, cache=cache)  # within the recheck window: no statement
        assert again is first and seen == []
        _past_the_window(monkeypatch)
        again = actor_for_token(db, token, client_ip=IP, cache=cache)  # after it: one statement, same Actor
    finally:
        stop()
    assert again is first
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
    # another client address is another question: built again
    other = actor_for_token(db, token, client_ip="10.0.0.6", cache=cache)
    assert other is not first and other.client_ip == "10.0.0.6"


def _revoke_as_another_process(db, session_id: int) -> None:
    """What another app process's logout leaves in the database (this process's vouches are not told)."""
    from sqlalchemy import update

    from erp_core.kernel.clock import naive_utcnow
    from erp_core.security.models import UserSession

    with db.uow() as uow:
        uow.session.execute(update(UserSession).where(UserSession.id == session_id)
                            .values(revoked_at=naive_utcnow(), revoked_reason="logout"))
        uow.commit()


def test_a_rerun_within_the_recheck_window_reads_nothing_and_one_after_it_sees_another_process(db, monkeypatch, company):
    """issue #17: the session check vouches for the session security.session_recheck_seconds; a revocation made
    by another app process is refused once that window is over (one made in this process at once: next test)."""
    _, admin = setup_company(db, company)
    new_user(db, admin, "chen.qi", roles=("viewer",))
    token = login(db, "chen.qi", PASSWORD, client_ip=IP).token
    cache = ActorCache()
    me = actor_for_token(db, token, client_ip=IP, cache=cache)
    _revoke_as_another_process(db, me.session_id)
    assert actor_for_token(db, token, client_ip=IP, cache=cache) is me  # within the window: not read yet
    _past_the_window(monkeypatch)
    with pytest.raises(NotAuthenticated) as err:
        actor_for_token(db, token, client_ip=IP, cache=cache)
    assert err.value.params["reason"] == "logout" and cache.actor is None


def test_a_revocation_in_this_process_or_a_window_of_zero_is_seen_at_the_next_rerun(db, company):
    import dataclasses

    from erp_core.security.session_services import sign_out_user_everywhere

    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "he.ba", roles=("viewer",))
    token = login(db, "he.ba", PASSWORD, client_ip=IP).token
    cache = ActorCache()
    actor_for_token(db, token, client_ip=IP, cache=cache)
    sign_out_user_everywhere(db, admin, user_id=uid)  # a use case here: the vouch ends at once
    with pytest.raises(NotAuthenticated):
        actor_for_token(db, token, client_ip=IP, cache=cache)
    # security.session_recheck_seconds = 0: every rerun reads the row, another process's revocation included
    from erp_core.db.uow import Database

    strict = Database(db.engine, dataclasses.replace(
        db.settings, security=dataclasses.replace(db.settings.security, session_recheck_seconds=0)))
    token = login(strict, "he.ba", PASSWORD, client_ip=IP).token
    cache = ActorCache()
    me = actor_for_token(strict, token, client_ip=IP, cache=cache)
    seen, stop = _statements(strict)
    try:
        assert actor_for_token(strict, token, client_ip=IP, cache=cache) is me
    finally:
        stop()
    assert len(_selects(seen)) == 1
    _revoke_as_another_process(strict, me.session_id)
    with pytest.raises(NotAuthenticated):
        actor_for_token(strict, token, client_ip=IP, cache=cache)


def test_a_role_change_is_seen_at_the_next_call(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "wang.wu", roles=("viewer",))
    token = login(db, "wang.wu", PASSWORD, client_ip=IP).token
    cache = ActorCache()
    before = actor_for_token(db, token, client_ip=IP, cache=cache)
    assert not before.may("finance.voucher.create")
    with db.uow(readonly=True) as uow:
        g0 = current(uow.session)
    set_user_roles(db, admin, user_id=uid, role_ids=[role_id(db, "accountant")])
    with db.uow(readonly=True) as uow:
        assert current(uow.session) == g0 + 1
    after = actor_for_token(db, token, client_ip=IP, cache=cache)
    assert after is not before and after.may("finance.voucher.create")
    assert cache.actor is after


def test_revoked_session_and_disabled_user_refused_even_when_cached(db, company):
    _, admin = setup_company(db, company)
    uid = new_user(db, admin, "zhao.liu", roles=("viewer",))
    res = login(db, "zhao.liu", PASSWORD, client_ip=IP)
    cache = ActorCache()
    actor = actor_for_token(db, res.token, client_ip=IP, cache=cache)
    logout(db, actor)
    with pytest.raises(NotAuthenticated):
        actor_for_token(db, res.token, client_ip=IP, cache=cache)
    assert cache.actor is None
    token2 = login(db, "zhao.liu", PASSWORD, client_ip=IP).token
    cache2 = ActorCache()
    actor_for_token(db, token2, client_ip=IP, cache=cache2)
    disable_user(db, admin, user_id=uid)
    with pytest.raises(NotAuthenticated) as err:
        actor_for_token(db, token2, client_ip=IP, cache=cache2)
    assert err.value.params["reason"] in ("user_inactive", "revoked", "disabled")


def test_reading_uses_cases_do_not_bump_and_security_ones_do():
    assert affects_actors("admin.role.grant") and affects_actors("masterdata.department.edit")
    assert affects_actors("account.preferences.edit") and affects_actors("settings.company.edit")
    assert not affects_actors("finance.voucher.post") and not affects_actors("masterdata.customer.edit")
    assert all(p.endswith(".") for p in AFFECTS_ACTORS)


def test_grants_applied_by_an_approved_change_move_the_generation_on(db, company):
    """Role grants applied outside admin.role.grant (an approved major change, erp_core/changes) still make signed-in
    holders rebuild their Actor."""
    from erp_core.security.models import Role
    from erp_core.security.role_services import apply_role_grants
    from erp_core.usecase import Context

    _, admin = setup_company(db, company)
    with db.uow(readonly=True) as uow:
        g0 = current(uow.session)
    with db.uow() as uow:
        role = uow.session.get(Role, role_id(db, "viewer"))
        ctx = Context(uow.session, admin, "approvals.request.decide", db, company_id=admin.company_id)
        apply_role_grants(ctx, role, {"finance.report.view": "all"})
        uow.commit()
    with db.uow(readonly=True) as uow:
        assert current(uow.session) == g0 + 1
    assert affects_actors("approvals.request.decide")


# -- the rerun's session check stands for the live check of the queries right after it (issue #17 item 2) ------

def _selects(seen):
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def test_a_query_right_after_the_session_check_skips_its_own_live_check(db, monkeypatch, company):
    from erp_core.analytics import queries

    _, admin = setup_company(db, company)
    new_user(db, admin, "zhou.ba", roles=("viewer",))
    token = login(db, "zhou.ba", PASSWORD, client_ip=IP).token
    me = actor_for_token(db, token, client_ip=IP, cache=ActorCache())
    seen, stop = _statements(db)
    try:
        queries.accounts(db, me)  # a DuckDB-side query (session=False): no transaction of the store at all
    finally:
        stop()
    assert not [s for s in _selects(seen) if "user_session" in s]
    # after the recheck window the vouch is over: the query checks the session again, and refuses a revoked one
    _past_the_window(monkeypatch)
    seen, stop = _statements(db)
    try:
        queries.accounts(db, me)
    finally:
        stop()
    assert [s for s in _selects(seen) if "user_session" in s]
    logout(db, me)
    with pytest.raises(NotAuthenticated):
        queries.accounts(db, me)


def test_the_vouch_is_this_sessions_only_and_ends_with_any_audited_commit(db, company):
    from erp_core.analytics import queries
    from erp_core.security import sessions
    from erp_core.security.session_services import sign_out_user_everywhere

    _, admin = setup_company(db, company)
    new_user(db, admin, "wu.jiu", roles=("viewer",))
    zid = new_user(db, admin, "zheng.shi", roles=("viewer",))
    wu_token = login(db, "wu.jiu", PASSWORD, client_ip=IP).token
    zheng_token = login(db, "zheng.shi", PASSWORD, client_ip=IP).token
    wu = actor_for_token(db, wu_token, client_ip=IP)
    zheng = actor_for_token(db, zheng_token, client_ip=IP)
    assert sessions.vouched(db, zheng, "finance.report.view")
    assert sessions.vouched(db, wu, "finance.report.view")
    from types import SimpleNamespace

    other_database = SimpleNamespace(engine=object())  # another database in this process has its own session ids
    assert not sessions.vouched(other_database, wu, "finance.report.view")
    sessions.forget_vouch(wu.session_id)
    assert not sessions.vouched(db, wu, "finance.report.view")  # a vouch stands only for its own session
    assert sessions.vouched(db, zheng, "finance.report.view")
    # signing out in this process ends the vouch at once: the next query checks and refuses
    logout(db, zheng)
    assert not sessions.vouched(db, zheng, "finance.report.view")
    with pytest.raises(NotAuthenticated):
        queries.accounts(db, zheng)
    # any audited commit in this process (a use case; a lockout) drops every vouch: a user's state may have
    # changed; the session is checked again and still serves
    wu = actor_for_token(db, wu_token, client_ip=IP)
    assert sessions.vouched(db, wu, "finance.report.view")
    sign_out_user_everywhere(db, admin, user_id=zid)
    assert not sessions.vouched(db, wu, "finance.report.view")
    assert queries.accounts(db, wu)
    wu = actor_for_token(db, wu_token, client_ip=IP)
    sign_out_user_everywhere(db, admin, user_id=wu.user_id)
    with pytest.raises(NotAuthenticated):
        queries.accounts(db, wu)


def test_a_vouched_session_whose_password_must_change_gets_only_the_self_service(db, company):
    from erp_core.analytics import queries
    from erp_core.kernel.errors import DomainError
    from erp_core.security.account_services import my_profile

    _, admin = setup_company(db, company)
    new_user(db, admin, "qin.yi", roles=("viewer",), must_change_password=True)
    token = login(db, "qin.yi", PASSWORD, client_ip=IP).token
    me = actor_for_token(db, token, client_ip=IP, cache=ActorCache())
    assert my_profile(db, me).must_change_password  # the self-service stays open
    with pytest.raises(DomainError) as err:
        queries.accounts(db, me)
    assert err.value.message_id == "error.account.must_change_password_first"
