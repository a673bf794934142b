"""Password hashes: argon2id (memory-hard) through argon2-cffi, with its maintained defaults."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(hash_: str, password: str) -> bool:
    try:
        return _hasher.verify(hash_, password)
    except (VerificationError, InvalidHashError):
        return False


def check_strength(password: str) -> str | None:
    """Why the password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if password.strip() != password or not password.strip():
        return "a password cannot begin or end with spaces"
    return None


@cache
def dummy_hash() -> str:
    """A hash to verify against when the user does not exist: the answer takes as long either way."""
    return hash_password("not a password of anyone")
