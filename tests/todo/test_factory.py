"""The todo app's factory and its ``init-db`` command."""

from sqlalchemy import inspect

from apps.todo import create_app
from apps.todo.models import db
from tests.conftest import app_test_config
from tests.conftest import dispose_engines


def test_config(databases):
    assert not create_app().testing
    app = create_app(app_test_config(databases, "todo"))
    assert app.testing
    assert app.config["APP_NAME"] == "todo"


def test_init_db_command_creates_the_todo_table(databases):
    app = create_app(app_test_config(databases, "todo"))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Initialized the todo database." in result.output
    with app.app_context():
        assert inspect(db.engine).has_table("todo")
    dispose_engines(app)
