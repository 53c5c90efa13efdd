"""CRM lead search without a blind spot (issue #15): the 1- and 2-character grams of every lead's company and
contact name in ``crm_lead_gram`` (company_id, gram, lead_id) — the primary key is the index a search reads,
newest lead first — kept by triggers on ``crm_lead`` (insert, delete, update of a name), so every writer (the
use cases, imports, merges, a bulk Core insert, a hand-made SQL statement) keeps it in the lead's own
transaction. A trigram index (FTS5, pg_trgm) cannot serve a 1–2 character text; before this, such a search
read only the newest 100,000 leads. See docs/crm.md "Text search" and erp_core/crm/leads/search.py.

Grams are lower-cased by the database's own ``lower()`` (ASCII on SQLite, as its LIKE; Unicode on PostgreSQL
and MariaDB, as ILIKE and the _ci collation), the same function the search applies to the text.
SQLite and MariaDB cut the names into grams by joining ``crm_gram_pos`` (1..200, the longest name) — SQLite
allows no WITH inside a trigger; PostgreSQL uses ``generate_series`` in one SQL function.

Revision ID: 0043_crm5
Revises: 0039_hr4
"""

import sqlalchemy as sa
from alembic import op

revision = "0043_crm5"
down_revision = "0039_hr4"
branch_labels = None
depends_on = None

GRAM = "crm_lead_gram"
POS = "crm_gram_pos"
MAX_LEN = 200  # crm_lead.company_name is String(200), contact_name String(100)
NAMES = ("company_name", "contact_name")
TRIGGERS = ("crm_lead_gram_ai", "crm_lead_gram_ad", "crm_lead_gram_au")


def _grams_select(row: str, length: str) -> str:
    """SELECT company_id, gram, lead_id for the lead ``row`` (NEW / OLD / a table alias): every 1- and
    2-character substring of both names (UNION: each gram once per lead)."""
    parts = [f"SELECT {row}.company_id AS company_id, lower(substr({row}.{col}, p.n, {k})) AS gram, "
             f"{row}.id AS lead_id FROM {POS} p WHERE p.n <= {length}({row}.{col}) - {k - 1}"
             for col in NAMES for k in (1, 2)]
    return " UNION ".join(parts)


def _old_grams(length: str) -> str:
    return (f"DELETE FROM {GRAM} WHERE company_id = OLD.company_id AND lead_id = OLD.id AND gram IN "
            f"(SELECT gram FROM ({_grams_select('OLD', length)}) g)")


def _sqlite() -> list[str]:
    insert = f"INSERT OR IGNORE INTO {GRAM}(company_id, gram, lead_id) {_grams_select('NEW', 'length')}"
    return [
        f"CREATE TRIGGER crm_lead_gram_ai AFTER INSERT ON crm_lead BEGIN {insert}; END",
        f"CREATE TRIGGER crm_lead_gram_ad AFTER DELETE ON crm_lead BEGIN {_old_grams('length')}; END",
        "CREATE TRIGGER crm_lead_gram_au AFTER UPDATE OF company_name, contact_name ON crm_lead "
        f"BEGIN {_old_grams('length')}; {insert}; END",
    ]


def _mariadb() -> list[str]:
    insert = f"INSERT IGNORE INTO {GRAM}(company_id, gram, lead_id) {_grams_select('NEW', 'char_length')}"
    # MariaDB has no UPDATE OF <columns>: the update trigger tests the names itself (a recycling run updates
    # owners of 100,000 leads and must not rewrite their grams)
    return [
        f"CREATE TRIGGER crm_lead_gram_ai AFTER INSERT ON crm_lead FOR EACH ROW {insert}",
        f"CREATE TRIGGER crm_lead_gram_ad AFTER DELETE ON crm_lead FOR EACH ROW {_old_grams('char_length')}",
        "CREATE TRIGGER crm_lead_gram_au AFTER UPDATE ON crm_lead FOR EACH ROW BEGIN "
        "IF NOT (OLD.company_name <=> NEW.company_name AND OLD.contact_name <=> NEW.contact_name) THEN "
        f"{_old_grams('char_length')}; {insert}; END IF; END",
    ]


