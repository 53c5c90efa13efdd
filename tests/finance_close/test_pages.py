"""The close, budget and bank-reconciliation pages in Streamlit AppTest as the administrator (SQLite): each
renders in both languages' titles; closing from the page closes the period; a budget saved from the form shows in
the report; an uploaded statement imports and the reconciliation statement balances."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from erp_core.finance.models_bankrec import BankStatementLine
from erp_core.finance.models_budget import Budget
from erp_core.ledger.models import AccountingPeriod
from tests.finance.support import line
from tests.finance_close.support import post
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts

PAGES = {"pages/finance/period_close.py": "期末结账", "pages/finance/budgets.py": "预算管理",
         "pages/finance/bank_reconciliation.py": "银行对账"}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders_for_the_administrator(admin_app, page):  # noqa: F811
    at = admin_app.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert not at.error, [e.value for e in at.error]


def test_close_a_period_from_the_page(admin_app, ui_db, ui_company):  # noqa: F811
    cid = ui_company.company_id
    post(ui_db, cid, [line("1002", debit="113"), line("5001", credit="100"), line("22210102", credit="13")],
         dt.date(2026, 10, 8))
    at = admin_app.switch_page("pages/finance/period_close.py").run()
    next(t for t in at.text_input if t.key == "pc_period").set_value("2026-10")
    at = at.run()
    assert "结转损益到本年利润" in set(at.dataframe[0].value.iloc[:, 0])
    # the checklist's CSV and XLSX downloads
    assert [b.proto.label for b in at.get("download_button")] == ["下载 CSV", "下载 XLSX"]
    next(c for c in at.checkbox if c.key == "pc_confirm").check()
    at = at.run()
    next(b for b in at.button if b.label == "结账").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        status = uow.session.execute(select(AccountingPeriod.status).where(
            AccountingPeriod.period == "2026-10")).scalar_one()
    assert status == "closed"
    assert "已结账" in texts(at)


def test_save_a_budget_from_the_form(admin_app, ui_db):  # noqa: F811
    at = admin_app.switch_page("pages/finance/budgets.py").run()
    year = dt.date.today().year
    next(s for s in at.selectbox if s.label == "预算科目").set_value("5602")
    next(t for t in at.text_input if t.label == "月份").set_value(f"{year}-03")
    next(t for t in at.text_input if t.label == "预算金额").set_value("1234.50")
    next(b for b in at.button if b.label == "保存预算").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        b = uow.session.execute(select(Budget)).scalar_one()
        assert (b.period, str(b.amount), b.control) == (f"{year}-03", "1234.50", "warn")
    assert "1,234.50" in " ".join(str(v) for v in at.dataframe[0].value.to_numpy().ravel())


def test_reconciliation_page_matches_and_balances(admin_app, ui_db, ui_company):  # noqa: F811
    from erp_core.finance.bankrec_services import import_bank_statement
    from tests.finance_close.support import closer

    cid = ui_company.company_id
    day = dt.date.today() - dt.timedelta(days=2)
    post(ui_db, cid, [line("1002", debit="500", summary="收款 R9"), line("5001", credit="500")], day)
    csv = f"日期,摘要,流水号,金额\n{day.isoformat()},收款,R9,500\n{day.isoformat()},手续费,,-5\n".encode()
    import_bank_statement(ui_db, closer(cid), account_code="1002", filename="s.csv", content=csv,
                          mapping={"date": "日期", "description": "摘要", "reference": "流水号", "amount": "金额"})
    with ui_db.uow(readonly=True) as uow:
        assert len(uow.session.execute(select(BankStatementLine)).scalars().all()) == 2
    at = admin_app.switch_page("pages/finance/bank_reconciliation.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.segmented_control(key="br_section").set_value("match")
    at = at.run()
    next(b for b in at.button if b.label.startswith("自动勾对")).click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "已勾对 1 笔" in texts(at)
    at.segmented_control(key="br_section").set_value("statement")
    at = at.run()
    assert "调节后余额相符" in texts(at)


def test_reconciliation_section_stays_when_the_date_changes(admin_app, ui_db, ui_company):  # noqa: F811
    """Changing the statement date reruns the page on the statement section (st.tabs went back to the first tab:
    the browser rebuilt the tab bar when the tab's content changed)."""
    cid = ui_company.company_id
    day = dt.date.today() - dt.timedelta(days=2)
    post(ui_db, cid, [line("1002", debit="500"), line("5001", credit="500")], day)
    at = admin_app.switch_page("pages/finance/bank_reconciliation.py").run()
    control = at.segmented_control(key="br_section")
    assert (control.value, control.options) == ("import", ["导入对账单", "勾对", "余额调节表"])
    control.set_value("statement")
    at = at.run()
    at.date_input(key="br_asof").set_value(day - dt.timedelta(days=1))
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.segmented_control(key="br_section").value == "statement"
    assert at.date_input(key="br_asof").value == day - dt.timedelta(days=1)
    assert not [u for u in at.get("file_uploader")]  # the import section did not run
    at.date_input(key="br_asof").set_value(day)
    at = at.run()
    assert at.segmented_control(key="br_section").value == "statement"
    assert "500.00" in " ".join(str(d.value.to_numpy()) for d in at.dataframe)  # the deposit, now in the books


def test_reopen_from_the_page_needs_a_reason(admin_app, ui_db, ui_company):  # noqa: F811
    from erp_core.finance.close_services import close_period
    from tests.finance_close.support import closer, reopen_at_once

    close_period(ui_db, closer(ui_company.company_id), period="2026-09")
    reopen_at_once(ui_db, ui_company.company_id)  # the approval of a reopening: tests/health
    at = admin_app.switch_page("pages/finance/period_close.py").run()
    next(t for t in at.text_input if t.key == "pc_period").set_value("2026-09")
    at = at.run()
    assert "期间 2026-09 已结账" in texts(at)
    next(c for c in at.checkbox if c.label.startswith("确认反结账")).check()
    next(b for b in at.button if b.label == "反结账").click()
    at = at.run()
    assert "反结账原因" in " ".join(e.value for e in at.error)  # the reason is required
    next(t for t in at.text_area if t.label == "反结账原因").set_value("补记 9 月费用")
    next(c for c in at.checkbox if c.label.startswith("确认反结账")).check()
    next(b for b in at.button if b.label == "反结账").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with ui_db.uow(readonly=True) as uow:
        status = uow.session.execute(select(AccountingPeriod.status).where(
            AccountingPeriod.period == "2026-09")).scalar_one()
    assert status == "open"


def test_pages_in_english_for_the_accountant(ui_db, ui_company):  # noqa: F811
    """The demo accountant (role accountant: finance.*) sees the three pages, in English."""
    from tests.ui import harness

    password = harness.ready_user(ui_db, "li.kuaiji", ui_company.demo_passwords["li.kuaiji"], locale="en")
    app = harness.logged_in_app(ui_db, "li.kuaiji", password)
    for page, title in (("pages/finance/period_close.py", "Period close"), ("pages/finance/budgets.py", "Budgets"),
                        ("pages/finance/bank_reconciliation.py", "Bank reconciliation")):
        at = app.switch_page(page).run()
        assert not at.exception, at.exception
        assert at.title[0].value == title
        assert not at.error, [e.value for e in at.error]
