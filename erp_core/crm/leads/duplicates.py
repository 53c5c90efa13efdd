"""Duplicate leads (重复线索): the same phone, the same tax ID, or the same / a similar company name, by the
master-data rule (erp_core/masterdata/duplicates.py: phone_key, name_key, similarity). Similar names are looked
for among the leads sharing the first or the last two characters of the name key (name_head / name_tail,
indexed), the blocks master data uses, not by scanning substrings."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from erp_core.crm.models import CrmLead, name_blocks
from erp_core.masterdata.duplicates import SIMILARITY_THRESHOLD, name_key, phone_key, similarity

CANDIDATES = 500
_DIGITS = re.compile(r"[\d一二三四五六七八九十百千零〇两]+")


def lead_keys(company_name: str | None, phone: str | None) -> tuple[str, str | None]:
    return name_key(company_name)[:200], phone_key(phone)


def find_lead_duplicates(session: Session, company_id: int, *, company_name: str | None, phone: str | None,
                         tax_id: str | None, except_id: int | None = None) -> list[dict[str, Any]]:
    """Live leads that look like the given one: id, company_name, phone, owner_id, status, reasons, score."""
    key, pkey = lead_keys(company_name, phone)
    conds = []
    if pkey:
        conds.append(CrmLead.phone_key == pkey)
    if tax_id:
        conds.append(CrmLead.tax_id == tax_id)
    if key:
        conds.append(CrmLead.name_key == key)
        head, tail = name_blocks(key)
        if head is not None:  # indexed blocks (ix_crm_lead_name_head / _tail), as master data blocks its names
            conds += [CrmLead.name_head == head, CrmLead.name_tail == tail]
    if not conds:
        return []
    stmt = select(CrmLead).where(CrmLead.company_id == company_id, CrmLead.merged_into.is_(None), or_(*conds))
    if except_id is not None:
        stmt = stmt.where(CrmLead.id != except_id)
    out = []
    for lead in session.execute(stmt.order_by(CrmLead.id.desc()).limit(CANDIDATES)).scalars():
        reasons, score = [], 0.0
        if pkey and lead.phone_key == pkey:
            reasons.append("phone")
            score = 1.0
        if tax_id and lead.tax_id == tax_id:
            reasons.append("tax_id")
            score = 1.0
        if key and lead.name_key == key:
            reasons.append("name")
            score = 1.0
        elif key and len(key) >= 3 and _DIGITS.findall(key) == _DIGITS.findall(lead.name_key):
            s = similarity(key, lead.name_key)  # names whose numbers differ (1店 / 2店) are never similar
            if s >= SIMILARITY_THRESHOLD:
                reasons.append("similar_name")
                score = max(score, s)
        if reasons:
            out.append({"id": lead.id, "company_name": lead.company_name, "phone": lead.phone,
                        "tax_id": lead.tax_id, "owner_id": lead.owner_id, "status": lead.status,
                        "reasons": reasons, "score": round(score, 2)})
    return sorted(out, key=lambda m: -m["score"])


def visible_matches(ctx, matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The matches the actor may see, named; the others only counted, in one anonymous row (hidden: n), so a
    duplicate warning never tells a salesperson about another's lead."""
    from erp_core.crm.common import scoped_leads

    if not matches:
        return []
    visible = set(session_of(ctx).execute(scoped_leads(select(CrmLead.id), ctx).where(
        CrmLead.id.in_([m["id"] for m in matches]))).scalars())
    out = [m for m in matches if m["id"] in visible]
    hidden = len(matches) - len(out)
    if hidden:
        out.append({"id": None, "company_name": None, "phone": None, "tax_id": None, "owner_id": None,
                    "status": None, "reasons": ["hidden"], "score": 0, "hidden": hidden})
    return out


def session_of(ctx) -> Session:
    return ctx.session
