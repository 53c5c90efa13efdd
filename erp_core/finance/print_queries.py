"""Who signs a printed voucher (记账凭证): the people's names for the signature boxes of the usual form, read for
the print view (print_view.voucher_html)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from erp_core.finance.models import Voucher
from erp_core.kernel.errors import NotFound
from erp_core.security.scope import scoped
from erp_core.usecase import Context, query


@dataclass(frozen=True)
class Signatures:
    """Who signs the voucher, in the order of the usual form. Blank boxes are signed by hand."""
    supervisor: str = ""  # 会计主管
    poster: str = ""  # 记账
    cashier: str = ""  # 出纳
    reviewer: str = ""  # 审核
    preparer: str = ""  # 制单

    ORDER = ("supervisor", "poster", "cashier", "reviewer", "preparer")


@query("finance.voucher.view", zh="查看凭证", en="View vouchers")
def voucher_signatures(ctx: Context, *, voucher_id: int) -> Signatures:
    """The people who prepared, reviewed and posted a voucher, by their display names (the voucher keeps the
    login names of the moment; a user since deleted keeps that login name)."""
    from erp_core.security.models import User

    s = ctx.session
    v = s.execute(scoped(select(Voucher).where(Voucher.id == voucher_id), ctx, company_col=Voucher.company_id,
                         owner_col=Voucher.created_by)).scalar_one_or_none()
    if v is None:
        raise NotFound(entity="voucher", id=voucher_id)
    ids = sorted({i for i in (v.created_by, v.reviewed_by, v.posted_by) if i is not None})
    names = dict(s.execute(select(User.id, User.display_name).where(User.id.in_(ids or [0]),
                                                                    User.company_id == v.company_id)).all())

    def name(user_id: int | None, stored: str | None) -> str:
        return names.get(user_id) or stored or ""

    return Signatures(poster=name(v.posted_by, v.posted_by_name), reviewer=name(v.reviewed_by, v.reviewed_by_name),
                      preparer=name(v.created_by, v.created_by_name))
