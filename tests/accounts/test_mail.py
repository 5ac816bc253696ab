"""Mail delivery against a real SMTP server on localhost (aiosmtpd), and the .eml outbox."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from sqlalchemy.orm import Session

from accounts import Level, OutboxMailer, Shop, SmtpMailer, User, accept_invitation, invite_member, make_mailer
from accounts.access import level_in
from accounts.errors import MailError
from accounts.mail import compose
from tests.accounts.conftest import BASE_URL, UserFactory, link_token

SENDER = "Feedhub <noreply@feedhub.test>"


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


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that accepts AUTH without TLS (only ever on localhost)."""
    inbox = Inbox(free_port())
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield inbox
    controller.stop()


def test_smtp_delivers_with_sender_and_headers(smtp_server: Inbox) -> None:
    SmtpMailer(f"smtp://127.0.0.1:{smtp_server.port}", SENDER).send(
        compose(to="ann@example.com", subject="Hello", body="Příliš žluťoučký kůň\n")
    )
    (envelope,) = smtp_server.envelopes
    assert (envelope.mail_from, envelope.rcpt_tos) == ("noreply@feedhub.test", ["ann@example.com"])
    (message,) = smtp_server.messages()
    assert (message["From"], message["Subject"]) == (SENDER, "Hello")
    assert message["Message-ID"] and message["Date"]
    assert message.get_content().rstrip() == "Příliš žluťoučký kůň"  # SMTP turns line ends into CRLF


def test_smtp_logs_in_with_percent_decoded_credentials(smtp_server: Inbox) -> None:
    SmtpMailer(f"smtp://mailer%40feedhub:s3cret%3Apw@127.0.0.1:{smtp_server.port}", SENDER).send(
        compose(to="ann@example.com", subject="Hi", body="x")
    )
    assert smtp_server.logins == [(b"mailer@feedhub", b"s3cret:pw")]
    assert len(smtp_server.envelopes) == 1


def test_smtp_refused_login_is_a_transient_mail_error(smtp_server: Inbox) -> None:
    mailer = SmtpMailer(f"smtp://mailer:wrong@127.0.0.1:{smtp_server.port}", SENDER)
    with pytest.raises(MailError) as failed:
        mailer.send(compose(to="ann@example.com", subject="Hi", body="x"))
    assert failed.value.transient and failed.value.recipient == "ann@example.com"
    assert smtp_server.envelopes == []


def test_unreachable_server_is_a_mail_error() -> None:
    with pytest.raises(MailError, match="ConnectionRefusedError"):
        SmtpMailer(f"smtp://127.0.0.1:{free_port()}", SENDER, timeout_s=2).send(
            compose(to="ann@example.com", subject="Hi", body="x")
        )


@pytest.mark.parametrize(
    ("url", "scheme", "port"),
    [
        ("smtp://mail.test", "smtp", 25),
        ("smtp+starttls://u:p@mail.test", "smtp+starttls", 587),
        ("smtps://mail.test", "smtps", 465),
        ("smtps://mail.test:2465", "smtps", 2465),
    ],
)
def test_smtp_url_forms(url: str, scheme: str, port: int) -> None:
    mailer = SmtpMailer(url, SENDER)
    assert (mailer.scheme, mailer.host, mailer.port) == (scheme, "mail.test", port)


@pytest.mark.parametrize("url", ["http://mail.test", "smtp://", "mail.test:25"])
def test_bad_smtp_urls(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported SMTP URL"):
        SmtpMailer(url, SENDER)


def test_outbox_writes_one_eml_per_message(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    mailer = OutboxMailer(outbox, SENDER)
    mailer.send(compose(to="ann@example.com", subject="One", body="first\n"))
    mailer.send(compose(to="bob@example.com", subject="Two", body="second\n"))
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no leftover temporary files
    parsed = [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted((m["To"], m["Subject"], m["From"]) for m in parsed) == [
        ("ann@example.com", "One", SENDER),
        ("bob@example.com", "Two", SENDER),
    ]


def test_make_mailer_chooses_by_setting(tmp_path: Path) -> None:
    assert isinstance(make_mailer(smtp_url=None, outbox_dir=tmp_path, sender=SENDER), OutboxMailer)
    assert isinstance(make_mailer(smtp_url="smtp://mail.test", outbox_dir=tmp_path, sender=SENDER), SmtpMailer)


def test_invitation_over_smtp_end_to_end(
    session: Session, owner: User, shop: Shop, make_user: UserFactory, smtp_server: Inbox
) -> None:
    invitee = make_user("ivan@example.com")
    mailer = SmtpMailer(f"smtp://127.0.0.1:{smtp_server.port}", SENDER)
    invite_member(session, owner, shop.id, email="ivan@example.com", level=Level.READ, mailer=mailer, base_url=BASE_URL)
    (message,) = smtp_server.messages()
    assert message["To"] == "ivan@example.com"
    accept_invitation(session, invitee, link_token(message, "invitations"))
    assert level_in(session, invitee, shop) is Level.READ
