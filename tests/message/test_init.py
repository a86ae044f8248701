"""The factory: config defaults for the stream, and the init-db command."""

from apps.message import create_app


def test_stream_settings_have_defaults_that_config_can_override(monkeypatch):
    assert create_app({"TESTING": True}).config["MESSAGE_STREAM_POLL_SECONDS"] == 1
    assert create_app({"TESTING": True}).config["MESSAGE_STREAM_HEARTBEAT_SECONDS"] == 5
    monkeypatch.setenv("FLASK_MESSAGE_STREAM_MAX_SECONDS", "60")
    assert create_app({"TESTING": True}).config["MESSAGE_STREAM_MAX_SECONDS"] == 60
    assert create_app({"MESSAGE_STREAM_MAX_SECONDS": 5}).config["MESSAGE_STREAM_MAX_SECONDS"] == 5


def test_init_db_creates_the_table(runner, app, add_message):
    result = runner.invoke(args=["init-db"])
    assert "Initialized the message database." in result.output
    assert add_message("still works") == 1
