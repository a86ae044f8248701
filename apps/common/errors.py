"""Error pages in the project's look, with the status code and headers kept."""

from __future__ import annotations

from flask import Flask
from flask import render_template
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import SecurityError

from .mounts import current_mount


def render_error_page(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    """Render ``error`` as a page; keep headers such as ``Allow`` and ``Retry-After``."""
    if isinstance(error, SecurityError):
        # An untrusted Host: Flask could not bind URLs, so no page with links.
        return (
            f"{error.code} {error.name}: {error.description}",
            400,
            {"Content-Type": "text/plain"},
        )
    response = error.get_response()
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in ("Content-Type", "Content-Length")
    }
    page = render_template("common/error.html", error=error, app_title=current_mount().title)
    return page, error.code or 500, headers


def render_internal_error(error: InternalServerError) -> tuple[str, int, dict[str, str]]:
    """The 500 page: never a stack trace, even for an exception Flask wrapped."""
    return render_error_page(InternalServerError())


def register_error_pages(app: Flask) -> None:
    """Every HTTP error of ``app`` renders ``common/error.html``."""
    app.register_error_handler(HTTPException, render_error_page)
    app.register_error_handler(InternalServerError, render_internal_error)
