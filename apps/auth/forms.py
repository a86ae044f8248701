"""The auth app's forms: register, log in, change the password, delete the account."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import EqualTo
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from apps.common.forms import no_control_characters
from apps.common.forms import strip_whitespace
from apps.common.i18n import lazy_gettext as _l

from .models import USERNAME_MAX_LENGTH
from .passwords import is_common_password

# ASCII only: look-alike letters from other scripts would make names that differ
# by one invisible detail.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{3,32}")
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 256


def valid_username(form: FlaskForm, field: Field) -> None:
    """3 to 32 letters, digits, ``_``, ``-`` or ``.``."""
    username = field.data or ""
    if USERNAME_PATTERN.fullmatch(username):
        return
    if not 3 <= len(username) <= USERNAME_MAX_LENGTH:
        raise ValidationError(_l("Use 3 to 32 characters."))
    raise ValidationError(_l("Use only letters a to z, digits, “_”, “-” or “.”."))


def not_common_password(form: FlaskForm, field: Field) -> None:
    """Refuse the passwords attackers try first."""
    if is_common_password(field.data or ""):
        raise ValidationError(_l("This password is one of the most common ones. Choose another."))


def new_password_field(label: str) -> PasswordField:
    """A field for choosing a password: long enough, not too long, not common."""
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(min=PASSWORD_MIN_LENGTH, message=_l("Use at least 8 characters.")),
            Length(max=PASSWORD_MAX_LENGTH, message=_l("Use at most 256 characters.")),
            not_common_password,
        ],
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX_LENGTH},
    )


def current_password_field(label: str) -> PasswordField:
    """A field for the password the user already has."""
    return PasswordField(
        label,
        validators=[InputRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class RegisterForm(FlaskForm):
    """Create an account."""

    username = StringField(
        _l("Username"),
        filters=[strip_whitespace],
        validators=[DataRequired(_l("Choose a username.")), valid_username],
        render_kw={"autocomplete": "username", "maxlength": USERNAME_MAX_LENGTH},
    )
    password = new_password_field(_l("Password"))
    confirm = PasswordField(
        _l("Confirm password"),
        validators=[EqualTo("password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    next = HiddenField()


class LoginForm(FlaskForm):
    """Log in; ``next`` says where to go afterwards."""

    username = StringField(
        _l("Username"),
        filters=[strip_whitespace],
        validators=[
            DataRequired(_l("Enter your username.")),
            Length(max=USERNAME_MAX_LENGTH, message=_l("Usernames have at most 32 characters.")),
            no_control_characters(_l("Usernames are letters, digits, “_”, “-” and “.”.")),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = current_password_field(_l("Password"))
    next = HiddenField()


class PasswordForm(FlaskForm):
    """Change the password; the current one proves it is really the user."""

    current = current_password_field(_l("Current password"))
    new = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Confirm new password"),
        validators=[EqualTo("new", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class DeleteForm(FlaskForm):
    """Delete the account; the password confirms it."""

    password = current_password_field(_l("Your password"))
