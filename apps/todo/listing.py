"""The list page's rows: what each row shows and where its buttons go, worked out in Python.

The page used to call ``url_for`` three times, ``csrf_token`` twice, a model method
once and ``_()`` six times for every row, each through Jinja's call machinery. Here
every URL of one kind is built once per page and completed per row with the todo's
id, and each row's words (its buttons' labels for screen readers, its due date) are
translated here with the page's catalog, so the template only prints values. They
are plain text: the template escapes them like any other value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row

from apps.common.i18n import current_locale
from apps.common.i18n import medium_date
from apps.common.i18n import page_translations
from apps.common.rowurl import RowUrl


@dataclass(frozen=True, slots=True)
class TodoRow:
    """One todo as the list shows it."""

    id: int
    title: str
    done: bool
    due_iso: str | None
    due_text: str | None
    badge: str | None
    check_label: str
    edit_label: str
    delete_label: str
    toggle_url: str
    edit_url: str
    delete_url: str


def due_badge(due: date | None, done: bool, today: date) -> str | None:
    """``Overdue`` for an open todo past its date, ``Today`` for one due today, else None."""
    if due is None or done:
        return None
    if due < today:
        return "Overdue"
    return "Today" if due == today else None


def list_rows(todos: list[Row], today: date, filter_value: str | None) -> list[TodoRow]:
    """The rows of the list page, from ``user_todos``'s rows (id, title, due, done)."""
    gettext = page_translations().gettext
    # Each sentence translated once for the page, then completed per row.
    reopen, complete = gettext("Reopen “%(title)s”"), gettext("Complete “%(title)s”")
    edit_label, delete_label = gettext("Edit “%(title)s”"), gettext("Delete “%(title)s”")
    due_on, locale = gettext("Due %(date)s"), current_locale()
    toggle = RowUrl("todo.toggle", "todo_id", show=filter_value)
    edit = RowUrl("todo.edit", "todo_id")
    delete = RowUrl("todo.delete", "todo_id", show=filter_value)
    rows = []
    # Unpacked once: each attribute read on a SQLAlchemy Row is a lookup by name.
    for todo_id, title, due, done in todos:
        words = {"title": title}
        rows.append(
            TodoRow(
                id=todo_id,
                title=title,
                done=done,
                due_iso=due.isoformat() if due else None,
                due_text=due_on % {"date": medium_date(due, locale)} if due else None,
                badge=due_badge(due, done, today),
                check_label=(reopen if done else complete) % words,
                edit_label=edit_label % words,
                delete_label=delete_label % words,
                toggle_url=toggle(todo_id),
                edit_url=edit(todo_id),
                delete_url=delete(todo_id),
            )
        )
    return rows
