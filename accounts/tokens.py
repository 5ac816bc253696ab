"""Random tokens for links in emails. Only the hash is stored: a leaked database grants nothing.

The tokens carry 256 bits of entropy, so a plain SHA-256 is enough (no salt or slow hash needed:
guessing is hopeless without a dictionary to attack).
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_token() -> tuple[str, str]:
    """A fresh (token, hash): send the token, store the hash.

    Never starts with "-": pasted into a command line (`feedhub invite accept TOKEN`) it would read
    as an option.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    while token.startswith("-"):
        token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()
