"""Settlement invariants for `erp check`:

- ``settlement``: no open item is settled beyond its amount (nor against its sign), and every reversing row
  gives back exactly one row, negated, of the same item;
- ``settlement_vs_ledger``: per company and supplier, the open payables equal the payable account's balance
  (credit - debit) and the open prepayments the prepayment account's balance (debit - credit), counting the
  ledger lines of the vouchers posted by open-item documents, payments and prepayment applications. It holds
  by construction (the same transaction writes the settlement and the voucher); checked anyway. Documents whose
  vouchers were left as drafts for review (documents.setting voucher_mode "draft") show here until posted.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, or_, select

from erp_core.checks import Problem, check
from erp_core.db.like import starts_with
from erp_core.db.uow import Database

ZERO = Decimal(0)


def settlement_problems(session, company_id: int | None = None) -> list[Problem]:
    from erp_core.documents.registry import document_type
    from erp_core.settlement.models import Settlement
    from erp_core.settlement.open_items import item_amount

    def where(stmt):
        return stmt if company_id is None else stmt.where(Settlement.company_id == company_id)

    out: list[Problem] = []
    sums = session.execute(where(select(Settlement.item_type, Settlement.item_id, func.sum(Settlement.amount),
                                        func.max(Settlement.item_number)))
                           .group_by(Settlement.item_type, Settlement.item_id)).all()
    for item_type, item_id, settled, number in sums:
        settled = Decimal(settled or 0)
        try:
            t = document_type(item_type)
        except Exception:  # noqa: BLE001 - an unknown type is itself the problem
            out.append(Problem("check.problem.settlement.unknown_item", {"number": number}))
            continue
        doc = session.get(t.header, item_id)
        amount = item_amount(session, t, doc) if doc is not None and doc.posted_at is not None else None
        if amount is None:
            out.append(Problem("check.problem.settlement.unknown_item", {"number": number}))
        elif abs(settled) > abs(amount) or (settled != 0 and (settled > 0) != (amount > 0)):
            out.append(Problem("check.problem.settlement.over", {"number": number, "amount": f"{amount:,.2f}",
                                                                  "settled": f"{settled:,.2f}"}))
    rows = {r.id: r for r in session.execute(where(select(Settlement))).scalars()}
    given_back: dict[int, int] = defaultdict(int)
    for r in rows.values():
        if r.reverses_id is None:
            continue
        given_back[r.reverses_id] += 1
        orig = rows.get(r.reverses_id)
        if orig is None or orig.amount != -r.amount or (orig.item_type, orig.item_id) != (r.item_type, r.item_id):
            out.append(Problem("check.problem.settlement.bad_reversal", {"id": r.id}))
    out += [Problem("check.problem.settlement.bad_reversal", {"id": rid}) for rid, n in given_back.items() if n > 1]
    return out


def settlement_vs_ledger_problems(session, company_id: int | None = None) -> list[Problem]:
    from erp_core.documents.accounts import account_for
    from erp_core.ledger.models import GlLine, Posting
    from erp_core.masterdata.models import Company
    from erp_core.settlement.doctypes import PAYMENT, PREPAY_APPLY
    from erp_core.settlement.open_items import open_item_types, open_items

    out: list[Problem] = []
    types = {t.code for t in open_item_types()} | {PAYMENT.code, PREPAY_APPLY.code}
    companies = session.execute(select(Company.id) if company_id is None
                                else select(Company.id).where(Company.id == company_id)).scalars().all()
    for cid in companies:
        ctx = SimpleNamespace(session=session, company_id=cid, actor=SimpleNamespace(company_id=cid))
        want: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
        for kind, sign in (("payable", 1), ("prepayment", 1)):
            for i in open_items(session, cid, kind=kind):
                want[(kind, i.partner_id or 0)] += sign * i.open
        accounts = {"payable": account_for(ctx, "payable"), "prepayment": account_for(ctx, "prepayment")}
        have: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
        keyed = or_(*(starts_with(Posting.posting_key, f"doc:{code}:") for code in sorted(types)))
        # The seeded charts keep 暂估 on its own sub-account (220202 暂估应付款, accrued_payable) apart from the
        # invoiced payables (220201, payable): every line on the payable account counts, nothing is skipped.
        # A chart seeded before that (2202 one leaf: accrued_payable = payable, documents.accounts
        # .LEGACY_DEFAULTS) has an invoice's voucher also take its receipts' 暂估 off that one account: there,
        # in an open-item document's voucher only the side of the document's own amount (credit for an
        # invoice, debit for a red one) is what it owes.
        shared = account_for(ctx, "accrued_payable") == accounts["payable"]
        amounts = {f"doc:{i.item_type}:{i.item_id}": i.amount
                   for i in open_items(session, cid, kind="payable", include_settled=True)} if shared else {}
        for kind, code in accounts.items():
            for key, sup, d, c in session.execute(
                    select(Posting.posting_key, GlLine.supplier_id, GlLine.debit, GlLine.credit)
                    .join(Posting, Posting.voucher_id == GlLine.voucher_id)
                    .where(GlLine.company_id == cid, Posting.company_id == cid, keyed,
                           starts_with(GlLine.account_code, code))):
                d, c = Decimal(d or 0), Decimal(c or 0)
                bal = c - d if kind == "payable" else d - c
                if kind == "payable" and key in amounts and bal * amounts[key] < 0:
                    continue  # the 暂估 taken off (a red copy's lines may be negated or swapped: the sign decides)
                have[(kind, sup or 0)] += bal
        for key in sorted(set(want) | set(have), key=lambda k: (k[0], k[1])):
            if want.get(key, ZERO) != have.get(key, ZERO):
                out.append(Problem("check.problem.settlement.vs_ledger", {
                    "company": cid, "kind": key[0], "supplier": key[1], "open": f"{want.get(key, ZERO):,.2f}",
                    "ledger": f"{have.get(key, ZERO):,.2f}"}))
    return out


@check("settlement")
def settlement(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return settlement_problems(uow.session)


@check("settlement_vs_ledger")
def settlement_vs_ledger(db: Database) -> list[Problem]:
    with db.uow(readonly=True) as uow:
        return settlement_vs_ledger_problems(uow.session)
