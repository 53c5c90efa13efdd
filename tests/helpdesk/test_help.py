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


def _cjk_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum("\u4e00" <= ch <= "\u9fff" for ch in letters) / max(len(letters), 1)


def test_every_topic_reads_in_chinese_in_the_chinese_interface_and_english_in_the_english_one():
    """The Chinese interface showed English-only documents (inventory, reports, approvals, settings, security,
    operations) as they were: every topic now has a Chinese text, and the English reader still gets the document."""
    for topic in help_topics("zh_CN"):
        text = help_text(topic.code, "zh_CN")
        assert _cjk_share(text) > 0.5, (topic.code, round(_cjk_share(text), 2))
        assert topic.sections, topic.code
    for code in ("inventory", "operations", "crm", "purchasing", "hr"):
        assert _cjk_share(help_text(code, "en")) < 0.2, code
    assert help_section("crm", "parts", "zh_CN").startswith("## 工单使用的配件")
    assert {"purchasing", "payables", "costing", "crm", "hr"} <= {x.code for x in help_topics("en")}


def test_every_pages_question_mark_opens_a_chinese_section_that_exists():
    import re
    from pathlib import Path

    links = []
    for page in sorted(Path("pages").rglob("*.py")):
        links += [(page.name, *m) for m in re.findall(r'help_link\("([a-z-]+)"(?:, "([a-z0-9-]+)")?\)',
                                                          page.read_text(encoding="utf-8"))]
    assert len(links) >= 45, len(links)  # the main pages of every module, not 7
    for page, topic, section in links:
        text = help_section(topic, section, "zh_CN") if section else help_intro(topic, "zh_CN")
        assert text and _cjk_share(text) > 0.5, (page, topic, section)
