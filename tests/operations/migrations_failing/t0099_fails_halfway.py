"""TEST ONLY (never in db/migrations): a migration that changes things and then fails half-way, as a bad
release would. Its parent is whatever the real head is, so it stays a single head after the lead re-chains.

Revision ID: t0099_fails_halfway
"""

import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

from erp_core.db.migrate import MIGRATIONS_DIR

revision = "t0099_fails_halfway"
down_revision = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("upgrade_probe", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("note", sa.String(40)))
    op.execute("INSERT INTO upgrade_probe (id, note) VALUES (1, 'half-way')")
    op.execute("DELETE FROM ops_setting")
    op.add_column("ops_setting", sa.Column("probe", sa.Integer(), nullable=True))
    raise RuntimeError("this test migration fails half-way")


def downgrade() -> None:
    raise NotImplementedError
