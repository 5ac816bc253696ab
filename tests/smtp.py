"""A real SMTP server on localhost (aiosmtpd) for tests that read what Feedhub mails."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword


@dataclass
class Inbox:
    """What the local SMTP server received."""

    port: int
    envelopes: list[Envelope] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd hook
        self.envelopes.append(envelope)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        # handled=False: let aiosmtpd answer 535 itself (True would leave the client waiting).
        return AuthResult(success=auth_data.password == b"s3cret:pw", handled=False)

    def messages(self) -> list[EmailMessage]:
        """The received messages, parsed."""
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]  # type: ignore[misc]


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_inbox(*, with_auth: bool = False) -> Iterator[Inbox]:
    """An SMTP server on 127.0.0.1 while the block runs; `with_auth` accepts AUTH without TLS (localhost only)."""
    inbox = Inbox(free_port())
    auth: dict[str, Any] = {"authenticator": inbox.authenticate, "auth_require_tls": False} if with_auth else {}
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **auth)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
