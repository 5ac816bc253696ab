"""Tokens sent in emails."""

from __future__ import annotations

from accounts.tokens import hash_token, new_token


def test_tokens_are_unique_never_start_with_a_dash_and_only_the_hash_is_kept() -> None:
    pairs = [new_token() for _ in range(2000)]  # about 30 would start with "-" if nothing prevented it
    assert len({token for token, _ in pairs}) == len(pairs)
    assert not [token for token, _ in pairs if token.startswith("-")]
    assert all(digest == hash_token(token) and token not in digest for token, digest in pairs)
    assert all(len(token) >= 43 for token, _ in pairs)  # 32 random bytes, base64url
