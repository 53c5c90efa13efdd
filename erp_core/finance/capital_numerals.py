"""Chinese capital numerals for amounts (人民币大写金额), as 《支付结算办法》 and the 会计基础工作规范 write them.

    capital_amount(Decimal("12345.67")) == "壹万贰仟叁佰肆拾伍元陆角柒分"
    capital_amount(Decimal("0"))        == "零元整"
    capital_amount(Decimal("107000.53")) == "壹拾万柒仟元伍角叁分"
    capital_amount(Decimal("1680.32"))  == "壹仟陆佰捌拾元叁角贰分"
    capital_amount(Decimal("325.04"))   == "叁佰贰拾伍元零肆分"

Rules: 整 after 元 when there are no 角/分 (none after 角 or 分); one 零 for each run of zero digits between
non-zero digits, also across 万/亿 sections (none when a section's 仟 digit is set, as in 壹拾万柒仟); 零 after 元
whenever 角 is 0 but 分 is not (the rules leave 零 optional where only the 元 digit is 0: we omit it, as the
107000.53 example does); 拾 is always written with its digit (壹拾, not 拾); a negative amount starts with 负.
Amounts up to 万亿 read as 玖万玖仟…亿 (the 万 of 万亿 is shared).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from erp_core.kernel.money import to_decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")


def _section(value: int) -> str:
    """0 < value < 10000 -> e.g. 1010 -> 壹仟零壹拾."""
    out, zero = [], False
    for pos in (3, 2, 1, 0):
        d = value // 10**pos % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[d] + UNITS[pos])
    return "".join(out)


def _integer(value: int) -> str:
    """0 < value -> 亿 and 万 sections; a section whose leading digit is 0 is joined with one 零."""
    if value >= 10**8:
        high, low = divmod(value, 10**8)
        out = _integer(high) + "亿"
        return out + (("零" if low < 10**7 else "") + _integer(low) if low else "")
    if value >= 10**4:
        high, low = divmod(value, 10**4)
        out = _section(high) + "万"
        return out + (("零" if low < 1000 else "") + _section(low) if low else "")
    return _section(value)


def capital_amount(amount: Decimal | int | str) -> str:
    """The amount in capital numerals, rounded half-up to the fen first."""
    d = to_decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "负" if d < 0 else ""
    fen_total = abs(int(d.scaleb(2)))
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if fen_total == 0:
        return "零元整"
    head = _integer(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + head + "整"
    tail = ""
    if jiao:
        tail += DIGITS[jiao] + "角"
    elif yuan:
        tail += "零"
    if fen:
        tail += DIGITS[fen] + "分"
    return sign + head + tail
