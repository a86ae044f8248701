"""The message models and the writes that keep the change log in step with the board."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Any
from typing import ClassVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from apps.common.db import UTCDateTime
from apps.common.db import utc_now
from apps.common.i18n import medium_date

CONTENT_MAX_LENGTH = 2000
# Any fixed number: the key of the PostgreSQL advisory lock that orders the change log.
CHANGE_LOCK_KEY = 5_107_245
# The PostgreSQL channel every change is announced on (see broker.py).
CHANGES_CHANNEL = "message_changes"


class Base(DeclarativeBase):
    """The message app's own metadata: ``create_all`` here makes only message's tables."""


db = SQLAlchemy(model_class=Base)


class Message(db.Model):
    """One public message on the board."""

    # Never reuse a deleted row's id on SQLite: the page counts on ids only growing.
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


class MessageChange(db.Model):
    """One post or delete, in commit order: the outbox the live stream reads.

    Its id is the stream's event id, so ``Last-Event-ID`` resumes posts and deletes
    alike, on any worker or host. Rows are written in the change's own transaction.
    """

    __tablename__ = "message_change"
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # "message" (posted) or "delete".
    kind: Mapped[str] = mapped_column(String(10))
    # No foreign key: a delete outlives its message.
    message_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


def format_timestamp(moment: datetime, locale: str | None = None) -> str:
    """A short, unambiguous time in the reader's language: ``Nov 21, 2025 19:48 UTC``.

    message.js writes the same with ``Intl.DateTimeFormat`` for live messages.
    """
    moment = moment.astimezone(UTC)
    return f"{medium_date(moment.date(), locale)} {moment:%H:%M} UTC"


def begin_change() -> None:
    """Make changes commit in the order of their ids, and announce them at commit.

    The stream sends "every change above the last one sent". If two changes could commit
    out of id order, a stream reading between the two commits would skip the lower id
    for good. SQLite never allows that (one writer at a time, BEGIN IMMEDIATE); on
    PostgreSQL a transaction-scoped advisory lock, released at commit, does the same,
    and ``pg_notify`` wakes every process's broker once the transaction commits.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOCK_KEY})
        db.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANGES_CHANNEL})


def post_message(author_id: int, author_name: str, content: str) -> Message:
    """Add a message and its change to the session, without committing."""
    begin_change()
    message = Message(author_id=author_id, author_name=author_name, content=content)
    db.session.add(message)
    db.session.flush()
    db.session.add(MessageChange(kind="message", message_id=message.id))
    db.session.flush()
    return message


def delete_message(message: Message) -> None:
    """Delete a message and record the deletion, without committing."""
    begin_change()
    db.session.add(MessageChange(kind="delete", message_id=message.id))
    db.session.delete(message)
    db.session.flush()


def delete_user_messages(user_id: int) -> int:
    """Delete a user's messages without committing; returns how many (message's context).

    The caller commits, once every app has deleted its part of the account.
    """
    begin_change()
    owned = (
        select(literal("delete"), Message.id, literal(utc_now(), UTCDateTime()))
        .where(Message.author_id == user_id)
        .order_by(Message.id)
    )
    db.session.execute(
        insert(MessageChange).from_select(["kind", "message_id", "created_at"], owned)
    )
    result = db.session.execute(delete(Message).filter_by(author_id=user_id))
    return result.rowcount


def newest_message_id() -> int:
    """The id of the newest message, or 0 on an empty board."""
    return db.session.scalar(select(func.max(Message.id))) or 0


def count_messages() -> int:
    """How many messages exist (needs message's app context)."""
    return db.session.scalar(select(func.count()).select_from(Message)) or 0
