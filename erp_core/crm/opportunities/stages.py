"""Opportunity stages as data (商机阶段), seeded per company on first use with CordysCRM's stages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp_core.crm.models import CrmStage

DEFAULT_STAGES = (  # code, zh, en, probability %, outcome
    ("new", "新建", "New", 10, None),
    ("needs", "需求明确", "Needs defined", 30, None),
    ("proposal", "方案验证", "Solution validated", 50, None),
    ("approval", "立项汇报", "Project approved", 70, None),
    ("purchase", "商务采购", "Procurement", 90, None),
    ("won", "成功", "Won", 100, "won"),
    ("lost", "失败", "Lost", 0, "lost"),
)


def stages(session: Session, company_id: int, *, seed: bool = True) -> list[CrmStage]:
    """The company's stages in order, created from DEFAULT_STAGES the first time a use case needs them
    (``seed``); a read (``seed=False``) before that sees the defaults as unsaved rows (id None)."""
    rows = list(session.execute(select(CrmStage).where(CrmStage.company_id == company_id)
                                .order_by(CrmStage.seq)).scalars())
    if rows:
        return rows
    if not seed:
        return [CrmStage(id=None, company_id=company_id, code=code, name_zh=zh, name_en=en, probability=prob,
                         seq=seq * 10, outcome=outcome)
                for seq, (code, zh, en, prob, outcome) in enumerate(DEFAULT_STAGES, start=1)]
    for seq, (code, zh, en, prob, outcome) in enumerate(DEFAULT_STAGES, start=1):
        session.add(CrmStage(company_id=company_id, code=code, name_zh=zh, name_en=en, probability=prob,
                             seq=seq * 10, outcome=outcome))
    session.flush()
    return stages(session, company_id)
