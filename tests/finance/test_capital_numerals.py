"""人民币大写金额: the examples of 《支付结算办法》 / 会计基础工作规范 and the edge cases around 零 and 整."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erp_core.finance.capital_numerals import DIGITS, capital_amount


@pytest.mark.parametrize(("amount", "expected"), [
    ("0", "零元整"),
    ("0.00", "零元整"),
    ("12345.67", "壹万贰仟叁佰肆拾伍元陆角柒分"),
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("100", "壹佰元整"),
    ("101", "壹佰零壹元整"),
    ("110", "壹佰壹拾元整"),
    ("1001", "壹仟零壹元整"),
    ("1010", "壹仟零壹拾元整"),
    ("10000", "壹万元整"),
    ("10001", "壹万零壹元整"),
    ("100010", "壹拾万零壹拾元整"),
    ("1000001", "壹佰万零壹元整"),
    ("10101000", "壹仟零壹拾万壹仟元整"),
    ("100000000", "壹亿元整"),
    ("100010000", "壹亿零壹万元整"),
    ("100001000", "壹亿零壹仟元整"),
    ("1000000000000", "壹万亿元整"),
    ("1000100000000", "壹万零壹亿元整"),
    ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("0.50", "伍角"),
    ("0.05", "伍分"),
    ("0.55", "伍角伍分"),
    ("1.00", "壹元整"),
    ("1.01", "壹元零壹分"),
    ("20.10", "贰拾元壹角"),
    ("-12.30", "负壹拾贰元叁角"),
    ("0.005", "壹分"),  # rounded half up to the fen first
    (123, "壹佰贰拾叁元整"),
])
def test_examples(amount, expected):
    assert capital_amount(amount if isinstance(amount, int) else Decimal(amount)) == expected


def test_float_refused():
    with pytest.raises(TypeError):
        capital_amount(1.5)


_VALUE = {c: i for i, c in enumerate(DIGITS)}
_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _parse(text: str) -> Decimal:
    """An independent reader of capital numerals, to check the writer round-trips."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负")
    if text == "零元整":
        return Decimal(0)
    yuan_part, _, frac = text.partition("元") if "元" in text else ("", "", text)
    total = 0
    if "亿" in yuan_part:
        head, yuan_part = yuan_part.split("亿", 1)
        total += _wan(head) * 10**8
    total += _wan(yuan_part)
    fen = 0
    if "角" in frac:
        fen += _VALUE[frac[frac.index("角") - 1]] * 10
    if "分" in frac:
        fen += _VALUE[frac[frac.index("分") - 1]]
    return sign * (Decimal(total) + Decimal(fen) / 100)


def _wan(text: str) -> int:
    if "万" in text:
        head, text = text.split("万", 1)
        return _small(head) * 10**4 + _small(text)
    return _small(text)


def _small(text: str) -> int:
    n, digit = 0, 0
    for ch in text:
        if ch in _VALUE:
            digit = _VALUE[ch]
        elif ch in _UNIT:
            n += digit * _UNIT[ch]
            digit = 0
    return n + digit


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1))
def test_round_trip_and_shape(fen):
    amount = Decimal(fen).scaleb(-2)
    text = capital_amount(amount)
    assert _parse(text) == amount
    assert "零零" not in text and not text.endswith("零")
    assert text.endswith(("整", "角", "分"))
    assert ("整" in text) == (abs(fen) % 100 == 0)


def test_print_view_layout_and_escaping():
    import datetime as dt

    from erp_core.finance.print_view import voucher_html
    from erp_core.finance.queries import LineView, VoucherDetail

    lines = [LineView(1, "<b>销售</b>", 1, "1122", "应收账款", Decimal("12345.67"), Decimal(0), {}),
             LineView(2, "销售", 2, "5001", "主营业务收入", Decimal(0), Decimal("12345.67"), {})]
    v = VoucherDetail(1, "测试&公司", "记", 7, "2026-11", dt.date(2026, 11, 10), 3, "posted", Decimal("12345.67"),
                      Decimal("12345.67"), "张三", "李四", "王五", None, None, "manual", 3, lines)
    html = voucher_html(v, "zh_CN")
    assert "壹万贰仟叁佰肆拾伍元陆角柒分" in html and "记字第 0007 号" in html and "附单据 3 张" in html
    assert "2026年11月10日" in html and "12,345.67" in html
    assert "&lt;b&gt;销售&lt;/b&gt;" in html and "<b>销售" not in html and "测试&amp;公司" in html
    assert "制单：张三" in html and "审核：李四" in html and "记账：王五" in html
    assert "Prepared by：张三" in voucher_html(v, "en")
