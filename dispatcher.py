"""The composition root: every app, where it is mounted, how apps meet, and the CLI.

``application`` is the WSGI callable for any server (``gunicorn dispatcher:application``);
``python dispatcher.py`` runs everything on Werkzeug's development server.
"""

from __future__ import annotations

import code
import os
import sys
from collections.abc import Callable
from typing import Any

import click
import flask_migrate
from flask import Flask
from flask import Response
from flask import request
from flask import request_finished
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import run_simple

from apps import auth
from apps import message
from apps import portal
from apps import todo
from apps.auth.models import count_users
from apps.auth.models import delete_account
from apps.auth.models import find_session_user
from apps.auth.models import get_user_by_username
from apps.auth.signals import account_deleting
from apps.common.config import ensure_instance_folder
from apps.common.config import instance_path
from apps.common.config import load_config
from apps.common.db import current_database
from apps.common.i18n import lazy_gettext as _l
from apps.common.identity import CurrentUser
from apps.common.identity import set_user_loader
from apps.common.metrics import metrics_wsgi_app
from apps.common.metrics import record_account_deletion
from apps.common.metrics import record_login
from apps.common.mounts import Mount
from apps.common.mounts import share_mount_table
from apps.common.schema import database_revision_or_none
from apps.common.schema import has_migrations
from apps.common.schema import head_revision
from apps.common.schema import models_differ
from apps.common.schema import schema_work
from apps.common.schemagate import SchemaGate
from apps.message.models import count_messages
from apps.message.models import delete_user_messages
from apps.portal.dashboard import add_counter
from apps.portal.dashboard import check_health
from apps.portal.dashboard import gather_counts
from apps.todo.models import count_todos
from apps.todo.models import delete_user_todos

AppFactory = Callable[[dict[str, Any] | None], Flask]

# name, prefix, factory, title, description. The portal at "" catches every path
# that no other prefix claims.
# Titles and descriptions are words for users, translated when a page shows them.
MOUNTS: list[tuple[str, str, AppFactory, str, str]] = [
    ("portal", "", portal.create_app, _l("Home"), _l("Where you start, with the site's numbers.")),
    (
        "auth",
        "/auth",
        auth.create_app,
        _l("Account"),
        _l("Register, log in, and manage your account."),
    ),
    (
        "todo",
        "/todo",
        todo.create_app,
        _l("Todo"),
        _l("Keep a list of things to do, with due dates, and tick them off."),
    ),
    (
        "message",
        "/message",
        message.create_app,
        _l("Messages"),
        _l("Read and post public messages; new ones appear as they arrive."),
    ),
]


def config_for(name: str, test_config: dict[str, Any] | None) -> dict[str, Any] | None:
    """Shared overrides plus the ones under the app's own name (``{"todo": {...}}``)."""
    if test_config is None:
        return None
    return {**test_config, **test_config.get(name, {})}


def create_mounts(test_config: dict[str, Any] | None = None) -> list[Mount]:
    """Create every app and give each the mount table."""
    mounts = [
        Mount(name, prefix, factory(config_for(name, test_config)), title, description)
        for name, prefix, factory, title, description in MOUNTS
    ]
    share_mount_table(mounts)
    connect_apps({mount.name: mount.app for mount in mounts})
    return mounts


def connect_apps(apps: dict[str, Flask]) -> None:
    """The wiring between apps, which never import each other."""
    portal_app, auth_app = apps["portal"], apps["auth"]
    todo_app, message_app = apps["todo"], apps["message"]

    add_counter(portal_app, _l("Users"), auth_app, count_users)
    add_counter(portal_app, _l("Todos"), todo_app, count_todos)
    add_counter(portal_app, _l("Messages"), message_app, count_messages)

    def load_user_from_auth(user_id: int, session_version: int) -> CurrentUser | None:
        # Called during another app's request: auth's database belongs to auth, so
        # push auth's app context on top of the current one, then pop back to it.
        with auth_app.app_context():
            return find_session_user(user_id, session_version)

    for name in ("portal", "todo", "message"):
        set_user_loader(apps[name], load_user_from_auth)

    def delete_rows_of_user(sender: Flask, user_id: int, **extra: Any) -> None:
        # Nested contexts keep both deletions open until both have succeeded; only
        # then does each commit. Raising here makes auth roll the account back.
        with todo_app.app_context():
            delete_user_todos(user_id)
            with message_app.app_context():
                delete_user_messages(user_id)
                current_database().session.commit()
            current_database().session.commit()

    account_deleting.connect(delete_rows_of_user, sender=auth_app)
    request_finished.connect(count_auth_outcomes, sender=auth_app)
    # Blinker holds receivers weakly: keep this one alive exactly as long as auth.
    auth_app.extensions["account_deleting_receiver"] = delete_rows_of_user


