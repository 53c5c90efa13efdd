"""Export rows to CSV or XLSX, safe to open in a spreadsheet.

A cell that begins with = + - @, a tab or a carriage return could run as a formula in Excel/WPS (CSV injection);
such text cells get a leading apostrophe. Numbers stay numbers. CSV is UTF-8 with a BOM so Excel on Chinese
Windows opens it without mojibake. XLSX cannot hold most control characters at all: text stored before imports and
forms refused them (issue #11) is written with each one shown as <U+0000>, instead of failing the whole export.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: object) -> object:
    """Make one cell value safe: dangerous text gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal, dt.date, dt.datetime)):
        return value
    return neutralize(str(value))


def to_csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralize(h) for h in headers])
    for row in rows:
        writer.writerow(["" if (v := _cell(x)) is None else v for x in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xml_safe(value: object) -> object:
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"<U+{ord(m.group()):04X}>", value)
    return value


def to_xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]], sheet: str = "Sheet1") -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet[:31] or "Sheet1")
    ws.append([_xml_safe(neutralize(h)) for h in headers])
    for row in rows:
        out = []
        for x in row:
            v = _cell(x)
            if isinstance(v, Decimal):
                v = float(v) if abs(v) < Decimal(10) ** 15 and v == v.quantize(Decimal("0.000001")) else str(v)
            out.append(_xml_safe(v))
        ws.append(out)
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


