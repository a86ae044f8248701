"""The one form of the message board: the text of a new message."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from apps.common.forms import no_control_characters
from apps.common.i18n import lazy_gettext as _l

from .models import CONTENT_MAX_LENGTH


def normalize_text(value: str | None) -> str | None:
    """Browsers send line breaks as CRLF: count each as one character, and trim the ends."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class MessageForm(FlaskForm):
    """Post a message to the board."""

    content = TextAreaField(
        _l("Your message"),
        filters=[normalize_text],
        validators=[
            DataRequired(_l("Write something first.")),
            Length(
                max=CONTENT_MAX_LENGTH,
                message=_l("Keep it to %(max)d characters or fewer."),
            ),
            no_control_characters(
                _l("Plain text only: line breaks are fine, control codes are not."), allowed="\n\t"
            ),
        ],
    )
