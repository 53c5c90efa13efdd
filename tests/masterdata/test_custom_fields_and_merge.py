"""Custom-field lifecycle (values never silently lost) and merging duplicates (every reference moves)."""

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, insert, select

from erp_core.db.base import Base
from erp_core.kernel.errors import Conflict, ValidationErrors
from erp_core.masterdata import custom_fields_services as cfs
from erp_core.masterdata import merge_services as ms
from erp_core.masterdata import partners_queries as pq
from erp_core.masterdata import partners_services as ps
from erp_core.masterdata.merge_services import referencing_columns
from erp_core.masterdata.models_partners import PartnerContact
from erp_core.security.models import AuditLog
from tests.support.factories import admin_actor


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


def _field(db, admin, **values):
    base = {"entity": "customer", "key": "level", "label_zh": "等级", "label_en": "Level", "field_type": "text"}
    return cfs.define_field(db, admin, values={**base, **values})


def _def(db, admin, field_id):
    return next(f for f in cfs.list_fields(db, admin) if f["id"] == field_id)


def test_field_definition_is_validated(db, admin):
    with pytest.raises(ValidationErrors) as err:
        cfs.define_field(db, admin, values={"entity": "nope", "key": "Bad Key", "label_zh": "", "label_en": "x",
                                            "field_type": "blob"})
    assert {e.field for e in err.value.errors} == {"field.masterdata.cf_entity", "field.masterdata.cf_key",
                                                   "field.masterdata.cf_label_zh", "field.masterdata.cf_type"}
    with pytest.raises(ValidationErrors):  # clashes with the built-in "name" column
        _field(db, admin, key="name")
    with pytest.raises(ValidationErrors):  # a default that its own type refuses
        _field(db, admin, field_type="number", default_value="abc")
    with pytest.raises(ValidationErrors):
        _field(db, admin, field_type="choice", choices="")


def test_values_are_validated_like_built_in_fields(db, admin):
    _field(db, admin, key="level", field_type="choice", choices="A\nB\nC", required=True)
    _field(db, admin, key="quota", label_zh="额度", label_en="Quota", field_type="money")
    with pytest.raises(ValidationErrors) as err:
        ps.create_customer(db, admin, values={"code": "C1", "name": "甲"}, custom={"level": "D", "quota": "1.234"})
    assert {e.field for e in err.value.errors} == {"等级 / Level", "额度 / Quota"}
    with pytest.raises(ValidationErrors):
        ps.create_customer(db, admin, values={"code": "C1", "name": "甲"}, custom={})
    cid = ps.create_customer(db, admin, values={"code": "C1", "name": "甲"}, custom={"level": "b", "quota": "10"})
    assert pq.get_customer(db, admin, customer_id=cid)["custom"] == {"level": "B", "quota": "10"}


def test_lifecycle_type_change_refused_then_retired_then_restored(db, admin):
    fid = _field(db, admin, key="rank", field_type="text")
    c1 = ps.create_customer(db, admin, values={"code": "C1", "name": "甲"}, custom={"rank": "12"})
    ps.create_customer(db, admin, values={"code": "C2", "name": "乙"}, custom={"rank": "高"})
    with pytest.raises(Conflict) as err:  # "高" is not a number: refuse, change nothing
        cfs.edit_field(db, admin, field_id=fid, version=_def(db, admin, fid)["version"],
                       values={"field_type": "number"})
    assert err.value.params["count"] == 1 and "高" in err.value.params["examples"]
    assert _def(db, admin, fid)["field_type"] == "text"
    c2 = pq.list_customers(db, admin, search="C2").rows[0]
    ps.edit_customer(db, admin, customer_id=c2["id"], version=c2["version"], values={}, custom={"rank": "3"})
    cfs.edit_field(db, admin, field_id=fid, version=_def(db, admin, fid)["version"],
                   values={"field_type": "number", "label_en": "Rank"})
    assert _def(db, admin, fid)["field_type"] == "number"
    # removing a field with values retires it; the values stay and still export
    assert cfs.remove_field(db, admin, field_id=fid, version=_def(db, admin, fid)["version"]) == "retired"
    assert _def(db, admin, fid)["retired"] and _def(db, admin, fid)["values"] == 2
    assert pq.get_customer(db, admin, customer_id=c1)["custom"] == {"rank": "12"}
    # a retired field is not validated any more (the form no longer shows it), edits keep its value
    detail = pq.get_customer(db, admin, customer_id=c1)
    ps.edit_customer(db, admin, customer_id=c1, version=detail["version"], values={"name": "甲2"})
    assert pq.get_customer(db, admin, customer_id=c1)["custom"] == {"rank": "12"}
    cfs.restore_field(db, admin, field_id=fid, version=_def(db, admin, fid)["version"])
    assert not _def(db, admin, fid)["retired"]


