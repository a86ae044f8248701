"""SQLite as the default store: WAL, foreign keys, and no lost writes across processes."""

import multiprocessing

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from apps.common.db import init_database


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Counter(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int]


def counter_app(database_file):
    app = Flask(__name__)
    app.config.update(APP_NAME="counter", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database_file}")
    init_database(app, db)
    return app


def increment_many_times(database_file, times):
    """Read, then write: the pattern that loses updates or fails with 'database is locked'."""
    app = counter_app(database_file)
    with app.app_context():
        for _ in range(times):
            counter = db.session.get(Counter, 1)
            counter.value += 1
            db.session.commit()


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    app = counter_app(tmp_path / "pragmas.sqlite")
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000


def test_several_processes_writing_at_once_lose_nothing(tmp_path):
    database_file = tmp_path / "counter.sqlite"
    app = counter_app(database_file)
    with app.app_context():
        db.create_all()
        db.session.add(Counter(id=1, value=0))
        db.session.commit()
        db.engine.dispose()

    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=increment_many_times, args=(database_file, 50)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]

    with app.app_context():
        assert db.session.get(Counter, 1).value == 200
        db.engine.dispose()


def test_init_db_command_creates_the_tables(tmp_path):
    app = counter_app(tmp_path / "cli.sqlite")
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.output == "Initialized the counter database.\n"
    with app.app_context():
        assert db.session.execute(text("SELECT count(*) FROM counter")).scalar() == 0
        db.engine.dispose()


def test_a_post_takes_the_write_lock_only_in_the_database_of_the_app_it_entered(tmp_path):
    from sqlalchemy import event
    from werkzeug.test import Client

    from dispatcher import create_dispatcher
    from dispatcher import mounted_apps
    from dispatcher import upgrade_databases

    overrides = {name: {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/{name}.sqlite"}
                 for name in ("portal", "auth", "todo", "message")}  # fmt: skip
    site = create_dispatcher({"TESTING": True, "WTF_CSRF_ENABLED": False, **overrides})
    upgrade_databases(site)
    apps = mounted_apps(site)
    client = Client(site)
    password = "correct horse battery"
    form = {"username": "alice", "password": password, "confirm": password}
    assert client.post("/auth/register", data=form).status_code == 302

    begins = {"auth": [], "todo": []}
    for name, statements in begins.items():
        with apps[name].app_context():
            engine = apps[name].extensions["sqlalchemy"].engine

        def record(conn, cursor, statement, *args, statements=statements):
            if statement.startswith("BEGIN"):
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)

    assert client.post("/todo/add", data={"title": "milk"}).status_code == 302
    # The user loader read auth's database without a transaction, so without its write
    # lock (read_only_connection); todo's own write took todo's.
    assert begins == {"auth": [], "todo": ["BEGIN IMMEDIATE"]}


def test_reads_outside_the_session_send_no_begin_and_pass_no_begin_listener(tmp_path):
    from apps.common.db import read_only_connection
    from tests.sqlcount import collecting_begins

    app = counter_app(tmp_path / "reads.sqlite")
    with app.app_context():
        db.create_all()
        with collecting_begins() as begins, read_only_connection(db) as connection:
            assert connection.execute(text("SELECT count(*) FROM counter")).scalar() == 0
        with collecting_begins() as session_begins:
            db.session.execute(text("SELECT count(*) FROM counter"))
            db.session.rollback()
        # A begin listener on the engine would send every statement of it, these reads
        # included, through SQLAlchemy's event dispatch (begin_sqlite_transaction).
        engine_listens_for_begin = bool(db.engine.dispatch.begin)
        db.engine.dispose()
    assert begins == []
    assert session_begins == ["BEGIN IMMEDIATE"]
    assert not engine_listens_for_begin
