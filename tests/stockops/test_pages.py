"""The inventory-operations pages in Streamlit AppTest (SQLite): the documents page lists, opens and posts an
other issue (confirmed first) and creates a transfer; the stocktake page shows a stocktake's lines and the count
sheet download, counts and posts it; the reports page shows the movement summary and the reorder list; the
settings page switches negative stock on; the home page shows the low-stock alert."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.inventory.opening_services import import_opening_stock
from erp_core.io.importer import Table
from erp_core.stockops import services as S
from erp_core.stockops import stocktake_services as T
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import choose_section, texts


@pytest.fixture
def stock(ui_db, ui_company):  # noqa: F811
    from erp_core.masterdata import items_services, warehouse_services

    admin = admin_actor(ui_db, ui_company)
    wh = {c: warehouse_services.create_warehouse(ui_db, admin, code=c, name=n)
          for c, n in (("WH01", "长沙总仓"), ("WH02", "株洲分仓"))}
    prods = {c: items_services.create_product(ui_db, admin, values={"code": c, "name": n, "reorder_point": "50"})
             for c, n in (("P1001", "安化黑茶"), ("P1002", "古丈毛尖"))}
    today = dt.date.today()
    import_opening_stock(ui_db, admin, Table(["仓库编码", "商品编码", "数量", "单价"],
                                             [["WH01", "P1001", "100", "96"], ["WH01", "P1002", "10", "72"]],
                                             "o.csv"), opening_date=today.replace(day=1))
    issue = S.create_other_issue(ui_db, admin, doc_date=today, warehouse_id=wh["WH01"], reason="领用",
                                 lines=[{"product_id": prods["P1001"], "quantity": "2"}])
    return {"admin": admin, "wh": wh, "prods": prods, "issue": issue, "today": today}


def _button(at, key):
    return next(b for b in at.button if b.key == key)


def test_documents_page_lists_opens_and_posts_with_confirmation(admin_app, stock):  # noqa: F811
    at = admin_app.switch_page("pages/inventory/stock_documents.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "库存单据"
    at = choose_section(at, "sd_type", "other_issue")
    df = at.dataframe[0].value
    assert list(df["状态"]) == ["草稿"] and list(df["单号"])[0].startswith("QC")
    at = next(s for s in at.selectbox if s.key == "sd_open_select").select(stock["issue"]).run()
    assert not at.exception, at.exception
    assert _button(at, "sd_post").disabled  # not confirmed yet
    at = next(c for c in at.checkbox if c.key == "sd_post_ok").check().run()
    at = _button(at, "sd_post").click().run()
    assert not at.exception, at.exception
    assert "已过账" in texts(at)
    assert list(at.dataframe[0].value["状态"]) == ["已过账"]


def test_documents_page_creates_a_transfer(admin_app, stock):  # noqa: F811
    at = admin_app.switch_page("pages/inventory/stock_documents.py").run()
    at = choose_section(at, "sd_type", "stock_transfer")
    assert "没有符合条件的单据" in texts(at)
    k = "sd_form_new"
    next(s for s in at.selectbox if s.key == f"{k}_to").select_index(1)  # WH02
    next(t for t in at.text_input if t.key == f"{k}_q0").set_value("5")
    at = _button(at, f"{k}_save").click().run()
    assert not at.exception, at.exception
    assert "已保存" in texts(at)
    assert list(at.dataframe[0].value["状态"]) == ["草稿"]


def test_stocktake_page_counts_and_posts(admin_app, stock, ui_db):  # noqa: F811
    sid = T.start_stocktake(ui_db, stock["admin"], warehouse_id=stock["wh"]["WH01"], as_of=stock["today"])
    at = admin_app.switch_page("pages/inventory/stocktakes.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "盘点"
    at = next(s for s in at.selectbox if s.key == "stk_open").select(sid).run()
    assert not at.exception, at.exception
    lines = at.dataframe[1].value
    assert list(lines["商品编码"]) == ["P1001", "P1002"] and len(at.get("download_button")) >= 2
    next(t for t in at.text_input if t.key == f"stk_c_{sid}_1").set_value("100")
    next(t for t in at.text_input if t.key == f"stk_c_{sid}_2").set_value("9")
    at = _button(at, "stk_save_counts").click().run()
    assert not at.exception, at.exception
    at = next(c for c in at.checkbox if c.key == "stk_post_ok").check().run()
    at = _button(at, "stk_post").click().run()
    assert not at.exception, at.exception
    assert "已过账" in texts(at)
    assert "盘点损溢处理" in texts(at)


def test_reports_page_movement_and_reorder(admin_app, stock):  # noqa: F811
    at = admin_app.switch_page("pages/inventory/stock_reports.py").run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["商品编码"]) == ["P1001", "P1002"]
    at = choose_section(at, "sr_section", "reorder")
    assert not at.exception, at.exception
    assert "1 个商品低于再订货点" in texts(at)  # P1002: 10 on hand, reorder point 50; P1001 has 100
    assert list(at.dataframe[0].value["商品编码"]) == ["P1002"]


def test_settings_page_switches_negative_stock_on(admin_app, stock):  # noqa: F811
    at = admin_app.switch_page("pages/inventory/inventory_settings.py").run()
    assert not at.exception, at.exception
    at = next(t for t in at.toggle if t.key == "inv_allow_negative").set_value(True).run()
    at = _button(at, "inv_settings_save").click().run()
    assert not at.exception, at.exception
    assert "已保存" in texts(at)


def test_home_page_shows_the_low_stock_alert(admin_app, stock):  # noqa: F811
    at = admin_app.switch_page("pages/home.py").run()
    assert not at.exception, at.exception
    assert "1 个商品低于再订货点" in texts(at)
