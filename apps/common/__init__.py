"""What every app shares: config, database setup, identity, CSRF, headers, error pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Flask

from .chrome import page_chrome
from .config import instance_path
from .config import load_config
from .errors import register_error_pages
from .favicon import favicon
from .i18n import init_i18n
from .identity import load_logged_in_user
from .identity import login_url_for_current_page
from .incoming import SiteRequest
from .incoming import refuse_malformed_body
from .incoming import refuse_malformed_host
from .mounts import mount_table
from .mounts import url_for_app
from .requestlog import init_request_log
from .security import csrf
from .security import with_security_headers
from .sessions import TolerantSessionInterface
from .siteflask import SiteFlask

# Templates (base.html, error.html) and the stylesheet, served by every app under
# its own prefix so each app also works alone.
common = Blueprint(
    "common",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/common",
)


def create_flask_app(import_name: str, name: str, test_config: dict[str, Any] | None) -> Flask:
    """A Flask app with the project's config and shared protections in place."""
    app = SiteFlask(import_name, instance_path=instance_path(), instance_relative_config=True)
    app.request_class = SiteRequest
    app.session_interface = TolerantSessionInterface()
    load_config(app, name, test_config)
    app.register_blueprint(common)
    app.register_blueprint(favicon)
    init_i18n(app)
    init_request_log(app)
    # g.user first, so even a CSRF error page knows who is logged in; then the body,
    # so the CSRF check never meets a form it cannot read.
    app.before_request(refuse_malformed_host)
    app.before_request(load_logged_in_user)
    app.before_request(refuse_malformed_body)
    csrf.init_app(app)
    app.wsgi_app = with_security_headers(app)  # type: ignore[method-assign]
    register_error_pages(app)
    app.jinja_env.globals.update(
        page_chrome=page_chrome,
        url_for_app=url_for_app,
        mount_table=mount_table,
        login_url_for_current_page=login_url_for_current_page,
    )
    return app
