"""The board's read side: one page of messages, searched, with where the stream starts."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy import Row
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true

from apps.common.db import read_only_connection

from .models import Message
from .models import MessageChange
from .models import db

PAGE_SIZE = 20
SEARCH_MAX_WORDS = 10


@dataclass(frozen=True)
class MessagePage:
    """One page of the board: its messages, where it sits, and the newest change so far."""

    # Read-only rows with the columns of Message: a page has nothing to change.
    messages: list[Row]
    number: int
    total_pages: int
    total: int
    # The live stream starts after this change: nothing posted or deleted since the
    # count was taken is lost, and nothing counted is sent again.
    newest_change_id: int


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
    """Page ``number`` (clamped to the pages there are) of the newest messages for ``query``.

    Two statements: the count and the newest change id in one (the same snapshot, so
    the page's count and its stream agree), then the page itself, as plain rows.
    """
    condition = search_condition(query)
    newest_change = select(func.coalesce(func.max(MessageChange.id), 0)).scalar_subquery()
    count = select(func.count(), newest_change).select_from(Message).where(condition)
    with read_only_connection(db) as connection:
        total, newest_change_id = connection.execute(count).one()
        total_pages = max(1, math.ceil(total / PAGE_SIZE))
        number = min(max(number, 1), total_pages)
        statement = (
            select(*Message.__table__.columns)
            .where(condition)
            .order_by(Message.id.desc())
            .offset((number - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
        messages = list(connection.execute(statement))
    return MessagePage(messages, number, total_pages, total, newest_change_id)
