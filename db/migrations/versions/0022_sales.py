"""Sales (issue #13, part A): customers' sales terms, price lists with quantity breaks, quotations, orders
(with reservations), deliveries and returns (header and line columns from erp_core.documents.models mixins plus
each type's own), and sales_setting (discount limit, credit control, over-reservation).

Revision ID: 0022_sales
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0022_sales"
down_revision = "0021"
branch_labels = None
depends_on = None

HEADERS = ("sales_quotation", "sales_order", "sales_delivery", "sales_return")


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def _money() -> sa.BigInteger:  # ScaledDecimal: integer fen / millionths
    return sa.BigInteger()


def _header(table: str, *extra: sa.Column) -> None:
    op.create_table(
        table,
        *extra,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.String(length=20), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("total", _money(), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("reversed_by_id", sa.Integer(), nullable=True),
        sa.Column("voucher_id", sa.Integer(), nullable=True),
        sa.Column("stock_posting_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=True),
        sa.Column("posted_by", sa.Integer(), nullable=True),
        sa.Column("posted_at", _utc(), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f(f"fk_{table}_company_id_company")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("company_id", "number", name=op.f(f"uq_{table}_company_id_number")),
    )
    op.create_index(op.f(f"ix_{table}_company_id"), table, ["company_id"], unique=False)


def _line(header: str, *extra: sa.Column, refs: tuple[tuple[str, str], ...] = ()) -> None:
    table = f"{header}_line"
    op.create_table(
        table,
        *extra,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("ordered_qty", _money(), nullable=False),
        sa.Column("received_qty", _money(), nullable=False),
        sa.Column("invoiced_qty", _money(), nullable=False),
        sa.Column("returned_qty", _money(), nullable=False),
        sa.Column("unit_price", _money(), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("remarks", sa.String(length=200), nullable=False),
        sa.Column("header_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["header_id"], [f"{header}.id"], name=op.f(f"fk_{table}_header_id_{header}"),
                                ondelete="CASCADE"),
        *[sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))
          for col, target in refs],
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    op.create_index(op.f(f"ix_{table}_header_id"), table, ["header_id"], unique=False)
    for col, _ in refs:
        op.create_index(op.f(f"ix_{table}_{col}"), table, [col], unique=False)


def _priced() -> list[sa.Column]:
    return [sa.Column("tax_rate_code", sa.String(length=20), nullable=True),
            sa.Column("tax_rate", _money(), nullable=False),
            sa.Column("list_price", _money(), nullable=True),
            sa.Column("floor_price", _money(), nullable=True),
            sa.Column("discount_pct", _money(), nullable=False),
            sa.Column("net_price", _money(), nullable=False),
            sa.Column("net_amount", _money(), nullable=False),
            sa.Column("tax_amount", _money(), nullable=False),
            sa.Column("gross_amount", _money(), nullable=False),
            sa.Column("delivery_date", sa.Date(), nullable=True)]


def upgrade() -> None:
    op.create_table(
        "sales_price_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("prices_include_vat", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_sales_price_list_company_id_company")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"],
                                name=op.f("fk_sales_price_list_customer_id_customer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_price_list")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_sales_price_list_company_id_code")),
    )
    op.create_index(op.f("ix_sales_price_list_company_id"), "sales_price_list", ["company_id"], unique=False)
    op.create_index(op.f("ix_sales_price_list_customer_id"), "sales_price_list", ["customer_id"], unique=False)
    op.create_table(
        "sales_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("min_qty", _money(), nullable=False),
        sa.Column("price", _money(), nullable=False),
        sa.Column("floor_price", _money(), nullable=True),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_sales_price_company_id_company")),
        sa.ForeignKeyConstraint(["price_list_id"], ["sales_price_list.id"],
                                name=op.f("fk_sales_price_price_list_id_sales_price_list"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_price")),
        sa.UniqueConstraint("price_list_id", "product_id", "min_qty",
                            name=op.f("uq_sales_price_price_list_id_product_id_min_qty")),
    )
    op.create_index(op.f("ix_sales_price_company_id"), "sales_price", ["company_id"], unique=False)
    op.create_index(op.f("ix_sales_price_price_list_id"), "sales_price", ["price_list_id"], unique=False)
    op.create_index(op.f("ix_sales_price_product_id"), "sales_price", ["product_id"], unique=False)
    op.create_table(
        "sales_customer_term",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("default_warehouse_id", sa.Integer(), nullable=True),
        sa.Column("price_list_id", sa.Integer(), nullable=True),
        sa.Column("salesperson_employee_id", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"],
                                name=op.f("fk_sales_customer_term_company_id_company")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"],
                                name=op.f("fk_sales_customer_term_customer_id_customer")),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_sales_customer_term")),
    )
    op.create_index(op.f("ix_sales_customer_term_company_id"), "sales_customer_term", ["company_id"], unique=False)
    op.create_table(
        "sales_setting",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("max_discount_pct", _money(), nullable=False),
        sa.Column("credit_control", sa.String(length=10), nullable=False),
        sa.Column("allow_over_reserve", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"], name=op.f("fk_sales_setting_company_id_company")),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_sales_setting")),
    )
    _header("sales_quotation",
            sa.Column("prices_include_vat", sa.Boolean(), nullable=False),
            sa.Column("valid_until", sa.Date(), nullable=True),
            sa.Column("delivery_date", sa.Date(), nullable=True),
            sa.Column("salesperson_id", sa.Integer(), nullable=True),
            sa.Column("tax_total", _money(), nullable=False))
    _header("sales_order",
            sa.Column("source_no", sa.String(length=40), nullable=True),
            sa.Column("quotation_id", sa.Integer(), nullable=True),
            sa.Column("prices_include_vat", sa.Boolean(), nullable=False),
            sa.Column("delivery_date", sa.Date(), nullable=True),
            sa.Column("salesperson_id", sa.Integer(), nullable=True),
            sa.Column("consignee", sa.String(length=100), nullable=False),
            sa.Column("consignee_phone", sa.String(length=40), nullable=False),
            sa.Column("ship_address", sa.String(length=300), nullable=False),
            sa.Column("tax_total", _money(), nullable=False))
    _header("sales_delivery",
            sa.Column("source_no", sa.String(length=40), nullable=True),
            sa.Column("carrier", sa.String(length=100), nullable=False),
            sa.Column("shipping_method", sa.String(length=10), nullable=False),
            sa.Column("tracking_no", sa.String(length=60), nullable=False),
            sa.Column("consignee", sa.String(length=100), nullable=False),
            sa.Column("consignee_phone", sa.String(length=40), nullable=False),
            sa.Column("ship_address", sa.String(length=300), nullable=False),
            sa.Column("salesperson_id", sa.Integer(), nullable=True),
            sa.Column("tax_total", _money(), nullable=False),
            sa.Column("cost_total", _money(), nullable=False))
    _header("sales_return",
            sa.Column("reason", sa.String(length=200), nullable=False),
            sa.Column("tax_total", _money(), nullable=False),
            sa.Column("cost_total", _money(), nullable=False))
    _line("sales_quotation", *_priced())
    _line("sales_order", *_priced(), sa.Column("reserved_qty", _money(), nullable=False))
    _line("sales_delivery",
          sa.Column("order_line_id", sa.Integer(), nullable=True),
          sa.Column("tax_rate", _money(), nullable=False),
          sa.Column("tax_amount", _money(), nullable=False),
          sa.Column("gross_amount", _money(), nullable=False),
          sa.Column("cost_price", _money(), nullable=False),
          sa.Column("cost_amount", _money(), nullable=False),
          refs=(("order_line_id", "sales_order_line"),))
    _line("sales_return",
          sa.Column("delivery_line_id", sa.Integer(), nullable=True),
          sa.Column("tax_rate", _money(), nullable=False),
          sa.Column("tax_amount", _money(), nullable=False),
          sa.Column("gross_amount", _money(), nullable=False),
          sa.Column("cost_price", _money(), nullable=False),
          sa.Column("cost_amount", _money(), nullable=False),
          refs=(("delivery_line_id", "sales_delivery_line"),))
    # the reservation look-up (open order lines per warehouse and product)
    op.create_index("ix_sales_order_line_product_warehouse", "sales_order_line", ["product_id", "warehouse_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_sales_order_line_product_warehouse", table_name="sales_order_line")
    for table in ("sales_return_line", "sales_delivery_line", "sales_order_line", "sales_quotation_line",
                  *reversed(HEADERS), "sales_setting", "sales_customer_term", "sales_price", "sales_price_list"):
        op.drop_table(table)
