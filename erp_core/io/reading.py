"""Reading an uploaded CSV or XLSX file into a Table, the one way every import reads its file (master records,
vouchers, opening balances and stock, budgets, bank statements).

    table = read_table(data, "customers.xlsx")               # or read_table(data, "x.csv", encoding="big5")

What a file may not do (each refused with a DomainError naming the limit, the row or the column; nothing read):
- XLSX: unpack to more than MAX_UNPACKED bytes in all, or hold a part bigger than 1 MiB that unpacks to more than
  MAX_RATIO times its packed size (a decompression bomb: 781 KB unpacked to 2 GB and took 136 s), or use any
  compression but deflate. Checked on the zip's directory before anything is parsed; Python's zipfile never
  unpacks a member past the size its directory declares, so the declared sizes bound the work. The sheet's
  ``<dimension>`` tag is not trusted (openpyxl's read-only mode stopped at a too-small one and silently dropped
  the rows below it).
- Any file: more than MAX_ROWS rows, MAX_COLUMNS used columns in a row or MAX_CELLS cells; a CSV bigger than
  MAX_UNPACKED bytes. Counted while the sheet is read, so an oversized sheet stops at the limit.
- A control character in any cell (NUL, other C0/C1 controls, bidirectional overrides; tab and line breaks are
  left to the field, see parsers.text): refused naming the row and the column.
- CSV text in an encoding that cannot be told for sure (:func:`decode_text`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from erp_core.io import parsers
from erp_core.io.export import DANGEROUS_PREFIXES
from erp_core.kernel.errors import DomainError

MAX_UNPACKED = 200 * 2**20  # bytes: an XLSX's parts together once unpacked, or a CSV file
MAX_RATIO = 100  # unpacked / packed size of one XLSX part (real sheets: 10-20)
RATIO_FLOOR = 2**20  # parts smaller than this are not judged by their ratio
MAX_ROWS = 1_000_000  # sheet rows, header included
MAX_COLUMNS = 500  # used columns in one row
MAX_CELLS = 10_000_000  # cells read in all (an XLSX row counts up to its last cell, used or not)

ENCODINGS = ("utf-8", "gb18030", "big5")  # offered by the import page; the CLI takes any codec Python knows


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]  # data rows; row i is sheet row i + 2 (the header is row 1)
    filename: str = ""


# --- text encodings -------------------------------------------------------------------------------------------

# Characters GB2312 holds that Chinese business text practically never uses, but that Big5 bytes read as GB18030
# turn into by the dozen: kana, bopomofo, box drawing, Cyrillic, Latin letters with accents (GB2312 rows 4-5, 7-9).
_UNUSUAL_GB2312 = re.compile("[\u00c0-\u024f\u0400-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f]")


def _gb_is_plausible(text: str) -> bool:
    """True when ``text`` (decoded from GB18030) reads like Chinese written in GB18030/GBK.

    GB18030 decodes almost any byte string, so a file in another encoding comes out as real but wrong characters.
    Big5 (Traditional Chinese) is the usual case: its bytes fall on rare GBK characters, private-use code points
    (GBK's user-defined areas), kana and the like; a Traditional name such as 臺北貿易股份有限公司 comes out as
    about two thirds of such characters. Text really written in GBK is almost all GB2312 (the 6,763 common
    characters and the punctuation rows); the odd rare character of a personal name (喆, 堃, 镕) stays a few per
    cent. The rule: among the non-ASCII characters, those outside GB2312 (rare GBK characters, private use,
    four-byte GB18030) or in its unusual rows may be one, or at most a quarter of them."""
    ascii_count = len(text.encode("ascii", "ignore"))
    wide = len(text) - ascii_count
    if wide == 0:
        return True
    common = (len(text.encode("gb2312", "ignore")) - ascii_count) // 2  # GB2312 characters take two bytes
    odd = wide - common + _UNUSUAL_GB2312.subn("", text)[1]
    return odd <= 1 or odd * 4 <= wide


def _encoding_error(data: bytes) -> DomainError:
    hint = ""
    try:
        data.decode("big5")
        hint = "import.encoding.hint_big5"
    except UnicodeDecodeError:
        pass
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        hint = "import.encoding.hint_utf16"
    return DomainError("error.import.encoding", hint=hint)


def decode_text(data: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file. ``encoding`` given (the CLI's --encoding, the page's choice): exactly that, strictly.
    Otherwise: UTF-8 (with or without a byte-order mark); else GB18030 (what Excel and WPS on Chinese Windows
    write, GBK's superset) when the bytes decode strictly, encode back to the same bytes and read as plausible
    Chinese (:func:`_gb_is_plausible`); else refused with a message asking for a UTF-8 file or the encoding.
    A Big5 file is thus refused, not stored as GB18030 mojibake."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DomainError("error.import.unknown_encoding", encoding=encoding) from None
        if encoding.replace("_", "-").lower() in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise DomainError("error.import.wrong_encoding", encoding=encoding, byte=exc.start + 1) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _encoding_error(data) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _encoding_error(data) from None
    if text.encode("gb18030") != data or not _gb_is_plausible(text):
        raise _encoding_error(data)
    return text


# --- limits ---------------------------------------------------------------------------------------------------

def _mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def check_zip(data: bytes) -> None:
    """Refuse an XLSX whose parts would unpack too big or too far, before anything reads them."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DomainError("error.import.file_format", detail=type(exc).__name__) from None
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise DomainError("error.import.file_format", detail=f"compression {info.compress_type}")
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise DomainError("error.import.zip_ratio", part=info.filename, max=MAX_RATIO,
                              ratio=info.file_size // max(info.compress_size, 1))
    if total > MAX_UNPACKED:
        raise DomainError("error.import.too_large", size=_mib(total), max=_mib(MAX_UNPACKED))


class _Limits:
    """Counts rows and cells as they are read; refuses at the first one over a limit."""

    def __init__(self) -> None:
        self.rows = 0
        self.cells = 0

    def row(self, width: int, used: int) -> None:
        self.rows += 1
        if self.rows > MAX_ROWS:
            raise DomainError("error.import.too_many_rows", max=MAX_ROWS)
        if used > MAX_COLUMNS:
            raise DomainError("error.import.too_many_columns", row=self.rows, max=MAX_COLUMNS)
        self.cells += width
        if self.cells > MAX_CELLS:
            raise DomainError("error.import.too_many_cells", max=MAX_CELLS)


# --- reading --------------------------------------------------------------------------------------------------

def _unneutralize(value: Any) -> Any:
    """Undo export's formula guard ('=... -> =...), so an exported file imports back unchanged."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(DANGEROUS_PREFIXES):
        return value[1:]
    return value


def _xlsx_cell(value: Any) -> Any:
    # Spreadsheet numbers are binary floats; their shortest repr is the decimal a person typed.
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return _unneutralize(value)


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    check_zip(data)
    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # read every row the sheet holds, whatever its <dimension> tag claims
        limits = _Limits()
        rows: list[list[Any]] = []
        for row in ws.iter_rows(values_only=True):
            used = len(row)
            while used and row[used - 1] is None:
                used -= 1
            limits.row(len(row), used)
            rows.append([_xlsx_cell(v) for v in row[:used]])
    finally:
        wb.close()
    return rows


def _read_csv(data: bytes, encoding: str | None) -> tuple[list[list[Any]], bool]:
    """The rows, and whether the text holds a control character somewhere (one search over the whole text)."""
    if len(data) > MAX_UNPACKED:
        raise DomainError("error.import.too_large", size=_mib(len(data)), max=_mib(MAX_UNPACKED))
    text = decode_text(data, encoding)
    rows: list[list[Any]] = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS:
        raise DomainError("error.import.too_many_rows", max=MAX_ROWS)
    if rows and max(map(len, rows)) > MAX_COLUMNS:
        wide = next(i for i, row in enumerate(rows) if len(row) > MAX_COLUMNS)
        raise DomainError("error.import.too_many_columns", row=wide + 1, max=MAX_COLUMNS)
    if sum(map(len, rows)) > MAX_CELLS:
        raise DomainError("error.import.too_many_cells", max=MAX_CELLS)
    if "'" in text:  # only a file with an apostrophe somewhere can hold a guarded cell
        rows = [[_unneutralize(v) for v in row] for row in rows]
    return rows, parsers.CONTROL_RE.search(text) is not None


def _refuse_controls(rows: list[list[Any]], headers: list[str]) -> None:
    """The first cell holding a control character (tab and line breaks are the field's to judge), as an error
    naming its row and column."""
    for n, row in enumerate(rows):
        for i, value in enumerate(row):
            if isinstance(value, str) and parsers.CONTROL_RE.search(value):
                ch = parsers.control_char(value, multiline=True)
                column = headers[i] if n and i < len(headers) and headers[i] else _column_letter(i)
                raise DomainError("error.import.control_char", row=n + 1, column=parsers.visible(column),
                                  char=parsers.char_name(ch or "\0"))


def _column_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rem = divmod(i - 1, 26)
        out = chr(65 + rem) + out
    return out


def read_table(data: bytes, filename: str, encoding: str | None = None) -> Table:
    """Read the first sheet of an XLSX file, or a CSV file (by name, or by content when the name says neither).
    ``encoding`` applies to CSV only (None: detected, see :func:`decode_text`)."""
    name = filename.lower()
    is_xlsx = name.endswith((".xlsx", ".xlsm")) or (not name.endswith(".csv") and data[:2] == b"PK")
    try:
        rows, suspect = (_read_xlsx(data), True) if is_xlsx else _read_csv(data, encoding)
    except DomainError:
        raise
    except Exception as exc:  # a corrupt or foreign file: say so in the user's language
        raise DomainError("error.import.file_format", detail=type(exc).__name__) from None
    while rows and all(parsers.is_blank(v) for v in rows[-1]):
        rows.pop()
    if not rows:
        return Table([], [], filename)
    headers = ["" if v is None else str(v).strip() for v in rows[0]]
    if suspect:
        _refuse_controls(rows, headers)
    # Every data row is at least as wide as the header; the reader's own lists are kept (a copy of each row
    # cost a tenth of a 100,000-line voucher import), only short rows are padded.
    width = len(headers)
    body = rows[1:]
    for i, row in enumerate(body):
        if len(row) < width:
            body[i] = [*row, *[None] * (width - len(row))]
    return Table(headers, body, filename)