def count_auth_outcomes(sender: Flask, response: Response, **extra: Any) -> None:
    """Count logins and account deletions from auth's answers (its documented statuses).

    A login POST answered 302 logged in, 429 was throttled, 400 failed (a wrong
    password or an invalid form); a delete POST answered 302 deleted the account.
    """
    if request.method != "POST" or not sender.config["METRICS_ENABLED"]:
        return
    if request.endpoint == "auth.login":
        outcome = {302: "success", 400: "failure", 429: "throttled"}.get(response.status_code)
        if outcome:
            record_login(outcome)
    elif request.endpoint == "auth.delete" and response.status_code == 302:
        record_account_deletion()


def create_dispatcher(test_config: dict[str, Any] | None = None) -> Flask:
    """The whole site as one WSGI callable.

    It is a Flask app only so that ``flask --app dispatcher run`` accepts it: its
    ``wsgi_app`` is the DispatcherMiddleware, so it never handles a request itself.
    """
    mounts = create_mounts(test_config)
    portal_mount, *other_mounts = mounts
    middleware = DispatcherMiddleware(
        portal_mount.app, {mount.prefix: mount.app for mount in other_mounts}
    )
    front = Flask(__name__, instance_path=instance_path(), instance_relative_config=True)
    load_config(front, "dispatcher", test_config)
    if front.config["METRICS_ENABLED"]:
        middleware.mounts["/metrics"] = metrics_wsgi_app(front.config)
    gated = SchemaGate(middleware, {mount.name: mount.app for mount in mounts})
    front.wsgi_app = with_proxy_fix(gated, front.config)  # type: ignore[method-assign]
    front.extensions["mount_table"] = {mount.name: mount for mount in mounts}
    return front


def with_proxy_fix(wsgi_app: Any, config: dict[str, Any]) -> Any:
    """Trust ``X-Forwarded-*`` headers only when configured; outermost, before routing."""
    hops = {
        "x_for": int(config["PROXY_FIX_X_FOR"]),
        "x_proto": int(config["PROXY_FIX_X_PROTO"]),
        "x_host": int(config["PROXY_FIX_X_HOST"]),
        "x_prefix": int(config["PROXY_FIX_X_PREFIX"]),
    }
    if not any(hops.values()):
        return wsgi_app
    return ProxyFix(wsgi_app, x_port=0, **hops)


def mounted(site: Flask) -> list[Mount]:
    """The mounts of a site built by ``create_dispatcher``."""
    return list(site.extensions["mount_table"].values())


def mounted_apps(site: Flask) -> dict[str, Flask]:
    """The apps of a site built by ``create_dispatcher``, by name."""
    return {mount.name: mount.app for mount in mounted(site)}


@click.group(invoke_without_command=True)
@click.pass_context
def cli(context: click.Context) -> None:
    """Run or manage every mounted app. Without a command: ``run``."""
    if context.invoked_subcommand is None:
        context.invoke(run)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Reloader, debugger, and debug mode.")
