"""Access examples for billing (erp_core/billing): sales invoices (free service lines: no sales order needed),
receipts, 预收冲应收, 应收冲应付, the fapiao register, the receivables reports and the imports."""

import datetime as dt

from erp_core.billing import invoice_services as inv
from erp_core.billing import queries as q
from erp_core.billing import receipt_services as rc
from erp_core.masterdata.items_services import create_product
from erp_core.masterdata.partners_services import create_customer, create_supplier
from tests.access.examples import covered_elsewhere, example

M = "erp_core.billing."
DAY = dt.date(2026, 1, 10)
CASH = "1001"  # not the bank account: posting to 1002 would stop the finance examples opening sub-accounts under it


def _basics(env) -> dict:
    if "billing" not in env.cache:
        code = env.unique("BC")
        tax_id = f"91430000{code}XYZ"
        env.cache["billing"] = {
            "customer": env.call(create_customer, values={"code": code, "name": f"开票客户{code}",
                                                          "tax_id": tax_id}),
            "supplier": env.call(create_supplier, values={"code": code, "name": f"开票客户{code}",
                                                          "tax_id": tax_id}),
            "service": env.call(create_product, values={"code": env.unique("BS"), "name": "咨询服务",
                                                        "kind": "service"})}
    return env.cache["billing"]


def _draft_invoice(env) -> int:
    b = _basics(env)
    return env.call(inv.create_invoice, doc_date=DAY, customer_id=b["customer"],
                    lines=[{"product_id": b["service"], "quantity": "1", "unit_price": "100", "tax_rate": "0.06"}])


def _posted_invoice(env) -> int:
    iid = _draft_invoice(env)
    env.call(inv.post_invoice, invoice_id=iid)
    return iid


def _draft_receipt(env) -> int:
    return env.call(rc.create_receipt, partner_id=_basics(env)["customer"], doc_date=DAY, lines=[{"amount": "50"}],
                    account_code=CASH)


def _receipt_version(env, rid) -> int:
    from erp_core.billing.models import Receipt

    with env.db.uow(readonly=True) as uow:
        return uow.session.get(Receipt, rid).version


@example(M + "invoice_services.create_invoice")
def _(env):
    b = _basics(env)
    return {"doc_date": DAY, "customer_id": b["customer"],
            "lines": [{"product_id": b["service"], "quantity": "2", "unit_price": "10"}]}


@example(M + "invoice_services.edit_invoice")
def _(env):
    b = _basics(env)
    iid = _draft_invoice(env)
    return {"invoice_id": iid, "version": env.call(q.invoice_detail, invoice_id=iid)["version"],
            "lines": [{"product_id": b["service"], "quantity": "3", "unit_price": "10"}]}


@example(M + "invoice_services.post_invoice")
def _(env):
    return {"invoice_id": _draft_invoice(env)}


@example(M + "invoice_services.cancel_invoice")
def _(env):
    return {"invoice_id": _draft_invoice(env)}


@example(M + "invoice_services.reverse_invoice")
def _(env):
    return {"invoice_id": _posted_invoice(env)}


@example(M + "invoice_services.create_red_invoice")
def _(env):
    iid = _posted_invoice(env)
    line = env.call(q.invoice_detail, invoice_id=iid)["lines"][0]["id"]
    return {"original_id": iid, "doc_date": DAY, "reason": "折让", "lines": [{"line_id": line, "quantity": "1",
                                                                             "unit_price": "10"}]}


@example(M + "invoice_services.record_fapiao")
def _(env):
    return {"fapiao_no": env.unique("FP"), "issue_date": DAY, "buyer_name": "客户", "amount": "100", "tax": "6"}


@example(M + "receipt_services.create_receipt")
def _(env):
    return {"partner_id": _basics(env)["customer"], "doc_date": DAY, "account_code": CASH,
            "lines": [{"item_type": "sales_invoice", "item_id": _posted_invoice(env), "amount": "100"}]}


@example(M + "receipt_services.update_receipt")
def _(env):
    rid = _draft_receipt(env)
    return {"receipt_id": rid, "version": _receipt_version(env, rid), "lines": [{"amount": "60"}]}


@example(M + "receipt_services.post_receipt")
def _(env):
    return {"receipt_id": _draft_receipt(env)}


@example(M + "receipt_services.cancel_receipt")
def _(env):
    rid = _draft_receipt(env)
    return {"receipt_id": rid, "version": _receipt_version(env, rid)}


@example(M + "receipt_services.reverse_receipt")
def _(env):
    rid = _draft_receipt(env)
    env.call(rc.post_receipt, receipt_id=rid)
    return {"receipt_id": rid}


