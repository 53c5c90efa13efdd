"""Books for analytics tests, kept through the ledger module's real use cases: vouchers are created, reviewed by
a second user and posted (erp_core.finance / erp_core.ledger), so the reports read what posting really writes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from erp_core.finance.charts import seed_chart_of_accounts
from erp_core.finance.models import Account
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.posting import post_voucher
from erp_core.masterdata.models import Company
from tests.support.factories import actor


class Books:
    def __init__(self, db, company_id: int, preparer) -> None:
        self.db, self.company_id, self.preparer = db, company_id, preparer
        self.reviewer = actor(company_id, {"finance.voucher.review": "all"})
        with db.uow() as uow:
            s = uow.session
            if not s.execute(select(func.count()).select_from(Account)
                             .where(Account.company_id == company_id)).scalar_one():
                seed_chart_of_accounts(s, company_id, s.get(Company, company_id).accounting_standard)
                uow.commit()
        # Dimension records the vouchers name (posting checks they exist): customers 1-4, suppliers 1-7,
        # department 1 — ids in a fresh database follow creation order, checked here.
        from erp_core.masterdata.org_services import create_department
        from erp_core.masterdata.partners_services import create_customer, create_supplier

        for i in range(1, 5):
            assert create_customer(db, preparer, values={"code": f"C{i:03d}", "name": f"测试客户{i}号商贸公司"}) == i
        for i in range(1, 8):
            assert create_supplier(db, preparer, values={"code": f"S{i:03d}", "name": f"测试供应商{i}号工厂"}) == i
        assert create_department(db, preparer, code="D01", name="财务部") == 1

    def post(self, day: dt.date, *lines: tuple, voucher_type: str | None = None) -> int:
        """Post one voucher: lines are (account_code, debit, credit[, {dimension: id}][, summary])."""
        rows = []
        for ln in lines:
            code, debit, credit = ln[:3]
            dims = next((x for x in ln[3:] if isinstance(x, dict)), {})
            summary = next((x for x in ln[3:] if isinstance(x, str)), "")
            rows.append({"account_code": code, "debit": str(debit), "credit": str(credit), "summary": summary,
                         **{f"{k}_id": v for k, v in dims.items()}})
        vid = create_voucher(self.db, self.preparer, voucher_date=day, lines=rows, voucher_type=voucher_type)
        review_voucher(self.db, self.reviewer, voucher_id=vid)
        post_voucher(self.db, self.preparer, voucher_id=vid)
        return vid
