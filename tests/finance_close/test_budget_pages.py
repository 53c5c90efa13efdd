"""Budget results on the voucher pages (AppTest, SQLite, as the administrator of the demo company): after posting
from the list (bulk) or from the detail (single), a 'warn' budget the voucher went past is shown with its
department and amounts; a 'block' budget refuses and its localized error is shown; the detail of a posted voucher
repeats the warning. Also the taxpayer type on the periods page (and its caption on the close page)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from erp_core.finance.budget_services import save_budget
from erp_core.finance.models import Voucher
from erp_core.finance.voucher_services import create_voucher, review_voucher
from erp_core.masterdata.models import Department
from tests.finance.support import line
from tests.finance_close.support import closer
from tests.ui.conftest import admin_app, admin_password, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts


def _reviewed(ui_db, cid: int, day: dt.date, dep_id: int, amount: str) -> tuple[int, str]:  # noqa: F811
    vid = create_voucher(ui_db, closer(cid), voucher_date=day, lines=[
        line("5602", debit=amount, summary="差旅费", department_id=dep_id), line("1001", credit=amount)])
    review_voucher(ui_db, closer(cid), voucher_id=vid)
    with ui_db.uow(readonly=True) as uow:
        return vid, uow.session.get(Voucher, vid).display_no


def _setup(ui_db, cid: int, control: str) -> tuple[dt.date, int, str]:  # noqa: F811
    day = dt.date.today()
    with ui_db.uow() as uow:
        dep = Department(company_id=cid, code="B77", name="预算测试部")
        uow.session.add(dep)
        uow.session.flush()
        dep_id = dep.id
        uow.commit()
    period = f"{day.year:04d}-{day.month:02d}"
    save_budget(ui_db, closer(cid), account_code="5602", period=period, amount="100", control=control,
                department_id=dep_id)
    return day, dep_id, period


def _open_list(admin_app, row_no: int):  # noqa: F811
    at = admin_app.switch_page("pages/finance/vouchers.py").run()
    assert not at.exception, at.exception
    next(s for s in at.selectbox if s.key == "vl_status").set_value("reviewed")
    at = at.run()
    table = at.dataframe[0].value
    index = list(table.iloc[:, 0]).index(row_no)
    at.session_state["vl_table"] = {"selection": {"rows": [index], "columns": [], "cells": []}}
    return at.run()


def test_bulk_post_shows_the_warn_budget_it_went_past(admin_app, ui_db, ui_company):  # noqa: F811
    cid = ui_company.company_id
    day, dep_id, period = _setup(ui_db, cid, "warn")
    vid, number = _reviewed(ui_db, cid, day, dep_id, "120")
    at = _open_list(admin_app, number)
    next(b for b in at.button if b.key == "vl_post_go").click()
    at = at.run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    expected = f"{number} 已过账，但超出预算：科目 5602 部门 B77 预算测试部 {period} 预算 100.00，过账后实际 120.00，超出 20.00"
    assert expected in warnings, warnings
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.get(Voucher, vid).status == "posted"


def test_single_post_from_the_detail_warns_and_the_detail_repeats_it(admin_app, ui_db, ui_company):  # noqa: F811
    cid = ui_company.company_id
    day, dep_id, period = _setup(ui_db, cid, "warn")
    vid, number = _reviewed(ui_db, cid, day, dep_id, "150")
    at = _open_list(admin_app, number)
    next(b for b in at.button if b.key == "vl_post_one").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    text = f"科目 5602 部门 B77 预算测试部 {period} 预算 100.00，过账后实际 150.00，超出 50.00"
    assert f"{number} 已过账，但超出预算：{text}" in [w.value for w in at.warning]
    assert f"凭证 {number} 已过账" in texts(at)
    # the posted voucher's detail shows the same budget result
    next(s for s in at.selectbox if s.key == "vl_status").set_value("posted")
    at = at.run()
    table = at.dataframe[0].value
    at.session_state["vl_table"] = {"selection": {"rows": [list(table.iloc[:, 0]).index(number)], "columns": [],
                                                  "cells": []}}
    at = at.run()
    assert f"超出预算：{text}" in [w.value for w in at.warning]


def test_block_budget_refuses_with_the_localized_error(admin_app, ui_db, ui_company):  # noqa: F811
    cid = ui_company.company_id
    day, dep_id, period = _setup(ui_db, cid, "block")
    vid, number = _reviewed(ui_db, cid, day, dep_id, "130")
    at = _open_list(admin_app, number)
    next(b for b in at.button if b.key == "vl_post_go").click()
    at = at.run()
    # as shown: the markdown source escapes what the message quotes (ui.safe), e.g. "100\\.00" renders "100.00"
    errors = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]
    # the refusal names the department whose budget blocks
    assert f"{number}: 超出预算：科目 5602 部门 B77 预算测试部 在 {period} 的预算 100.00，过账后实际 130.00，超支 30.00" \
        in errors, errors
    assert not at.warning or all("超出预算" not in w.value for w in at.warning)
    with ui_db.uow(readonly=True) as uow:
        assert uow.session.execute(select(Voucher.status).where(Voucher.id == vid)).scalar_one() == "reviewed"


def test_taxpayer_type_from_the_periods_page(admin_app, ui_db, ui_company):  # noqa: F811
    """The periods page sets the taxpayer type and the close page shows it; once an open period holds a posted
    voucher, changing it back is refused with the localized reason and nothing changes."""
    from erp_core.finance.models import FinanceSetting

    cid = ui_company.company_id

    def saved() -> str:
        with ui_db.uow(readonly=True) as uow:
            return uow.session.get(FinanceSetting, cid).taxpayer_type

    at = admin_app.switch_page("pages/finance/periods.py").run()
    assert not at.exception, at.exception
    radio = next(r for r in at.radio if r.key == "fs_taxpayer")
    assert radio.value == "general"
    radio.set_value("small")
    next(b for b in at.button if b.label == "保存").click()
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert saved() == "small"
    at = at.switch_page("pages/finance/period_close.py").run()
    assert "增值税纳税人类型：小规模纳税人" in texts(at)

    day = dt.date.today()
    vid, _ = _reviewed_cash(ui_db, cid, day)
    from erp_core.ledger.posting import post_voucher

    post_voucher(ui_db, closer(cid), voucher_id=vid)
    at = at.switch_page("pages/finance/periods.py").run()
    next(r for r in at.radio if r.key == "fs_taxpayer").set_value("general")
    next(b for b in at.button if b.label == "保存").click()
    at = at.run()
    errors = " ".join(e.value for e in at.error)
    assert f"期间 {day.year:04d}-{day.month:02d} 有已过账凭证且未结账" in errors, errors
    assert saved() == "small"


def _reviewed_cash(ui_db, cid: int, day: dt.date) -> tuple[int, str]:  # noqa: F811
    vid = create_voucher(ui_db, closer(cid), voucher_date=day, lines=[line("1002", debit="10", summary="收款"),
                                                                       line("1001", credit="10")])
    review_voucher(ui_db, closer(cid), voucher_id=vid)
    return vid, ""
