"""`Idempotency-Key` on API writes: the ASGI layer around the app that replays a repeated write's answer.

It sits outside the routes because it must see the whole answer; the rules (scope, fingerprint,
busy, reused, expiry) are the service's, in accounts.idempotency. A key is scoped to the credential
that sent it (a hash of the bearer token or session cookie), so nobody can read another's answers.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts.errors import AccountsError
from accounts.idempotency import MAX_KEY_LENGTH, StoredAnswer, claim_key, complete_key, release_key
from feedhub.web.caller import SESSION_COOKIE
from feedhub.web.errors import code_of, error_response

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY_BYTES = 1024 * 1024
HEADER = "idempotency-key"


class IdempotencyMiddleware:
    """Replays the stored answer of a write repeated with the same key, under `/api/`."""

    def __init__(self, app: ASGIApp, *, sessions: Any) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])} \
            if scope["type"] == "http" else {}
        key = headers.get(HEADER)
        if key is None or scope["method"] not in WRITE_METHODS or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            await error_response(400, "invalid_idempotency_key", f"an Idempotency-Key has 1 to {MAX_KEY_LENGTH}"
                                 " characters")(scope, receive, send)
            return
        body = await _read_body(receive)
        owner, fingerprint = _scope_of(headers, scope), _fingerprint(scope, body)
        try:
            stored = await run_in_threadpool(self._claim, owner, key, fingerprint)
        except AccountsError as exc:
            status = 409 if exc.transient else 422
            await error_response(status, code_of(exc), exc.message)(scope, receive, send)
            return
        if stored is not None:
            await _replay(stored, send)
            return
        answer = await self._run(scope, body, send)
        await run_in_threadpool(self._settle, owner, key, answer)

    # The database work runs in the thread pool: on the event loop a wait for SQLite's write lock would
    # stop every request, the one holding the lock included.
    def _claim(self, owner: str, key: str, fingerprint: str) -> StoredAnswer | None:
        with self.sessions.begin() as session:
            return claim_key(session, scope=owner, key=key, fingerprint=fingerprint)

    def _settle(self, owner: str, key: str, answer: StoredAnswer) -> None:
        """Keep the answer for repeats, or free the key after a server error so a retry can run."""
        with self.sessions.begin() as session:
            if answer.status < 500:
                complete_key(session, scope=owner, key=key, answer=answer)
            else:
                release_key(session, scope=owner, key=key)

    async def _run(self, scope: Scope, body: bytes, send: Send) -> StoredAnswer:
        """Run the request with its buffered body; pass the answer on and keep a copy."""
        sent_body = False
        status, content_type, chunks = 500, "", []

        async def replay_body() -> Message:
            nonlocal sent_body
            if sent_body:
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def keep(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                found = dict(message.get("headers", []))
                content_type = found.get(b"content-type", b"").decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, replay_body, keep)
        return StoredAnswer(status, content_type, b"".join(chunks))


async def _read_body(receive: Receive) -> bytes:
    parts, size = [], 0
    while True:
        message = await receive()
        part = message.get("body", b"")
        size += len(part)
        if size <= MAX_BODY_BYTES:
            parts.append(part)
        if not message.get("more_body"):
            return b"".join(parts)


def _scope_of(headers: dict[str, str], scope: Scope) -> str:
    """Whose key this is: the credential that sent it (or, without one, the client address)."""
    cookies = headers.get("cookie", "")
    session = next((c.split("=", 1)[1] for c in cookies.split("; ") if c.startswith(SESSION_COOKIE + "=")), "")
    credential = headers.get("authorization") or session or f"anonymous {(scope.get('client') or ('',))[0]}"
    return hashlib.sha256(credential.encode()).hexdigest()


def _fingerprint(scope: Scope, body: bytes) -> str:
    request = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode('latin-1')}\n".encode()
    return hashlib.sha256(request + body).hexdigest()


async def _replay(answer: StoredAnswer, send: Send) -> None:
    headers = [(b"content-length", str(len(answer.body)).encode()), (b"idempotency-replayed", b"true")]
    if answer.content_type:
        headers.append((b"content-type", answer.content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
