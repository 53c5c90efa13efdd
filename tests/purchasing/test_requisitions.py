"""请购单 -> 采购订单 and 补货建议 -> 采购订单 (SQLite + the other backends when configured): orders grouped by
supplier (chosen / suggested / the product's latest supplier), linked both ways with the quantities counted on
the requisition lines, the requisition's derived progress, a cancelled order giving its quantities back, the
approval gate on "approve", and the refusals naming the line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from erp_core.approvals import services as ap
from erp_core.documents.models import DocumentLink
from erp_core.kernel.errors import Conflict, ValidationError
from erp_core.masterdata import items_services
from erp_core.purchasing import reorder_services as rs
from erp_core.purchasing import services as ps
from erp_core.purchasing.models import PurchaseOrder
from erp_core.purchasing.requisitions import queries as rq
from erp_core.purchasing.requisitions import services as rqs
from tests.purchasing.support import DAY, D, env, order


@pytest.fixture
def st(db, company):
    s = env(db, company=company)
    order(db, s, [("P1", "1", "9.5")])  # S001 is P1's latest supplier
    return s


def _req(db, st, lines, **kw):
    return rqs.create_requisition(db, st.admin, doc_date=DAY, warehouse_id=st.warehouses["WH01"],
                                  requester="张三", needed_by=DAY.replace(day=20), reason="旺季备货",
                                  lines=[{"product_id": st.products[p], "quantity": D(q), "unit_price": D(pr), **x}
                                         for p, q, pr, x in lines], **kw)


def _orders(db, ids):
    with db.uow(readonly=True) as uow:
        out = []
        for oid in ids:
            o = uow.session.get(PurchaseOrder, oid)
            out.append((o.partner_id, o.status, [(ln.product_id, f"{ln.ordered_qty.normalize():f}",
                                                  f"{ln.unit_price.normalize():f}") for ln in o.lines]))
        return out


def test_requisition_becomes_one_draft_order_per_supplier_linked_and_counted(db, st):
    rid = _req(db, st, [("P1", "10", "0", {}), ("P2", "4", "20", {"supplier_id": st.supplier2}),
                        ("P3", "3", "5", {})])
    rqs.approve_requisition(db, st.admin, requisition_id=rid)
    doc = rq.get_requisition(db, st.admin, requisition_id=rid)
    assert [ln["order_supplier_id"] for ln in doc["lines"]] == [st.supplier, st.supplier2, None]
    assert (doc["requester"], doc["reason"], doc["progress"]) == ("张三", "旺季备货", "open")

    with pytest.raises(ValidationError) as e:  # P3 has no supplier anywhere: named, nothing written
        rqs.order_requisitions(db, st.admin, requisition_ids=[rid], doc_date=DAY)
    problem = e.value
    assert problem.message_id == "error.pur2.requisition_no_supplier" and problem.params["line"] == 3
    p3_line = doc["lines"][2]["id"]
    ids = rqs.order_requisitions(db, st.admin, requisition_ids=[rid], doc_date=DAY,
                                 suppliers={p3_line: st.supplier})
    p = st.products
    # P1 without an estimate takes the last confirmed price (9.5); one order per supplier
    assert _orders(db, ids) == [(st.supplier, "draft", [(p["P1"], "10", "9.5"), (p["P3"], "3", "5")]),
                                (st.supplier2, "draft", [(p["P2"], "4", "20")])]
    doc = rq.get_requisition(db, st.admin, requisition_id=rid)
    assert doc["progress"] == "completed"
    assert [(ln["on_orders"], ln["open_qty"]) for ln in doc["lines"]] == [(D(10), D(0)), (D(4), D(0)), (D(3), D(0))]
    assert sorted({r["doc_id"] for r in doc["links"]["downstream"]}) == sorted(ids)
    po = ps_get(db, st, ids[1])
    assert {r["doc_id"] for r in po["links"]["upstream"]} == {rid}
    with pytest.raises(Conflict):  # nothing open any more
        rqs.order_requisitions(db, st.admin, requisition_ids=[rid], doc_date=DAY)
    with pytest.raises(Conflict):  # ordered: close it, don't cancel it
        rqs.cancel_requisition(db, st.admin, requisition_id=rid)

    ps.cancel_order(db, st.admin, order_id=ids[1])  # the S002 order is cancelled: its 4 x P2 are open again
    doc = rq.get_requisition(db, st.admin, requisition_id=rid)
    assert doc["progress"] == "partly_received"
    assert [ln["open_qty"] for ln in doc["lines"]] == [D(0), D(4), D(0)]
    [again] = rqs.order_requisitions(db, st.admin, requisition_ids=[rid], doc_date=DAY)
    assert _orders(db, [again]) == [(st.supplier2, "draft", [(p["P2"], "4", "20")])]
    with db.uow(readonly=True) as uow:
        counted = uow.session.execute(select(DocumentLink.quantity).where(
            DocumentLink.from_type == "purchase_requisition", DocumentLink.from_id == rid,
            DocumentLink.counts_as == "received")).scalars().all()
    assert sum(counted, D(0)) == D(17)


def ps_get(db, st, oid):
    from erp_core.purchasing.queries import get_order

    return get_order(db, st.admin, order_id=oid)


def test_requisitions_are_ordered_only_when_approved_and_approval_is_gated(db, st):

    rid = _req(db, st, [("P1", "2", "10", {})])
    with pytest.raises(Conflict) as e:
        rqs.order_requisitions(db, st.admin, requisition_ids=[rid], doc_date=DAY)
    assert e.value.message_id == "error.pur2.requisition_not_approved"
    ap.create_rule(db, st.admin, doc_type="purchase_requisition", condition="amount_above", threshold="10",
                   approver_user_id=st.admin.user_id, level=1)
    with pytest.raises(Exception) as gate:  # a matching rule was never asked
        rqs.approve_requisition(db, st.admin, requisition_id=rid)
    assert "approval" in gate.value.message_id
    assert rqs.submit_requisition(db, st.admin, requisition_id=rid) == 1


def test_reorder_suggestions_become_draft_orders_per_supplier(db, st):
    items_services.edit_product(db, st.admin, product_id=st.products["P1"], version=None,
                                values={"reorder_point": "100", "reorder_quantity": "50"})
    items_services.edit_product(db, st.admin, product_id=st.products["P3"], version=None,
                                values={"reorder_point": "5"})
    ids = rs.order_from_suggestions(db, st.admin, product_ids=[st.products["P1"], st.products["P3"]],
                                    warehouse_id=st.warehouses["WH02"], doc_date=DAY,
                                    quantities={st.products["P3"]: "7"}, suppliers={st.products["P3"]: st.supplier2})
    assert [(s, [(p, q) for p, q, _ in lines]) for s, _, lines in _orders(db, ids)] == [
        (st.supplier, [(st.products["P1"], "100")]),  # max(reorder quantity, up to the reorder point)
        (st.supplier2, [(st.products["P3"], "7")])]
    with pytest.raises(ValidationError) as e:  # P2 has no reorder point: not a suggestion
        rs.order_from_suggestions(db, st.admin, product_ids=[st.products["P2"]],
                                  warehouse_id=st.warehouses["WH01"], doc_date=DAY)
    assert e.value.message_id == "error.pur2.reorder_not_low"


def test_requisitions_import_dry_run_commit_idempotent_and_cli(db, st, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from erp_core.cli.base import main
    from erp_core.io.importer import ImportFailed, Table
    from erp_core.purchasing.requisitions import import_services as imp

    table = Table(["单号", "日期", "请购人", "需求日期", "请购理由", "商品编码", "数量", "预估单价", "供应商编码",
                   "仓库编码"], [
        ["QG-1", "2026-03-01", "李四", "2026-03-10", "备货", "P1", "10", "9", "S002", "WH01"],
        ["QG-1", "2026-03-01", "李四", "2026-03-10", "备货", "P2", "5", "", "", "WH01"]], "req.csv")
    assert imp.dry_run_purchase_requisitions(db, st.admin, table, post=True).created == 1
    assert rq.list_requisitions(db, st.admin) == []
    assert imp.import_purchase_requisitions(db, st.admin, table, post=True).created == 1
    [row] = rq.list_requisitions(db, st.admin)
    assert (row["status"], row["requester"], row["total"], row["needed_by"].isoformat()) == (
        "approved", "李四", D("90.00"), "2026-03-10")
    doc = rq.get_requisition(db, st.admin, requisition_id=row["id"])
    assert [ln["supplier_id"] for ln in doc["lines"]] == [st.supplier2, None]
    assert imp.import_purchase_requisitions(db, st.admin, table).created == 0  # same number: skipped
    bad = Table(table.headers, [["QG-2", "2026-03-01", "", "", "", "NOPE", "1", "", "", "WH01"]], "bad.csv")
    with pytest.raises(ImportFailed) as e:
        imp.import_purchase_requisitions(db, st.admin, bad)
    assert [(p.row, p.message_id) for p in e.value.report.problems] == [(2, "error.purchasing.import.unknown_product")]
    path = tmp_path / "req.csv"
    rows = [["QG-3", "2026-03-02", "王五", "", "", "P3", "2", "", "", "WH02"]]
    path.write_text("\n".join(",".join(r) for r in [table.headers, *rows]), encoding="utf-8")
    monkeypatch.setenv("ERP_DATABASE_URL", str(db.engine.url.render_as_string(hide_password=False)))
    result = CliRunner().invoke(main, ["import", "purchase-requisitions", str(path), "--company", str(st.company_id)])
    assert result.exit_code == 0, result.output
    assert {r["requester"] for r in rq.list_requisitions(db, st.admin)} == {"李四", "王五"}


def test_the_check_sees_a_requisition_count_that_differs_from_its_links(db, st):
    from erp_core.purchasing.requisitions.invariants import requisition_problems
    from erp_core.purchasing.requisitions.models import PurchaseRequisitionLine

    rid = _req(db, st, [("P1", "5", "0", {})])
    rqs.approve_requisition(db, st.admin, requisition_id=rid)
    rqs.order_requisitions(db, st.admin, requisition_ids=[rid], doc_date=DAY)
    with db.uow() as uow:
        assert requisition_problems(uow.session, st.company_id) == []
        ln = uow.session.execute(select(PurchaseRequisitionLine)).scalars().first()
        ln.received_qty = D(4)
        uow.session.flush()
        [p] = requisition_problems(uow.session, st.company_id)
        assert (p.message_id, p.params["line"]) == ("check.problem.pur2.requisition_counts", 1)
