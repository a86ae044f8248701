"""Fixtures for the message app alone: the app on a fresh database, clients, helpers."""

import pytest

from apps.message import create_app
from apps.message.models import Message
from apps.message.models import db
from apps.message.models import delete_message
from apps.message.models import post_message
from tests.conftest import LiveServer
from tests.conftest import SignedSessionActions as AuthActions
from tests.conftest import app_test_config
from tests.conftest import create_tables
from tests.conftest import dispose_engines

# Fast streams for tests: poll often, and end after one poll unless a test says otherwise.
STREAM_TEST_CONFIG = {
    "MESSAGE_STREAM_POLL_SECONDS": 0.02,
    "MESSAGE_STREAM_HEARTBEAT_SECONDS": 5,
    "MESSAGE_STREAM_MAX_SECONDS": 0,
    # The test client says it is single-threaded, which would make the budget 0.
    "MESSAGE_STREAM_MAX_OPEN": 10,
}


@pytest.fixture
def app(databases):
    """The message app alone, with empty tables."""
    app = create_app(app_test_config(databases, "message", **STREAM_TEST_CONFIG))
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
def add_message(app):
    """Post a message as the board does (its change logged too) and return its id."""

    def add(content="Hello, board", author_id=1, author_name=None):
        with app.app_context():
            message = post_message(author_id, author_name or f"user {author_id}", content)
            db.session.commit()
            return message.id

    return add


@pytest.fixture
def remove_message(app):
    """Delete a message as the board does (its deletion logged too)."""

    def remove(message_id):
        with app.app_context():
            delete_message(db.session.get(Message, message_id))
            db.session.commit()

    return remove


@pytest.fixture
def messages(app):
    """The rows in the database, as (author_id, author_name, content) tuples, by id."""

    def rows():
        with app.app_context():
            stored = db.session.scalars(db.select(Message).order_by(Message.id))
            return [(message.author_id, message.author_name, message.content) for message in stored]

    return rows


@pytest.fixture
def live_message(app):
    """The message app alone on a real threaded server, streams kept open for 30 seconds."""
    app.config.update(MESSAGE_STREAM_MAX_SECONDS=30, MESSAGE_STREAM_HEARTBEAT_SECONDS=0.05)
    with LiveServer(app) as server:
        yield server


def session_cookie(app, user_id=1):
    """A ``Cookie`` header value that logs ``user_id`` in, signed as Flask signs sessions."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"user_id": user_id, "session_version": 1})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"
