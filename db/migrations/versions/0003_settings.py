"""settings: company settings, bank accounts, tax rates, currencies, exchange rates, units, warehouses

Revision ID: 0003
Revises: 0002
"""

import tomllib
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _id_company(table: str) -> list:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
    ]


def _tail(table: str, *, versioned: bool = True) -> list:
    out = [sa.Column("version", sa.Integer(), nullable=False)] if versioned else []
    out += [
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f(f"fk_{table}_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]
    return out


def _company_index(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_company_id"), table, ["company_id"], unique=False)


def upgrade() -> None:
    # Company settings: plain ADD COLUMN (no table rebuild: other tables reference company).
    op.add_column("company", sa.Column("address", sa.String(length=300), nullable=True))
    op.add_column("company", sa.Column("phone", sa.String(length=40), nullable=True))
    op.add_column("company", sa.Column("fiscal_year_start_month", sa.Integer(), server_default=sa.text("1"),
                                       nullable=False))
    op.add_column("company", sa.Column("date_format", sa.String(length=20), server_default="YYYY-MM-DD",
                                       nullable=False))
    op.add_column("company", sa.Column("number_format", sa.String(length=20), server_default="1,234.56",
                                       nullable=False))
    op.add_column("project", sa.Column("start_date", sa.Date(), nullable=True))
    op.add_column("project", sa.Column("end_date", sa.Date(), nullable=True))

    op.create_table(
        "company_bank_account", *_id_company("company_bank_account"),
        sa.Column("bank_name", sa.String(length=200), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("account_code", sa.String(length=40), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_tail("company_bank_account"),
        sa.UniqueConstraint("company_id", "account_number",
                            name=op.f("uq_company_bank_account_company_id_account_number")),
    )
    _company_index("company_bank_account")

    op.create_table(
        "tax_rate", *_id_company("tax_rate"),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        *_tail("tax_rate"),
        sa.UniqueConstraint("company_id", "code", "valid_from", name=op.f("uq_tax_rate_company_id_code_valid_from")),
    )
    _company_index("tax_rate")

    op.create_table(
        "currency", *_id_company("currency"),
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_tail("currency"),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_currency_company_id_code")),
    )
    _company_index("currency")

    op.create_table(
        "exchange_rate", *_id_company("exchange_rate"),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        *_tail("exchange_rate", versioned=False),
        sa.UniqueConstraint("company_id", "currency_code", "rate_date",
                            name=op.f("uq_exchange_rate_company_id_currency_code_rate_date")),
    )
    _company_index("exchange_rate")

    op.create_table(
        "unit", *_id_company("unit"),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name_zh", sa.String(length=50), nullable=False),
        sa.Column("name_en", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_tail("unit"),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_unit_company_id_code")),
    )
    _company_index("unit")

    op.create_table(
        "unit_conversion", *_id_company("unit_conversion"),
        sa.Column("from_unit_id", sa.Integer(), nullable=False),
        sa.Column("to_unit_id", sa.Integer(), nullable=False),
        sa.Column("factor", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["from_unit_id"], ["unit.id"], name=op.f("fk_unit_conversion_from_unit_id_unit")),
        sa.ForeignKeyConstraint(["to_unit_id"], ["unit.id"], name=op.f("fk_unit_conversion_to_unit_id_unit")),
        *_tail("unit_conversion", versioned=False),
        sa.UniqueConstraint("company_id", "from_unit_id", "to_unit_id",
                            name=op.f("uq_unit_conversion_company_id_from_unit_id_to_unit_id")),
    )
    _company_index("unit_conversion")

    op.create_table(
        "warehouse", *_id_company("warehouse"),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("keeper", sa.String(length=100), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_tail("warehouse"),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_warehouse_company_id_code")),
    )
    _company_index("warehouse")

    op.create_table(
        "warehouse_location", *_id_company("warehouse_location"),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["warehouse_id"], ["warehouse.id"],
                                name=op.f("fk_warehouse_location_warehouse_id_warehouse")),
        *_tail("warehouse_location"),
        sa.UniqueConstraint("warehouse_id", "code", name=op.f("uq_warehouse_location_warehouse_id_code")),
    )
    _company_index("warehouse_location")
    op.create_index(op.f("ix_warehouse_location_warehouse_id"), "warehouse_location", ["warehouse_id"],
                    unique=False)
    _seed_existing_companies()


def _seed_existing_companies() -> None:
    """Companies that existed before this revision get the reference data setup now gives every new company
    (db/seed/*.toml, read as they are at upgrade time). Plain Core: migrations never import ORM models."""
    bind = op.get_bind()
    company_ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM company"))]
    if not company_ids:
        return
    seed = Path(__file__).resolve().parents[2] / "seed"
    taxes = tomllib.loads((seed / "tax_rates.toml").read_text(encoding="utf-8"))["rate"]
    currencies = tomllib.loads((seed / "currencies.toml").read_text(encoding="utf-8"))["currency"]
    units_data = tomllib.loads((seed / "units.toml").read_text(encoding="utf-8"))
    t_tax = sa.table("tax_rate", *[sa.column(c) for c in (
        "company_id", "code", "name_zh", "name_en", "kind", "rate", "valid_from", "valid_to", "version")])
    t_cur = sa.table("currency", *[sa.column(c) for c in (
        "company_id", "code", "name_zh", "name_en", "decimals", "active", "version")])
    t_unit = sa.table("unit", *[sa.column(c) for c in (
        "id", "company_id", "code", "name_zh", "name_en", "active", "version")])
    t_conv = sa.table("unit_conversion", *[sa.column(c) for c in ("company_id", "from_unit_id", "to_unit_id",
                                                                   "factor")])
    for cid in company_ids:
        bind.execute(t_tax.insert(), [
            {"company_id": cid, "code": r["code"], "name_zh": r["name_zh"], "name_en": r["name_en"],
             "kind": r["kind"], "rate": int(Decimal(r["rate"]).scaleb(6)), "valid_from": r["valid_from"],
             "valid_to": r.get("valid_to"), "version": 1} for r in taxes])
        bind.execute(t_cur.insert(), [
            {"company_id": cid, "code": c["code"], "name_zh": c["name_zh"], "name_en": c["name_en"],
             "decimals": c["decimals"], "active": True, "version": 1} for c in currencies])
        bind.execute(t_unit.insert(), [
            {"company_id": cid, "code": u["code"], "name_zh": u["name_zh"], "name_en": u["name_en"],
             "active": True, "version": 1} for u in units_data["unit"]])
        ids = dict(bind.execute(sa.select(t_unit.c.code, t_unit.c.id).where(t_unit.c.company_id == cid)).all())
        conversions = [{"company_id": cid, "from_unit_id": ids[c["from"]], "to_unit_id": ids[c["to"]],
                        "factor": int(Decimal(c["factor"]).scaleb(6))} for c in units_data.get("conversion", [])]
        if conversions:
            bind.execute(t_conv.insert(), conversions)


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key needs first).
    for table in ("warehouse_location", "warehouse", "unit_conversion", "unit", "exchange_rate", "currency",
                  "tax_rate", "company_bank_account"):
        op.drop_table(table)
    for column in ("end_date", "start_date"):
        op.drop_column("project", column)
    for column in ("number_format", "date_format", "fiscal_year_start_month", "phone", "address"):
        op.drop_column("company", column)