_PG_GRAMS = """CREATE OR REPLACE FUNCTION crm_lead_grams(a text, b text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(DISTINCT lower(substr(v, n, k))), '{}')
      FROM unnest(ARRAY[a, b]) v, generate_series(1, coalesce(length(v), 0)) n, (VALUES (1), (2)) kk(k)
     WHERE n + k - 1 <= length(v) $$"""
_PG_SYNC = f"""CREATE OR REPLACE FUNCTION crm_lead_gram_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        DELETE FROM {GRAM} WHERE company_id = OLD.company_id AND lead_id = OLD.id
           AND gram = ANY (crm_lead_grams(OLD.company_name, OLD.contact_name));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO {GRAM}(company_id, gram, lead_id)
        SELECT NEW.company_id, g, NEW.id FROM unnest(crm_lead_grams(NEW.company_name, NEW.contact_name)) g
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$"""


def _postgresql() -> list[str]:
    each = "FOR EACH ROW EXECUTE FUNCTION crm_lead_gram_sync()"
    return [
        _PG_GRAMS, _PG_SYNC,
        f"CREATE TRIGGER crm_lead_gram_ai AFTER INSERT ON crm_lead {each}",
        f"CREATE TRIGGER crm_lead_gram_ad AFTER DELETE ON crm_lead {each}",
        "CREATE TRIGGER crm_lead_gram_au AFTER UPDATE OF company_name, contact_name ON crm_lead FOR EACH ROW "
        "WHEN (OLD.company_name IS DISTINCT FROM NEW.company_name OR OLD.contact_name IS DISTINCT FROM "
        "NEW.contact_name) EXECUTE FUNCTION crm_lead_gram_sync()",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":  # the key is the whole row: no rowid, no second copy
        op.execute(f"CREATE TABLE {GRAM} (company_id INTEGER NOT NULL, gram TEXT NOT NULL, "
                   "lead_id INTEGER NOT NULL, PRIMARY KEY (company_id, gram, lead_id)) WITHOUT ROWID")
    else:
        op.create_table(GRAM, sa.Column("company_id", sa.Integer(), nullable=False),
                        sa.Column("gram", sa.String(length=2), nullable=False),
                        sa.Column("lead_id", sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint("company_id", "gram", "lead_id", name="pk_crm_lead_gram"))
    if dialect == "postgresql":
        for ddl in _postgresql():
            op.execute(ddl)
        op.execute(f"INSERT INTO {GRAM}(company_id, gram, lead_id) SELECT l.company_id, g, l.id FROM crm_lead l, "
                   "unnest(crm_lead_grams(l.company_name, l.contact_name)) g")
        return
    op.create_table(POS, sa.Column("n", sa.Integer(), primary_key=True, autoincrement=False))
    op.bulk_insert(sa.table(POS, sa.column("n", sa.Integer())), [{"n": n} for n in range(1, MAX_LEN + 1)])
    length = "length" if dialect == "sqlite" else "char_length"
    ignore = "OR IGNORE" if dialect == "sqlite" else "IGNORE"
    for col in NAMES:  # the leads already there, one pass per name and gram length (a UNION would sort them all)
        for k in (1, 2):
            op.execute(f"INSERT {ignore} INTO {GRAM}(company_id, gram, lead_id) SELECT l.company_id, "
                       f"lower(substr(l.{col}, p.n, {k})), l.id FROM crm_lead l JOIN {POS} p "
                       f"ON p.n <= {length}(l.{col}) - {k - 1}")
    for ddl in _sqlite() if dialect == "sqlite" else _mariadb():
        op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (" ON crm_lead" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS crm_lead_gram_sync()")
        op.execute("DROP FUNCTION IF EXISTS crm_lead_grams(text, text)")
    else:
        op.drop_table(POS)
    op.drop_table(GRAM)
