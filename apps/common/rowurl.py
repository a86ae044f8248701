"""A row's URL built once per page: ``url_for`` for every row of a list costs more than the row.

``RowUrl("todo.edit", "todo_id")`` builds ``/todo/<placeholder>/edit`` once; calling it
with an id swaps the placeholder for the id. The URL is exactly what ``url_for`` gives.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from .db import MAX_ROW_ID

# Stands in for a row's id while a URL is built once; no real id is this large.
ID_PLACEHOLDER = str(MAX_ROW_ID + 1)


class RowUrl:
    """``url_for(endpoint, <id_name>=..., **values)`` built once, completed per id."""

    def __init__(self, endpoint: str, id_name: str, **values: Any) -> None:
        url = url_for(endpoint, **{id_name: int(ID_PLACEHOLDER)}, **values)
        self.before, _, self.after = url.rpartition(ID_PLACEHOLDER)

    def __call__(self, row_id: int) -> str:
        """The URL for the row ``row_id``."""
        return f"{self.before}{row_id}{self.after}"
