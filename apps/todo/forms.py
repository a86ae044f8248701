"""The one form of the todo app: a title and an optional due date."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from apps.common.forms import no_control_characters
from apps.common.forms import strip_whitespace

from .models import TITLE_MAX_LENGTH


class TodoForm(FlaskForm):
    """Add or edit a todo."""

    title = StringField(
        "What needs doing?",
        filters=[strip_whitespace],
        validators=[
            DataRequired("Write what needs doing."),
            Length(max=TITLE_MAX_LENGTH, message="Keep it to 200 characters or fewer."),
            no_control_characters("A title is one line of plain text."),
        ],
    )
    due = DateField("Due", validators=[Optional()])
