"""The board's rows: what each message shows, worked out in Python once per page.

As with the todo list (``apps/todo/listing.py``): the template used to call a date
filter, ``isoformat`` and a URL builder for each message and compare the author with
``g.user`` on every row; here each row arrives with its values ready to print.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Row

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
    messages: list[Row], reader_id: int | None, delete: RowUrl | None
) -> list[MessageRow]:
    """One board page's rows; ``delete`` builds the delete URLs of the reader's own."""
    locale = current_locale()
    return [
        MessageRow(
            id=message.id,
            author_name=message.author_name,
            content=message.content,
            created_iso=message.created_at.isoformat(),
            created_text=format_timestamp(message.created_at, locale),
            delete_url=delete(message.id) if delete and message.author_id == reader_id else None,
        )
        for message in messages
    ]
