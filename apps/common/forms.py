"""Small pieces every app's forms use: trimming input, and refusing control characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import ValidationError


def strip_whitespace(value: str | None) -> str | None:
    """A filter: trim the ends, so "  milk " is "milk" and "   " counts as empty."""
    return value.strip() if isinstance(value, str) else value


def no_control_characters(message: str, allowed: str = "") -> Callable[[FlaskForm, Field], None]:
    """A validator refusing control characters other than ``allowed``.

    They are never meant as text, and PostgreSQL cannot even store a NUL byte: without
    this check such input would be a 500 there instead of a form error.
    """

    def validate(form: FlaskForm, field: Field) -> None:
        for character in field.data or "":
            if character not in allowed and unicodedata.category(character) == "Cc":
                raise ValidationError(message)

    return validate
