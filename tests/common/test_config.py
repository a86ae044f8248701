"""Config precedence (defaults < instance/config.py < environment) and the secret key rules."""

import os
import stat
from datetime import timedelta

from flask import Flask

from apps.common.config import load_config
from apps.common.config import load_or_create_secret_key
from apps.portal import create_app


def bare_app(tmp_path):
    return Flask("probe", instance_path=str(tmp_path), instance_relative_config=True)


def test_defaults_are_safe(tmp_path):
    app = bare_app(tmp_path)
    load_config(app, "todo", None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/todo.sqlite"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_PATH"] == "/"
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)
    assert app.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]


def test_instance_file_overrides_defaults_and_environment_overrides_both(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SESSION_LIFETIME_HOURS = 2\nMAX_CONTENT_LENGTH = 2048\nSECRET_KEY = 'from file'\n"
    )
    app = bare_app(tmp_path)
    load_config(app, "todo", None)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.config["SECRET_KEY"] == "from file"

    monkeypatch.setenv("FLASK_SESSION_LIFETIME_HOURS", "3")
    monkeypatch.setenv("FLASK_SECRET_KEY", "from environment")
    monkeypatch.setenv("TODO_DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite")
    monkeypatch.setenv("MESSAGE_DATABASE_URL", "sqlite:////tmp/not-for-todo.sqlite")
    app = bare_app(tmp_path)
    load_config(app, "todo", None)
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=3)
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    assert app.config["SECRET_KEY"] == "from environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/elsewhere.sqlite"


def test_test_config_has_the_last_word(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from environment")
    app = bare_app(tmp_path)
    load_config(app, "todo", {"SECRET_KEY": "from test", "SESSION_COOKIE_SECURE": False})
    assert app.config["SECRET_KEY"] == "from test"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_debug_mode_drops_the_secure_cookie_flag_for_plain_http(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = bare_app(tmp_path)
    load_config(app, "todo", None)
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_without_a_configured_key_one_is_generated_once_and_kept(tmp_path):
    first = bare_app(tmp_path)
    load_config(first, "auth", None)
    second = bare_app(tmp_path)
    load_config(second, "todo", None)
    key = first.config["SECRET_KEY"]
    assert len(key) == 64
    assert second.config["SECRET_KEY"] == key
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == key
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_each_instance_folder_gets_its_own_random_key(tmp_path):
    assert load_or_create_secret_key(tmp_path / "a") != load_or_create_secret_key(tmp_path / "b")


def test_every_app_uses_the_shared_instance_folder(tmp_path):
    app = create_app()
    assert app.instance_path == str(tmp_path / "instance")
    assert (tmp_path / "instance" / "secret_key").exists()


def test_the_secret_key_is_not_in_the_code():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for source in [*root.glob("apps/**/*.py"), root / "dispatcher.py"]:
        assert 'SECRET_KEY": "' not in source.read_text(), source
        assert 'SECRET_KEY = "' not in source.read_text(), source
