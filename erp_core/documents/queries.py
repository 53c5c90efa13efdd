"""Read side of the document kernel: links both ways (查看上游单据 / 下游单据), the step history, the settings.
Company-scoped; the document pages of each module apply their own row scope to the documents themselves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from erp_core.documents.models import DocumentLink, DocumentSetting, DocumentStep
from erp_core.usecase import Context, query


def links_of(session: Any, company_id: int, doc_type: str, doc_id: int) -> dict[str, list[dict[str, Any]]]:
    rows = session.execute(select(DocumentLink).where(
        DocumentLink.company_id == company_id,
        or_((DocumentLink.from_type == doc_type) & (DocumentLink.from_id == doc_id),
            (DocumentLink.to_type == doc_type) & (DocumentLink.to_id == doc_id))).order_by(DocumentLink.id)).scalars()
    out: dict[str, list[dict[str, Any]]] = {"upstream": [], "downstream": []}
    for r in rows:
        base = {"kind": r.kind, "quantity": r.quantity, "counts_as": r.counts_as, "link_id": r.id}
        if r.to_type == doc_type and r.to_id == doc_id:
            out["upstream"].append({**base, "doc_type": r.from_type, "doc_id": r.from_id, "line": r.from_line,
                                    "own_line": r.to_line})
        if r.from_type == doc_type and r.from_id == doc_id:
            out["downstream"].append({**base, "doc_type": r.to_type, "doc_id": r.to_id, "line": r.to_line,
                                      "own_line": r.from_line})
    return out


@query("documents.link.view", zh="查看单据关联", en="View document links")
def document_links(ctx: Context, *, doc_type: str, doc_id: int) -> dict[str, list[dict[str, Any]]]:
    """{"upstream": [...], "downstream": [...]} of one document: each names the other document (type, id)."""
    return links_of(ctx.session, ctx.actor.company_id, doc_type, doc_id)


@query("documents.history.view", zh="查看单据操作记录", en="View document history")
def document_history(ctx: Context, *, doc_type: str, doc_id: int) -> list[dict[str, Any]]:
    rows = ctx.session.execute(select(DocumentStep).where(
        DocumentStep.company_id == ctx.actor.company_id, DocumentStep.doc_type == doc_type,
        DocumentStep.doc_id == doc_id).order_by(DocumentStep.id)).scalars()
    return [{"action": r.action, "from_status": r.from_status, "to_status": r.to_status, "user_id": r.user_id,
             "username": r.username, "comment": r.comment, "at": r.at} for r in rows]


@query("documents.setting.view", zh="查看单据设置", en="View document settings")
def document_settings(ctx: Context) -> list[dict[str, Any]]:
    rows = ctx.session.execute(select(DocumentSetting).where(DocumentSetting.company_id == ctx.actor.company_id)
                               .order_by(DocumentSetting.doc_type)).scalars()
    return [{"doc_type": r.doc_type, "number_prefix": r.number_prefix, "voucher_mode": r.voucher_mode,
             "version": r.version} for r in rows]
