"""Alembic's entry script: runs the revisions on the connection `adapters.migrations.upgrade` hands it."""

from alembic import context

# No alembic.ini and no URL here: the caller opened the connection, took the migration lock and owns the commit.
context.configure(connection=context.config.attributes["connection"], target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
