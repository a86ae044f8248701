"""Each process's connection pool per app: pinged on a server, FLASK_DATABASE_POOL_SIZE and
_MAX_OVERFLOW."""

from sqlalchemy import text

from apps.todo import create_app
from apps.todo.models import db

# Never connected to: Flask-SQLAlchemy builds the engine and its pool without connecting.
SERVER_URL = "postgresql+psycopg://nobody@127.0.0.1:1/never"


def todo_engine_pool(test_config):
    """The pool of todo's engine when built with ``test_config`` on top of the environment."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", **test_config})
    with app.app_context():
        return app, db.engine.pool


def test_the_environment_sizes_a_server_databases_pool(monkeypatch):
    monkeypatch.setenv("FLASK_DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("FLASK_DATABASE_MAX_OVERFLOW", "1")
    monkeypatch.setenv("TODO_DATABASE_URL", SERVER_URL)
    app, pool = todo_engine_pool({})
    assert pool.size() == 3
    assert pool._max_overflow == 1
    # The project's own engine option survives next to the budget.
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "pool_size": 3,
        "max_overflow": 1,
    }


def test_without_a_budget_sqlalchemy_keeps_its_own_pool_defaults():
    app, pool = todo_engine_pool({"SQLALCHEMY_DATABASE_URI": SERVER_URL})
    assert pool.size() == 5
    assert pool._max_overflow == 10
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}


def test_a_sqlite_file_ignores_the_budget_and_still_works(databases, monkeypatch):
    monkeypatch.setenv("FLASK_DATABASE_POOL_SIZE", "1")
    url = f"sqlite:///{databases.folder / 'todo.sqlite'}"
    app, _pool = todo_engine_pool({"SQLALCHEMY_DATABASE_URI": url})
    # A file never hangs up: no ping before each use.
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        db.session.remove()


def test_an_explicit_engine_option_wins_over_the_ping():
    app, _pool = todo_engine_pool(
        {
            "SQLALCHEMY_DATABASE_URI": SERVER_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        }
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": False}


def test_the_budget_applies_to_the_database_the_tests_run_on(databases):
    url = databases.url("todo")
    app, pool = todo_engine_pool(
        {"SQLALCHEMY_DATABASE_URI": url, "DATABASE_POOL_SIZE": 2, "DATABASE_MAX_OVERFLOW": 0}
    )
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        db.session.remove()
    if url.startswith("sqlite"):
        assert "pool_size" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    else:
        assert (pool.size(), pool._max_overflow) == (2, 0)
