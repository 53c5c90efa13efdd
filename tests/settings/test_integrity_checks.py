"""`erp check` finds settings data that the use cases would have refused (written here behind their back)."""

from __future__ import annotations

from sqlalchemy import text

from erp_core.checks import run_checks
from erp_core.masterdata.org_services import create_department
from erp_core.settings.company_services import add_bank_account


def _problems(db) -> dict[str, list[str]]:
    return {name: [p.message_id for p in found] for name, found in run_checks(db)
            if name.startswith("settings.") and found}


def test_clean_company_has_no_settings_problems(db, admin):
    add_bank_account(db, admin, bank_name="工行", account_number="1", account_name="x", is_default=True)
    assert _problems(db) == {}


def test_corrupted_rows_are_reported(db, admin, company):
    cid = company.company_id
    a = create_department(db, admin, code="A", name="A")
    b = create_department(db, admin, code="B", name="B", parent_id=a)
    add_bank_account(db, admin, bank_name="工行", account_number="1", account_name="x", is_default=True)
    add_bank_account(db, admin, bank_name="建行", account_number="2", account_name="x")
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE department SET parent_id = :b WHERE id = :a"), {"a": a, "b": b})
        conn.execute(text("UPDATE company_bank_account SET is_default = :t"), {"t": True})
        conn.execute(text("UPDATE company SET base_currency = 'XXX'"))
        conn.execute(text("INSERT INTO tax_rate (company_id, code, name_zh, name_en, kind, rate, valid_from, "
                          "version) VALUES (:c, 'VAT13', 'x', 'x', 'vat', 130000, '2024-01-01', 1)"), {"c": cid})
        g, kg = (conn.execute(text("SELECT id FROM unit WHERE company_id = :c AND code = :u"),
                              {"c": cid, "u": u}).scalar_one() for u in ("G", "T"))
        conn.execute(text("INSERT INTO unit_conversion (company_id, from_unit_id, to_unit_id, factor) "
                          "VALUES (:c, :a, :b, 1000)"), {"c": cid, "a": g, "b": kg})
    found = _problems(db)
    assert found == {
        "settings.tax_rate_overlap": ["settings.check.tax_overlap"],
        "settings.unit_conversion_cycles": ["settings.check.unit_cycle"],
        "settings.department_tree": ["settings.check.department_cycle", "settings.check.department_cycle"],
        "settings.company_references": ["settings.check.base_currency", "settings.check.bank_defaults"],
    }
