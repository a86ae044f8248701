"""The message model and the small queries the board, the stream and the dispatcher need."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import ClassVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ColumnElement
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import true
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from apps.common.db import UTCDateTime
from apps.common.db import utc_now

CONTENT_MAX_LENGTH = 2000
PAGE_SIZE = 20
SEARCH_MAX_WORDS = 10


class Base(DeclarativeBase):
    """The message app's own metadata: ``create_all`` here makes only message's tables."""


db = SQLAlchemy(model_class=Base)


class Message(db.Model):
    """One public message on the board."""

    # Never reuse a deleted row's id on SQLite: the stream sends ids above the last one sent.
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the users live in the auth app's database.
    author_id: Mapped[int] = mapped_column(index=True)
    # Copied at post time, so the board never has to ask auth for names.
    author_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    def as_event_data(self) -> dict[str, Any]:
        """What the live stream sends about this message (the page builds it as text)."""
        return {
            "id": self.id,
            "author_id": self.author_id,
            "author_name": self.author_name,
            "content": self.content,
            "created_at": self.created_at.isoformat(),
            "created_label": format_timestamp(self.created_at),
        }


def format_timestamp(moment: datetime) -> str:
    """A short, unambiguous time for people: ``21 Nov 2025, 19:48 UTC``."""
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


@dataclass(frozen=True)
class MessagePage:
    """One page of the board: its messages and where it sits among the others."""

    messages: list[Message]
    number: int
    total_pages: int
    total: int


def like_pattern(word: str) -> str:
    """``word`` as a LIKE pattern that matches it literally, anywhere in the text."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_condition(query: str) -> ColumnElement[bool]:
    """Every word of ``query`` must appear in the message's text or its author's name."""
    conditions = []
    for word in query.split()[:SEARCH_MAX_WORDS]:
        pattern = like_pattern(word)
        conditions.append(
            or_(
                Message.content.ilike(pattern, escape="\\"),
                Message.author_name.ilike(pattern, escape="\\"),
            )
        )
    return and_(true(), *conditions)


def find_page(number: int, query: str = "") -> MessagePage:
    """Page ``number`` (clamped to the pages there are) of the newest messages for ``query``."""
    condition = search_condition(query)
    total = db.session.scalar(select(func.count()).select_from(Message).where(condition)) or 0
    total_pages = max(1, math.ceil(total / PAGE_SIZE))
    number = min(max(number, 1), total_pages)
    statement = (
        select(Message)
        .where(condition)
        .order_by(Message.id.desc())
        .offset((number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return MessagePage(list(db.session.scalars(statement)), number, total_pages, total)


# Any fixed number: the key of the PostgreSQL advisory lock that orders new messages.
POST_LOCK_KEY = 5_107_245


def post_message(author_id: int, author_name: str, content: str) -> Message:
    """Add a message to the session, so that messages commit in the order of their ids.

    The stream sends "every id above the last one sent". If two posts could commit out
    of id order, a stream polling between the two commits would skip the lower id for
    good. SQLite never allows that (one writer at a time, BEGIN IMMEDIATE); on
    PostgreSQL a transaction-scoped advisory lock, released at commit, does the same.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": POST_LOCK_KEY})
    message = Message(author_id=author_id, author_name=author_name, content=content)
    db.session.add(message)
    db.session.flush()
    return message


def messages_after(last_id: int, limit: int = 100) -> list[Message]:
    """Up to ``limit`` messages newer than ``last_id``, oldest first (for the stream)."""
    statement = select(Message).where(Message.id > last_id).order_by(Message.id).limit(limit)
    return list(db.session.scalars(statement))


def newest_message_id() -> int:
    """The id of the newest message, or 0 on an empty board."""
    return db.session.scalar(select(func.max(Message.id))) or 0


def count_messages() -> int:
    """How many messages exist (needs message's app context)."""
    return db.session.scalar(select(func.count()).select_from(Message)) or 0


def delete_user_messages(user_id: int) -> int:
    """Delete a user's messages without committing; returns how many (message's context).

    The caller commits, once every app has deleted its part of the account.
    """
    result = db.session.execute(delete(Message).filter_by(author_id=user_id))
    return result.rowcount
