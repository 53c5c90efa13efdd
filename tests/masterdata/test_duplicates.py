"""Duplicate detection of customers and suppliers (issue #4, brief B item 3): every phone of a record and its
contacts, tax ID, and equal or similar names after stripping legal suffixes, brackets and region prefixes; each hit
says why. On create, on import (against existing records and between rows of one file) and in the pages."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from erp_core.io import import_services as imp
from erp_core.io.importer import read_table
from erp_core.masterdata import partners_queries as pq
from erp_core.masterdata import partners_services as ps
from erp_core.masterdata.duplicates import (
    SIMILARITY_THRESHOLD,
    DuplicateIndex,
    name_key,
    phone_key,
    similarity,
)
from erp_core.masterdata.models_partners import Customer
from erp_core.masterdata.records import DuplicateWarning
from tests.support.factories import admin_actor


@pytest.mark.parametrize("a, b", [
    ("长沙星辰贸易有限公司", "星辰贸易"),
    ("星辰贸易（北京）有限公司", "星辰贸易"),
    ("星辰贸易(北京)有限责任公司", "星辰贸易"),
    ("湖南省长沙市星辰贸易集团股份有限公司", "星辰贸易"),
    ("北京星辰贸易集团", "星辰贸易"),
    ("ＡＢＣ Trading Co., Ltd.", "abctrading"),
    ("abc trading inc.", "abctrading"),
    ("Star Group Limited", "star"),
])
def test_name_key_strips_suffixes_regions_brackets_and_folds_width_and_case(a, b):
    assert name_key(a) == b


def test_phone_key_drops_country_prefix_and_area_code_zero():
    same_landline = ["0731-88880000", "+86 731 8888 0000", "(0731) 8888-0000", "0086 731 88880000", "073188880000"]
    assert {phone_key(p) for p in same_landline} == {"73188880000"}
    same_mobile = ["13800000000", "+86 138 0000 0000", "0086-13800000000", "86 13800000000", "１３８００００００００"]
    assert {phone_key(p) for p in same_mobile} == {"13800000000"}
    assert phone_key("110") is None and phone_key("") is None


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.sampled_from(["", "+86", "+86 ", "0086", "0086-"]))
def test_mobile_numbers_match_with_any_country_prefix(mobile, prefix):
    spaced = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
    assert phone_key(prefix + spaced) == phone_key(mobile) == mobile


@given(st.from_regex(r"[1-9][0-9]{1,2}", fullmatch=True), st.from_regex(r"[2-8][0-9]{6,7}", fullmatch=True))
def test_landlines_match_with_or_without_area_code_zero_and_country_prefix(area, number):
    assert phone_key(f"0{area}-{number}") == phone_key(f"+86 {area} {number}") == phone_key(f"0{area}{number}")


@given(st.text(alphabet="星辰贸易科技湘江电子商务华中北方甲乙丙丁", min_size=2, max_size=8))
def test_name_key_ignores_width_case_suffixes_and_brackets(core):
    base = name_key(core)
    assert name_key(core + "有限公司") == base
    assert name_key(core + "（长沙）有限责任公司") == base
    assert name_key(" ".join(core)) == base
    assert similarity(base, base) == 1.0


def test_similar_names_score_and_numbers_are_never_typos():
    assert similarity(name_key("长沙星辰贸易有限公司"), name_key("长沙星晨贸易有限公司")) == 0.75 >= SIMILARITY_THRESHOLD
    index = DuplicateIndex()
    index.add("C1", name="长沙星辰贸易有限公司")
    index.add("C2", name="客户1号贸易有限公司")
    index.add("C3", name="一部客户")
    hits = index.find(name="星晨贸易（北京）有限公司")
    assert [(h.ident, h.fields(), round(h.score, 2)) for h in hits] == [("C1", ["similar_name"], 0.75)]
    assert index.find(name="客户2号贸易有限公司") == []  # differs only in its number
    assert index.find(name="二部客户") == []
    assert [h.ident for h in index.find(name="客户1号贸易")] == ["C2"]
    assert index.find(name="月亮科技有限公司") == []


@pytest.fixture
def admin(db, company):
    return admin_actor(db, company)


def _warning(fn, *args, **kwargs) -> DuplicateWarning:
    with pytest.raises(DuplicateWarning) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_create_warns_on_every_phone_tax_id_and_similar_name_and_says_why(db, admin):
    c1 = ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司",
                                               "tax_id": "91430100MA4L08K3QX", "phone": "0731-88880000"})
    ps.add_customer_contact(db, admin, customer_id=c1, values={"name": "王经理", "phone": "139 1234 5678"})
    ps.create_customer(db, admin, values={"code": "C9", "name": "月亮科技有限公司"})
    cases = [
        ({"name": "星晨贸易（北京）有限公司"}, ["similar_name"], "名称相似 0.75"),
        ({"name": "甲公司", "phone": "+86 139-1234-5678"}, ["phone"], "电话相同 +86 139-1234-5678"),  # contact
        ({"name": "乙公司", "phone": "+86 731 8888 0000"}, ["phone"], "电话相同"),  # main phone
        ({"name": "丙公司", "tax_id": "91430100MA4L08K3QX"}, ["tax_id"], "税号相同"),
        ({"name": "湖南省长沙市星辰贸易集团有限公司", "phone": "07318888 0000"}, ["phone", "name"], "名称相同"),
    ]
    for n, (values, fields, words) in enumerate(cases):
        warning = _warning(ps.create_customer, db, admin, values={"code": f"N{n}", **values})
        assert [(m["code"], sorted(m["reasons"])) for m in warning.matches] == [("C1", sorted(fields))], values
        assert words in warning.params["matches"], warning.params["matches"]
    # a phone stored by the earlier normalization (area-code 0 kept) is still found
    with db.uow() as uow:
        uow.session.execute(update(Customer).where(Customer.id == c1).values(phone_norm="073188880000"))
        uow.commit()
    warning = _warning(ps.create_customer, db, admin, values={"code": "N9", "name": "丁公司",
                                                              "phone": "0086 731 88880000"})
    assert [m["code"] for m in warning.matches] == ["C1"]
    # nothing alike: created at once; confirmed duplicates are created too
    assert ps.create_customer(db, admin, values={"code": "N10", "name": "太阳能源有限公司"})
    assert ps.create_customer(db, admin, values={"code": "N11", "name": "星晨贸易"}, confirm_duplicates=True)


def test_duplicates_query_compares_the_records_contacts_too(db, admin):
    c1 = ps.create_customer(db, admin, values={"code": "C1", "name": "甲方", "phone": "13800000001"})
    c2 = ps.create_customer(db, admin, values={"code": "C2", "name": "乙方"})
    ps.add_customer_contact(db, admin, customer_id=c2, values={"name": "李", "phone": "+86 138 0000 0001"},
                            confirm_duplicates=True)  # a known look-alike, kept on purpose
    found = pq.customer_duplicates(db, admin, values={"name": "乙方"}, except_id=c2)
    assert [(m["id"], m["reasons"], m["details"][0]["field"]) for m in found] == [(c1, ["phone"], "phone")]
    assert pq.customer_duplicates(db, admin, values={"name": "乙方", "phones": []}, except_id=c2) == []


def _csv(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def test_import_flags_rows_against_existing_records_and_each_other(db, admin):
    c1 = ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司"})
    ps.add_customer_contact(db, admin, customer_id=c1, values={"name": "王", "phone": "0731-85550000"})
    data = _csv("code,name,phone,tax_id\n"
                "N1,星晨贸易（长沙）有限公司,,\n"            # 2 similar to C1
                "N2,新客户,+86 731 8555 0000,\n"           # 3 C1's contact phone
                "N3,湘江电子科技有限公司,,\n"                 # 4 fine
                "N4,湘江电子技术有限公司,,\n"                 # 5 similar to row 4 of the same file
                "N5,别的公司,,91430100MA4L08K3QX\n"
                "N6,完全不同,,91430100MA4L08K3QX\n")       # 7 same tax ID as row 6
    report = imp.dry_run_customers(db, admin, read_table(data, "c.csv"))
    assert report.ok
    got = {w.row: w.params["matches"] for w in report.warnings}
    assert set(got) == {2, 3, 5, 7}
    assert got[2] == "C1 长沙星辰贸易有限公司（名称相似 0.75）"
    assert got[3].startswith("C1 ") and "电话相同" in got[3]
    assert got[5].startswith("N3 湘江电子科技有限公司（名称相似 0.8")
    assert got[7] == "N5 别的公司（税号相同）"
    en = imp.dry_run_customers(db, dataclasses.replace(admin, locale="en"), read_table(data, "c"))
    assert "similar name 0.75" in en.warnings[0].render("en")


def test_exact_matches_are_never_cut_off_by_the_name_prefilter_limit(db, admin, monkeypatch):
    from erp_core.masterdata import partners

    ps.create_customer(db, admin, values={"code": "C1", "name": "甲贸易有限公司"})
    ps.create_customer(db, admin, values={"code": "C2", "name": "乙贸易有限公司", "tax_id": "91430100MA4L08K3QX"})
    monkeypatch.setattr(partners, "CANDIDATE_LIMIT", 1)  # the broad "贸易" pre-filter now reads C1 only
    found = pq.customer_duplicates(db, admin, values={"name": "丙贸易", "tax_id": "91430100MA4L08K3QX"})
    assert [(m["code"], m["reasons"]) for m in found] == [("C2", ["tax_id"])]


def test_an_edit_that_makes_a_look_alike_warns_and_nothing_is_written(db, admin):
    """Editing the name, tax ID or phone into another record's warns like create (with the reasons) and saves
    only when confirmed; editing other fields of a pair already alike does not ask again; no record matches
    itself."""
    c1 = ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司",
                                               "tax_id": "91430100MA4L08K3QX", "phone": "0731-88880000"})
    c2 = ps.create_customer(db, admin, values={"code": "C2", "name": "月亮科技有限公司"})

    def row(cid):
        r = pq.get_customer(db, admin, customer_id=cid)
        return r["version"], r["name"], r.get("tax_id"), r.get("contact_name")

    version, *_ = row(c2)
    warning = _warning(ps.edit_customer, db, admin, customer_id=c2, version=version,
                       values={"name": "星辰贸易（长沙）有限公司"})
    assert [(m["code"], m["reasons"]) for m in warning.matches] == [("C1", ["name"])]
    warning = _warning(ps.edit_customer, db, admin, customer_id=c2, version=version,
                       values={"tax_id": "91430100MA4L08K3QX"})
    assert [(m["code"], m["reasons"]) for m in warning.matches] == [("C1", ["tax_id"])]
    assert row(c2) == (version, "月亮科技有限公司", None, None)  # nothing written
    ps.edit_customer(db, admin, customer_id=c2, version=version, values={"name": "星辰贸易（长沙）有限公司"},
                     confirm_duplicates=True)
    version, name, *_ = row(c2)
    assert name == "星辰贸易（长沙）有限公司"
    # the pair is known now: other fields (and the same name again, as the edit form sends it) save at once
    ps.edit_customer(db, admin, customer_id=c2, version=version,
                     values={"name": "星辰贸易（长沙）有限公司", "contact_name": "李"})
    assert row(c2)[3] == "李"
    # the phone written another way: no new likeness (C2's name was alike before), and C1 never matches itself
    version1, *_ = row(c1)
    ps.edit_customer(db, admin, customer_id=c1, version=version1,
                     values={"name": "长沙星辰贸易有限公司", "phone": "0731 8888 0000"})
    # a new reason with a known record is new: C1 takes C2's phone
    ps.edit_customer(db, admin, customer_id=c2, version=row(c2)[0], values={"phone": "139 0000 1111"})
    warning = _warning(ps.edit_customer, db, admin, customer_id=c1, version=row(c1)[0],
                       values={"phone": "13900001111"})
    assert [(m["code"], sorted(m["reasons"])) for m in warning.matches] == [("C2", ["name", "phone"])]


def test_a_new_contact_with_another_partners_phone_warns(db, admin):
    """A contact whose phone is another partner's (main or contact phone) warns with the reason; confirmed, it is
    added; a phone that only repeats a likeness already there (the record's own number) does not ask."""
    c1 = ps.create_customer(db, admin, values={"code": "C1", "name": "长沙星辰贸易有限公司", "phone": "0731-88880000"})
    ps.add_customer_contact(db, admin, customer_id=c1, values={"name": "王经理", "phone": "139 1234 5678"})
    c2 = ps.create_customer(db, admin, values={"code": "C2", "name": "月亮科技有限公司"})
    for phone in ("+86 139-1234-5678", "0731 8888 0000"):
        warning = _warning(ps.add_customer_contact, db, admin, customer_id=c2, values={"name": "李", "phone": phone})
        assert [(m["code"], m["reasons"]) for m in warning.matches] == [("C1", ["phone"])]
    assert pq.get_customer(db, admin, customer_id=c2)["contacts"] == []  # nothing written
    ps.add_customer_contact(db, admin, customer_id=c2, values={"name": "李", "phone": "13912345678"},
                            confirm_duplicates=True)
    ps.add_customer_contact(db, admin, customer_id=c2, values={"name": "赵", "phone": "139 1234 5678"})  # known
    ps.add_customer_contact(db, admin, customer_id=c1, values={"name": "钱", "phone": "0731-88880000"})  # its own
    assert len(pq.get_customer(db, admin, customer_id=c2)["contacts"]) == 2
