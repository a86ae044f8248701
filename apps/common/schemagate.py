"""The schema gate: no page is served while an app's schema is behind its migrations."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.wrappers import Response

from .schema import UPGRADE_COMMAND
from .schema import check_schema
from .schema import has_migrations

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse
    from _typeshed.wsgi import WSGIApplication
    from _typeshed.wsgi import WSGIEnvironment

# What operators watch answers even while a schema is behind.
ALWAYS_ANSWERED = frozenset({"/healthz", "/metrics"})
logger = logging.getLogger(__name__)


def outdated_apps(apps: dict[str, Flask]) -> list[str]:
    """The names of the apps whose schema is not (known to be) at its head revision."""
    names = []
    for name, app in apps.items():
        with app.app_context():
            if check_schema(app) != "ok":
                names.append(name)
    return names


def not_ready_message(names: list[str]) -> str:
    """What an operator reads when a schema is behind: which apps, and the command."""
    return (
        f"The database of {', '.join(names)} is not at its newest schema (or cannot be "
        f"reached). Run: {UPGRADE_COMMAND}"
    )


class SchemaGate:
    """WSGI middleware: 503 naming the apps and the command until every schema is current.

    Servers import ``dispatcher:application`` and never change the schema (only
    ``python dispatcher.py run`` and ``db upgrade`` do). Once every app was found
    current, this process stops asking: the gate then costs one attribute read.
    ``/healthz`` and ``/metrics`` always pass: they are how operators see it.
    """

    def __init__(self, wsgi_app: WSGIApplication, apps: dict[str, Flask]) -> None:
        self.wsgi_app = wsgi_app
        self.apps = {name: app for name, app in apps.items() if has_migrations(app)}
        self.ready = False

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve the request, or refuse it while a schema is behind."""
        if not self.ready and environ.get("PATH_INFO") not in ALWAYS_ANSWERED:
            outdated = outdated_apps(self.apps)
            if outdated:
                logger.error(not_ready_message(outdated))
                response = Response(not_ready_message(outdated) + "\n", 503, mimetype="text/plain")
                return response(environ, start_response)
            self.ready = True
        return self.wsgi_app(environ, start_response)
