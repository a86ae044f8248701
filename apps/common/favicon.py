"""The site's icon: ``/favicon.ico``, where browsers look for it unasked, in every app."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint
from flask import Response
from flask import send_from_directory

STATIC = Path(__file__).resolve().with_name("static")

favicon = Blueprint("favicon", __name__)


@favicon.get("/favicon.ico")
def favicon_ico() -> Response:
    """The icon as ICO; pages link to the SVG under the shared static files."""
    return send_from_directory(STATIC, "favicon.ico", mimetype="image/vnd.microsoft.icon")
