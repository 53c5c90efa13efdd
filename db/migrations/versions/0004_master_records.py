"""master records: product categories, products, customers, suppliers (contacts, addresses), employees,
custom field definitions.

Units and tax rates (revision 0003, settings) are referenced by code: a tax rate code has dated successive
rates, so there is no single row to point at. Departments and users are foreign keys. Money and quantities are
scaled BIGINTs (erp_core.db.types).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("custom_field", "product_category", "employee", "product", "customer", "supplier",
          "partner_address", "partner_contact")


def upgrade() -> None:
    op.create_table('custom_field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('entity', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label_zh', sa.String(length=100), nullable=False),
    sa.Column('label_en', sa.String(length=100), nullable=False),
    sa.Column('field_type', sa.String(length=10), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('default_value', sa.String(length=200), nullable=True),
    sa.Column('choices', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_custom_field_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_field')),
    sa.UniqueConstraint('company_id', 'entity', 'key', name=op.f('uq_custom_field_company_id_entity_key'))
    )
    op.create_index(op.f('ix_custom_field_company_id'), 'custom_field', ['company_id'], unique=False)
    op.create_table('product_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_product_category_company_id_company')),
    sa.ForeignKeyConstraint(['parent_id'], ['product_category.id'], name=op.f('fk_product_category_parent_id_product_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_category')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_product_category_company_id_code'))
    )
    op.create_index(op.f('ix_product_category_company_id'), 'product_category', ['company_id'], unique=False)
    op.create_table('employee',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('hire_date', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('custom_json', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_employee_company_id_company')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_employee_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employee')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_employee_company_id_code'))
    )
    op.create_index(op.f('ix_employee_company_id'), 'employee', ['company_id'], unique=False)
    op.create_index(op.f('ix_employee_department_id'), 'employee', ['department_id'], unique=False)
    op.create_index(op.f('ix_employee_name'), 'employee', ['name'], unique=False)
    op.create_table('product',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('specification', sa.String(length=200), nullable=True),
    sa.Column('unit_code', sa.String(length=20), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('tax_rate_code', sa.String(length=20), nullable=True),
    sa.Column('costing_method', sa.String(length=20), nullable=False),
    sa.Column('reorder_point', sa.BigInteger(), nullable=True),
    sa.Column('reorder_quantity', sa.BigInteger(), nullable=True),
    sa.Column('barcode', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('custom_json', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['product_category.id'], name=op.f('fk_product_category_id_product_category')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_product_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_product_company_id_code'))
    )
    op.create_index(op.f('ix_product_barcode'), 'product', ['barcode'], unique=False)
    op.create_index(op.f('ix_product_category_id'), 'product', ['category_id'], unique=False)
    op.create_index(op.f('ix_product_company_id'), 'product', ['company_id'], unique=False)
    op.create_index(op.f('ix_product_name'), 'product', ['name'], unique=False)
    op.create_table('customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_norm', sa.String(length=200), nullable=False),
    sa.Column('tax_id', sa.String(length=20), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('phone_norm', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('credit_limit', sa.BigInteger(), nullable=True),
    sa.Column('payment_terms_days', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('custom_json', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('merged_into', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_customer_company_id_company')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_customer_department_id_department')),
    sa.ForeignKeyConstraint(['merged_into'], ['customer.id'], name=op.f('fk_customer_merged_into_customer')),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_customer_owner_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_customer_company_id_code'))
    )
    op.create_index(op.f('ix_customer_company_id'), 'customer', ['company_id'], unique=False)
    op.create_index(op.f('ix_customer_department_id'), 'customer', ['department_id'], unique=False)
    op.create_index(op.f('ix_customer_name_norm'), 'customer', ['name_norm'], unique=False)
    op.create_index(op.f('ix_customer_owner_id'), 'customer', ['owner_id'], unique=False)
    op.create_index(op.f('ix_customer_phone_norm'), 'customer', ['phone_norm'], unique=False)
    op.create_index(op.f('ix_customer_tax_id'), 'customer', ['tax_id'], unique=False)
    op.create_table('supplier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_norm', sa.String(length=200), nullable=False),
    sa.Column('tax_id', sa.String(length=20), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('phone_norm', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('credit_limit', sa.BigInteger(), nullable=True),
    sa.Column('payment_terms_days', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('custom_json', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql'), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('merged_into', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_supplier_company_id_company')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_supplier_department_id_department')),
    sa.ForeignKeyConstraint(['merged_into'], ['supplier.id'], name=op.f('fk_supplier_merged_into_supplier')),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_supplier_owner_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_supplier_company_id_code'))
    )
    op.create_index(op.f('ix_supplier_company_id'), 'supplier', ['company_id'], unique=False)
    op.create_index(op.f('ix_supplier_department_id'), 'supplier', ['department_id'], unique=False)
    op.create_index(op.f('ix_supplier_name_norm'), 'supplier', ['name_norm'], unique=False)
    op.create_index(op.f('ix_supplier_owner_id'), 'supplier', ['owner_id'], unique=False)
    op.create_index(op.f('ix_supplier_phone_norm'), 'supplier', ['phone_norm'], unique=False)
    op.create_index(op.f('ix_supplier_tax_id'), 'supplier', ['tax_id'], unique=False)
    op.create_table('partner_address',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('receiver', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_partner_address_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_partner_address_customer_id_customer')),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_partner_address_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_address'))
    )
    op.create_index(op.f('ix_partner_address_company_id'), 'partner_address', ['company_id'], unique=False)
    op.create_index(op.f('ix_partner_address_customer_id'), 'partner_address', ['customer_id'], unique=False)
    op.create_index(op.f('ix_partner_address_supplier_id'), 'partner_address', ['supplier_id'], unique=False)
    op.create_table('partner_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_partner_contact_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_partner_contact_customer_id_customer')),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_partner_contact_supplier_id_supplier')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_contact'))
    )
    op.create_index(op.f('ix_partner_contact_company_id'), 'partner_contact', ['company_id'], unique=False)
    op.create_index(op.f('ix_partner_contact_customer_id'), 'partner_contact', ['customer_id'], unique=False)
    op.create_index(op.f('ix_partner_contact_supplier_id'), 'partner_contact', ['supplier_id'], unique=False)


def downgrade() -> None:
    for table in reversed(TABLES):  # indexes and foreign keys go with their tables
        op.drop_table(table)
