"""The landing page (with the dashboard for a logged-in user) and ``/healthz``."""

from flask import Blueprint
from flask import g
from flask import render_template
from flask import session

from apps.common.mounts import mount_table
from apps.common.pagecache import cached_page
from apps.common.schemagate import not_ready_message

from .dashboard import check_health
from .dashboard import gather_counts

bp = Blueprint("portal", __name__)

# Set by auth when an account is made: the next start page says "Welcome", not "back".
NEW_ACCOUNT_KEY = "new_account"


@bp.get("/")
def index():
    """What each mounted app does for the user; a logged-in user also sees the numbers."""
    mounts = [mount for mount in mount_table().values() if mount.name != "portal"]
    if g.user is None:
        return cached_page(lambda: render_template("portal/index.html", mounts=mounts))
    first_visit = bool(session.pop(NEW_ACCOUNT_KEY, False))
    counts = gather_counts()
    return cached_page(
        lambda: render_template(
            "portal/index.html", mounts=mounts, counts=counts, first_visit=first_visit
        ),
        tuple(counts.items()),
        first_visit,
    )


@bp.get("/healthz")
def healthz():
    """Check every mounted app's database and schema; 503 names the apps that are not ok."""
    apps = check_health()
    healthy = all(state == "ok" for state in apps.values())
    body: dict[str, object] = {"status": "ok" if healthy else "unavailable", "apps": apps}
    outdated = [name for name, state in apps.items() if state == "outdated"]
    if outdated:
        body["fix"] = not_ready_message(outdated)
    return body, 200 if healthy else 503
