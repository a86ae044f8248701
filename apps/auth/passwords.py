"""Password hashing with Werkzeug's default (scrypt), and the list of common passwords."""

from __future__ import annotations

import functools
from importlib import resources

from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

COMMON_PASSWORDS_FILE = "common-passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the commonest passwords, read once per process."""
    text = resources.files(__package__).joinpath("data", COMMON_PASSWORDS_FILE).read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def is_common_password(password: str) -> bool:
    """Whether ``password`` is on the list, whatever its case."""
    return password.lower() in common_passwords()


def hash_password(password: str) -> str:
    """A salted scrypt hash of the whole password (nothing is truncated)."""
    return generate_password_hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from."""
    return check_password_hash(password_hash, password)


@functools.cache
def dummy_password_hash() -> str:
    """A hash no password is checked against for real, made on first use."""
    return generate_password_hash("a password nobody has")


def unknown_user_check(password: str) -> None:
    """Spend as long as a real check, so timing does not tell which usernames exist."""
    check_password_hash(dummy_password_hash(), password)
