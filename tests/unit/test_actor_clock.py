"""Actor (who is acting, with what rights) and the kernel clock."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType

import pytest

from erp_core.kernel import clock
from erp_core.kernel.actor import Actor, Scope


def _actor(**grants: str) -> Actor:
    return Actor(user_id=7, username="li", company_id=1,
                 grants=MappingProxyType({k: Scope(v) for k, v in grants.items()}))


def test_deny_by_default():
    a = _actor(**{"sales.order.view": "own"})
    assert a.may("sales.order.view") and not a.may("sales.order.confirm") and not a.may("")
    assert a.scope("sales.order.view") is Scope.OWN and a.scope("sales.order.confirm") is None


def test_an_actor_cannot_be_changed_after_it_is_built():
    a = _actor(**{"sales.order.view": "own"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.user_id = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.grants = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.grants["admin.user.create"] = Scope.ALL  # type: ignore[index]
    assert not a.may("admin.user.create")


def test_default_actor_has_no_rights():
    a = Actor(user_id=1, username="x", company_id=1)
    assert not a.may("sales.order.view") and not a.is_system
    with pytest.raises(TypeError):
        a.grants["x.y.z"] = Scope.ALL  # type: ignore[index]


def test_system_actor_may_everything_at_scope_all():
    s = Actor.system(company_id=3, reason="cli")
    assert s.is_system and s.user_id is None and s.username == "<cli>" and s.company_id == 3
    assert s.may("anything.at.all") and s.scope("finance.voucher.post") is Scope.ALL
    assert not s.may(None)  # type: ignore[arg-type]


def test_anonymous_visitor_holds_only_public_permissions():
    v = Actor.anonymous(client_ip="10.0.0.9", permissions=("setup.company.create",))
    assert v.user_id is None and v.company_id is None and not v.is_system
    assert v.may("setup.company.create") and not v.may("admin.user.create")
    assert v.client_ip == "10.0.0.9"


def test_scope_width_orders_widest_first():
    assert [s.width for s in Scope] == sorted((s.width for s in Scope), reverse=True)
    assert Scope.ALL.width > Scope.DEPARTMENT.width > Scope.PROJECT.width > Scope.OWN.width


def test_clock_can_be_moved_by_tests_and_restored():
    fixed = dt.datetime(2026, 11, 24, 1, 2, 3, tzinfo=dt.UTC)
    clock.set_clock(lambda: fixed)
    try:
        assert clock.utcnow() == fixed
        assert clock.naive_utcnow() == dt.datetime(2026, 11, 24, 1, 2, 3)
    finally:
        clock.set_clock(None)
    now = clock.utcnow()
    assert now.tzinfo is not None and abs(now - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


def test_naive_utcnow_converts_a_non_utc_clock():
    clock.set_clock(lambda: dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    try:
        assert clock.naive_utcnow() == dt.datetime(2026, 11, 24, 1, 0)
    finally:
        clock.set_clock(None)
