"""Logins hash with no transaction open, and a busy database answers 503."""

import contextlib
import sqlite3

import pytest
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

import apps.auth.models
import apps.auth.views
from apps.auth.models import LoginFailure
from apps.auth.models import User
from apps.auth.models import db

from .conftest import PASSWORD
from .conftest import AuthActions


def sqlite_path(app):
    """The file of ``app``'s SQLite database, or None on PostgreSQL."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else None


@contextlib.contextmanager
def write_lock_held(app, wait=False):
    """Another connection holding auth's write lock (SQLite) or an exclusive table lock."""
    path = sqlite_path(app)
    if path is not None:
        connection = sqlite3.connect(path, timeout=5 if wait else 0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            yield
        finally:
            connection.close()
        return
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as connection:
            nowait = "" if wait else " NOWAIT"
            for table in ("users", "login_failures"):
                connection.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE{nowait}"))
            yield
            connection.rollback()
    finally:
        engine.dispose()


HASHING = [
    (apps.auth.models, "password_matches"),
    (apps.auth.models, "unknown_user_check"),
    (apps.auth.models, "hash_password"),
    (apps.auth.views, "hash_password"),
]


def spy_on_hashing(monkeypatch, app, observed):
    """Around every scrypt run, note whether another connection could take the lock.

    ``write_lock_held`` does not wait: it fails at once if this request still held
    a transaction on auth's tables.
    """
    for module, name in HASHING:
        real = getattr(module, name)

        def checking(*args, real=real):
            with write_lock_held(app):
                observed.append(not db.session().in_transaction())
            return real(*args)

        monkeypatch.setattr(module, name, checking)


@pytest.mark.parametrize(
    ("username", "password", "status"),
    [("alice", PASSWORD, 302), ("alice", "wrong password", 400), ("nobody", PASSWORD, 400)],
)
def test_a_login_hashes_with_no_lock_held(monkeypatch, app, auth, username, password, status):
    auth.register()
    auth.logout()
    observed = []
    spy_on_hashing(monkeypatch, app, observed)

    assert auth.login(username, password).status_code == status
    assert observed == [True]


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/password", {"current": PASSWORD, "new": "a brand new secret"}),
        ("/password", {"current": "wrong password", "new": "a brand new secret"}),
        ("/delete", {"password": "wrong password"}),
    ],
)
def test_reentered_passwords_are_hashed_with_no_lock_held(monkeypatch, app, client, path, form):
    AuthActions(client).register()
    observed = []
    spy_on_hashing(monkeypatch, app, observed)
    form = {**form, "confirm": form.get("new")}

    assert client.post(path, data=form).status_code in (302, 400)
    assert observed
    assert all(observed)


@pytest.fixture
def impatient_app(make_app):
    """Auth whose database gives up on a lock after a tenth of a second."""
    app = make_app(TESTING=False)
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def give_up_soon(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 100")
        else:
            cursor.execute("SET lock_timeout = '100ms'")
        cursor.close()

    engine.dispose()
    return app


def test_a_busy_database_answers_503_and_writes_nothing(impatient_app):
    client = impatient_app.test_client()
    AuthActions(client).register()
    AuthActions(client).logout()

    with write_lock_held(impatient_app, wait=True):
        response = AuthActions(client).login("alice", "wrong password")

    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "try again" in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers
    with impatient_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
