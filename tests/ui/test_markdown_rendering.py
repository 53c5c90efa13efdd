"""User data shows as the characters it holds in markdown-interpreting widgets (issue 11 item 7)."""

from __future__ import annotations

import re

import pytest

from erp_core.masterdata import partners_services
from tests.support.factories import admin_actor
from ui.safe import md_escape, text_line

IMAGE = "![x](http://e/x.png)"
LINK = "[点我](javascript:alert(1))"


def _live_markup(body: str) -> list[str]:
    """The markdown constructs in ``body`` that a renderer would act on: an unescaped ``[``, ``!``, ``<``, ``:``
    (Streamlit's :icon: / :color[] directives), ``$`` (formulas), emphasis or code marks anywhere, or a heading,
    list or quote mark opening a line. A backslash escapes the next character."""
    live, i = [], 0
    for line in body.split("\n"):
        if re.match(r"\s*([#>+=-]|\d+[.)])", line):
            live.append(line[:12])
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch in "[]!<>:$`*_|~&":
            live.append(body[i:i + 12])
        i += 1
    return live


@pytest.mark.parametrize("value", [IMAGE, LINK, "<img src=x onerror=alert(1)>", "# 标题", "- 列表", "> 引用",
                                   ":red[红字] :material/home:", "$x^2$", "**粗**_斜_`码`", "<http://e.example>",
                                   "a\\b", "1. 第一"])
def test_md_escape_leaves_no_live_markup(value):
    escaped = md_escape(value)
    assert not _live_markup(escaped), escaped
    # removing the escapes gives the value back: the reader sees exactly what was typed
    assert re.sub(r"\\(.)", r"\1", escaped) == value


def test_md_escape_keeps_line_breaks_as_breaks_and_none_as_empty():
    assert md_escape(None) == ""
    assert md_escape("第一行\n# 第二行") == "第一行  \n\\# 第二行"
    assert text_line("联系人", IMAGE) == "**联系人:** " + md_escape(IMAGE)


def test_a_contact_named_like_an_image_shows_as_text_on_the_customer_page(admin_app, ui_db, ui_company):
    admin = admin_actor(ui_db, ui_company)
    cid = partners_services.create_customer(ui_db, admin, values={"code": "C777", "name": "图片测试客户"})
    partners_services.add_customer_contact(ui_db, admin, customer_id=cid,
                                           values={"name": IMAGE, "position": LINK, "phone": "13800000000"})
    partners_services.add_customer_address(ui_db, admin, customer_id=cid,
                                           values={"kind": "shipping", "address": LINK, "receiver": IMAGE})
    at = admin_app.switch_page("pages/masterdata/customers.py").run()
    at.selectbox(key="masterdata.customer_pick").set_value(cid)
    at = at.run()
    assert not at.exception, at.exception
    bodies = [m.value for m in at.markdown]
    contact = next(b for b in bodies if "13800000000" in b)
    address = next(b for b in bodies if "javascript" in b and b is not contact)
    for body in (contact, address):
        assert not _live_markup(body.split("·", 1)[1] if body is address else body), body
    assert md_escape(IMAGE) in contact and md_escape(LINK) in contact
    assert md_escape(LINK) in address and md_escape(IMAGE) in address
