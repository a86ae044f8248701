"""The mount table as each app sees it, and links from one mounted app to another.

``url_for`` only knows the current app's URL map, so it raises ``BuildError`` for an
endpoint of another app. ``url_for_app`` builds with the other app's map instead,
under the prefix the dispatcher mounted it at (and any prefix a proxy put in front).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask import current_app
from flask import has_request_context
from flask import request
from flask import url_for
from werkzeug.routing import BuildError

# Links kept per app by link_without_values: a few endpoints times the site's prefixes.
MAX_KEPT_LINKS = 256


@dataclass(frozen=True)
class Mount:
    """One app of the site: where it is mounted and how the portal describes it."""

    name: str
    prefix: str
    app: Flask
    title: str
    description: str


def share_mount_table(mounts: list[Mount]) -> None:
    """Give every mounted app the whole table, so each can link to the others."""
    table = {mount.name: mount for mount in mounts}
    for mount in mounts:
        mount.app.extensions["mount_table"] = table


def mount_table() -> dict[str, Mount]:
    """The current app's view of the site: just itself until a dispatcher mounts it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    table = app.extensions.get("mount_table")
    if table is None:
        name = app.config["APP_NAME"]
        table = {name: Mount(name, "", app, name.capitalize(), "")}
    return table


def current_mount() -> Mount:
    """The entry of the mount table for the app handling this request."""
    return mount_table()[current_app.config["APP_NAME"]]


def site_root() -> str:
    """The URL path of the whole site: ``SCRIPT_NAME`` without this app's own prefix.

    Behind a proxy that sends ``X-Forwarded-Prefix: /edge`` (and ProxyFix), a request
    to ``/todo/`` has ``SCRIPT_NAME`` ``/edge/todo``; the site root is ``/edge``.
    """
    if not has_request_context():
        return ""
    script_root = request.script_root
    prefix = current_mount().prefix
    if prefix and script_root.endswith(prefix):
        return script_root[: -len(prefix)]
    return script_root


def is_mounted(name: str) -> bool:
    """Whether an app called ``name`` is part of this site."""
    return name in mount_table()


def url_for_app(name: str, endpoint: str, **values: object) -> str:
    """Build a URL for ``endpoint`` of the mounted app ``name``, as ``url_for`` would."""
    mount = mount_table().get(name)
    if mount is None:
        raise BuildError(endpoint, values, None)
    if mount.app is current_app._get_current_object():  # type: ignore[attr-defined]
        return url_for(endpoint, **values)
    script_name = site_root() + mount.prefix
    if not values:
        return link_without_values(mount.app, script_name, endpoint)
    adapter = mount.app.url_map.bind(
        request.host if has_request_context() else "localhost", script_name=script_name
    )
    return adapter.build(endpoint, values)


def link_without_values(app: Flask, script_name: str, endpoint: str) -> str:
    """A link such as the nav bar's to another app: built once per prefix, then kept.

    Every page links to every app; binding and building another app's URL map for
    each link cost more than the rest of the page's chrome. The cache belongs to the
    target app, and stays small (one entry per endpoint and site prefix).
    """
    links = app.extensions.setdefault("links_without_values", {})
    key = (script_name, endpoint)
    link = links.get(key)
    if link is None:
        if len(links) >= MAX_KEPT_LINKS:
            links.clear()
        link = links[key] = app.url_map.bind("localhost", script_name=script_name).build(endpoint)
    return link