def test_shrinking_choices_in_use_is_refused_and_unused_field_is_deleted(db, admin):
    fid = _field(db, admin, key="grade", field_type="choice", choices="A\nB")
    ps.create_customer(db, admin, values={"code": "C1", "name": "甲"}, custom={"grade": "B"})
    with pytest.raises(Conflict):
        cfs.edit_field(db, admin, field_id=fid, version=_def(db, admin, fid)["version"], values={"choices": "A"})
    cfs.edit_field(db, admin, field_id=fid, version=_def(db, admin, fid)["version"], values={"choices": "A\nB\nC"})
    unused = _field(db, admin, key="note", entity="supplier")
    assert cfs.remove_field(db, admin, field_id=unused, version=_def(db, admin, unused)["version"]) == "deleted"
    assert all(f["id"] != unused for f in cfs.list_fields(db, admin))


def test_merge_discovers_every_foreign_key():
    cols = {(t.name, c) for t, c in referencing_columns("customer")}
    assert {("partner_contact", "customer_id"), ("partner_address", "customer_id")} <= cols
    assert ("customer", "merged_into") not in cols
    for table in Base.metadata.sorted_tables:  # whatever later modules add is found too
        for fk in table.foreign_keys:
            if fk.column.table.name == "customer" and fk.parent.name != "merged_into":
                assert (table.name, fk.parent.name) in cols


def _versions(db, admin, survivor_id, duplicate_id) -> dict[str, int]:
    """The versions a person confirming the merge was shown (the preview's cards)."""
    cards = ms.merge_preview_customers(db, admin, survivor_id=survivor_id, duplicate_id=duplicate_id)
    return {"survivor_version": cards["survivor"]["version"], "duplicate_version": cards["duplicate"]["version"]}


