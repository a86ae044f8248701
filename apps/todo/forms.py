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
from apps.common.i18n import lazy_gettext as _l

from .models import TITLE_MAX_LENGTH


class TodoForm(FlaskForm):
    """Add or edit a todo."""

    title = StringField(
        _l("What needs doing?"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(_l("Write what needs doing.")),
            Length(max=TITLE_MAX_LENGTH, message=_l("Keep it to 200 characters or fewer.")),
            no_control_characters(_l("A title is one line of plain text.")),
        ],
    )
    due = DateField(_l("Due"), validators=[Optional()])
