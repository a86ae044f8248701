"""``python dispatcher.py routes | init-db | shell``: offline work, app contexts only."""

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from dispatcher import cli
from dispatcher import create_dispatcher
from tests.conftest import APP_NAMES
from tests.conftest import dispose_engines


@pytest.fixture
def runner(databases, monkeypatch):
    """A click runner whose apps use this test's databases (as a deployment would)."""
    for name in APP_NAMES:
        monkeypatch.setenv(f"{name.upper()}_DATABASE_URL", databases.url(name))
    return CliRunner()


def test_routes_lists_every_app_with_its_full_prefix(runner):
    result = runner.invoke(cli, ["routes"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    rows = {tuple(line.split()) for line in lines}
    assert ("/healthz", "GET", "portal.healthz", "portal") in rows
    assert ("/auth/logout", "POST", "auth.logout", "auth") in rows
    assert ("/todo/", "GET", "todo.index", "todo") in rows
    assert ("/message/", "GET", "message.index", "message") in rows
    assert ("/todo/static/common/<path:filename>", "GET", "common.static", "todo") in rows
    assert [line.split()[0] for line in lines] == sorted(line.split()[0] for line in lines)


def test_init_db_creates_every_apps_tables_in_its_own_database(runner):
    result = runner.invoke(cli, ["init-db"])
    assert result.exit_code == 0, result.output
    initialized = [line for line in result.output.splitlines() if line.startswith("Initialized")]
    assert len(initialized) == len(
        [m for m in create_dispatcher().extensions["mount_table"].values() if has_database(m.app)]
    )
    for mount in create_dispatcher().extensions["mount_table"].values():
        if has_database(mount.app):
            with mount.app.app_context():
                database = mount.app.extensions["sqlalchemy"]
                tables = set(inspect(database.engine).get_table_names())
                assert set(database.metadata.tables) <= tables, mount.name
            dispose_engines(mount.app)


def has_database(app):
    return "sqlalchemy" in app.extensions and bool(app.extensions["sqlalchemy"].metadata.tables)


def test_shell_has_every_app_and_its_database_at_hand(runner):
    script = "print(sorted(name for name in dir() if not name.startswith('_')))\n"
    result = runner.invoke(cli, ["shell"], input=script)
    assert result.exit_code == 0, result.output
    assert "Apps: portal, auth, todo, message." in result.output
    for name in ["auth", "message", "portal", "site", "todo"]:
        assert f"'{name}'" in result.output


def test_shell_code_runs_inside_an_app_context_it_pushes(runner):
    script = (
        "from flask import current_app\n"
        "with todo.app_context():\n"
        "    print('inside', current_app.config['APP_NAME'])\n"
        "\n"
    )
    result = runner.invoke(cli, ["shell"], input=script)
    assert "inside todo" in result.output


def test_commands_push_app_contexts_only_never_a_request(runner):
    from flask import appcontext_pushed
    from flask import has_request_context

    pushed = []

    def record(sender, **extra):
        pushed.append((sender.config["APP_NAME"], has_request_context()))

    runner.invoke(cli, ["init-db"])
    with appcontext_pushed.connected_to(record):
        result = runner.invoke(cli, ["stats"])
    assert result.exit_code == 0, result.output
    assert {name for name, _ in pushed} == {"portal", "auth", "todo", "message"}
    assert not any(in_request for _, in_request in pushed)


def test_init_db_creates_the_instance_folder_when_the_key_comes_from_the_environment(
    monkeypatch, tmp_path
):
    folder = tmp_path / "not" / "there" / "yet"
    monkeypatch.setenv("DISPATCHER_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("FLASK_SECRET_KEY", "a key from the environment")
    result = CliRunner().invoke(cli, ["init-db"])
    assert result.exit_code == 0, result.output
    assert (folder / "todo.sqlite").is_file()
    assert not (folder / "secret_key").exists()
