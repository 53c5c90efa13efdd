"""CRM (issue #15): crm_pool, crm_pool_member, crm_assign_rule, crm_lead, crm_owner_history, crm_followup,
crm_stage, crm_opportunity, crm_opportunity_link (filled by sales quotations/orders later), crm_sla, crm_ticket,
crm_ticket_log, crm_calendar_day (working calendar: holidays and working weekend days).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table('crm_assign_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('match_value', sa.String(length=60), nullable=True),
    sa.Column('user_ids', sa.String(length=500), nullable=False),
    sa.Column('load_cap', sa.Integer(), nullable=True),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_assign_rule_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_assign_rule'))
    )
    op.create_index(op.f('ix_crm_assign_rule_company_id'), 'crm_assign_rule', ['company_id'], unique=False)
    op.create_table('crm_calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_calendar_day_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_calendar_day')),
    sa.UniqueConstraint('company_id', 'day', name=op.f('uq_crm_calendar_day_company_id_day'))
    )
    op.create_table('crm_sla',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('response_hours', sa.Integer(), nullable=False),
    sa.Column('resolution_hours', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_sla_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_sla')),
    sa.UniqueConstraint('company_id', 'priority', name=op.f('uq_crm_sla_company_id_priority'))
    )
    op.create_table('crm_stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('probability', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_stage_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_stage')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_crm_stage_company_id_code'))
    )
    op.create_index(op.f('ix_crm_stage_company_id'), 'crm_stage', ['company_id'], unique=False)
    op.create_table('crm_pool',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=60), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('daily_claim_cap', sa.Integer(), nullable=False),
    sa.Column('max_owned', sa.Integer(), nullable=True),
    sa.Column('recycle_no_followup_days', sa.Integer(), nullable=True),
    sa.Column('recycle_no_progress_days', sa.Integer(), nullable=True),
    sa.Column('warn_days_before', sa.Integer(), nullable=False),
    sa.Column('cooldown_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_pool_company_id_company')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_crm_pool_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_pool')),
    sa.UniqueConstraint('company_id', 'code', name=op.f('uq_crm_pool_company_id_code'))
    )
    op.create_index(op.f('ix_crm_pool_company_id'), 'crm_pool', ['company_id'], unique=False)
    op.create_table('crm_pool_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_pool_member_company_id_company')),
    sa.ForeignKeyConstraint(['pool_id'], ['crm_pool.id'], name=op.f('fk_crm_pool_member_pool_id_crm_pool')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_pool_member')),
    sa.UniqueConstraint('pool_id', 'user_id', name=op.f('uq_crm_pool_member_pool_id_user_id'))
    )
    op.create_index(op.f('ix_crm_pool_member_company_id'), 'crm_pool_member', ['company_id'], unique=False)
    op.create_index(op.f('ix_crm_pool_member_user_id'), 'crm_pool_member', ['user_id'], unique=False)
    op.create_table('crm_followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('next_action', sa.String(length=200), nullable=True),
    sa.Column('next_action_date', sa.Date(), nullable=True),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('attachments', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_followup_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_crm_followup_customer_id_customer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_followup'))
    )
    op.create_index(op.f('ix_crm_followup_customer_id'), 'crm_followup', ['customer_id'], unique=False)
    op.create_index('ix_crm_followup_due', 'crm_followup', ['company_id', 'owner_id', 'done', 'next_action_date'], unique=False)
    op.create_index('ix_crm_followup_subject', 'crm_followup', ['company_id', 'subject_type', 'subject_id'], unique=False)
    op.create_table('crm_lead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('company_name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('phone_key', sa.String(length=40), nullable=True),
    sa.Column('tax_id', sa.String(length=20), nullable=True),
    sa.Column('region', sa.String(length=60), nullable=True),
    sa.Column('industry', sa.String(length=60), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lost_reason', sa.String(length=200), nullable=True),
    sa.Column('remarks', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('pool_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', _utc(), nullable=True),
    sa.Column('last_followup_at', _utc(), nullable=True),
    sa.Column('last_progress_at', _utc(), nullable=True),
    sa.Column('recycle_warned_at', _utc(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('opportunity_id', sa.Integer(), nullable=True),
    sa.Column('merged_into', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_lead_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_crm_lead_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_crm_lead_department_id_department')),
    sa.ForeignKeyConstraint(['merged_into'], ['crm_lead.id'], name=op.f('fk_crm_lead_merged_into_crm_lead')),
    sa.ForeignKeyConstraint(['pool_id'], ['crm_pool.id'], name=op.f('fk_crm_lead_pool_id_crm_pool')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_lead'))
    )
    op.create_index('ix_crm_lead_name', 'crm_lead', ['company_id', 'name_key'], unique=False)
    op.create_index('ix_crm_lead_phone', 'crm_lead', ['company_id', 'phone_key'], unique=False)
    op.create_index('ix_crm_lead_pool', 'crm_lead', ['company_id', 'pool_id', 'owner_id', 'status'], unique=False)
    op.create_index('ix_crm_lead_status', 'crm_lead', ['company_id', 'status'], unique=False)
    op.create_index('ix_crm_lead_recycle_followup', 'crm_lead', ['company_id', 'pool_id', 'last_followup_at'], unique=False)
    op.create_index('ix_crm_lead_recycle_progress', 'crm_lead', ['company_id', 'pool_id', 'last_progress_at'], unique=False)
    op.create_index('ix_crm_lead_scope', 'crm_lead', ['company_id', 'owner_id', 'status'], unique=False)
    op.create_index('ix_crm_lead_tax', 'crm_lead', ['company_id', 'tax_id'], unique=False)
    op.create_table('crm_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('serial', sa.String(length=60), nullable=True),
    sa.Column('problem_kind', sa.String(length=20), nullable=False),
    sa.Column('priority', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', _utc(), nullable=False),
    sa.Column('response_due', _utc(), nullable=True),
    sa.Column('resolution_due', _utc(), nullable=True),
    sa.Column('first_response_at', _utc(), nullable=True),
    sa.Column('resolved_at', _utc(), nullable=True),
    sa.Column('closed_at', _utc(), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_ticket_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_crm_ticket_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_crm_ticket_department_id_department')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_crm_ticket_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_ticket'))
    )
    op.create_index(op.f('ix_crm_ticket_customer_id'), 'crm_ticket', ['customer_id'], unique=False)
    op.create_index('ix_crm_ticket_scope', 'crm_ticket', ['company_id', 'assignee_id', 'status'], unique=False)
    op.create_table('crm_opportunity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('close_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('lost_reason', sa.String(length=200), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('stage_changed_at', _utc(), nullable=False),
    sa.Column('closed_at', _utc(), nullable=True),
    sa.Column('created_at', _utc(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_opportunity_company_id_company')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_crm_opportunity_customer_id_customer')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_crm_opportunity_department_id_department')),
    sa.ForeignKeyConstraint(['lead_id'], ['crm_lead.id'], name=op.f('fk_crm_opportunity_lead_id_crm_lead')),
    sa.ForeignKeyConstraint(['stage_id'], ['crm_stage.id'], name=op.f('fk_crm_opportunity_stage_id_crm_stage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_opportunity'))
    )
    op.create_index(op.f('ix_crm_opportunity_customer_id'), 'crm_opportunity', ['customer_id'], unique=False)
    op.create_index('ix_crm_opportunity_scope', 'crm_opportunity', ['company_id', 'owner_id', 'status'], unique=False)
    op.create_table('crm_owner_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('from_owner_id', sa.Integer(), nullable=True),
    sa.Column('to_owner_id', sa.Integer(), nullable=True),
    sa.Column('from_pool_id', sa.Integer(), nullable=True),
    sa.Column('to_pool_id', sa.Integer(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_owner_history_company_id_company')),
    sa.ForeignKeyConstraint(['lead_id'], ['crm_lead.id'], name=op.f('fk_crm_owner_history_lead_id_crm_lead')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_owner_history'))
    )
    op.create_index('ix_crm_owner_history_claims', 'crm_owner_history', ['company_id', 'reason', 'to_owner_id', 'at'], unique=False)
    op.create_index(op.f('ix_crm_owner_history_lead_id'), 'crm_owner_history', ['lead_id'], unique=False)
    op.create_table('crm_ticket_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_ticket_log_company_id_company')),
    sa.ForeignKeyConstraint(['ticket_id'], ['crm_ticket.id'], name=op.f('fk_crm_ticket_log_ticket_id_crm_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_ticket_log'))
    )
    op.create_index(op.f('ix_crm_ticket_log_ticket_id'), 'crm_ticket_log', ['ticket_id'], unique=False)
    op.create_table('crm_opportunity_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('at', _utc(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_crm_opportunity_link_company_id_company')),
    sa.ForeignKeyConstraint(['opportunity_id'], ['crm_opportunity.id'], name=op.f('fk_crm_opportunity_link_opportunity_id_crm_opportunity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crm_opportunity_link')),
    sa.UniqueConstraint('opportunity_id', 'doc_type', 'doc_id', name=op.f('uq_crm_opportunity_link_opportunity_id_doc_type_doc_id'))
    )
    op.create_index(op.f('ix_crm_opportunity_link_company_id'), 'crm_opportunity_link', ['company_id'], unique=False)


def downgrade() -> None:
    # dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key needs first)
    op.drop_table('crm_opportunity_link')
    op.drop_table('crm_ticket_log')
    op.drop_table('crm_owner_history')
    op.drop_table('crm_opportunity')
    op.drop_table('crm_ticket')
    op.drop_table('crm_lead')
    op.drop_table('crm_followup')
    op.drop_table('crm_pool_member')
    op.drop_table('crm_pool')
    op.drop_table('crm_stage')
    op.drop_table('crm_sla')
    op.drop_table('crm_calendar_day')
    op.drop_table('crm_assign_rule')
