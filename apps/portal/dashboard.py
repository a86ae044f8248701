"""The dashboard's numbers, gathered from every app by pushing that app's context.

The portal imports no other app. The dispatcher hands it *counters*: an app and a
function that counts rows in that app's database. A count only makes sense inside
the counted app's context, where ``db.session`` is bound to that app's engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from apps.common.db import check_database
from apps.common.mounts import mount_table
from apps.common.schema import check_schema
from apps.common.schema import has_migrations


@dataclass(frozen=True)
class Counter:
    """A number for the dashboard: ``count`` runs inside ``app``'s context."""

    label: str
    app: Flask
    count: Callable[[], int]


def add_counter(portal_app: Flask, label: str, app: Flask, count: Callable[[], int]) -> None:
    """Show ``count()`` of ``app`` on ``portal_app``'s dashboard."""
    portal_app.extensions.setdefault("dashboard_counters", []).append(Counter(label, app, count))


def gather_counts() -> dict[str, int | None]:
    """Each counter's number, or None when its app's database is unavailable."""
    counts: dict[str, int | None] = {}
    for counter in current_app.extensions.get("dashboard_counters", []):
        # The label in the portal's language, before the counted app's context is on top.
        label = str(counter.label)
        # Pushed on top of the portal's context; popping it restores the portal's.
        with counter.app.app_context():
            try:
                counts[label] = counter.count()
            except SQLAlchemyError:
                counts[label] = None
    return counts


def check_health() -> dict[str, str]:
    """``ok``, ``outdated`` (schema behind) or ``unavailable`` for every mounted app."""
    health = {}
    for mount in mount_table().values():
        if "sqlalchemy" not in mount.app.extensions:
            health[mount.name] = "ok"
            continue
        with mount.app.app_context():
            if has_migrations(mount.app):
                health[mount.name] = check_schema(mount.app)
                continue
            try:
                check_database()
            except SQLAlchemyError:
                health[mount.name] = "unavailable"
            else:
                health[mount.name] = "ok"
    return health
