"""Builders for finance tests: a company with its seeded chart, accountants, and vouchers made through the
real use cases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from erp_core.finance.models import Account
from erp_core.kernel.actor import Actor
from erp_core.kernel.errors import ValidationError, ValidationErrors
from tests.support.factories import actor

FINANCE_GRANTS = ("finance.account.create", "finance.account.edit", "finance.account.freeze",
                  "finance.account.delete", "finance.account.view", "finance.voucher.create",
                  "finance.voucher.edit", "finance.voucher.review", "finance.voucher.unreview",
                  "finance.voucher.post", "finance.voucher.reverse", "finance.voucher.delete",
                  "finance.voucher.view", "finance.voucher.renumber", "finance.voucher.import",
                  "finance.period.view", "finance.setting.edit")

DAY = dt.date(2026, 11, 10)


def accountant(company_id: int, user_id: int | None = None) -> Actor:
    return actor(company_id, {p: "all" for p in FINANCE_GRANTS}, user_id=user_id)


def account_id(db, company_id: int, code: str) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.execute(select(Account.id).where(Account.company_id == company_id,
                                                            Account.code == code)).scalar_one()


def line(code: str, debit="0", credit="0", summary="摘要", **dims) -> dict:
    return {"account_code": code, "debit": Decimal(debit), "credit": Decimal(credit), "summary": summary, **dims}


def fields(exc: ValidationError | ValidationErrors) -> set[tuple[str | None, int | None]]:
    """(field, line) of every problem an exception reports."""
    errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return {(e.field, e.params.get("line")) for e in errors}


def ids(exc) -> set[str]:
    errors = exc.errors if isinstance(exc, ValidationErrors) else [exc]
    return {e.message_id for e in errors}


def customer(db, company_id: int, code: str = "C001", name: str = "华东商贸有限公司") -> int:
    """A customer made by the master-data use case (vouchers on 1122 need one)."""
    from erp_core.masterdata.partners_services import create_customer

    return create_customer(db, actor(company_id, {"masterdata.customer.create": "all"}),
                           values={"code": code, "name": name})


def supplier(db, company_id: int, code: str = "S001", name: str = "江南原料厂") -> int:
    from erp_core.masterdata.partners_services import create_supplier

    return create_supplier(db, actor(company_id, {"masterdata.supplier.create": "all"}),
                           values={"code": code, "name": name})


def allow_import_posting(db, company_id: int, allowed: bool = True) -> None:
    """The company's audited 'imports may post without a second reviewer' switch (a migration)."""
    from erp_core.finance.import_services import set_import_posting

    set_import_posting(db, Actor.system(company_id=company_id, reason="test"), allowed=allowed)
