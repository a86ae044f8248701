"""Configuration shared by every app: defaults, then the instance file, then the environment."""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

SECRET_KEY_FILE = "secret_key"


def instance_path() -> str:
    """The one instance folder every app shares (secret key, SQLite files, config.py).

    Flask would give each app its own folder once the project is installed; the apps
    must share a secret key, so they share one folder instead.
    """
    default = Path(__file__).resolve().parents[2] / "instance"
    return os.environ.get("DISPATCHER_INSTANCE_PATH") or str(default)


def default_config(app: Flask, name: str) -> dict[str, Any]:
    """The code defaults: safe for production, convenient for a laptop."""
    database_file = Path(app.instance_path) / f"{name}.sqlite"
    return {
        "APP_NAME": name,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_file}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # One cookie, one name, one path: every mount reads the same session.
        "SESSION_COOKIE_NAME": "dispatcher_session",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": None,  # decided in load_config once DEBUG is known
        "SESSION_LIFETIME_HOURS": 12,
        "SESSION_ABSOLUTE_LIFETIME_DAYS": 30,
        "HSTS_MAX_AGE_SECONDS": 365 * 24 * 3600,
        "HSTS_INCLUDE_SUBDOMAINS": False,
        "BUSY_RETRY_AFTER_SECONDS": 5,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        # Werkzeug's host check cannot match an IPv6 literal such as [::1].
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "PROXY_FIX_X_FOR": 0,
        "PROXY_FIX_X_PROTO": 0,
        "PROXY_FIX_X_HOST": 0,
        "PROXY_FIX_X_PREFIX": 0,
        # Operations (issue 14): one JSON line per request; /metrics only when enabled.
        "REQUEST_LOG": True,
        "METRICS_ENABLED": False,
        "METRICS_ALLOWED_ADDRESSES": [],
    }


def load_config(app: Flask, name: str, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config``: defaults < ``instance/config.py`` < environment < test_config."""
    app.config.from_mapping(default_config(app, name))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    database_url = os.environ.get(f"{name.upper()}_DATABASE_URL")
    if database_url:
        app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    if test_config is not None:
        app.config.from_mapping(test_config)

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret_key(Path(app.instance_path))
    if app.config["SESSION_COOKIE_SECURE"] is None:
        # Plain-http development would never get its cookie back with Secure set.
        app.config["SESSION_COOKIE_SECURE"] = not app.debug
    hours = app.config["SESSION_LIFETIME_HOURS"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(hours))
    apply_engine_options(app.config)


# Config key -> SQLAlchemy engine option: the connections each app keeps per process.
POOL_BUDGET_OPTIONS = {"DATABASE_POOL_SIZE": "pool_size", "DATABASE_MAX_OVERFLOW": "max_overflow"}


def apply_engine_options(config: dict[str, Any]) -> None:
    """A database server's pool: pinged, and sized by ``DATABASE_POOL_SIZE``/``_MAX_OVERFLOW``.

    A server can drop a pooled connection (a restart, an idle timeout), so each one is
    pinged as it leaves the pool. Every app has its own engine in every worker process,
    so the pool numbers multiply (docs/deploying.md, "Several hosts"). A SQLite file
    never hangs up and has no server to run out of connections: its pool is left as
    SQLAlchemy chooses it, unpinged (a ping was a third of a short read).
    """
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        return
    options = {"pool_pre_ping": True, **config["SQLALCHEMY_ENGINE_OPTIONS"]}
    for key, option in POOL_BUDGET_OPTIONS.items():
        if config.get(key) is not None:
            options[option] = int(config[key])
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def load_or_create_secret_key(folder: Path) -> str:
    """Read the development key from ``folder``, creating it once if it is missing.

    ``O_EXCL`` makes the creation safe when several worker processes start together:
    exactly one writes the key and the others read it.
    """
    key_file = folder / SECRET_KEY_FILE
    folder.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_secret_key(key_file)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_hex(32))
    return read_secret_key(key_file)


def read_secret_key(key_file: Path) -> str:
    """Read a key file, waiting briefly for a racing process to finish writing it."""
    for _ in range(50):
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{key_file} is empty; delete it to generate a new key.")


def ensure_instance_folder(app: Flask) -> None:
    """Create the instance folder, where the default SQLite files live.

    Without a key in the environment, loading the config creates it for the key
    file; with ``FLASK_SECRET_KEY`` set nothing else would, so schema commands call this.
    """
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
