"""JWT access tokens: 15 minutes, HS256 only, audience-bound, versioned for mass revocation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from domain import clock

ACCESS_TTL = timedelta(minutes=15)
ALGORITHM = "HS256"
SHOP = "shop"
ADMIN = "admin"


@dataclass(frozen=True)
class AccessClaims:
    subject_id: int
    audience: str
    version: int
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedAccess:
    token: str
    expires_at: datetime


class InvalidToken(Exception):
    """Expired, forged, wrong audience or algorithm: the caller is simply not authenticated."""


class TokenService:
    def __init__(self, secret: str, issuer: str):
        self._secret = secret
        self._issuer = issuer

    def issue(self, audience: str, subject_id: int, version: int) -> IssuedAccess:
        issued_at = clock.now()
        expires_at = issued_at + ACCESS_TTL
        claims = {
            "sub": str(subject_id),
            "aud": audience,
            "iss": self._issuer,
            "iat": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
            "jti": secrets.token_hex(16),
            "ver": version,
        }
        return IssuedAccess(jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires_at)

    def verify(self, token: str, audience: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self._issuer,
                options={
                    "require": ["sub", "aud", "iss", "iat", "exp", "jti", "ver"],
                    # Time is checked below against the business clock, which jobs and tests move.
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
            now = clock.now()
            expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=now.tzinfo)
            issued_at = datetime.fromtimestamp(int(claims["iat"]), tz=now.tzinfo)
            if expires_at <= now or issued_at > now + timedelta(seconds=30):
                raise InvalidToken
            return AccessClaims(
                subject_id=int(claims["sub"]),
                audience=audience,
                version=int(claims["ver"]),
                jti=str(claims["jti"]),
                expires_at=expires_at,
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise InvalidToken from None
