"""TEST ONLY: a migration that works (adds a table).

Revision ID: t0098_adds_probe
"""

import sqlalchemy as sa
from alembic import op
from alembic.script import ScriptDirectory

from erp_core.db.migrate import MIGRATIONS_DIR

revision = "t0098_adds_probe"
down_revision = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("upgrade_probe_ok", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("upgrade_probe_ok")
