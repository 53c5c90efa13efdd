"""Assignment rules as data (分配规则): tried in priority order, the first that gives a lead an owner wins.

- ``round_robin``: the rule's users in turn (a cursor on the rule remembers whose turn it is);
- ``region`` / ``source``: round robin among the rule's users, only for leads whose region / source equals
  ``match_value``;
- ``load_cap``: the rule's user with the fewest open leads;
and every kind skips a user who already holds ``load_cap`` open leads (保有量上限) when the rule sets one.
A lead no rule can place stays in its pool."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from erp_core.crm.models import CrmAssignRule, CrmLead

OPEN = ("new", "contacted", "qualified")


def parse_users(text: str) -> list[int]:
    return [int(p) for p in str(text or "").replace("，", ",").split(",") if p.strip().isdigit()]


def open_load(session: Session, company_id: int, user_ids: list[int]) -> dict[int, int]:
    if not user_ids:
        return {}
    rows = session.execute(select(CrmLead.owner_id, func.count()).where(
        CrmLead.company_id == company_id, CrmLead.owner_id.in_(user_ids), CrmLead.status.in_(OPEN),
        CrmLead.merged_into.is_(None)).group_by(CrmLead.owner_id)).all()
    load = dict.fromkeys(user_ids, 0)
    load.update({uid: n for uid, n in rows})
    return load


def _matches(rule: CrmAssignRule, lead: CrmLead) -> bool:
    if rule.kind == "region":
        return bool(lead.region) and lead.region == rule.match_value
    if rule.kind == "source":
        return lead.source == rule.match_value
    return True


def pick_owner(session: Session, company_id: int, lead: CrmLead, rules: list[CrmAssignRule],
               load: dict[int, int] | None = None) -> int | None:
    """The owner the rules give ``lead`` (moving a round-robin cursor), or None. ``load`` (user -> open leads)
    is kept up to date by the caller when assigning many leads in one go."""
    for rule in rules:
        if not rule.active or not _matches(rule, lead):
            continue
        users = parse_users(rule.user_ids)
        if not users:
            continue
        cur = load if load is not None else {}
        missing = [u for u in users if u not in cur]
        if missing:
            cur.update(open_load(session, company_id, missing))
        eligible = [u for u in users if rule.load_cap is None or cur[u] < rule.load_cap]
        if not eligible:
            continue
        if rule.kind == "load_cap":
            owner = min(eligible, key=lambda u: (cur[u], users.index(u)))
        else:
            n = len(users)
            owner = None
            for step in range(n):
                u = users[(rule.cursor + step) % n]
                if u in eligible:
                    owner = u
                    rule.cursor = (users.index(u) + 1) % n
                    break
        if owner is not None:
            cur[owner] = cur.get(owner, 0) + 1
            if load is not None:
                load.update(cur)
            return owner
    return None


def active_rules(session: Session, company_id: int, *, lock: bool = False) -> list[CrmAssignRule]:
    stmt = select(CrmAssignRule).where(CrmAssignRule.company_id == company_id, CrmAssignRule.active.is_(True)) \
        .order_by(CrmAssignRule.priority, CrmAssignRule.id)
    if lock:
        stmt = stmt.with_for_update()
    return list(session.execute(stmt).scalars())


def give(session: Session, lead: CrmLead, owner_id: int, *, reason: str, by_user_id: int | None,
         at: dt.datetime) -> None:
    """Make ``owner_id`` the lead's owner (history, department, the recycle clocks restart)."""
    from erp_core.crm.common import record_owner_change, user_department

    record_owner_change(session, lead, reason=reason, to_owner_id=owner_id, to_pool_id=lead.pool_id,
                        by_user_id=by_user_id, at=at)
    lead.owner_id = owner_id
    lead.department_id = user_department(session, owner_id)
    lead.claimed_at = at
    lead.last_followup_at = at  # "no follow-up for N days" counts from the claim when none followed
    lead.last_progress_at = at
    lead.recycle_warned_at = None
