"""Reading import files (erp_core/io/reading.py), issue #11 items 8 and 14: an XLSX sheet is read whole whatever its
<dimension> tag says; decompression bombs and oversized sheets are refused before they are parsed; control
characters are refused naming the row and the column; a CSV whose encoding cannot be told for sure (Big5 read as
GB18030) is refused, or read with the encoding the user names."""

import io
import re
import zipfile

import openpyxl
import pytest
from openpyxl import Workbook

from erp_core.i18n import render_error
from erp_core.io import reading
from erp_core.io.importer import read_table
from erp_core.kernel.errors import DomainError


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def _rewrite(data: bytes, member: str, change) -> bytes:
    """The same zip with one member's bytes changed by ``change``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, change(body) if info.filename == member else body)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _refused(message_id: str, call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.message_id == message_id, (caught.value.message_id, caught.value.params)
    return caught.value


# --- item 8: XLSX ---------------------------------------------------------------------------------------------

def test_a_too_small_dimension_tag_does_not_truncate_the_sheet():
    rows = [["code", "name"], ["C1", "甲"], ["C2", "乙"], ["C3", "丙"], ["C4", "丁"]]
    data = _xlsx(rows)
    assert b'<dimension ref="A1:B5"' in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    lying = _rewrite(data, SHEET, lambda xml: xml.replace(b'<dimension ref="A1:B5"', b'<dimension ref="A1:B2"'))
    # openpyxl's read-only mode trusts the tag: this is what the old reader returned (1 data row of 4)
    wb = openpyxl.load_workbook(io.BytesIO(lying), read_only=True)
    assert len(list(wb.worksheets[0].iter_rows(values_only=True))) == 2
    table = read_table(lying, "c.xlsx")
    assert table.headers == ["code", "name"]
    assert table.rows == [["C1", "甲"], ["C2", "乙"], ["C3", "丙"], ["C4", "丁"]]


def test_a_dimension_tag_wider_than_the_data_pads_nothing_beyond_the_header():
    data = _rewrite(_xlsx([["code", "name"], ["C1", "甲"]]), SHEET,
                    lambda xml: xml.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:XFD1048576"'))
    table = read_table(data, "c.xlsx")
    assert table.rows == [["C1", "甲"]]


def _bomb(rows: int) -> bytes:
    """A valid workbook whose sheet is ``rows`` identical rows: tiny packed, huge unpacked."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c></row>'

    def sheet(xml: bytes) -> bytes:
        head, rest = xml.split(b"<sheetData>", 1)
        return head + b"<sheetData>" + row * rows + b"</sheetData>" + rest.split(b"</sheetData>", 1)[1]

    return _rewrite(_xlsx([["a", "b"]]), SHEET, sheet)


def test_a_decompression_bomb_is_refused_before_it_is_parsed(monkeypatch):
    data = _bomb(60_000)  # ~5 MB of XML packed into a few KB
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    assert info.file_size > 100 * info.compress_size and len(data) < 64_000

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    err = _refused("error.import.zip_ratio", read_table, data, "bomb.xlsx")
    assert err.params["part"] == SHEET and err.params["ratio"] > reading.MAX_RATIO
    assert "xl/worksheets/sheet1.xml" in render_error(err, "zh_CN")


def test_the_unpacked_size_is_capped_before_parsing(monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNPACKED", 2**20)
    big = _xlsx([["code", "name"]] + [[f"C{i}", f"名称{i:07d}甲乙丙"] for i in range(20_000)])
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(big)).infolist()) > 2**20
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("parsed"))
    err = _refused("error.import.too_large", read_table, big, "big.xlsx")
    assert err.params["max"] == "1"


