"""The change log read as Server-Sent Events: ``event: message`` and ``event: delete``."""

from __future__ import annotations

import json
from typing import Any
from typing import NamedTuple

from sqlalchemy import func
from sqlalchemy import select

from .models import Message
from .models import MessageChange
from .models import db

BATCH_SIZE = 100


class Event(NamedTuple):
    """One change as the stream sends it: its change id and its SSE text."""

    id: int
    text: str


def format_event(change_id: int, kind: str, data: dict[str, Any]) -> str:
    """One SSE event; ``json.dumps`` escapes line breaks, so ``data`` stays one line."""
    encoded = json.dumps(data, separators=(",", ":"))
    return f"id: {change_id}\nevent: {kind}\ndata: {encoded}\n\n"


def changes_after(last_id: int, limit: int = BATCH_SIZE) -> list[Event]:
    """Up to ``limit`` changes after ``last_id``, oldest first, as events.

    A posted message that is gone by now sends nothing (its delete follows), but its
    change still moves the stream on: an empty ``Event`` text keeps its id.
    """
    statement = (
        select(MessageChange.id, MessageChange.kind, MessageChange.message_id, Message)
        .outerjoin(Message, Message.id == MessageChange.message_id)
        .where(MessageChange.id > last_id)
        .order_by(MessageChange.id)
        .limit(limit)
    )
    events = []
    for change_id, kind, message_id, message in db.session.execute(statement):
        if kind == "delete":
            text = format_event(change_id, "delete", {"id": message_id})
        elif message is not None:
            text = format_event(change_id, "message", message.as_event_data())
        else:
            text = ""
        events.append(Event(change_id, text))
    return events


def newest_change_id() -> int:
    """The id of the newest change, or 0 when nothing has happened yet."""
    return db.session.scalar(select(func.max(MessageChange.id))) or 0
