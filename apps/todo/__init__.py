"""The todo app, mounted at ``/todo``: a per-user todo list."""

from __future__ import annotations

from typing import Any

from flask import Flask

from apps.common import create_flask_app
from apps.common.db import init_database

from .models import db
from .views import bp


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the todo app."""
    app = create_flask_app(__name__, "todo", test_config)
    init_database(app, db)
    app.register_blueprint(bp)
    return app
