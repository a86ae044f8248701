"""The landing page and ``/healthz``."""

from flask import Blueprint
from flask import render_template
from sqlalchemy.exc import SQLAlchemyError

from apps.common.db import check_database
from apps.common.mounts import mount_table

bp = Blueprint("portal", __name__)


@bp.get("/")
def index():
    """List the mounted apps with a line about each."""
    mounts = [mount for mount in mount_table().values() if mount.name != "portal"]
    return render_template("portal/index.html", mounts=mounts)


@bp.get("/healthz")
def healthz():
    """Check every mounted app's database; 503 names the apps that are down."""
    apps = {}
    for mount in mount_table().values():
        if "sqlalchemy" not in mount.app.extensions:
            apps[mount.name] = "ok"
            continue
        # Each app's database belongs to that app: push its context to reach it.
        with mount.app.app_context():
            try:
                check_database()
            except SQLAlchemyError:
                apps[mount.name] = "unavailable"
            else:
                apps[mount.name] = "ok"
    healthy = all(state == "ok" for state in apps.values())
    body = {"status": "ok" if healthy else "unavailable", "apps": apps}
    return body, 200 if healthy else 503
