"""The todo model and the small queries the views (and the dispatcher) need."""

from __future__ import annotations

import functools
from datetime import date
from datetime import datetime
from typing import Any
from typing import ClassVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Row
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from apps.common.db import UTCDateTime
from apps.common.db import read_only_connection
from apps.common.db import utc_now

TITLE_MAX_LENGTH = 200
FILTERS = ("all", "open", "done")


class Base(DeclarativeBase):
    """The todo app's own metadata: ``create_all`` here makes only todo's tables."""


db = SQLAlchemy(model_class=Base)


def utc_today() -> date:
    """Today's date in UTC: what "overdue" is measured against."""
    return utc_now().date()


class Todo(db.Model):
    """One thing a user wants to get done."""

    # Never reuse a deleted row's id on SQLite: an old tab must not act on a newer todo.
    __table_args__: ClassVar[dict[str, Any]] = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the users live in the auth app's database.
    user_id: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    due: Mapped[date | None]
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def toggle(self) -> None:
        """Flip between done and open, remembering when it was completed."""
        self.done = not self.done
        self.completed_at = utc_now() if self.done else None

    def is_overdue(self, today: date) -> bool:
        """Whether it is still open although its due date has passed."""
        return not self.done and self.due is not None and self.due < today


@functools.cache
def list_query(show: str) -> Select:
    """The list's statement for the filter ``show``, built once per process."""
    table = Todo.__table__
    query = select(table.c.id, table.c.title, table.c.due, table.c.done)
    query = query.where(table.c.user_id == bindparam("user_id"))
    if show in ("open", "done"):
        query = query.where(table.c.done == (show == "done"))
    return query.order_by(table.c.done, table.c.created_at.desc(), table.c.id.desc())


def user_todos(user_id: int, show: str = "all") -> list[Row]:
    """The user's todos for the filter ``show``: open ones first, newest first.

    Read-only rows (``id``, ``title``, ``due``, ``done``), not ORM objects: a list
    page has nothing to change, so it skips building and tracking 20 objects.
    """
    with read_only_connection(db) as connection:
        return connection.execute(list_query(show), {"user_id": user_id}).all()


COUNT_BY_STATE = (
    select(Todo.__table__.c.done, func.count())
    .where(Todo.__table__.c.user_id == bindparam("user_id"))
    .group_by(Todo.__table__.c.done)
)


def count_by_state(user_id: int) -> dict[str, int]:
    """How many of the user's todos are open and done, and all of them."""
    with read_only_connection(db) as connection:
        by_done = dict(connection.execute(COUNT_BY_STATE, {"user_id": user_id}).all())
    return state_counts(by_done.get(False, 0), by_done.get(True, 0))


def count_rows_by_state(todos: list[Row]) -> dict[str, int]:
    """``count_by_state`` for a list that holds every todo of the user, without a query."""
    done = sum(1 for todo in todos if todo.done)
    return state_counts(len(todos) - done, done)


def state_counts(open_count: int, done_count: int) -> dict[str, int]:
    """The counts the list page shows: open, done, and all."""
    return {"all": open_count + done_count, "open": open_count, "done": done_count}


def delete_done_todos(user_id: int) -> int:
    """Delete the user's done todos without committing; returns how many."""
    result = db.session.execute(delete(Todo).filter_by(user_id=user_id, done=True))
    return result.rowcount


def count_todos() -> int:
    """How many todos exist, for every user (needs todo's app context)."""
    return db.session.scalar(select(func.count()).select_from(Todo)) or 0


def delete_user_todos(user_id: int) -> int:
    """Delete a user's todos without committing; returns how many (todo's context).

    The caller commits, once every app has deleted its part of the account.
    """
    result = db.session.execute(delete(Todo).filter_by(user_id=user_id))
    return result.rowcount
