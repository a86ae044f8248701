"""``/about``: the site for developers: the mount table, every route, each app's health."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint
from flask import abort
from flask import render_template
from flask_babel import get_locale

from apps.common.mounts import Mount
from apps.common.mounts import mount_table

from .dashboard import check_health

# Present in a source checkout; an installed package has no docs/ beside apps/.
DOCS = Path(__file__).resolve().parents[2] / "docs"
HIDDEN_METHODS = frozenset({"HEAD", "OPTIONS"})

about = Blueprint("about", __name__)


@dataclass(frozen=True)
class Route:
    """One URL rule of a mounted app, with the prefix it is mounted at."""

    path: str
    methods: str
    endpoint: str


def routes_of(mount: Mount) -> list[Route]:
    """Every rule of ``mount``'s app but the static files, sorted by path."""
    routes = [
        Route(
            mount.prefix + rule.rule,
            " ".join(sorted(set(rule.methods or ()) - HIDDEN_METHODS)),
            rule.endpoint,
        )
        for rule in mount.app.url_map.iter_rules()
        if not rule.endpoint.endswith("static")
    ]
    return sorted(routes, key=lambda route: (route.path, route.methods))


def contexts_chapter() -> str:
    """The contexts chapter's file name in the reader's language."""
    locale = get_locale()
    return "contexts.zh-CN.md" if locale and locale.language == "zh" else "contexts.md"


@about.get("/about")
def about_site():
    """What the site is made of: for developers and the curious."""
    mounts = list(mount_table().values())
    routes = {mount.name: routes_of(mount) for mount in mounts}
    return render_template(
        "portal/about.html",
        mounts=mounts,
        routes=routes,
        health=check_health(),
        has_docs=(DOCS / "contexts.md").is_file(),
        chapter=contexts_chapter(),
    )


@about.get("/about/<any('contexts.md', 'contexts.zh-CN.md'):name>")
def contexts_doc(name: str):
    """docs/contexts.md (or its Chinese translation) as text, from a source checkout."""
    if not (DOCS / name).is_file():
        abort(404)
    return (DOCS / name).read_text(encoding="utf-8"), {
        "Content-Type": "text/markdown; charset=utf-8"
    }
