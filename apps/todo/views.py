"""The todo list: show, add, toggle, edit, delete, and clear the done ones."""

from datetime import date

from flask import Blueprint
from flask import abort
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Row
from sqlalchemy import select

from apps.common.db import MAX_ROW_ID
from apps.common.identity import login_required
from apps.common.pagecache import cached_page
from apps.common.pagecache import rows_key

from .forms import TodoForm
from .listing import list_rows
from .models import FILTERS
from .models import Todo
from .models import count_by_state
from .models import count_rows_by_state
from .models import db
from .models import delete_done_todos
from .models import user_todos
from .models import utc_today

bp = Blueprint("todo", __name__)


def current_filter() -> str:
    """The ``?show=`` filter of this request; anything unknown shows everything."""
    show = request.args.get("show", "all")
    return show if show in FILTERS else "all"


def list_url() -> str:
    """The list, with the filter the user was looking at when they pressed a button."""
    show = current_filter()
    return url_for("todo.index", show=None if show == "all" else show)


def get_own_todo(todo_id: int) -> Todo:
    """The logged-in user's todo ``todo_id``, or 404 (missing and not yours look the same)."""
    if todo_id > MAX_ROW_ID:
        abort(404)
    return db.one_or_404(select(Todo).filter_by(id=todo_id, user_id=g.user.id))


def read_list() -> tuple[str, list[Row], dict[str, int]]:
    """The filter of this request, the user's todos it shows, and the counts by state."""
    show = current_filter()
    todos = user_todos(g.user.id, show)
    # The whole list holds its own counts: one statement instead of two.
    counts = count_rows_by_state(todos) if show == "all" else count_by_state(g.user.id)
    return show, todos, counts


def render_list(
    form: TodoForm, show: str, todos: list[Row], counts: dict[str, int], today: date
) -> str:
    """The list page with the add form."""
    filter_value = None if show == "all" else show
    return render_template(
        "todo/index.html",
        form=form,
        todos=list_rows(todos, today, filter_value),
        counts=counts,
        show=show,
        filter_value=filter_value,
    )


@bp.get("/")
@login_required
def index():
    """The user's todos, open ones first, with the add form on top."""
    show, todos, counts = read_list()
    today = utc_today()
    return cached_page(
        lambda: render_list(TodoForm(), show, todos, counts, today),
        rows_key(todos),
        tuple(counts.items()),
        today,
    )


@bp.post("/add")
@login_required
def add():
    """Add a todo; bad input re-renders the list with the message."""
    form = TodoForm()
    if not form.validate_on_submit():
        return render_list(form, *read_list(), utc_today()), 400
    db.session.add(Todo(user_id=g.user.id, title=form.title.data, due=form.due.data))
    db.session.commit()
    flash(_("Added “%(title)s”.", title=form.title.data), "success")
    return redirect(list_url())


@bp.post("/<int:todo_id>/toggle")
@login_required
def toggle(todo_id: int):
    """Mark a todo done, or open again."""
    todo = get_own_todo(todo_id)
    todo.toggle()
    db.session.commit()
    if todo.done:
        flash(_("Done: “%(title)s”.", title=todo.title), "success")
    else:
        flash(_("Reopened “%(title)s”.", title=todo.title), "success")
    return redirect(list_url())


@bp.route("/<int:todo_id>/edit", methods=["GET", "POST"])
@login_required
def edit(todo_id: int):
    """Change a todo's title or due date."""
    todo = get_own_todo(todo_id)
    # On POST only what was submitted counts: a missing title is an error, not "unchanged".
    form = TodoForm() if request.method == "POST" else TodoForm(obj=todo)
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("todo/edit.html", form=form, todo=todo), status
    todo.title = form.title.data
    todo.due = form.due.data
    db.session.commit()
    flash(_("Saved “%(title)s”.", title=todo.title), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:todo_id>/delete")
@login_required
def delete(todo_id: int):
    """Delete one todo."""
    todo = get_own_todo(todo_id)
    db.session.delete(todo)
    db.session.commit()
    flash(_("Deleted “%(title)s”.", title=todo.title), "success")
    return redirect(list_url())


@bp.post("/clear-done")
@login_required
def clear_done():
    """Delete every done todo of the user."""
    cleared = delete_done_todos(g.user.id)
    db.session.commit()
    if cleared:
        flash(
            ngettext("Cleared %(num)d done todo.", "Cleared %(num)d done todos.", cleared),
            "success",
        )
    else:
        flash(_("There were no done todos to clear."), "success")
    return redirect(list_url())
