"""The board's read side: one page of messages, searched, with where the stream starts."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy import Row
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import bindparam
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

    # Read-only rows (id, author_id, author_name, content, created_at): a page has
    # nothing to change.
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
    count, newest_first = board_statements(query)
    with read_only_connection(db) as connection:
        total, newest_change_id = connection.execute(count).one()
        total_pages = max(1, math.ceil(total / PAGE_SIZE))
        number = min(max(number, 1), total_pages)
        window = {"offset": (number - 1) * PAGE_SIZE, "limit": PAGE_SIZE}
        messages = list(connection.execute(newest_first, window))
    return MessagePage(messages, number, total_pages, total, newest_change_id)


def board_statements(query: str) -> tuple[Select, Select]:
    """The count and the newest-first list for ``query``; the unsearched board's are kept."""
    if not query:
        return unsearched_board_statements()
    return statements_where(search_condition(query))


@functools.cache
def unsearched_board_statements() -> tuple[Select, Select]:
    """The statements of the board everyone reads, built once per process.

    Building them cost more than running them; and the same statement object each
    time (the page's window goes in as parameters) spares SQLAlchemy from matching a
    new statement's columns to its cached compilation.
    """
    return statements_where(true())


def statements_where(condition: ColumnElement[bool]) -> tuple[Select, Select]:
    """The count (with the newest change id) and the newest-first list of messages."""
    newest_change = select(func.coalesce(func.max(MessageChange.id), 0)).scalar_subquery()
    count = select(func.count(), newest_change).select_from(Message).where(condition)
    newest_first = (
        select(
            Message.id, Message.author_id, Message.author_name, Message.content, Message.created_at
        )
        .where(condition)
        .order_by(Message.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return count, newest_first