def test_merge_moves_every_reference_and_is_audited(db, admin):
    a = ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司"})
    b = ps.create_customer(db, admin, values={"code": "C2", "name": "长沙星辰贸易"}, confirm_duplicates=True)
    ps.add_customer_contact(db, admin, customer_id=b, values={"name": "王"})
    ps.add_customer_address(db, admin, customer_id=b, values={"address": "岳麓区"})
    ps.add_customer_contact(db, admin, customer_id=a, values={"name": "李"})
    # a table of some later module that references customers: found through the metadata
    md = MetaData()
    for t in Base.metadata.sorted_tables:
        t.to_metadata(md)
    order = Table("test_sales_order", md, Column("id", Integer, primary_key=True),
                  Column("customer_id", ForeignKey("customer.id")), Column("bill_to_id", ForeignKey("customer.id")))
    order.create(db.engine)
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(order), [{"id": 1, "customer_id": b, "bill_to_id": a},
                                         {"id": 2, "customer_id": b, "bill_to_id": b},
                                         {"id": 3, "customer_id": a, "bill_to_id": None}])
        moved = ms.merge_customers(db, admin, survivor_id=a, duplicate_id=b, metadata=md, **_versions(db, admin, a, b))
        assert moved == {"partner_contact.customer_id": 1, "partner_address.customer_id": 1,
                         "test_sales_order.customer_id": 2, "test_sales_order.bill_to_id": 1}
        with db.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(order).where(
                (order.c.customer_id == b) | (order.c.bill_to_id == b))).scalar_one() == 0
            assert conn.execute(select(func.count()).select_from(PartnerContact).where(
                PartnerContact.customer_id == a)).scalar_one() == 2
    finally:
        order.drop(db.engine)
    dup = pq.get_customer(db, admin, customer_id=b)
    assert dup["merged_into"] == a and dup["active"] is False
    with db.uow(readonly=True) as uow:
        entry = uow.session.execute(select(AuditLog).order_by(AuditLog.seq.desc())).scalars().first()
        assert entry.action == "masterdata.customer.merge" and "test_sales_order.customer_id" in entry.details
    # a merged record cannot be merged again, reactivated, or merged into itself
    with pytest.raises(ValidationErrors):
        ms.merge_customers(db, admin, survivor_id=a, duplicate_id=b, **_versions(db, admin, a, b))
    with pytest.raises(ValidationErrors):
        ps.set_customer_active(db, admin, customer_id=b, version=None, active=True)
    with pytest.raises(ValidationErrors):
        ps.edit_customer(db, admin, customer_id=b, version=None, values={"name": "复活"})
    from erp_core.io import import_services
    from erp_core.io.importer import Table as Sheet

    report = import_services.dry_run_customers(db, admin, Sheet(["code", "name"], [["C2", "复活"]], "c.csv"))
    assert [p.message_id for p in report.problems] == ["error.masterdata.merged"]
    assert [r["code"] for r in pq.list_customers(db, admin).rows] == ["C1"]  # merged ones are left out
    assert len(pq.list_customers(db, admin, include_merged=True).rows) == 2
    with pytest.raises(ValidationErrors):
        ms.merge_customers(db, admin, survivor_id=a, duplicate_id=a, survivor_version=1, duplicate_version=1)
    # merged partners no longer count as duplicates
    assert [m["code"] for m in pq.customer_duplicates(db, admin, values={"name": "长沙星辰贸易"})] == ["C1"]


def test_merge_leaves_append_only_history_alone(db, admin):
    from sqlalchemy import text

    from erp_core.db.append_only import drop_ddl, guard_ddl

    a = ps.create_customer(db, admin, values={"code": "C1", "name": "甲"})
    b = ps.create_customer(db, admin, values={"code": "C2", "name": "乙"})
    ps.add_customer_contact(db, admin, customer_id=b, values={"name": "王"})
    md = MetaData()
    for t in Base.metadata.sorted_tables:
        t.to_metadata(md)
    posted = Table("test_posted_line", md, Column("id", Integer, primary_key=True),
                   Column("customer_id", ForeignKey("customer.id")))
    posted.create(db.engine)
    dialect = db.engine.dialect.name
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(posted), [{"id": 1, "customer_id": b}])
            for stmt in guard_ddl(dialect, "test_posted_line"):
                conn.execute(text(stmt))
        moved = ms.merge_customers(db, admin, survivor_id=a, duplicate_id=b, metadata=md, **_versions(db, admin, a, b))
        assert moved == {"partner_contact.customer_id": 1}
        with db.engine.connect() as conn:
            assert conn.execute(select(posted.c.customer_id)).scalar_one() == b
    finally:
        with db.engine.begin() as conn:
            for stmt in drop_ddl(dialect, "test_posted_line"):
                conn.execute(text(stmt))
        posted.drop(db.engine)
    assert pq.get_customer(db, admin, customer_id=b)["merged_into"] == a


def test_document_fields_validate_through_the_public_helper(db, admin):
    from erp_core.masterdata.custom_fields import validate_for

    _field(db, admin, entity="document", key="po_ref", label_zh="客户订单号", label_en="Customer PO",
           required=True)
    with db.uow(readonly=True) as uow:
        text, errors = validate_for(uow.session, admin.company_id, "document", {})
        assert text is None and [e.message_id for e in errors] == ["error.required"]
        text, errors = validate_for(uow.session, admin.company_id, "document", {"po_ref": " PO-1 "})
        assert text == '{"po_ref":"PO-1"}' and not errors
