"""The board's rows: what each message shows, worked out in Python once per page.

As with the todo list (``apps/todo/listing.py``): the template used to call a date
filter, ``isoformat`` and a URL builder for each message and compare the author with
``g.user`` on every row; here each row arrives with its values ready to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.i18n import current_locale
from apps.common.rowurl import RowUrl

from .models import format_timestamp


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message as the board shows it."""

    id: int
    author_name: str
    content: str
    created_iso: str
    created_text: str
    # Only on the reader's own messages: where their delete button posts to.
    delete_url: str | None


def list_rows(
    messages: list[tuple], reader_id: int | None, delete: RowUrl | None
) -> list[MessageRow]:
    """The rows of a page from ``find_page`` (id, author id and name, content, time);
    ``delete`` builds the delete URLs of the reader's own messages."""
    locale = current_locale()
    rows = []
    for message_id, author_id, author_name, content, created_at in messages:
        own = delete is not None and author_id == reader_id
        rows.append(
            MessageRow(
                id=message_id,
                author_name=author_name,
                content=content,
                created_iso=created_at.isoformat(),
                created_text=format_timestamp(created_at, locale),
                delete_url=delete(message_id) if own else None,
            )
        )
    return rows