def _advance_applied(env) -> int:
    rid = _draft_receipt(env)
    env.call(rc.post_receipt, receipt_id=rid)
    return env.call(rc.apply_advance, partner_id=_basics(env)["customer"], doc_date=DAY,
                    lines=[{"item_id": _posted_invoice(env), "amount": "50", "advance_id": rid}])


@example(M + "receipt_services.apply_advance")
def _(env):
    rid = _draft_receipt(env)
    env.call(rc.post_receipt, receipt_id=rid)
    return {"partner_id": _basics(env)["customer"], "doc_date": DAY,
            "lines": [{"item_id": _posted_invoice(env), "amount": "50", "advance_id": rid}]}


@example(M + "receipt_services.reverse_advance_application")
def _(env):
    return {"application_id": _advance_applied(env)}


# 应收冲应付 needs an open payable (a posted purchase invoice): run with only their own permission in
# tests/billing/test_worked_examples.py::test_receivable_offset_against_payable_of_the_same_partner
for _name in ("offset_receivable_payable", "reverse_receivable_offset"):
    covered_elsewhere(M + "receipt_services." + _name,
                      "tests/billing/test_worked_examples.py::test_receivable_offset_against_payable_of_the_same_partner")


@example(M + "queries.invoice_list", M + "queries.to_invoice", M + "queries.receivables_choices")
def _(env):
    return {}


@example(M + "queries.fapiao_register")
def _(env):
    return {"date_from": DAY}


@example(M + "queries.invoice_detail", M + "queries.returns_to_credit", M + "queries.invoice_recognitions")
def _(env):
    return {"invoice_id": _draft_invoice(env)}


@example(M + "queries.receipt_list", M + "queries.receipt_choices")
def _(env):
    return {}


@example(M + "queries.customer_open_items")
def _(env):
    return {"partner_id": _basics(env)["customer"]}


@example(M + "queries.receivables_aging", M + "queries.receivables_report")
def _(env):
    return {"as_of": DAY}


@example(M + "queries.customer_statement")
def _(env):
    return {"partner_id": _basics(env)["customer"], "date_from": DAY, "date_to": DAY}


def _table(env, kind: str):
    from erp_core.io.importer import Table
    from erp_core.masterdata.models_items import Product
    from erp_core.masterdata.models_partners import Customer

    b = _basics(env)
    with env.db.uow(readonly=True) as uow:
        cust = uow.session.get(Customer, b["customer"]).code
        prod = uow.session.get(Product, b["service"]).code
    if kind == "invoices":
        return Table(["单号", "日期", "客户编码", "商品编码", "数量", "不含税单价"],
                     [[env.unique("IMP-SI-"), "2026-01-15", cust, prod, "1", "20"]], "inv.csv")
    if kind == "receipts":
        return Table(["单号", "日期", "客户编码", "金额", "收款科目"],
                     [[env.unique("IMP-SK-"), "2026-01-15", cust, "20", CASH]], "rc.csv")
    return Table(["发票号码", "开票日期", "金额", "税额"], [[env.unique("IMPFP"), "2026-01-15", "20", "1.2"]], "fp.csv")


@example(M + "import_services.dry_run_sales_invoices", M + "import_services.import_sales_invoices")
def _(env):
    return {"table": _table(env, "invoices"), "post": True}


@example(M + "import_services.dry_run_receipts", M + "import_services.import_receipts")
def _(env):
    return {"table": _table(env, "receipts"), "post": True}


@example(M + "import_services.dry_run_fapiao", M + "import_services.import_fapiao")
def _(env):
    return {"table": _table(env, "fapiao")}


# 收入确认 needs a posted delivery of goods invoiced in advance from their sales order: run in
# tests/billing/test_worked_examples.py::test_goods_invoiced_before_delivery_are_recognised_when_delivered
covered_elsewhere(M + "invoice_services.recognize_revenue",
                  "tests/billing/test_worked_examples.py::test_goods_invoiced_before_delivery_are_recognised_when_delivered")


@example(M + "analysis_queries.sales_analysis")
def _(env):
    return {"by": "product", "date_from": DAY}


@example(M + "analysis_queries.sales_dashboard")
def _(env):
    return {"year": DAY.year}


@example(M + "analysis_queries.sales_as_of")
def _(env):
    return {}


# 冲销收入确认 needs a posted revenue recognition (goods invoiced in advance, then delivered): run in
# tests/billing/test_returns_and_recognition.py::test_reverse_recognition_use_case_then_recognise_again
covered_elsewhere(M + "invoice_services.reverse_recognition",
                  "tests/billing/test_returns_and_recognition.py::test_reverse_recognition_use_case_then_recognise_again")
