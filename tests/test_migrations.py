"""Each app's migrations: ``db upgrade | current | check``, adoption, and the schema gate."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner
from sqlalchemy import Column
from sqlalchemy import Integer
from sqlalchemy import Table
from sqlalchemy import inspect
from werkzeug.test import Client

from apps.auth.models import add_user
from apps.message.changes import changes_after
from apps.message.models import Message
from apps.message.models import db as message_db
from apps.message.models import post_message
from apps.todo.models import Todo
from apps.todo.models import db as todo_db
from dispatcher import cli
from dispatcher import create_dispatcher
from tests.conftest import APP_NAMES
from tests.conftest import PASSWORD
from tests.conftest import ROOT
from tests.conftest import dispose_engines
from tests.conftest import free_port
from tests.conftest import mounted_app
from tests.sqlcount import collecting_begins

# The tables ``init-db`` made with create_all before migrations existed.
TABLES_BEFORE_MIGRATIONS = {
    "auth": ["users", "login_failures"],
    "todo": ["todo"],
    "message": ["message"],
}


@pytest.fixture
def urls(databases, monkeypatch):
    """One empty database per app, named in the environment as a deployment would."""
    named = {name: databases.url(name) for name in APP_NAMES}
    for name, url in named.items():
        monkeypatch.setenv(f"{name.upper()}_DATABASE_URL", url)
    monkeypatch.setenv("FLASK_SECRET_KEY", "migrations test key")
    return named


def invoke(*args):
    """Run ``python dispatcher.py <args>`` in this process."""
    return CliRunner().invoke(cli, list(args))


def table_names(app):
    """The tables in ``app``'s database."""
    with app.app_context():
        names = set(inspect(app.extensions["sqlalchemy"].engine).get_table_names())
    dispose_engines(app)
    return names


def test_upgrade_creates_every_table_and_its_own_version_table(urls):
    result = invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    site = create_dispatcher()
    for name in ("auth", "todo", "message"):
        app = mounted_app(site, name)
        expected = set(app.extensions["sqlalchemy"].metadata.tables)
        assert table_names(app) == expected | {f"alembic_version_{name}"}


def test_each_migration_on_sqlite_runs_inside_the_write_lock(tmp_path, monkeypatch):
    # SQLite files whatever the suite's database: the lock is SQLite's.
    for name in APP_NAMES:
        monkeypatch.setenv(f"{name.upper()}_DATABASE_URL", f"sqlite:///{tmp_path}/{name}.sqlite")
    monkeypatch.setenv("FLASK_SECRET_KEY", "migrations test key")
    with collecting_begins() as begins:
        result = invoke("db", "upgrade")
    assert result.exit_code == 0, result.output
    # Per app: the check for tables made before migrations, then one per revision.
    assert set(begins) == {"BEGIN IMMEDIATE"}
    assert len(begins) >= 2 * len(TABLES_BEFORE_MIGRATIONS)


def test_current_shows_each_app_behind_then_at_head(urls):
    before = invoke("db", "current")
    assert before.exit_code == 0, before.output
    assert "todo      none (head todo_0001, behind)" in before.output
    invoke("db", "upgrade")
    after = invoke("db", "current").output
    for name in ("auth", "todo"):
        assert f"{name}_0001 (head {name}_0001, current)" in after
    assert "message_0002 (head message_0002, current)" in after


def test_check_finds_models_and_migrations_equal(urls):
    assert invoke("db", "upgrade").exit_code == 0
    result = invoke("db", "check")
    assert result.exit_code == 0, result.output
    assert result.output.count("models match migrations") == 3


def test_check_fails_when_a_model_has_no_migration(urls):
    assert invoke("db", "upgrade").exit_code == 0
    unmigrated = Table("unmigrated", todo_db.metadata, Column("id", Integer, primary_key=True))
    try:
        result = invoke("db", "check")
    finally:
        todo_db.metadata.remove(unmigrated)
    assert result.exit_code == 1
    assert "Models and migrations differ: todo." in result.output