@click.option("--threaded/--no-threaded", default=True, show_default=True)
@click.option("--processes", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--server", type=click.Choice(["werkzeug", "gevent"]), default="werkzeug")
def run(host: str, port: int, debug: bool, threaded: bool, processes: int, server: str) -> None:
    """Serve every app on one port over plain HTTP (development), schemas upgraded first."""
    if server == "gevent":
        serve_with_gevent(host, port, debug)
        return
    site = create_development_site(debug)
    run_simple(
        host,
        port,
        site,
        use_reloader=debug,
        use_debugger=debug,
        threaded=threaded and processes == 1,
        processes=processes,
    )


def create_development_site(debug: bool) -> Flask:
    """The site for a laptop: plain-http cookies, and schemas upgraded on every start."""
    site = create_dispatcher({"DEBUG": debug, "SESSION_COOKIE_SECURE": False})
    upgrade_databases(site)
    return site


def serve_with_gevent(host: str, port: int, debug: bool) -> None:
    """Serve with gevent's WSGI server: one greenlet per connection.

    gevent must patch the standard library before anything else is imported: psycopg,
    for one, picks how it waits for the database when it is first imported, and a wait
    that is not gevent's stops every greenlet of the process. So the command starts
    itself again under ``python -m gevent.monkey``, which patches first, then runs it.
    """
    from gevent import monkey

    if not monkey.is_module_patched("socket"):
        os.execv(sys.executable, [sys.executable, "-m", "gevent.monkey", *sys.argv])
    from gevent.pywsgi import WSGIServer

    site = create_development_site(debug)
    click.echo(f"Serving with gevent on http://{host}:{port}/")
    WSGIServer((host, port), site).serve_forever()


@cli.command()
def routes() -> None:
    """List every URL rule of every mounted app, with its full path."""
    rows = []
    for mount in mounted(create_dispatcher()):
        for rule in mount.app.url_map.iter_rules():
            methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
            rows.append((mount.prefix + rule.rule, methods, rule.endpoint, mount.name))
    rows.sort()
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for path, methods, endpoint, name in rows:
        click.echo(f"{path:{widths[0]}}  {methods:{widths[1]}}  {endpoint:{widths[2]}}  {name}")


def upgrade_databases(site: Flask) -> list[str]:
    """Upgrade every app's schema to its newest revision; return the apps upgraded."""
    upgraded = []
    ensure_instance_folder(site)
    for mount in mounted(site):
        if not has_migrations(mount.app):
            continue
        # Offline work: an app context, no request. Alembic uses this app's engine.
        with schema_work(mount.app):
            flask_migrate.upgrade()
        upgraded.append(mount.name)
    return upgraded


@cli.group()
def db() -> None:
    """Every app's schema migrations (each app has its own, in apps/<name>/migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Upgrade every app's database to its newest revision (adopting pre-migration ones)."""
    for name in upgrade_databases(create_dispatcher()):
        click.echo(f"Initialized the {name} database.")


@db.command("current")
def db_current() -> None:
    """Show each app's revision and the newest one."""
    for mount in mounted(create_dispatcher()):
        if has_migrations(mount.app):
            with schema_work(mount.app):
                revision = database_revision_or_none(mount.app)
            state = "current" if revision == head_revision(mount.app) else "behind"
            click.echo(
                f"{mount.name:9} {revision or 'none'} (head {head_revision(mount.app)}, {state})"
            )


@db.command("check")
def db_check() -> None:
    """Exit 1 when an app's models differ from its migrations (its database at head)."""
    differing = []
    for mount in mounted(create_dispatcher()):
        if has_migrations(mount.app):
            with schema_work(mount.app):
                problem = models_differ(mount.app)
            click.echo(f"{mount.name:9} {problem or 'models match migrations'}")
            if problem:
                differing.append(mount.name)
    if differing:
        raise click.ClickException(f"Models and migrations differ: {', '.join(differing)}.")


@cli.command("init-db")
def init_db() -> None:
    """Another name for ``db upgrade``: create or upgrade every app's schema."""
    for name in upgrade_databases(create_dispatcher()):
        click.echo(f"Initialized the {name} database.")


@cli.command()
def shell() -> None:
    """A Python shell with every app and its database at hand (no context pushed)."""
    site = create_dispatcher()
    namespace: dict[str, Any] = {"site": site}
    for mount in mounted(site):
        namespace[mount.name] = mount.app
        if "sqlalchemy" in mount.app.extensions:
            namespace[f"{mount.name}_db"] = mount.app.extensions["sqlalchemy"]
    banner = (
        f"Apps: {', '.join(mount.name for mount in mounted(site))}.\n"
        "Push a context to use one: with todo.app_context(): todo_db.session..."
    )
    code.interact(banner=banner, local=namespace, exitmsg="")


@cli.command()
def stats() -> None:
    """Print the dashboard's numbers and each app's health, as the portal shows them."""
    portal_app = mounted_apps(create_dispatcher())["portal"]
    # The same code as the portal's dashboard, with an app context and no request.
    with portal_app.app_context():
        counts = gather_counts()
        health = check_health()
    for label, value in counts.items():
        click.echo(f"{label:9} {'unavailable' if value is None else value}")
    for name, state in health.items():
        click.echo(f"{name:9} {state}")


@cli.command("delete-user")
@click.argument("username")
@click.confirmation_option(prompt="Delete this account and everything it owns in every app?")
def delete_user(username: str) -> None:
    """Delete an account and its rows in every app (the same cascade as the web page)."""
    auth_app = mounted_apps(create_dispatcher())["auth"]
    with auth_app.app_context():
        user = get_user_by_username(username)
        if user is None:
            raise click.ClickException(f"No user named {username!r}.")
        name = user.username
        delete_account(user)
    click.echo(f"Deleted {name} and everything {name} owned.")


application = create_dispatcher()

if __name__ == "__main__":
    cli()
