"""Count the SQL statements a piece of work sends, through SQLAlchemy's events.

A count is stable where a time is not, so the suite can hold pages to a number of
statements. Transaction control (``BEGIN``, ``COMMIT``, ``ROLLBACK``, savepoints) is
not counted: psycopg sends PostgreSQL's ``BEGIN`` itself, unseen by SQLAlchemy, while
the project sends SQLite's, so counting them would give each database another number.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import event

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_transaction_control(statement: str) -> bool:
    """Whether ``statement`` only starts or ends a transaction."""
    return statement.lstrip().upper().startswith(TRANSACTION_CONTROL)


def counting_statements() -> AbstractContextManager[list[str]]:
    """Collect every statement any engine executes inside the ``with`` block."""
    return collecting(lambda statement: not is_transaction_control(statement))


def collecting_begins() -> AbstractContextManager[list[str]]:
    """Collect the ``BEGIN`` statements (SQLite's; psycopg's are unseen) inside the block."""
    return collecting(lambda statement: statement.lstrip().upper().startswith("BEGIN"))


@contextmanager
def collecting(keep: Callable[[str], bool]) -> Iterator[list[str]]:
    """Collect the statements any engine executes inside the block that ``keep`` accepts."""
    statements: list[str] = []

    def note(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if keep(statement):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", note)
