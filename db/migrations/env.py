"""Alembic environment. The engine comes from erp_core (config.attributes["engine"]) or from the settings
(ERP_DATABASE_URL / config.toml) when run as plain `alembic`."""

from alembic import context

from erp_core.db.models import metadata

config = context.config


def _engine():
    engine = config.attributes.get("engine")
    if engine is None:
        from erp_core.config import load_settings
        from erp_core.db.engine import engine_from_settings

        engine = engine_from_settings(load_settings())
    return engine


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
