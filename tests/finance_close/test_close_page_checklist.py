"""The period-close checklist speaks in words (issue 11 item 29): its state column is text (emoji showed as empty
boxes where the font lacks them), its 说明 column holds full localized sentences ("3 张凭证未过账", not "3"), and the
page opens on the first period not yet closed (it opened on last month, often a closed one)."""

from __future__ import annotations

import datetime as dt

from erp_core.finance.close_queries import close_checklist, first_open_period
from erp_core.finance.close_services import close_period
from erp_core.finance.voucher_services import create_voucher
from tests.finance.support import line
from tests.finance_close.support import closer, post
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts

EMOJI = ("✅", "❌", "⏳")


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def test_first_open_period(db, company):
    cid = company.company_id
    who = closer(cid)
    assert first_open_period(db, who, today=dt.date(2026, 12, 6)) == "2026-11"  # no books: last month
    post(db, cid, [line("1002", debit="100"), line("5001", credit="100")], dt.date(2026, 8, 8))
    post(db, cid, [line("1002", debit="100"), line("5001", credit="100")], dt.date(2026, 10, 8))
    assert first_open_period(db, who) == "2026-08"
    close_period(db, who, period="2026-08")
    assert first_open_period(db, who) == "2026-10"  # September is empty: nothing to close there
    close_period(db, who, period="2026-10")
    assert first_open_period(db, who) == "2026-11"  # every period with vouchers closed: the next one
    close_period(db, who, period="2026-11")
    close_period(db, who, period="2026-12")
    assert first_open_period(db, who) == "2027-01"


def test_checklist_notes_are_sentences(db, company):
    cid = company.company_id
    who = closer(cid)
    day = dt.date(2026, 11, 8)
    post(db, cid, [line("1002", debit="11300"), line("5001", credit="10000"), line("22210102", credit="1300")], day)
    for _ in range(3):
        create_voucher(db, who, voucher_date=day, lines=[line("5602", debit="10"), line("1001", credit="10")])
    items = {i.key: i for i in close_checklist(db, who, period="2026-11").items}
    assert items["posted"].detail == "3" and not items["posted"].ok
    assert items["posted"].note == ("finance_close.note.posted", {"n": "3"})
    assert items["vat"].note == ("finance_close.note.vat", {"amount": "1,300.00"})
    assert items["carry_forward"].note == ("finance_close.note.carry_forward", {"n": "1"})
    assert items["gaps"].note is None and items["balanced"].note is None  # met: nothing to say


def test_page_opens_on_the_first_open_period_and_speaks_in_words(admin_app, ui_db, ui_company):  # noqa: F811
    cid = ui_company.company_id
    who = closer(cid)
    close_period(ui_db, who, period="2026-01")
    day = dt.date(2026, 2, 5)
    post(ui_db, cid, [line("1002", debit="11300"), line("5001", credit="10000"), line("22210102", credit="1300")],
         day)
    create_voucher(ui_db, who, voucher_date=day, lines=[line("5602", debit="10"), line("1001", credit="10")])
    at = admin_app.switch_page("pages/finance/period_close.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.text_input(key="pc_period").value == "2026-02"  # not last month, not the closed 2026-01
    table = at.dataframe[0].value
    states, notes = list(table["状态"]), list(table["说明"])
    assert not any(e in str(v) for v in states + notes for e in EMOJI)
    assert set(states) <= {"已完成", "未通过", "待生成", "提示"}
    assert "1 张凭证未过账" in notes and "待转出未交增值税 1,300.00" in notes
    assert "还有须先处理的检查项" in texts(at)
