"""The one form of the todo app: a title and an optional due date."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import Field
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from .models import TITLE_MAX_LENGTH


def strip_whitespace(value: str | None) -> str | None:
    """Trim the title, so "  milk " is stored as "milk" and "   " counts as empty."""
    return value.strip() if isinstance(value, str) else value


def single_line_text(form: FlaskForm, field: Field) -> None:
    """Refuse control characters (PostgreSQL cannot even store a NUL byte)."""
    if any(unicodedata.category(character) == "Cc" for character in field.data or ""):
        raise ValidationError("A title is one line of plain text.")


class TodoForm(FlaskForm):
    """Add or edit a todo."""

    title = StringField(
        "What needs doing?",
        filters=[strip_whitespace],
        validators=[
            DataRequired("Write what needs doing."),
            Length(max=TITLE_MAX_LENGTH, message="Keep it to 200 characters or fewer."),
            single_line_text,
        ],
    )
    due = DateField("Due", validators=[Optional()])
