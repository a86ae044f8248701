"""The board's read side: one page of messages, searched, with where the stream starts."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy import Connection
from sqlalchemy import Row
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true

from apps.common.db import MAX_ROW_ID
from apps.common.db import read_only_connection

from .models import Message
from .models import MessageChange
from .models import db

PAGE_SIZE = 20
# No page past this one can hold a message: ids stop at MAX_ROW_ID.
LAST_POSSIBLE_PAGE = MAX_ROW_ID // PAGE_SIZE + 1
SEARCH_MAX_WORDS = 10


@dataclass(frozen=True)
class MessagePage:
    """One page of the board: its messages, where it sits, and the newest change so far."""

    # Plain tuples (id, author_id, author_name, content, created_at): a page has
    # nothing to change.
    messages: list[tuple]
    number: int
    total_pages: int
    total: int
    # The live stream starts after this change: nothing posted or deleted since the
    # count was taken is lost, and nothing counted is sent again.
    newest_change_id: int


@dataclass(frozen=True)
class BoardStatements:
    """How one board (every message, or a search's) is read."""

    # A window of the newest messages, each row ending with the count and the newest
    # change id.
    page: Select
    # The count and the newest change id alone, for a window past the last page.
    count: Select


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

    Usually one statement: the page's messages, each carrying the count and the newest
    change id, all from one snapshot, so the page, its count and its stream agree. A
    number past the last page finds no row to carry them: then the count, and the page
    it clamps the number to.
    """
    statements = board_statements(query)
    number = max(number, 1)
    with read_only_connection(db) as connection:
        rows = read_window(connection, statements.page, number)
        if not rows:
            total, newest_change_id = connection.execute(statements.count).one()
            number = min(number, page_count(total))
            rows = read_window(connection, statements.page, number) if total else []
        if rows:
            # The rows' own count, from the snapshot that read them.
            total, newest_change_id = rows[0][-2:]
    messages = [row[:-2] for row in rows]
    return MessagePage(messages, number, page_count(total), total, newest_change_id)


def page_count(total: int) -> int:
    """How many pages ``total`` messages fill; an empty board is one (empty) page."""
    return max(1, math.ceil(total / PAGE_SIZE))


def read_window(connection: Connection, page: Select, number: int) -> list[Row]:
    """The rows of page ``number``; none past any page there could be."""
    if number > LAST_POSSIBLE_PAGE:
        return []
    window = {"offset": (number - 1) * PAGE_SIZE, "limit": PAGE_SIZE}
    return connection.execute(page, window).all()


def board_statements(query: str) -> BoardStatements:
    """The statements that read the board for ``query``; the unsearched board's are kept."""
    if not query:
        return unsearched_board_statements()
    return statements_where(search_condition(query))


@functools.cache
def unsearched_board_statements() -> BoardStatements:
    """The statements of the board everyone reads, built once per process.

    Building them cost more than running them; and the same statement object each
    time (the page's window goes in as parameters) spares SQLAlchemy from matching a
    new statement's columns to its cached compilation.
    """
    return statements_where(true())


def statements_where(condition: ColumnElement[bool]) -> BoardStatements:
    """The statements for the messages that meet ``condition``, newest first."""
    newest_change = select(func.coalesce(func.max(MessageChange.id), 0)).scalar_subquery()
    # Counts every message that meets the condition, not only the row it sits on.
    total = select(func.count()).select_from(Message).where(condition).correlate(None)
    page = (
        select(
            Message.id,
            Message.author_id,
            Message.author_name,
            Message.content,
            Message.created_at,
            total.scalar_subquery(),
            newest_change,
        )
        .where(condition)
        .order_by(Message.id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return BoardStatements(page=page, count=select(total.scalar_subquery(), newest_change))
