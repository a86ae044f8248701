"""Database setup shared by every app: one Flask-SQLAlchemy database per app."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import flask_migrate
from flask import Flask
from flask import current_app
from flask import has_request_context
from flask import request
from flask.cli import with_appcontext
from flask.globals import request_ctx
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection
from sqlalchemy import DateTime
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.types import TypeDecorator

from .config import ensure_instance_folder

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_MS = 10_000
# A connection's execution option: it only reads (see read_only_connection).
READ_ONLY = "dispatcher_read_only"
# PostgreSQL's integer stops here: a larger id in a URL is a missing row (404), not an
# error from the database.
MAX_ROW_ID = 2**31 - 1
# Set by work outside any request that only ever reads, such as the message broker's
# thread: it must not take SQLite's write lock on every poll.
READING_ONLY: ContextVar[bool] = ContextVar("reading_only", default=False)


def init_database(app: Flask, db: SQLAlchemy) -> None:
    """Bind ``db`` to ``app``, tune SQLite, and add its migrations and ``init-db`` command."""
    # Imported here: the schema module builds on this one.
    from .schema import init_migrations

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", configure_sqlite_connection)
    # On the session, not the engine: see begin_sqlite_transaction. Once per ``db``,
    # which several apps may share.
    if not event.contains(db.session, "after_begin", begin_sqlite_transaction):
        event.listen(db.session, "after_begin", begin_sqlite_transaction)
    if (Path(app.root_path) / "migrations").is_dir():
        init_migrations(app, db)
    app.cli.add_command(init_db_command)


def configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; foreign keys are off by default."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Hand transaction control to SQLAlchemy; begin_sqlite_transaction sends the BEGIN.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    dbapi_connection.execute("PRAGMA journal_mode = WAL")
    dbapi_connection.execute("PRAGMA foreign_keys = ON")


def begin_sqlite_transaction(
    _session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    """Start an ORM session's SQLite transaction, with the write lock when it may write.

    A deferred transaction that reads and then writes cannot wait for a busy writer in
    another process: SQLite fails it at once with "database is locked". ``BEGIN
    IMMEDIATE`` waits (busy_timeout) instead, so concurrent workers lose no writes.

    SQLAlchemy's SQLite documentation hooks this to the engine's ``begin`` event. But
    an engine with any such listener sends every statement through its event
    dispatch: on the benchmark machine a ``SELECT 1`` on a pooled SQLite connection
    took 70 us instead of 48. The reads every page makes (``read_only_connection``)
    begin no transaction and need none of it, so the hook sits on the session, where
    every write happens. Schema work outside a session uses ``begin_with_write_lock``.
    """
    if connection.dialect.name != "sqlite" or connection.get_execution_options().get(READ_ONLY):
        return
    # The session's app: Flask-SQLAlchemy keeps one session per app context.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    connection.exec_driver_sql("BEGIN IMMEDIATE" if may_write(app) else "BEGIN")


def begin_with_write_lock(connection: Connection) -> None:
    """Make each transaction of this connection, outside any session, take the write lock.

    For schema work (migrations): on SQLite each migration then runs whole or not at
    all, and never beside another writer.
    """
    if connection.dialect.name == "sqlite":
        event.listen(connection, "begin", take_write_lock)


def take_write_lock(connection: Connection) -> None:
    """SQLite's ``BEGIN IMMEDIATE``: the transaction starts holding the write lock."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def may_write(app: Flask) -> bool:
    """Whether work on ``app``'s database may write in the current context.

    Offline work (CLI, scripts) may, unless it runs inside ``reading_only()``. A
    request may write only when it is a POST (or the like) that ``app`` itself handles:
    the user loader reading auth's database in the middle of a POST to todo must not
    hold auth's write lock. Reads keep the cheap deferred ``BEGIN``, which never waits
    for writers in WAL mode.
    """
    if READING_ONLY.get():
        return False
    if not has_request_context():
        return True
    return request.method not in SAFE_METHODS and request_ctx.app is app


@contextlib.contextmanager
def reading_only() -> Iterator[None]:
    """Mark the work inside as reads only: a plain ``BEGIN`` even outside a request."""
    token = READING_ONLY.set(True)
    try:
        yield
    finally:
        READING_ONLY.reset(token)


def read_only_connection(db: SQLAlchemy) -> Connection:
    """A connection of ``db``'s engine (app context) for a short read: ``with`` returns it.

    For the reads every page makes (the session check, a list): no ORM session, so
    ``begin_sqlite_transaction`` never runs, and on SQLite no ``BEGIN`` is sent at all:
    each statement is its own snapshot in WAL's autocommit mode. It never takes the
    write lock, even during a POST, and never waits for a writer. Several statements
    here may see different moments: use it where that does not matter, or for one
    statement.
    """
    return db.engine.connect()


def current_database() -> SQLAlchemy:
    """The Flask-SQLAlchemy extension of the app whose context is on top."""
    return current_app.extensions["sqlalchemy"]


def check_database() -> None:
    """Run ``SELECT 1`` on the current app's database; raises SQLAlchemyError if it fails.

    Straight on a pooled DBAPI connection: ``/healthz`` asks every app's database each
    time, and SQLAlchemy's statement machinery cost 55 of a probe's 62 us.
    """
    engine = current_database().engine
    try:
        with contextlib.closing(engine.raw_connection()) as connection:
            try:
                cursor = connection.cursor()
                cursor.execute("SELECT 1")
                cursor.fetchall()
            except engine.dialect.loaded_dbapi.Error:
                # It may be broken: the pool must not hand it out again.
                connection.invalidate()
                raise
    except engine.dialect.loaded_dbapi.Error as error:
        raise OperationalError("SELECT 1", None, error) from error


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Upgrade this app's schema to the newest revision (``flask db upgrade``).

    An app without a migrations folder just gets its missing tables.
    """
    ensure_instance_folder(current_app)
    if "migrate" in current_app.extensions:
        flask_migrate.upgrade()
    else:
        current_database().create_all()
    click.echo(f"Initialized the {current_app.config['APP_NAME']} database.")


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL keeps the zone; SQLite stores none and would hand back a naive value.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store every datetime as UTC."""
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Read every datetime back as aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
