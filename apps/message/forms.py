"""The one form of the message board: the text of a new message."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from .models import CONTENT_MAX_LENGTH

ALLOWED_CONTROL_CHARACTERS = frozenset("\n\t")


def normalize_text(value: str | None) -> str | None:
    """Browsers send line breaks as CRLF: count each as one character, and trim the ends."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def plain_text(form: FlaskForm, field: Field) -> None:
    """Refuse control characters other than line breaks and tabs (PostgreSQL refuses NUL)."""
    for character in field.data or "":
        if character in ALLOWED_CONTROL_CHARACTERS:
            continue
        if unicodedata.category(character) == "Cc":
            raise ValidationError("Plain text only: line breaks are fine, control codes are not.")


class MessageForm(FlaskForm):
    """Post a message to the board."""

    content = TextAreaField(
        "Your message",
        filters=[normalize_text],
        validators=[
            DataRequired("Write something first."),
            Length(
                max=CONTENT_MAX_LENGTH,
                message=f"Keep it to {CONTENT_MAX_LENGTH} characters or fewer.",
            ),
            plain_text,
        ],
    )
