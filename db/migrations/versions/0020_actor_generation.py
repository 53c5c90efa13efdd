"""actor_generation: one row whose number moves on with every change that can change a signed-in user's Actor
(roles, grants, users, departments, projects, IP rules, company defaults), so a web session keeps its Actor
between reruns while the number is unchanged (issue #17: the per-rerun session check).

Revision ID: 0020
Revises: 0019_hr
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019_hr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "actor_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actor_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("actor_generation")
