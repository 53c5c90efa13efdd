"""Every page the administrator can open survives a language switch (issue 11 item 16), and shows no
Streamlit English in the Chinese interface (item 17)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import element_tree as et

from tests.ui import harness
from ui.nav import all_pages
from ui.pages import ACCOUNT_PAGES, HOME, page_exists

PAGE_FILES = sorted({s.file for s in [*all_pages(), HOME, ACCOUNT_PAGES["password"]] if page_exists(s)})


def test_the_shards_cover_every_page():
    assert sorted(f for i in range(LANGUAGE_SHARDS) for f in PAGE_FILES[i::LANGUAGE_SHARDS]) == PAGE_FILES
    assert sorted(f for i in range(ENGLISH_SHARDS) for f in PAGE_FILES[i::ENGLISH_SHARDS]) == PAGE_FILES


@pytest.fixture(autouse=True)
def frontend_applies_resets(monkeypatch):
    """When a run finds a choice widget's value is no longer one of its options (the options were relabelled,
    e.g. by a language switch), Streamlit resets it and tells the browser the new value (``set_value`` +
    ``raw_value``); the browser then shows and sends that. AppTest ignores the message and keeps sending the
    stale label, failing in its own code. This makes it do what the browser does."""

    def patched(original):
        def index(self):
            try:
                return original.fget(self)
            except ValueError:
                if self.proto.set_value and self.proto.raw_value in self.options:
                    return self.options.index(self.proto.raw_value)
                return self.proto.default if self.proto.HasField("default") else None
        return property(index)

    monkeypatch.setattr(et.Selectbox, "index", patched(et.Selectbox.index))
    monkeypatch.setattr(et.Radio, "index", patched(et.Radio.index))

    def values(self):
        labels = [et._format_value_for_widget(self.format_func, v) for v in self.value]
        if all(v in self.options for v in labels):
            return labels
        return list(self.proto.raw_values) if self.proto.set_value else [v for v in labels if v in self.options]

    monkeypatch.setattr(et.Multiselect, "values", property(values))


def _switch(at, lang: str):
    at.selectbox(key="erp_lang_user").set_value(lang)
    return at.run()


# The walks over every page are split into shards, each from its own fresh login: one walk took ~3 min on the
# busy 2-core CI machine, the longest single test of the suite, and bounded the run's wall time however the
# other tests were spread over the workers. Together the shards still open every page, with every step.
LANGUAGE_SHARDS = 6
ENGLISH_SHARDS = 3


@pytest.mark.parametrize("shard", range(LANGUAGE_SHARDS))
def test_every_page_survives_a_language_switch(admin_app, shard):
    """Open each page, switch the interface language there, rerun, switch back: no exception, no error box."""
    at = admin_app
    failures = []
    for file in PAGE_FILES[shard::LANGUAGE_SHARDS]:
        at = at.switch_page(file).run()
        for step in ("open", "en", "rerun", "zh_CN", "rerun"):
            if step in ("en", "zh_CN"):
                at = _switch(at, step)
            elif step == "rerun":
                at = at.run()
            if at.exception:
                failures.append((file, step, [e.value for e in at.exception]))
                break
    assert not failures, failures
    assert at.title[0].value  # the last page rendered in Chinese again


STREAMLIT_ENGLISH = ("Choose an option", "Choose options", "Page not found", "No results")


def _protos(node) -> list:
    out = []
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            out += _protos(child)
    proto = getattr(node, "proto", None)
    if proto is not None:
        out.append((getattr(node, "type", ""), proto))
    return out


def _streamlit_english(at) -> list[str]:
    """What of Streamlit's own English this run would show: a choice widget without a localized placeholder
    (Streamlit then writes "Choose an option"), a table whose empty cells would read "None", and the words
    themselves anywhere in the page."""
    found = []
    for _kind, proto in _protos(at.main) + _protos(at.sidebar):
        name = type(proto).__name__
        if name in ("Selectbox", "MultiSelect") and (not proto.placeholder or proto.placeholder in STREAMLIT_ENGLISH):
            found.append(f"{name} {proto.label!r} placeholder={proto.placeholder!r}")
        if name in ("Arrow", "Dataframe") and (not proto.HasField("placeholder") or proto.placeholder == "None"):
            found.append(f"table {proto.id or ''} shows None in empty cells")
        text = str(proto)
        found += [f"{name}: {w}" for w in STREAMLIT_ENGLISH if w in text]
    return found


@pytest.mark.parametrize("shard", range(ENGLISH_SHARDS))
def test_no_page_shows_streamlit_english_in_chinese(admin_app, shard):
    at = admin_app
    failures = {}
    for file in PAGE_FILES[shard::ENGLISH_SHARDS]:
        at = at.switch_page(file).run()
        assert not at.exception, (file, at.exception)
        if found := _streamlit_english(at):
            failures[file] = found
    assert not failures, failures


def test_the_voucher_grid_leaves_empty_cells_empty(admin_app):
    at = admin_app.switch_page("pages/finance/voucher_entry.py").run()
    grids = [p for _, p in _protos(at.main) if type(p).__name__ in ("Arrow", "Dataframe")]
    assert grids and all(p.HasField("placeholder") and p.placeholder == "" for p in grids)


def _open_address(at, url_path: str):
    """Open a page by its address, as a browser does with a typed or bookmarked URL (AppTest's switch_page takes
    only file pages; the registered page's hash is what the browser's URL resolves to)."""
    matches = [h for h, info in at._registered_pages.items() if info.get("url_pathname") == url_path]
    assert matches, f"no page registered at /{url_path}"
    at._page_hash = matches[0]
    return at.run()


@pytest.mark.parametrize("locale, title", [("zh_CN", "无权打开此页面"), ("en", "You may not open this page")])
def test_a_page_one_may_not_open_explains_itself_in_the_users_language(ui_db, ui_company, locale, title):
    password = harness.ready_user(ui_db, "wang.xiaoshou", ui_company.demo_passwords["wang.xiaoshou"], locale=locale)
    at = harness.logged_in_app(ui_db, "wang.xiaoshou", password)
    at = _open_address(at, "admin_audit")
    assert not at.exception, at.exception
    assert at.title[0].value == title
    body = harness.texts(at)
    assert ("审计日志" if locale == "zh_CN" else "Audit") in body
    assert not any(w in body for w in STREAMLIT_ENGLISH)
    assert not at.dataframe  # the audit page itself never ran
    # the sidebar still lists only the salesperson's pages
    assert "系统管理" not in [getattr(n, "label", "") for n in at.sidebar]


def test_a_language_switch_keeps_the_filters_the_user_chose(admin_app):
    """The trial balance's filters travel as translated labels; after a switch the same account, level and
    periods stay chosen and show in the new language (they were dropped, or showed the old label while the page
    used the default)."""
    at = admin_app.switch_page("pages/reports/trial_balance.py").run()
    account = at.selectbox(key="tb_acc_from").options[3]  # "1012 其他货币资金"
    at.selectbox(key="tb_acc_from").set_value(account.split()[0])
    at.selectbox(key="tb_level").set_value(2)
    at.selectbox(key="tb_from").set_value(at.selectbox(key="tb_from").options[2])
    chosen_from = at.selectbox(key="tb_from").value
    at = at.button[0].click().run()  # the form's submit button
    assert not at.exception
    code = account.split()[0]
    at = _switch(at, "en")
    assert not at.exception, at.exception
    assert at.session_state["tb_acc_from"] == code
    assert at.session_state["tb_level"] == 2
    assert at.session_state["tb_from"] == chosen_from
    shown = at.selectbox(key="tb_acc_from")
    assert shown.options[shown.index].startswith(code) and shown.options[shown.index] != account  # English label
    assert at.selectbox(key="tb_level").options[0] == "All levels"
    at = _switch(at, "zh_CN")
    assert at.session_state["tb_acc_from"] == code and at.session_state["tb_level"] == 2
    assert at.selectbox(key="tb_acc_from").options[at.selectbox(key="tb_acc_from").index] == account
