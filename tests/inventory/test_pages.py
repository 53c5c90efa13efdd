"""The stock pages in Streamlit AppTest (SQLite, the demo company): stock on hand renders the imported opening
stock with totals, filters by warehouse and text, offers CSV/XLSX downloads and the stock-vs-ledger check; the
stock ledger page lists the moves and filters them; the import page offers opening stock with its template;
a warehouse keeper sees the inventory group."""

from __future__ import annotations

import datetime as dt

import pytest

from erp_core.inventory.opening_services import import_opening_stock
from erp_core.io.importer import Table
from tests.support.factories import admin_actor
from tests.ui.conftest import admin_app, admin_password, login_as, ui_company, ui_db  # noqa: F401
from tests.ui.harness import texts


@pytest.fixture
def opening(ui_db, ui_company):  # noqa: F811
    """Two warehouses, three products and their opening stock (the setup's demo option makes users only)."""
    from erp_core.masterdata import items_services, warehouse_services

    admin = admin_actor(ui_db, ui_company)
    for code, name in (("WH01", "长沙总仓"), ("WH02", "株洲分仓")):
        warehouse_services.create_warehouse(ui_db, admin, code=code, name=name)
    for code, name in (("P1001", "安化黑茶"), ("P1002", "古丈毛尖"), ("P1012", "竹制收纳篮")):
        items_services.create_product(ui_db, admin, values={"code": code, "name": name})
    today = dt.date.today()
    table = Table(["仓库编码", "商品编码", "数量", "单价"], [["WH01", "P1001", "10", "96"], ["WH02", "P1002", "5", "72"],
                                                  ["WH01", "P1012", "3", "15.6"]], "opening.csv")
    import_opening_stock(ui_db, admin, table, opening_date=today)
    return today


def _submit(at):
    return next(b for b in at.button if b.label == "查询").click().run()


def test_stock_on_hand_page_shows_filters_downloads_and_the_ledger_check(admin_app, opening):  # noqa: F811
    at = admin_app.switch_page("pages/inventory/stock_on_hand.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "库存余额"
    df = at.dataframe[0].value
    assert list(df["商品编码"]) == ["P1001", "P1012", "P1002"]
    assert list(df["金额"]) == ["960.00", "46.80", "360.00"]
    shown = texts(at)
    assert "1,366.80" in shown and "库存与总账对账" in shown
    assert "库存与总账相差 1,366.80" in shown  # no 1405 opening balance was imported
    assert len(at.get("download_button")) == 2
    # filter: one warehouse
    next(s for s in at.selectbox if s.key == "soh_wh").select_index(2)  # WH02 (after "all" and WH01)
    at = _submit(at)
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["商品编码"]) == ["P1002"]
    # filter: text that matches nothing
    next(s for s in at.selectbox if s.key == "soh_wh").select_index(0)
    next(t for t in at.text_input if t.key == "soh_search").set_value("不存在的商品")
    at = _submit(at)
    assert "没有符合条件的库存" in texts(at)


def test_stock_moves_page_lists_and_filters(admin_app, opening):  # noqa: F811
    at = admin_app.switch_page("pages/inventory/stock_moves.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "库存台账"
    df = at.dataframe[0].value
    assert list(df["商品编码"]) == ["P1012", "P1002", "P1001"]  # newest first
    assert set(df["业务类型"]) == {"期初"}
    next(t for t in at.text_input if t.key == "sm_search").set_value("P1002")
    at = at.run()
    assert list(at.dataframe[0].value["商品编码"]) == ["P1002"]
    next(s for s in at.selectbox if s.key == "sm_type").select("issue")
    at = at.run()
    assert "没有符合条件的库存记录" in texts(at)


def test_import_page_offers_opening_stock_with_its_template(admin_app):  # noqa: F811
    at = admin_app.switch_page("pages/masterdata/import.py").run()
    box = at.selectbox[0]
    assert "期初库存" in box.options
    at = box.select("opening-stock").run()
    assert not at.exception, at.exception
    assert any(d.key == "opening_date" for d in at.date_input)
    assert len(at.get("download_button")) == 2


def test_warehouse_keeper_sees_the_inventory_pages(login_as):  # noqa: F811
    at = login_as("chen.cangguan")
    at = at.switch_page("pages/inventory/stock_on_hand.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "库存余额" and not at.error
    assert "库存与总账对账" in texts(at)
