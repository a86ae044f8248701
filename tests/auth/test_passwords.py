"""Hashing, and the list of common passwords shipped as package data."""

import pytest

from apps.auth.passwords import common_passwords
from apps.auth.passwords import hash_password
from apps.auth.passwords import is_common_password
from apps.auth.passwords import password_matches
from apps.auth.passwords import unknown_user_check


def test_the_list_has_thousands_of_lowercase_passwords_of_eight_characters_or_more():
    passwords = common_passwords()
    assert len(passwords) >= 3000
    assert all(password == password.lower() and len(password) >= 8 for password in passwords)
    assert "password" in passwords
    assert "12345678" in passwords


@pytest.mark.parametrize("password", ["password", "PassWord", "QWERTYUIOP", "iloveyou"])
def test_common_passwords_are_recognised_in_any_case(password):
    assert is_common_password(password)


@pytest.mark.parametrize("password", ["correct horse battery", "ünïcödé 密码 🔑"])
def test_uncommon_passwords_pass(password):
    assert not is_common_password(password)


def test_hashes_are_salted_scrypt():
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first.startswith("scrypt:")
    assert first != second
    assert password_matches(first, "correct horse battery")
    assert not password_matches(first, "correct horse batter")


def test_checking_an_unknown_user_runs_without_error():
    assert unknown_user_check("anything") is None
