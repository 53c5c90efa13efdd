"""Voucher print shows people's names in the usual signature boxes (会计主管 记账 出纳 审核 制单), not login names;
voucher entry shows, before saving, what posting would do to the budgets (issue 11 item 24). AppTest (SQLite)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from erp_core.finance.budget_services import save_budget
from erp_core.finance.print_queries import Signatures, voucher_signatures
from erp_core.finance.print_view import voucher_html
from erp_core.finance.queries import get_voucher
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.ledger.posting import post_voucher
from erp_core.security.models import User
from erp_core.security.sessions import build_actor
from tests.finance.support import line
from tests.finance_close.support import closer
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401

BOXES = ("会计主管", "记账", "出纳", "审核", "制单")


def _user_actor(db, username):
    with db.uow(readonly=True) as uow:
        user = uow.session.execute(select(User).where(User.username == username)).scalar_one()
        return build_actor(uow.session, user, session_id=None, client_ip="127.0.0.1")


def _html(at) -> str:
    return " ".join(str(getattr(h, "proto", h)) for h in at.get("html"))


def test_signatures_are_display_names(db, company):
    preparer = admin_actor(db, company)  # display name 管理员, login admin
    vid = create_voucher(db, preparer, voucher_date=dt.date(2026, 11, 4),
                         lines=[line("5602", debit="8"), line("1001", credit="8")])
    other = closer(company.company_id)  # an actor with no user row: its login name is what is known
    review_voucher(db, other, voucher_id=vid)
    sig = voucher_signatures(db, preparer, voucher_id=vid)
    assert sig == Signatures(preparer="管理员", reviewer=other.username, poster="")
    html = voucher_html(get_voucher(db, preparer, voucher_id=vid), signatures=sig)
    cells = re.findall(r"<td>([^<：]+)：([^<]*)</td>", html)
    assert [c[0] for c in cells] == list(BOXES)
    assert dict(cells)["制单"] == "管理员" and "admin" not in dict(cells).values()


def test_print_page_shows_names_in_every_box(admin_app, ui_db, ui_company):  # noqa: F811
    li = _user_actor(ui_db, "li.kuaiji")
    admin = admin_actor(ui_db, ui_company)
    vid = create_voucher(ui_db, li, voucher_date=dt.date(2026, 11, 10),
                         lines=[line("5602", debit="88"), line("1001", credit="88")])
    review_voucher(ui_db, admin, voucher_id=vid)
    post_voucher(ui_db, admin, voucher_id=vid)
    admin_app.session_state["fin_view_voucher"] = vid
    at = admin_app.switch_page("pages/finance/voucher_print.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    html = _html(at)
    for box in BOXES:
        assert f"{box}：" in html
    assert "制单：李会计" in html and "审核：管理员" in html and "记账：管理员" in html
    assert "li.kuaiji" not in html


def _fill(at, rows):
    at.session_state["ve_lines"] = [
        {"summary": s, "account": a, "debit": d, "credit": c,
         **{k: None for k in ("customer_id", "supplier_id", "department_id", "project_id", "employee_id",
                              "product_id")}} for s, a, d, c in rows]
    at.session_state["ve_gen"] = at.session_state["ve_gen"] + 1 if "ve_gen" in at.session_state else 1
    return at.run()


def test_entry_warns_about_budgets_before_saving(admin_app, ui_db, ui_company):  # noqa: F811
    who = closer(ui_company.company_id)
    day = dt.date(2026, 11, 20)
    save_budget(ui_db, who, account_code="5602", period="2026-11", amount="100", control="block")
    save_budget(ui_db, who, account_code="5601", period="2026-11", amount="10", control="warn")
    at = admin_app.switch_page("pages/finance/voucher_entry.py").run()
    at.date_input(key="ve_date").set_value(day)
    at = _fill(at.run(), [("办公费", "5602 管理费用", "150", ""), ("广告费", "5601 销售费用", "20", ""),
                          ("付款", "1002 银行存款", "", "170")])
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    warnings = [w.value for w in at.warning]
    assert any(e.startswith("过账将被拒绝") and "5602" in e and "超出 50.00" in e for e in errors), errors
    assert any(w.startswith("过账时将提示超出预算") and "5601" in w and "超出 10.00" in w for w in warnings), warnings
    # within the budgets: nothing to say
    at = _fill(at, [("办公费", "5602 管理费用", "100", ""), ("付款", "1002 银行存款", "", "100")])
    assert not [e.value for e in at.error if "预算" in e.value]
    assert not [w.value for w in at.warning if "预算" in w.value]
