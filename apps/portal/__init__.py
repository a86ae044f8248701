"""The portal, mounted at ``/``: the landing page, ``/about`` and the health check."""

from __future__ import annotations

from typing import Any

from flask import Flask

from apps.common import create_flask_app

from .about import about
from .views import bp


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the portal app."""
    app = create_flask_app(__name__, "portal", test_config)
    app.register_blueprint(bp)
    app.register_blueprint(about)
    return app
