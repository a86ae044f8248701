"""The auth app, mounted at ``/auth``: accounts, and the sign-on every app reads."""

from __future__ import annotations

from typing import Any

from flask import Flask

from apps.common import create_flask_app
from apps.common.db import init_database
from apps.common.identity import set_user_loader

from .models import db
from .models import find_session_user
from .throttle import THROTTLE_DEFAULTS
from .views import bp


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the auth app."""
    app = create_flask_app(__name__, "auth", test_config)
    for key, value in THROTTLE_DEFAULTS.items():
        app.config.setdefault(key, value)
    init_database(app, db)
    # Here the session is checked against the database: a stale version logs out.
    set_user_loader(app, find_session_user)
    app.register_blueprint(bp)
    return app
