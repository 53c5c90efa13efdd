"""Account helpers shared by voucher use cases, posting and import (no use cases here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from erp_core.db.master_cache import kept
from erp_core.finance.models import Account, FinanceSetting, VoucherLine, split_aux
from erp_core.finance.voucher_rules import AccountInfo
from erp_core.ledger.models import GlLine


def info(acc: Account) -> AccountInfo:
    return AccountInfo(acc.id, acc.code, acc.name, acc.is_leaf, acc.status, tuple(acc.aux_list()))


def info_of(account_id: int, code: str, name: str, is_leaf: Any, status: str, aux: str | None) -> AccountInfo:
    """AccountInfo from an account's column values read with Core (aux as stored: "customer,department")."""
    return AccountInfo(account_id, code, name, bool(is_leaf), status, tuple(split_aux(aux)))


# Built once: posting and voucher entry call this for every voucher.
_A = Account.__table__
_INFO = select(_A.c.id, _A.c.code, _A.c.name, _A.c.is_leaf, _A.c.status, _A.c.aux)
_BY_ID = _INFO.where(_A.c.company_id == bindparam("cid"), _A.c.id.in_(bindparam("ids", expanding=True)))
_BY_CODE = _INFO.where(_A.c.company_id == bindparam("cid"), _A.c.code.in_(bindparam("codes", expanding=True)))


def accounts_for_lines(session: Session, company_id: int, lines: Iterable[Mapping[str, Any]],
                       ) -> tuple[dict[int, AccountInfo], dict[str, AccountInfo]]:
    """The company's accounts the lines refer to (by id or code), indexed both ways."""
    ids, codes = set(), set()
    for raw in lines:
        if raw.get("account_id") not in (None, ""):
            try:
                ids.add(int(raw["account_id"]))
            except (TypeError, ValueError):
                pass
        elif raw.get("account_code") not in (None, ""):
            codes.add(str(raw["account_code"]).strip())
    key_ids, key_codes = tuple(sorted(ids)), tuple(sorted(codes))

    def read() -> tuple[AccountInfo, ...]:
        conn = session.connection()
        rows = []
        if ids:
            rows += conn.execute(_BY_ID, {"cid": company_id, "ids": list(key_ids)}).all()
        if codes:
            rows += conn.execute(_BY_CODE, {"cid": company_id, "codes": list(key_codes)}).all()
        return tuple(info_of(*r) for r in rows)

    # kept across transactions while the master-data stamp is unchanged (erp_core/db/master_cache.py)
    infos = kept(session, "accounts.for_lines", company_id, read, key_ids, key_codes)
    return {i.id: i for i in infos}, {i.code: i for i in infos}


def all_accounts(session: Session, company_id: int) -> tuple[dict[int, AccountInfo], dict[str, AccountInfo]]:
    infos = [info(a) for a in session.execute(select(Account).where(Account.company_id == company_id)).scalars()]
    return {i.id: i for i in infos}, {i.code: i for i in infos}


def finance_setting(session: Session, company_id: int) -> FinanceSetting:
    """The company's finance settings (created with defaults for a company set up before this module)."""
    row = session.get(FinanceSetting, company_id)
    if row is None:
        row = FinanceSetting(company_id=company_id, voucher_type_mode="single", code_scheme="4-2-2")
        session.add(row)
        session.flush()
    return row


def has_postings(session: Session, account_id: int) -> bool:
    """Any ledger line on the account (through the (company_id, account_id, period) index, so it stays fast
    at millions of lines)."""
    company_id = select(Account.company_id).where(Account.id == account_id).scalar_subquery()
    return bool(session.execute(select(exists().where(GlLine.company_id == company_id,
                                                      GlLine.account_id == account_id))).scalar())


def is_used(session: Session, account_id: int) -> bool:
    """Referenced by any voucher line (draft or posted) or ledger line."""
    return bool(session.execute(select(exists().where(VoucherLine.account_id == account_id))).scalar()) \
        or has_postings(session, account_id)
