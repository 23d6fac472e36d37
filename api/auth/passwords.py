"""Staff passwords: argon2id hashes; unknown users cost the same time as wrong passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")

MIN_PASSWORD_LENGTH = 10


def _secret(password: str) -> bytes:
    """The password's bytes. A password is never shown, so any text is one, even a lone
    surrogate that UTF-8 cannot encode (surrogatepass); valid text gives the plain UTF-8 that
    argon2 would use, so existing hashes still verify."""
    return password.encode("utf-8", "surrogatepass")


def hash_password(password: str) -> str:
    return _hasher.hash(_secret(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Checks against a dummy hash when there is no user, so both failures take as long."""
    try:
        return (
            _hasher.verify(password_hash or _DUMMY_HASH, _secret(password))
            and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
