"""The message app, mounted at ``/message``: a public board with live updates."""

from __future__ import annotations

from typing import Any

from flask import Flask

from apps.common import create_flask_app
from apps.common.db import init_database

from .models import db
from .shutdown import end_streams_when_mod_wsgi_stops
from .stream import STREAM_DEFAULTS
from .views import bp


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the message app."""
    app = create_flask_app(__name__, "message", test_config)
    for key, value in STREAM_DEFAULTS.items():
        app.config.setdefault(key, value)
    init_database(app, db)
    app.register_blueprint(bp)
    end_streams_when_mod_wsgi_stops()
    return app