def test_other_compressions_than_deflate_are_refused():
    src = zipfile.ZipFile(io.BytesIO(_xlsx([["a"], [1]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    _refused("error.import.file_format", read_table, out.getvalue(), "b.xlsx")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_rows_columns_and_cells_are_capped_with_a_clear_message(monkeypatch, fmt):
    def make(rows):
        if fmt == "xlsx":
            return _xlsx(rows)
        return "\n".join(",".join(map(str, r)) for r in rows).encode()

    monkeypatch.setattr(reading, "MAX_ROWS", 10)
    err = _refused("error.import.too_many_rows", read_table, make([["a"]] + [[i] for i in range(20)]), "t." + fmt)
    assert "10" in render_error(err, "en")
    monkeypatch.setattr(reading, "MAX_ROWS", 1000)
    monkeypatch.setattr(reading, "MAX_COLUMNS", 5)
    err = _refused("error.import.too_many_columns", read_table, make([["a", "b"], [1, 2], list(range(9))]),
                   "t." + fmt)
    assert err.params["row"] == 3
    monkeypatch.setattr(reading, "MAX_COLUMNS", 500)
    monkeypatch.setattr(reading, "MAX_CELLS", 50)
    _refused("error.import.too_many_cells", read_table, make([["a", "b", "c"]] + [[1, 2, 3]] * 30), "t." + fmt)


def test_a_far_away_cell_in_a_real_sized_sheet_is_refused_not_padded():
    """A single cell in column XFD (16,384) makes the row that wide: refused at the real limit."""
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name"])
    ws.cell(2, 16384).value = "far"
    bio = io.BytesIO()
    wb.save(bio)
    _refused("error.import.too_many_columns", read_table, bio.getvalue(), "far.xlsx")


# --- item 14: control characters -----------------------------------------------------------------------------

@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e"])
def test_control_characters_in_a_csv_cell_are_refused_naming_row_and_column(ch):
    data = f"编码,名称\nC1,甲\nC2,乙{ch}丙\n".encode()
    err = _refused("error.import.control_char", read_table, data, "c.csv")
    assert (err.params["row"], err.params["column"], err.params["char"]) == (3, "名称", f"U+{ord(ch):04X}")
    assert "第 3 行“名称”列" in render_error(err, "zh_CN")


def test_control_characters_in_an_xlsx_cell_or_header_are_refused():
    err = _refused("error.import.control_char", read_table, _xlsx([["code", "name"], ["C1", "甲\x85乙"]]), "c.xlsx")
    assert (err.params["row"], err.params["column"]) == (2, "name")
    err = _refused("error.import.control_char", read_table, _xlsx([["code", "na\x7fme"], ["C1", "甲"]]), "c.xlsx")
    assert (err.params["row"], err.params["column"]) == (1, "B")


def test_tabs_and_line_breaks_are_left_to_the_field():
    table = read_table('code,address\nC1,"第一行\n第二行"\nC2,a\tb\n'.encode(), "c.csv")
    assert table.rows == [["C1", "第一行\n第二行"], ["C2", "a\tb"]]


# --- item 14: encodings --------------------------------------------------------------------------------------

TRADITIONAL = "編號,名稱,聯絡人,地址\nC001,臺北貿易股份有限公司,陳大文,臺北市中正區重慶南路一段122號\n"


def test_a_big5_csv_is_refused_not_stored_as_gb18030_mojibake():
    data = TRADITIONAL.encode("big5")
    data.decode("gb18030")  # the old reader's fallback: decodes without error, into nonsense
    err = _refused("error.import.encoding", read_table, data, "c.csv")
    assert err.params["hint"] == "import.encoding.hint_big5"
    zh = render_error(err, "zh_CN")
    assert "Big5" in zh and "CSV UTF-8" in zh and "--encoding" in zh


def test_a_big5_csv_reads_with_the_encoding_named():
    table = read_table(TRADITIONAL.encode("big5"), "c.csv", encoding="big5")
    assert table.headers == ["編號", "名稱", "聯絡人", "地址"]
    assert table.rows[0][1] == "臺北貿易股份有限公司"
    _refused("error.import.wrong_encoding", read_table, "编码\n甲\n".encode(), "c.csv", encoding="ascii")
    _refused("error.import.unknown_encoding", read_table, b"a\n1\n", "c.csv", encoding="no-such-codec")


@pytest.mark.parametrize("text", [
    "编码,姓名,部门,岗位\nE1,王喆,销售部,经理\nE2,李堃,财务部,会计\nE3,朱镕基,总经办,顾问\n",  # rare name characters
    "品名,规格\n电阻,10KΩ\n电容,100μF\n钢管,φ10×2\n",  # Greek letters in specifications
    "名称\n王喆\n",  # one rare character in a tiny file
    "code,name\nC1,長沙\n",  # a few traditional characters written in GBK
])
def test_gbk_files_people_write_still_read(text):
    table = read_table(text.encode("gb18030"), "c.csv")
    assert "\n".join(",".join(r) for r in [table.headers, *table.rows]) + "\n" == text


@pytest.mark.parametrize("data", [
    "name,note\nC1,café crème\n".encode("cp1252"),  # Western European (Windows-1252)
    "名称\n甲\n".encode("utf-16"),  # Excel's "Unicode text"
])
def test_other_encodings_are_refused(data):
    err = _refused("error.import.encoding", read_table, data, "c.csv")
    assert re.search("UTF-8", render_error(err, "en"))


def test_xlsx_export_of_text_stored_with_a_control_character_shows_it_instead_of_failing():
    """Records saved before the refusal may hold a NUL (SQLite stored it): openpyxl cannot write it into XML and
    the whole export failed with IllegalCharacterError."""
    from erp_core.io.export import to_xlsx_bytes

    data = to_xlsx_bytes(["code", "name"], [["C1", "甲\x00乙\x1b"], ["C2", "丙\t丁"]])
    assert read_table(data, "e.xlsx").rows == [["C1", "甲<U+0000>乙<U+001B>"], ["C2", "丙\t丁"]]
