"""Fixtures for the todo app alone: the app on a fresh database, a client, a login helper."""

import pytest

from apps.todo import create_app
from apps.todo.models import Todo
from apps.todo.models import db
from tests.conftest import SignedSessionActions as AuthActions
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import dispose_engines


@pytest.fixture
def app(databases):
    """The todo app alone, with empty tables."""
    app = create_app(app_test_config(databases, "todo"))
    create_tables(app)
    yield app
    dispose_engines(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def add_todo(app):
    """Store a todo straight in the database and return its id."""

    def add(title="Buy milk", user_id=1, **fields):
        with app.app_context():
            todo = Todo(title=title, user_id=user_id, **fields)
            db.session.add(todo)
            db.session.commit()
            return todo.id

    return add


@pytest.fixture
def todos(app):
    """The rows in the database, as (user_id, title, due, done) tuples, ordered by id."""

    def rows():
        with app.app_context():
            stored = db.session.scalars(db.select(Todo).order_by(Todo.id))
            return [(todo.user_id, todo.title, todo.due, todo.done) for todo in stored]

    return rows
