"""Duplicate detection for customers and suppliers (疑似重复), one rule for creating a record, importing a file
and the pages' warnings (issue #4).

Two partners look alike when any of these holds; each hit says which and how strongly:

- ``tax_id``: the same tax ID (统一社会信用代码 / 纳税人识别号).
- ``phone``: a phone of one (the main phone or any contact's) equals a phone of the other after
  :func:`phone_key`: digits only, a +86 / 0086 country prefix dropped, and the leading 0 of a landline area code
  dropped (0731-8888 0000, +86 731 88880000 and 073188880000 are one number).
- ``name``: the names are equal after :func:`name_key`; ``similar_name``: their similarity
  (difflib.SequenceMatcher ratio of the keys) is at least :data:`SIMILARITY_THRESHOLD` (0.75), the score is
  reported. :func:`name_key` folds full-width to half-width and case (NFKC + casefold), removes bracketed parts
  ((北京), （长沙）, [branch]), spaces and punctuation, legal-form suffixes (股份有限公司, 有限责任公司, 有限公司,
  集团, 公司, Co., Ltd., Inc., LLC, Corp., Limited, Group ... repeatedly: 星辰集团有限公司 -> 星辰) and a leading
  province / major-city name (湖南省, 长沙市, 北京 ...) when at least three characters remain (长沙客户 and
  株洲客户 are not one company). Names whose numbers differ (digits or Chinese
  numerals: 1店 / 2店, 一部 / 二部) are never "similar": a number is an identifier, not a typo.

Speed: comparing every pair is quadratic. Similar names are looked for only inside blocks that share the digits
of the key and its first two or its last two characters (a typo elsewhere still leaves one of them intact), and
at most :data:`BLOCK_LIMIT` most recent members of a block are compared; exact keys (tax ID, phone, name) are
dictionary look-ups. So importing 100,000 customers stays linear (bench/bench_import.py).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

SIMILARITY_THRESHOLD = 0.75  # one different character in a four-character name (星辰贸易 / 星晨贸易) is 0.75
BLOCK_LIMIT = 500

_PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
              "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃",
              "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
_CITIES = ("石家庄", "太原", "沈阳", "长春", "哈尔滨", "南京", "杭州", "合肥", "福州", "南昌", "济南", "郑州", "武汉",
           "长沙", "广州", "海口", "成都", "贵阳", "昆明", "西安", "兰州", "西宁", "呼和浩特", "南宁", "拉萨", "银川",
           "乌鲁木齐", "深圳", "苏州", "无锡", "常州", "宁波", "温州", "青岛", "大连", "厦门", "佛山", "东莞", "珠海",
           "株洲", "湘潭", "衡阳", "岳阳", "常德", "郴州", "益阳", "娄底", "邵阳", "永州", "怀化", "张家界",
           "宜昌", "襄阳", "洛阳", "徐州", "烟台", "泉州", "唐山", "保定", "绵阳", "柳州", "桂林", "南通", "扬州",
           "嘉兴", "绍兴", "金华", "台州", "义乌", "中山", "惠州", "汕头", "江门", "湛江", "三亚")
_REGION_TAILS = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市", "区", "县")
_REGIONS: dict[str, tuple[str, ...]] = {}  # first character -> region names starting with it, longest first
for _r in sorted({r + tail for r in _PROVINCES + _CITIES for tail in ("", *_REGION_TAILS)}, key=len, reverse=True):
    _REGIONS[_r[0]] = (*_REGIONS.get(_r[0], ()), _r)
_CN_SUFFIXES = tuple(sorted(("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "分公司", "总公司",
                             "股份公司", "控股"), key=len, reverse=True))
_LATIN_SUFFIX = re.compile(r"[\s,.]*(?:co\.?,?\s*ltd\.?|company\s+limited|limited|ltd\.?|inc\.?|incorporated|"
                           r"corp\.?|corporation|llc|l\.l\.c\.|co\.?|company|group|holdings?)\s*$")
_BRACKETS = re.compile(r"[(\[（【〔][^)\]）】〕]*[)\]）】〕]")
_NOT_WORD = re.compile(r"[\s\W_]+")
_DIGITS = re.compile(r"[\d一二三四五六七八九十百千零〇两]+")


@functools.lru_cache(maxsize=8192)  # a row's name is keyed by find() and again by add()
def name_key(name: str | None) -> str:
    """The name as duplicate detection compares it (see the module docstring)."""
    if not name:
        return ""
    s = unicodedata.normalize("NFKC", str(name)).casefold().strip()
    s = _BRACKETS.sub("", s)
    if s.isascii() or s[-1:].isascii():  # Latin legal forms end Latin names: skip the regex for Chinese ones
        for _ in range(3):  # "abc trading co., ltd." / "abc group limited"
            stripped = _LATIN_SUFFIX.sub("", s)
            if stripped == s or not stripped.strip():
                break
            s = stripped
    s = _NOT_WORD.sub("", s)
    changed = True
    while changed:
        changed = False
        for suffix in _CN_SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix) + 1:
                s, changed = s[: -len(suffix)], True
                break
    for _ in range(2):  # province then city: 湖南省长沙市星辰
        for region in _REGIONS.get(s[:1], ()):
            if s.startswith(region) and len(s) >= len(region) + 3:  # 长沙客户 stays: 客户 alone says nothing
                s = s[len(region):]
                break
        else:
            break
    return s


@functools.lru_cache(maxsize=8192)
def phone_key(value: str | None) -> str | None:
    """Digits only, without a +86 / 0086 prefix and without the leading 0 of an area code; None when fewer than
    5 digits remain (too short to mean anything)."""
    if not value:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+86") or digits.startswith("0086"):
        digits = digits[2:] if text.startswith("+86") else digits[4:]
    elif digits.startswith("86") and len(digits) == 13 and digits[2] == "1":  # 86 13800000000
        digits = digits[2:]
    if digits.startswith("0"):
        digits = digits[1:]
    return digits if len(digits) >= 5 else None


def similarity(a: str, b: str) -> float:
    """difflib ratio of two name keys (1.0: equal)."""
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _digits(key: str) -> str:
    return "-".join(_DIGITS.findall(key))


def _blocks(key: str) -> tuple[tuple[str, str, str], ...]:
    digits = _digits(key)
    return (("p", digits, key[:2]), ("s", digits, key[-2:]))


@dataclass
class Hit:
    """One look-alike and why: reasons are (field, score, value) with field name / similar_name / tax_id /
    phone."""

    ident: Any
    reasons: list[tuple[str, float, str]] = field(default_factory=list)

    @property
    def score(self) -> float:
        return max((s for _f, s, _v in self.reasons), default=0.0)

    def fields(self) -> list[str]:
        return [f for f, _s, _v in self.reasons]

    def details(self) -> list[dict[str, Any]]:
        return [{"field": f, "score": round(s, 2), "value": v} for f, s, v in self.reasons]


class DuplicateIndex:
    """Partners by tax ID, phone keys and name key (plus blocks for similar names). ``ident`` is whatever the
    caller identifies a partner by (an id, a code)."""

    def __init__(self, threshold: float = SIMILARITY_THRESHOLD) -> None:
        self.threshold = threshold
        self.tax: dict[str, set] = {}
        self.phone: dict[str, set] = {}
        self.name: dict[str, set] = {}
        self.blocks: dict[tuple[str, str, str], list] = {}
        self.key_of: dict[Any, str] = {}

    def add(self, ident: Any, *, name: str | None = None, tax_id: str | None = None,
            phones: list[str | None] = ()) -> None:
        if tax_id:
            self.tax.setdefault(tax_id, set()).add(ident)
        for p in phones:
            k = phone_key(p)
            if k:
                self.phone.setdefault(k, set()).add(ident)
        key = name_key(name)
        if key and ident not in self.key_of:
            self.key_of[ident] = key
            self.name.setdefault(key, set()).add(ident)
            for b in _blocks(key):
                self.blocks.setdefault(b, []).append(ident)

    def add_phone(self, ident: Any, phone: str | None) -> None:
        k = phone_key(phone)
        if k:
            self.phone.setdefault(k, set()).add(ident)

    def find(self, *, name: str | None = None, tax_id: str | None = None, phones: list[str | None] = (),
             exclude: Any = None) -> list[Hit]:
        hits: dict[Any, Hit] = {}

        def hit(ident: Any, reason: tuple[str, float, str]) -> None:
            if ident == exclude:
                return
            h = hits.setdefault(ident, Hit(ident))
            if reason[0] not in h.fields():
                h.reasons.append(reason)

        if tax_id:
            for ident in self.tax.get(tax_id, ()):
                hit(ident, ("tax_id", 1.0, tax_id))
        for p in phones:
            k = phone_key(p)
            for ident in self.phone.get(k, ()) if k else ():
                hit(ident, ("phone", 1.0, p or ""))
        key = name_key(name)
        if key:
            for ident in self.name.get(key, ()):
                hit(ident, ("name", 1.0, name or ""))
            seen: set = set()
            for b in _blocks(key):
                for ident in self.blocks.get(b, ())[-BLOCK_LIMIT:]:
                    if ident in seen or ident == exclude:
                        continue
                    seen.add(ident)
                    other = self.key_of[ident]
                    if other == key:
                        continue
                    la, lb = len(key), len(other)
                    if 2 * min(la, lb) / (la + lb) < self.threshold:
                        continue
                    m = difflib.SequenceMatcher(None, key, other, autojunk=False)
                    if m.quick_ratio() < self.threshold:
                        continue
                    score = m.ratio()
                    if score >= self.threshold:
                        hit(ident, ("similar_name", score, name or ""))
        return sorted(hits.values(), key=lambda h: (-h.score, str(h.ident)))


def describe(reasons: list[tuple[str, float, str]] | list[dict[str, Any]], locale: str | None) -> str:
    """The reasons of one hit in words: 名称相似 0.86、电话相同 0731-88880000."""
    from erp_core.i18n import t

    parts = []
    for r in reasons:
        f, score, value = (r["field"], r["score"], r["value"]) if isinstance(r, dict) else r
        parts.append(t(f"masterdata.duplicate.reason.{f}", locale, score=f"{score:.2f}", phone=value))
    return ("、" if (locale or "zh_CN").startswith("zh") else ", ").join(parts)


def describe_match(code: str, name: str, reasons, locale: str | None) -> str:
    from erp_core.i18n import t

    return t("masterdata.duplicate.match", locale, code=code, name=name, reasons=describe(reasons, locale))
