"""Alembic environment: runs on the connection handed over by `visalever.service.db.migrate`."""

from __future__ import annotations

from alembic import context

from visalever.service.models import metadata

config = context.config


def run_migrations_online() -> None:
    """Migrate on the caller's connection (the caller holds the cross-process migration lock)."""
    connection = config.attributes.get("connection")
    if connection is None:  # invoked by the alembic CLI with a URL in the config
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; open the database with a visalever command")
run_migrations_online()
