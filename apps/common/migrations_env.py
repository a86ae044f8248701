"""What every app's ``migrations/env.py`` runs: Alembic online, on the app's own engine.

Kept in one place so the apps' env.py files stay two lines. It runs inside the
app's context (Flask-Migrate pushes it), so ``current_app`` is the migrated app.
"""

from __future__ import annotations

import logging

from alembic import context
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection
from sqlalchemy import MetaData
from sqlalchemy import inspect

from .db import UTCDateTime
from .db import begin_with_write_lock

logger = logging.getLogger("alembic.env")


def run_migrations() -> None:
    """Run the migrations Alembic was asked for, on the current app's database."""
    migrate = current_app.extensions["migrate"]
    options = dict(migrate.configure_args)
    options.setdefault("process_revision_directives", skip_empty_revision)
    options.setdefault("render_item", render_utc_datetime)
    metadata = migrate.db.metadata
    with migrate.db.engine.connect() as connection:
        begin_with_write_lock(connection)
        # Its own transaction: SQLite's DDL runs outside Alembic's, and the stamp must commit.
        with connection.begin():
            adopt_unversioned_database(connection, context.script, metadata, options)
        context.configure(connection=connection, target_metadata=metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


def adopt_unversioned_database(
    connection: Connection, script: ScriptDirectory, metadata: MetaData, options: dict
) -> None:
    """Stamp a database made by ``create_all`` before migrations existed as the first revision.

    Such a database has the app's tables but no version table. Its schema is the
    first revision's, so it is marked as that and upgraded from there, rows kept.
    """
    migration = MigrationContext.configure(connection, opts=options)
    if migration.get_current_heads():
        return
    tables = set(inspect(connection).get_table_names()) & set(metadata.tables)
    if not tables:
        return
    first = script.get_base()
    logger.warning("Adopting tables %s made without migrations as %s", sorted(tables), first)
    migration.stamp(script, first)


def skip_empty_revision(_context: object, _revision: object, directives: list) -> None:
    """``db migrate`` writes no revision file when the models did not change."""
    config = context.config
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def render_utc_datetime(kind: str, item: object, _autogen_context: object) -> str | bool:
    """Write the project's UTCDateTime as the plain column type it stores."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
