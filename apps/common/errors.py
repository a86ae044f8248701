"""Error pages in the project's look, with the status code and headers kept."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import render_template
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import SecurityError
from werkzeug.exceptions import ServiceUnavailable

from .error_words import words_for
from .i18n import lazy_gettext as _l
from .mounts import current_mount

BUSY_MESSAGE = _l(
    "The site is busy right now, so nothing was saved. Please try again in a few seconds."
)
# PostgreSQL: lock_not_available (lock_timeout), serialization_failure,
# deadlock_detected, query_canceled (statement_timeout).
BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01", "57014"})
BUSY_SQLITE_MESSAGES = ("database is locked", "database table is locked", "database is busy")


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
    title, text, detail = words_for(error)
    page = render_template(
        "common/error.html",
        error=error,
        title=title,
        text=text,
        detail=detail,
        app_title=current_mount().title,
    )
    return page, error.code or 500, headers


def render_internal_error(error: InternalServerError) -> tuple[str, int, dict[str, str]]:
    """The 500 page: never a stack trace, even for an exception Flask wrapped."""
    return render_error_page(InternalServerError())


def is_busy(error: OperationalError) -> bool:
    """Whether the database refused only because other work holds its locks."""
    original = error.orig
    if getattr(original, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    message = str(original).lower()
    return any(text in message for text in BUSY_SQLITE_MESSAGES)


def render_busy_page(error: OperationalError) -> tuple[str, int, dict[str, str]]:
    """A busy database is a 503 asking to retry: its transaction was rolled back."""
    if not is_busy(error):
        raise error
    current_app.logger.warning("Database busy: %s", error.orig)
    busy = ServiceUnavailable(BUSY_MESSAGE)
    page, status, headers = render_error_page(busy)
    headers["Retry-After"] = str(current_app.config["BUSY_RETRY_AFTER_SECONDS"])
    return page, status, headers


def register_error_pages(app: Flask) -> None:
    """Every HTTP error of ``app`` renders ``common/error.html``."""
    app.register_error_handler(HTTPException, render_error_page)
    app.register_error_handler(InternalServerError, render_internal_error)
    app.register_error_handler(OperationalError, render_busy_page)
