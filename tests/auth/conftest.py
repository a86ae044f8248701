"""The auth app alone, on a fresh database, with an ``AuthActions`` helper."""

import pytest
from sqlalchemy import select

from apps.auth import create_app
from apps.auth.models import User
from apps.auth.models import db
from tests.conftest import PASSWORD
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import dispose_engines


@pytest.fixture
def make_app(databases):
    """Build auth apps; pass ``SQLALCHEMY_DATABASE_URI`` to share one database."""
    built = []

    def make(**overrides):
        app = create_app(app_test_config(databases, "auth", **overrides))
        create_tables(app)
        built.append(app)
        return app

    yield make
    for app in built:
        dispose_engines(app)


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Register, log in and log out through the real forms."""

    def __init__(self, client):
        self._client = client

    def register(self, username="alice", password=PASSWORD, confirm=None, **extra):
        confirm = password if confirm is None else confirm
        form = {"username": username, "password": password, "confirm": confirm, **extra}
        return self._client.post("/register", data=form)

    def login(self, username="alice", password=PASSWORD, **extra):
        form = {"username": username, "password": password, **extra}
        return self._client.post("/login", data=form)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def usernames(app):
    """The usernames stored in ``app``'s database, in id order."""
    with app.app_context():
        return list(db.session.scalars(select(User.username).order_by(User.id)))


def stored_user(app, username="alice"):
    """The row of ``username``, detached from any session."""
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username_key=username.lower()))
        db.session.expunge_all()
        return user


def logged_in_as(client):
    """The username the account page greets, or None when it sends to the login page."""
    response = client.get("/")
    if response.status_code == 302:
        return None
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    start = text.index("<dt>Username</dt><dd>") + len("<dt>Username</dt><dd>")
    return text[start : text.index("</dd>", start)]
