"""The help centre's texts (帮助中心): one markdown file per topic and language under docs/help/<locale>/, read from
the code base (static, trusted text written by the project, no database, no permission: every signed-in user may
read the manual).

A topic file starts with a ``# Title`` line. Sections that pages link to ("?" next to a page title,
ui/help.py) are marked by a comment line right before their heading::

    <!-- section: data-quality -->
    ## 数据质量

:func:`help_section` returns the text from that marker to the next marker (or the end). An English file that is
missing falls back to the Chinese one (Simplified Chinese first).

Module topics are rendered from the project's own docs (DOC_SOURCES): a bilingual file (sections "## 简体中文" and
"## English", like docs/finance.md and docs/user-guide.md) gives each language its half; a file in one language
serves both. A file under docs/help/<locale>/ with the topic's name takes precedence for that language: the
English-only documents have a Chinese help file each under docs/help/zh/ (tests/helpdesk/test_help.py checks that
every topic reads in Chinese in the Chinese interface). Documents without section
markers get their ``##``/``###`` headings as sections, numbered ``s1``, ``s2``... in order (the Chinese and English
halves have the same headings in the same order).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from erp_core.config import PROJECT_ROOT
from erp_core.i18n import normalize_locale

HELP_DIR = PROJECT_ROOT / "docs" / "help"
# Menu order of the help centre; a file not listed here is still shown, after these.
# The FAQ first: what people open the help centre for (the usage guide quotes Streamlit's English "Page not
# found" notice, which the Chinese interface never shows unasked).
TOPIC_ORDER = ("faq", "start", "finance", "inventory", "reports", "approvals", "settings", "security", "admin",
               "operations",
               "purchasing", "payables", "costing", "crm", "hr")
# topic -> a document under docs/ the topic is rendered from when docs/help/<locale>/<topic>.md does not exist
DOC_SOURCES = {"start": "user-guide.md", "finance": "finance.md", "inventory": "inventory.md",
               "reports": "analytics.md", "approvals": "documents.md", "settings": "settings.md",
               "security": "security.md", "operations": "operations.md",
               "purchasing": "purchasing.md", "payables": "payables.md", "costing": "costing.md", "crm": "crm.md",
               "hr": "hr.md"}
_HEADING = re.compile(r"^(#{2,3}) +(.+?)\s*$", re.MULTILINE)
_MARKER = re.compile(r"^<!--\s*section:\s*([a-z0-9][a-z0-9_-]*)\s*-->\s*$", re.MULTILINE)
_TOPIC = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


@dataclass(frozen=True)
class HelpTopic:
    code: str
    title: str
    sections: tuple[tuple[str, str], ...]  # (section id, its heading text)


def _file(topic: str, locale: str | None, *, fallback: bool = True) -> Path | None:
    """The topic's file in the reader's language; with ``fallback``, else the Chinese one."""
    if not _TOPIC.match(topic or ""):
        return None
    loc = normalize_locale(locale)
    for candidate in ((loc, "zh_CN") if fallback else (loc,)):
        path = HELP_DIR / ("zh" if candidate == "zh_CN" else "en") / f"{topic}.md"
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=64)
def _read(path: Path, mtime: float) -> str:
    return path.read_text(encoding="utf-8")


def _half(text: str, locale: str) -> str:
    """The language's half of a bilingual document (title kept), or the whole text."""
    lines = text.split("\n")
    zh = next((i for i, ln in enumerate(lines) if ln.strip() == "## 简体中文"), None)
    en = next((i for i, ln in enumerate(lines) if ln.strip() == "## English"), None)
    if zh is None or en is None:
        return text
    head = lines[:min(zh, en)]
    body = lines[zh + 1:en] if locale == "zh_CN" else lines[en + 1:]
    if locale == "zh_CN" and en < zh:
        body = lines[zh + 1:]
    return "\n".join(head + body)


def _with_markers(text: str) -> str:
    """Section markers before each ## / ### heading of a document that has none."""
    if _MARKER.search(text):
        return text
    n = 0

    def mark(m: re.Match) -> str:
        nonlocal n
        n += 1
        return f"<!-- section: s{n} -->\n{m.group(0)}"

    return _HEADING.sub(mark, text)


def _source(topic: str, locale: str | None) -> str | None:
    """The reader's language first: its help file, else its half of the project document (English documents serve
    English readers; Chinese readers get the help file written for them), else the Chinese help file."""
    path = _file(topic, locale, fallback=False)
    if path is None:
        doc = DOC_SOURCES.get(topic)
        source = PROJECT_ROOT / "docs" / doc if doc else None
        if source is not None and source.is_file():
            return _with_markers(_half(_read(source, source.stat().st_mtime), normalize_locale(locale)))
        path = _file(topic, locale)
    return None if path is None else _read(path, path.stat().st_mtime)


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def _sections(text: str) -> tuple[tuple[str, str], ...]:
    found = []
    for m in _MARKER.finditer(text):
        rest = text[m.end():].lstrip("\n").split("\n", 1)[0]
        found.append((m.group(1), rest.lstrip("#").strip()))
    return tuple(found)


def help_topics(locale: str | None) -> list[HelpTopic]:
    """Every topic with its title and linkable sections, in menu order."""
    codes = {p.stem for sub in ("zh", "en") if (HELP_DIR / sub).is_dir() for p in (HELP_DIR / sub).glob("*.md")}
    codes |= {c for c, doc in DOC_SOURCES.items() if (PROJECT_ROOT / "docs" / doc).is_file()}
    ordered = [c for c in TOPIC_ORDER if c in codes] + sorted(codes - set(TOPIC_ORDER))
    topics = []
    for code in ordered:
        text = _source(code, locale)
        if text is not None:
            topics.append(HelpTopic(code, _title(text, code), _sections(text)))
    return topics


def help_text(topic: str, locale: str | None) -> str | None:
    """The whole topic as markdown (section markers removed), or None for an unknown topic."""
    text = _source(topic, locale)
    return None if text is None else _MARKER.sub("", text)


def help_intro(topic: str, locale: str | None) -> str | None:
    """A topic's title and opening paragraphs (up to its first section), or None."""
    text = _source(topic, locale)
    if text is None:
        return None
    m = _MARKER.search(text)
    return (text[:m.start()] if m else text).strip()


def help_section(topic: str, section: str, locale: str | None) -> str | None:
    """One marked section of a topic (its heading and text), or None when the topic or section is unknown."""
    text = _source(topic, locale)
    if text is None:
        return None
    marks = list(_MARKER.finditer(text))
    for i, m in enumerate(marks):
        if m.group(1) == section:
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            return text[m.end():end].strip()
    return None


def search_help(words: str, locale: str | None, *, limit: int = 20) -> list[tuple[str, str, str]]:
    """Sections whose text holds every word of ``words`` (case-insensitive): (topic, section id, heading)."""
    terms = [w.casefold() for w in (words or "").split() if w.strip()]
    if not terms:
        return []
    hits = []
    for topic in help_topics(locale):
        for sid, heading in topic.sections:
            body = (help_section(topic.code, sid, locale) or "").casefold()
            if all(term in body for term in terms):
                hits.append((topic.code, sid, heading))
                if len(hits) >= limit:
                    return hits
    return hits
