"""A company with a sales team for the CRM tests: two teams (departments), salespeople as real users, a team
lead, a manager, one pool per team; a clock the tests move (kernel.clock.set_clock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import MappingProxyType

import pytest

from erp_core.kernel import clock
from erp_core.kernel.actor import Actor, Scope
from erp_core.masterdata import org_services
from erp_core.security import user_services
from erp_core.security.catalog import load_all
from tests.support.factories import admin_actor

T0 = dt.datetime(2026, 3, 2, 2, 0)  # Monday 10:00 in Shanghai, naive UTC


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.at = start
        clock.set_clock(lambda: self.at.replace(tzinfo=dt.UTC))

    def advance(self, **kw) -> None:
        self.at += dt.timedelta(**kw)


@dataclass
class Team:
    db: object
    company_id: int
    admin: Actor
    clock: Clock
    dept_a: int
    dept_b: int
    users: dict[str, int] = field(default_factory=dict)

    def actor(self, name: str, scope: str = "own") -> Actor:
        """A user of the team holding every crm.* permission at ``scope`` (plus customer master data)."""

        perms = {p: Scope(scope) for p in load_all() if p.startswith("crm.")}
        perms.update({p: Scope(scope) for p in load_all() if p.startswith("masterdata.customer.")})
        dept = self.dept_a if name in ("li", "wang", "lead_a") else self.dept_b
        uid = self.users[name]
        return Actor(user_id=uid, username=name, company_id=self.company_id, grants=MappingProxyType(perms),
                     department_ids=frozenset({dept}))


@pytest.fixture
def team(db, company):
    admin = admin_actor(db, company)
    a = org_services.create_department(db, admin, code="SA", name="销售一组")
    b = org_services.create_department(db, admin, code="SB", name="销售二组")
    t = Team(db, company.company_id, admin, Clock(T0), a, b)
    for name, dept in (("li", a), ("wang", a), ("zhao", b), ("lead_a", a), ("boss", None)):
        t.users[name] = user_services.create_user(db, admin, username=f"u_{name}", display_name=name,
                                                  password="Sales-Pass-2026!", department_id=dept)
    yield t
    clock.set_clock(None)
