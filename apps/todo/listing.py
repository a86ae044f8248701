"""The list page's rows: what each row shows and where its buttons go, worked out in Python.

The page used to call ``url_for`` three times, ``csrf_token`` twice and a model
method once for every row, each through Jinja's call machinery. Here every URL of
one kind is built once per page and completed per row with the todo's id, and each
row's date text is plain data, so the template only prints values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for
from sqlalchemy import Row

from apps.common.db import MAX_ROW_ID

# Stands in for a todo's id while a URL is built once; no real id is this large.
ID_PLACEHOLDER = str(MAX_ROW_ID + 1)


@dataclass(frozen=True, slots=True)
class TodoRow:
    """One todo as the list shows it."""

    id: int
    title: str
    done: bool
    due_iso: str | None
    due: date | None
    badge: str | None
    toggle_url: str
    edit_url: str
    delete_url: str


class RowUrl:
    """``url_for(endpoint, todo_id=..., **values)`` built once, completed per id."""

    def __init__(self, endpoint: str, **values: Any) -> None:
        url = url_for(endpoint, todo_id=int(ID_PLACEHOLDER), **values)
        self.before, _, self.after = url.rpartition(ID_PLACEHOLDER)

    def __call__(self, todo_id: int) -> str:
        """The URL for the todo ``todo_id``."""
        return f"{self.before}{todo_id}{self.after}"


def due_badge(due: date | None, done: bool, today: date) -> str | None:
    """``Overdue`` for an open todo past its date, ``Today`` for one due today, else None."""
    if due is None or done:
        return None
    if due < today:
        return "Overdue"
    return "Today" if due == today else None


def list_rows(todos: list[Row], today: date, filter_value: str | None) -> list[TodoRow]:
    """The rows of the list page, in the order of ``todos``."""
    toggle = RowUrl("todo.toggle", show=filter_value)
    edit = RowUrl("todo.edit")
    delete = RowUrl("todo.delete", show=filter_value)
    return [
        TodoRow(
            id=todo.id,
            title=todo.title,
            done=todo.done,
            due_iso=todo.due.isoformat() if todo.due else None,
            due=todo.due,
            badge=due_badge(todo.due, todo.done, today),
            toggle_url=toggle(todo.id),
            edit_url=edit(todo.id),
            delete_url=delete(todo.id),
        )
        for todo in todos
    ]
