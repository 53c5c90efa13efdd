"""The document imports' templates (purchasing, sales, billing: erp_core/io/doc_templates.py): the header row is
the kind's columns in the reader's language with * on the required ones, and the example row fills them."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from erp_core.io.registry import import_kind

DOCUMENT_KINDS = ("purchase-orders", "purchase-receipts", "purchase-invoices", "sales-orders", "deliveries",
                  "sales-invoices", "receipts")


@pytest.mark.parametrize("name", DOCUMENT_KINDS)
def test_the_csv_template_names_every_column_and_marks_the_required(name):
    kind = import_kind(name)
    sheet = kind.template(fmt="csv", locale="zh_CN")
    assert sheet.filename == name.replace("-", "_") + "_template.csv"
    rows = list(csv.reader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    head, example = rows[0], rows[1]
    assert len(head) == len(example) >= 4
    required = [h for h in head if h.endswith("*")]
    assert required and all(not h.startswith("field.") for h in head), head  # translated, not message ids
    assert any(cell for cell in example), example  # an example row, not an empty one


@pytest.mark.parametrize("name", ("sales-orders", "purchase-orders"))
def test_the_xlsx_template_has_the_same_header_in_english(name):
    kind = import_kind(name)
    sheet = kind.template(fmt="xlsx", locale="en")
    wb = load_workbook(io.BytesIO(sheet.data))
    ws = wb.active
    head = [c.value for c in next(ws.iter_rows(max_row=1))]
    csv_head = next(csv.reader(io.StringIO(kind.template(fmt="csv", locale="en").data.decode("utf-8-sig"))))
    assert head == csv_head and any(h.endswith("*") for h in head)
