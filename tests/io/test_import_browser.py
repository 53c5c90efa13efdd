"""The import page in a real browser (Streamlit's file uploader cannot be driven from AppTest): upload a file
with problems -> the dry-run table names them and nothing is written; upload a good file -> commit.

Each test gets its own server (both import into the company's empty customer list) over a migrated SQLite file
that already holds the company and a ready administrator: Streamlit alone (tests/e2e/server.py:
running_streamlit), not ./start.sh over an empty file (migrations, scheduler and `erp serve` in processes of their
own: 27 s of set-up on the busy CI machine; tests/e2e/test_browser_smoke.py starts the app that way)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp_core.i18n import t
from tests.e2e.server import running_streamlit
from tests.e2e.test_browser_smoke import ROOT, WAIT, browser  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


def zh(key: str, **params) -> str:
    return t(key, "zh_CN", **params)


@pytest.fixture
def company_server(tmp_path):
    """(the app's base URL, the database, the administrator's password): the company made by the setup use case
    and its administrator past the first-login steps, in tmp_path/erp.db, before Streamlit starts over it."""
    from erp_core.config import Settings
    from erp_core.db.engine import make_engine
    from erp_core.db.uow import Database
    from tests.support.factories import ADMIN_PASSWORD, make_company
    from tests.ui.harness import fresh_sqlite_url, ready_user

    url = fresh_sqlite_url(tmp_path)
    db = Database(make_engine(url), Settings(database_url=url, data_dir=tmp_path))
    try:
        make_company(db)
        password = ready_user(db, "admin", ADMIN_PASSWORD)
        with running_streamlit(tmp_path, url, "e2e-cookie-key-" + "x" * 40) as server:
            yield server, db, password
    finally:
        db.dispose()


def test_upload_dry_run_then_commit(company_server, browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    from erp_core.masterdata.models_partners import Customer

    server, db, password = company_server

    expect.set_options(timeout=WAIT)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server)
    page.get_by_label(zh("login.username"), exact=True).fill("admin")
    page.get_by_label(zh("login.password"), exact=True).fill(password)
    page.get_by_role("button", name=zh("login.submit")).click()
    expect(page.get_by_role("link", name=zh("nav.masterdata.import"), exact=True).first).to_be_visible()
    page.get_by_role("link", name=zh("nav.masterdata.import"), exact=True).first.click()
    expect(page.get_by_role("heading", name=zh("nav.masterdata.import"))).to_be_visible()

    bad = tmp_path / "bad.csv"
    bad.write_text("编码,名称,信用额度\nC1,甲公司,1.234\n,乙公司,\n", encoding="gb18030")
    page.locator('input[type="file"]').set_input_files(str(bad))
    expect(page.get_by_text(zh("import.dry_run_failed", count=2))).to_be_visible()
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(Customer)).scalar_one() == 0

    good = tmp_path / "good.csv"
    good.write_text("编码,名称,信用额度\nC1,甲公司,1.23\nC2,乙公司,\n", encoding="gb18030")
    page.locator('input[type="file"]').set_input_files(str(good))
    expect(page.get_by_text(zh("import.dry_run_ok", created=2, updated=0))).to_be_visible()
    page.get_by_role("button", name=zh("masterdata.import.commit")).click()
    expect(page.get_by_text(zh("import.done", created=2, updated=0))).to_be_visible()
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(func.count()).select_from(Customer)).scalar_one() == 2

    # the imported customers are in the customer list (the sidebar lists every page: app.py expands it)
    # exact: the sales pages' links (客户对账单, 客户条款...) also contain 客户
    page.get_by_role("link", name=zh("nav.masterdata.customers"), exact=True).first.click()
    expect(page.get_by_role("heading", name=zh("nav.masterdata.customers"), exact=True)).to_be_visible()
    expect(page.get_by_text(zh("masterdata.total", total=2))).to_be_visible()
    (ROOT / "artifacts").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "artifacts" / "e2e-customers-zh.png"), full_page=True)
    context.close()


def test_big5_upload_is_refused_then_read_with_the_chosen_encoding(company_server, browser, tmp_path):  # noqa: F811
    """Issue #11 item 14: a Big5 CSV was stored as GB18030 mojibake. The page says why it refuses the file and
    offers the encoding; with Big5 chosen the same file imports as written."""
    from playwright.sync_api import expect

    from erp_core.masterdata.models_partners import Customer
    from tests.e2e.test_browser_smoke import _choose

    server, db, password = company_server
    expect.set_options(timeout=WAIT)
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(WAIT)
    page.goto(server)
    page.get_by_label(zh("login.username"), exact=True).fill("admin")
    page.get_by_label(zh("login.password"), exact=True).fill(password)
    page.get_by_role("button", name=zh("login.submit")).click()
    page.get_by_role("link", name=zh("nav.masterdata.import"), exact=True).first.click()
    expect(page.get_by_role("heading", name=zh("nav.masterdata.import"))).to_be_visible()

    f = tmp_path / "big5.csv"
    f.write_bytes("code,name\nC1,臺北貿易股份有限公司\n".encode("big5"))
    page.locator('input[type="file"]').set_input_files(str(f))
    expect(page.get_by_text(zh("import.encoding.hint_big5"), exact=False)).to_be_visible()
    _choose(page, page.get_by_role("combobox", name=zh("masterdata.import.encoding")), "BIG5")
    expect(page.get_by_text(zh("import.dry_run_ok", created=1, updated=0))).to_be_visible()
    page.get_by_role("button", name=zh("masterdata.import.commit")).click()
    expect(page.get_by_text(zh("import.done", created=1, updated=0))).to_be_visible()
    with db.uow(readonly=True) as uow:
        assert uow.session.execute(select(Customer.name)).scalar_one() == "臺北貿易股份有限公司"
    context.close()
