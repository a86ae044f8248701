"""The auth app (placeholder until its issue lands)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from apps.common import create_flask_app

from .views import bp


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the auth app."""
    app = create_flask_app(__name__, "auth", test_config)
    app.register_blueprint(bp)
    return app
