"""Merging customers/suppliers also moves voucher_line.customer_id / supplier_id (plain integer columns, not
foreign keys) on draft and reviewed vouchers; posted lines keep the old id and the audit record counts them."""

import json

from sqlalchemy import select

from erp_core.finance.models import Voucher, VoucherLine
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.posting import post_voucher
from erp_core.masterdata import merge_services as ms
from erp_core.security.models import AuditLog
from tests.finance.support import DAY, accountant, customer, line, supplier
from tests.support.factories import admin_actor


def _lines(db, column):
    with db.uow(readonly=True) as uow:
        rows = uow.session.execute(select(Voucher.id, Voucher.status, Voucher.version, column)
                                   .join(VoucherLine, VoucherLine.voucher_id == Voucher.id)
                                   .where(column.is_not(None))).all()
    return [tuple(r) for r in rows]


def _last_audit(db, entity):
    with db.uow(readonly=True) as uow:
        details = uow.session.execute(select(AuditLog.details).where(AuditLog.entity == entity,
                                                                     AuditLog.action.like("%merge%"))
                                      .order_by(AuditLog.id.desc())).scalars().first()
    return json.loads(details)


def _three_vouchers(db, company, code, **dims):
    a, b = accountant(company.company_id), accountant(company.company_id)
    draft = create_voucher(db, a, voucher_date=DAY, lines=[line(code, debit="10", **dims),
                                                           line("5001", credit="10")])
    reviewed = create_voucher(db, a, voucher_date=DAY, lines=[line(code, debit="20", **dims),
                                                              line(code, debit="5", **dims),
                                                              line("5001", credit="25")])
    review_voucher(db, b, voucher_id=reviewed)
    posted = create_voucher(db, a, voucher_date=DAY, lines=[line(code, debit="30", **dims),
                                                            line("5001", credit="30")])
    review_voucher(db, b, voucher_id=posted)
    post_voucher(db, b, voucher_id=posted)
    return draft, reviewed, posted


def test_customer_merge_moves_open_voucher_lines_and_counts_posted(db, company):
    admin = admin_actor(db, company)
    survivor = customer(db, company.company_id, "C1", "甲公司")
    dup = customer(db, company.company_id, "C2", "甲公司（重复）")
    draft, reviewed, posted = _three_vouchers(db, company, "1122", customer_id=dup)
    before = {vid: ver for vid, _s, ver, _c in _lines(db, VoucherLine.customer_id)}
    cards = ms.merge_preview_customers(db, admin, survivor_id=survivor, duplicate_id=dup)
    moved = ms.merge_customers(db, admin, survivor_id=survivor, duplicate_id=dup,
                               survivor_version=cards["survivor"]["version"],
                               duplicate_version=cards["duplicate"]["version"])
    assert moved["voucher_line.customer_id"] == 3
    rows = _lines(db, VoucherLine.customer_id)
    assert sorted((vid, c) for vid, _s, _v, c in rows) == sorted(
        [(draft, survivor), (reviewed, survivor), (reviewed, survivor), (posted, dup)])
    versions = {vid: ver for vid, _s, ver, _c in rows}
    assert versions[draft] == before[draft] + 1 and versions[reviewed] == before[reviewed] + 1
    assert versions[posted] == before[posted]
    audit = json.dumps(_last_audit(db, "customer"), ensure_ascii=False)
    assert '"kept_append_only": {"voucher_line.customer_id": 1}' in audit, audit


def test_supplier_merge_moves_open_voucher_lines(db, company):
    admin = admin_actor(db, company)
    survivor = supplier(db, company.company_id, "S1", "乙厂")
    from erp_core.masterdata.partners_services import create_supplier

    # the same name after brackets are stripped: creating it warns (疑似重复) and needs confirming
    dup = create_supplier(db, admin, values={"code": "S2", "name": "乙厂（重复）"}, confirm_duplicates=True)
    draft, reviewed, posted = _three_vouchers(db, company, "220201", supplier_id=dup)
    cards = ms.merge_preview_suppliers(db, admin, survivor_id=survivor, duplicate_id=dup)
    moved = ms.merge_suppliers(db, admin, survivor_id=survivor, duplicate_id=dup,
                               survivor_version=cards["survivor"]["version"],
                               duplicate_version=cards["duplicate"]["version"])
    assert moved["voucher_line.supplier_id"] == 3
    assert sorted(c for _v, _s, _ver, c in _lines(db, VoucherLine.supplier_id)) == sorted(
        [survivor, survivor, survivor, dup])
