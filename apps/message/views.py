"""The board: read, search and page through messages, post, delete, and the live stream."""

from flask import Blueprint
from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import stream_with_context
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from apps.common.db import MAX_ROW_ID
from apps.common.identity import login_required
from apps.common.metrics import OPEN_STREAMS
from apps.common.pagecache import cached_page
from apps.common.pagecache import rows_key
from apps.common.rowurl import RowUrl

from .board import MessagePage
from .board import find_page
from .budget import stream_budget
from .forms import MessageForm
from .listing import list_rows
from .models import Message
from .models import db
from .models import delete_message
from .models import post_message
from .shutdown import STOPPING
from .stream import STREAM_HEADERS
from .stream import message_events
from .stream import missed_events
from .stream import resume_point

bp = Blueprint("message", __name__)

SEARCH_MAX_LENGTH = 200


def requested_page() -> int:
    """The ``?page=`` number; anything that is not a whole number means the first page."""
    return request.args.get("page", 1, type=int)


def search_query() -> str:
    """The ``?q=`` words, tidied: no control characters, single spaces, 200 characters at most."""
    raw = request.args.get("q", "")
    printable = "".join(char if char.isprintable() else " " for char in raw)
    return " ".join(printable.split())[:SEARCH_MAX_LENGTH].strip()


def board_url() -> str:
    """The board as the user was looking at it: same page, same search."""
    page = requested_page()
    query = search_query()
    return url_for(".index", page=page if page > 1 else None, q=query or None)


def stream_url(page: MessagePage, query: str) -> str | None:
    """Live updates belong on the first page of the unfiltered board only."""
    if page.number != 1 or query:
        return None
    # Starting after the newest change counted loses nothing posted or deleted since.
    return url_for(".stream", last_id=page.newest_change_id)


def read_board() -> tuple[MessagePage, str]:
    """The page of messages this request asks for, and its search words."""
    query = search_query()
    return find_page(requested_page(), query), query


def render_board(form: MessageForm, page: MessagePage, query: str) -> str:
    """The board page with the post form."""
    reader_id = g.user.id if g.user else None
    delete = None
    if reader_id is not None:
        # The delete buttons on your own messages come back to this page and search.
        back = {"page": page.number if page.number > 1 else None, "q": query or None}
        delete = RowUrl(".delete", "message_id", **back)
    return render_template(
        "message/index.html",
        form=form,
        page=page,
        rows=list_rows(page.messages, reader_id, delete),
        query=query,
        stream_url=stream_url(page, query),
        max_search_length=SEARCH_MAX_LENGTH,
    )


@bp.get("/")
def index():
    """Newest messages first, 20 a page, optionally searched; anyone can read."""
    page, query = read_board()
    return cached_page(
        lambda: render_board(MessageForm(), page, query),
        rows_key(page.messages),
        page.number,
        page.total_pages,
        page.total,
        page.newest_change_id,
    )


@bp.post("/")
@login_required
def post():
    """Post a message as the logged-in user; bad input re-renders the board with the message."""
    form = MessageForm()
    if not form.validate_on_submit():
        return render_board(form, *read_board()), 400
    post_message(g.user.id, g.user.username, form.content.data)
    db.session.commit()
    flash(_("Your message is on the board."), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:message_id>/delete")
@login_required
def delete(message_id: int):
    """Delete one of your own messages; anyone else's, or a missing one, is a 404."""
    if message_id > MAX_ROW_ID:
        abort(404)
    message = db.one_or_404(select(Message).filter_by(id=message_id, author_id=g.user.id))
    delete_message(message)
    db.session.commit()
    flash(_("Your message was deleted."), "success")
    return redirect(board_url())


@bp.get("/stream")
def stream():
    """New messages as Server-Sent Events; ``Last-Event-ID`` resumes without loss.

    Over this process's stream budget (or while the server stops) the request is
    answered at once with what the client missed: its thread is back at work for
    pages, and the browser polls through its reconnects instead.
    """
    last_id = resume_point()
    budget = stream_budget(current_app, request.environ)
    if STOPPING.is_set() or not budget.try_open():
        return Response(
            missed_events(last_id), mimetype="text/event-stream", headers=STREAM_HEADERS
        )
    # The server iterates the generator after this view has returned and Flask has
    # popped its contexts. stream_with_context pushes this request's contexts again
    # while the generator runs: the app context gives it `db` and `config`, and the
    # request context tells apps.common.db the work only reads (a plain BEGIN that never
    # waits for writers; with only an app context it would take SQLite's write lock on
    # every poll). Each poll still ends its own transaction (see poll_new_events).
    events = stream_with_context(message_events(last_id))
    response = Response(events, mimetype="text/event-stream", headers=STREAM_HEADERS)
    # The server calls close() however the stream ends, even if it never started.
    response.call_on_close(budget.close)
    open_streams = OPEN_STREAMS.labels(current_app.config["APP_NAME"])
    open_streams.inc()
    response.call_on_close(open_streams.dec)
    return response
