"""The help centre's texts (issue #16 item 8): a topic per module in both languages, rendered from docs/ (the
language's half of a bilingual document), FAQ sections for the usage guide's common problems quoting what the
system itself says, sections found by id for the pages' "?" links, search, and no path tricks."""

from __future__ import annotations

from erp_core.helpdesk.help import DOC_SOURCES, help_intro, help_section, help_text, help_topics, search_help
from erp_core.i18n import t


def test_topics_in_both_languages():
    zh = {x.code: x for x in help_topics("zh_CN")}
    en = {x.code: x for x in help_topics("en")}
    assert {"start", "faq", "admin", "finance", "inventory"} <= set(zh) and set(zh) == set(en)
    assert set(DOC_SOURCES) <= set(zh)
    assert zh["faq"].title == "常见问题" and en["faq"].title == "Frequently asked questions"
    assert [s for s, _ in zh["faq"].sections] == ["login", "save", "module", "report"]
    assert [s for s, _ in zh["faq"].sections] == [s for s, _ in en["faq"].sections]


def test_bilingual_documents_give_each_language_its_half():
    zh, en = help_text("finance", "zh_CN"), help_text("finance", "en")
    assert "录入凭证" in zh and "Entering vouchers" not in zh
    assert "Entering vouchers" in en and "### 录入凭证" not in en
    assert help_section("finance", "s2", "zh_CN").startswith("### 录入凭证")
    assert help_section("finance", "s2", "en").startswith("### Entering vouchers")
    assert "<!-- section" not in zh


def test_faq_quotes_what_the_system_says():
    for loc in ("zh_CN", "en"):
        login = help_section("faq", "login", loc)
        assert t("error.login.failed", loc) in login
        assert t("login.reason.idle", loc) in login
        assert t("error.busy", loc) in help_section("faq", "save", loc)
        assert t("ui.denied.title", loc) in help_section("faq", "module", loc)


def test_sections_intro_search_and_unknowns():
    assert help_section("admin", "data-quality", "zh_CN").startswith("## 数据质量")
    assert help_section("admin", "nope", "en") is None
    assert help_intro("faq", "en").startswith("# Frequently asked questions")
    assert help_text("../../config", "en") is None and help_text("nope", "zh_CN") is None
    assert ("faq", "login", "无法登录") in search_help("锁定", "zh_CN")
    assert search_help("   ", "en") == []
