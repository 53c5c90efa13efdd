"""The CRM lead list at a million leads (issue #15 item 9): indexes that match the list's filters and its order
(company, live = merged_into NULL, then source / status, then id for "newest first"), and the text search index
per backend (erp_core/crm/leads/search.py): on SQLite a contentless FTS5 ``trigram`` table kept by triggers, on
PostgreSQL ``pg_trgm`` GIN indexes (when the extension can be created), on MariaDB nothing (no n-gram parser).

Revision ID: 0035_leads
Revises: 0034_hr3
"""

import sqlalchemy as sa
from alembic import op

revision = "0035_leads"
down_revision = "0034_hr3"
branch_labels = None
depends_on = None

FTS = "crm_lead_fts"
_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER crm_lead_fts_ai AFTER INSERT ON crm_lead BEGIN
        INSERT INTO {FTS}(rowid, company_name, contact_name) VALUES (new.id, new.company_name, new.contact_name);
    END""",
    f"""CREATE TRIGGER crm_lead_fts_ad AFTER DELETE ON crm_lead BEGIN
        INSERT INTO {FTS}({FTS}, rowid, company_name, contact_name)
        VALUES ('delete', old.id, old.company_name, old.contact_name);
    END""",
    f"""CREATE TRIGGER crm_lead_fts_au AFTER UPDATE OF company_name, contact_name ON crm_lead BEGIN
        INSERT INTO {FTS}({FTS}, rowid, company_name, contact_name)
        VALUES ('delete', old.id, old.company_name, old.contact_name);
        INSERT INTO {FTS}(rowid, company_name, contact_name) VALUES (new.id, new.company_name, new.contact_name);
    END""",
)


def _pg_trgm_available(bind) -> bool:
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    if not bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first():
        return False
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it; if this role may not,
    # the search still works (a scan) and the migration goes on
    bind.execute(sa.text("SAVEPOINT erp_pg_trgm"))
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        bind.execute(sa.text("ROLLBACK TO SAVEPOINT erp_pg_trgm"))
        return False
    bind.execute(sa.text("RELEASE SAVEPOINT erp_pg_trgm"))
    return True


def upgrade() -> None:
    # the list's orders and filters: equality on every leading column, then id, so "newest 50" reads 50 index
    # entries and the capped count reads at most COUNT_CAP + 1 (SQLite and InnoDB append the key anyway;
    # PostgreSQL needs id spelled out)
    op.drop_index('ix_crm_lead_status', table_name='crm_lead')
    op.create_index('ix_crm_lead_status', 'crm_lead', ['company_id', 'merged_into', 'status', 'id'], unique=False)
    op.drop_index('ix_crm_lead_scope', table_name='crm_lead')
    op.create_index('ix_crm_lead_scope', 'crm_lead', ['company_id', 'owner_id', 'merged_into', 'status', 'id'],
                    unique=False)
    op.create_index('ix_crm_lead_live', 'crm_lead', ['company_id', 'merged_into', 'id'], unique=False)
    op.create_index('ix_crm_lead_source', 'crm_lead', ['company_id', 'merged_into', 'source', 'id'], unique=False)
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(company_name, contact_name, content='', "
                   "tokenize='trigram')")
        op.execute(f"INSERT INTO {FTS}(rowid, company_name, contact_name) "
                   "SELECT id, company_name, contact_name FROM crm_lead")
        for ddl in _SQLITE_TRIGGERS:
            op.execute(ddl)
    elif dialect == "postgresql" and _pg_trgm_available(bind):
        op.execute("CREATE INDEX ix_crm_lead_company_name_trgm ON crm_lead USING gin (company_name gin_trgm_ops)")
        op.execute("CREATE INDEX ix_crm_lead_contact_name_trgm ON crm_lead USING gin (contact_name gin_trgm_ops)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("crm_lead_fts_ai", "crm_lead_fts_ad", "crm_lead_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_crm_lead_company_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_crm_lead_contact_name_trgm")
        # the extension stays: another schema object may use it, and it holds no data
    op.drop_index('ix_crm_lead_source', table_name='crm_lead')
    op.drop_index('ix_crm_lead_live', table_name='crm_lead')
    op.drop_index('ix_crm_lead_status', table_name='crm_lead')
    op.create_index('ix_crm_lead_status', 'crm_lead', ['company_id', 'status'], unique=False)
    op.drop_index('ix_crm_lead_scope', table_name='crm_lead')
    op.create_index('ix_crm_lead_scope', 'crm_lead', ['company_id', 'owner_id', 'status'], unique=False)