def fill_database_made_before_migrations(site):
    """Today's ``create_all`` schema with a user, a todo and a message in it."""
    for name, tables in TABLES_BEFORE_MIGRATIONS.items():
        app = mounted_app(site, name)
        with app.app_context():
            metadata = app.extensions["sqlalchemy"].metadata
            metadata.create_all(
                app.extensions["sqlalchemy"].engine, tables=[metadata.tables[t] for t in tables]
            )
    with mounted_app(site, "auth").app_context():
        user_id = add_user("alice", PASSWORD).id
    with mounted_app(site, "todo").app_context():
        todo_db.session.add(Todo(user_id=user_id, title="kept through the upgrade"))
        todo_db.session.commit()
    message_app = mounted_app(site, "message")
    with message_app.app_context():
        # As the board posted before the change log existed.
        message_db.session.add(Message(author_id=user_id, author_name="alice", content="also kept"))
        message_db.session.commit()


def test_databases_made_before_migrations_are_adopted_with_every_row(urls):
    old_site = create_dispatcher({"TESTING": True})
    fill_database_made_before_migrations(old_site)
    assert Client(old_site).get("/").status_code == 503  # not at head yet
    for name in APP_NAMES:
        dispose_engines(mounted_app(old_site, name))

    result = invoke("db", "upgrade")
    assert result.exit_code == 0, result.output

    client = Client(create_dispatcher({"TESTING": True, "WTF_CSRF_ENABLED": False}))
    login = client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    assert login.status_code == 302
    assert "kept through the upgrade" in client.get("/todo/").get_data(as_text=True)
    assert "also kept" in client.get("/message/").get_data(as_text=True)


def test_the_change_log_begins_with_each_message_under_its_own_id(urls):
    """Pages opened before the upgrade resume with a message id as Last-Event-ID."""
    command = [sys.executable, "-m", "flask", "--app", "apps.message", "db", "upgrade"]
    subprocess.run([*command, "message_0001"], cwd=ROOT, check=True, capture_output=True)
    message_app = mounted_app(create_dispatcher(), "message")
    with message_app.app_context():
        for content in ("one", "two", "three"):
            message_db.session.add(Message(author_id=1, author_name="a", content=content))
        message_db.session.commit()
        message_db.session.delete(message_db.session.get(Message, 2))
        message_db.session.commit()
    dispose_engines(message_app)

    assert invoke("db", "upgrade").exit_code == 0
    message_app = mounted_app(create_dispatcher(), "message")
    with message_app.app_context():
        assert [event.id for event in changes_after(0)] == [1, 3]
        assert [event.id for event in changes_after(1)] == [3]
        post_message(1, "a", "four")
        message_db.session.commit()
        assert [event.id for event in changes_after(3)] == [4]
    dispose_engines(message_app)


def test_one_app_alone_upgrades_with_flask_db_upgrade(urls):
    environment = {**os.environ}
    command = [sys.executable, "-m", "flask", "--app", "apps.todo", "db", "upgrade"]
    subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True)
    todo_app = mounted_app(create_dispatcher(), "todo")
    assert table_names(todo_app) == {"todo", "alembic_version_todo"}
    # Only todo's database: the others are still empty.
    assert table_names(mounted_app(create_dispatcher(), "auth")) == set()


def get(url):
    """Status and body of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_listening(url, server):
    """Poll until the server answers (or fail if it exits); a busy machine may take a while."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()
        try:
            return get(url)
        except OSError:
            time.sleep(0.1)
    pytest.fail("the server did not start within 30 s")


def test_a_server_started_before_init_db_refuses_every_page_until_the_upgrade(urls):
    port = free_port()
    command = [sys.executable, "-m", "flask", "--app", "dispatcher", "run", "--port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        status, body = wait_until_listening(f"http://127.0.0.1:{port}/todo/", server)
        assert status == 503
        assert "auth, todo, message" in body
        assert "Run: python dispatcher.py db upgrade" in body
        status, body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 503
        assert '"todo":"outdated"' in body.replace(" ", "")

        assert invoke("init-db").exit_code == 0
        assert get(f"http://127.0.0.1:{port}/")[0] == 200
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()
