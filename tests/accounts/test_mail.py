"""Mail delivery against a real SMTP server on localhost (aiosmtpd), and the .eml outbox."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from accounts import Level, OutboxMailer, Shop, SmtpMailer, User, accept_invitation, invite_member, make_mailer
from accounts.access import level_in
from accounts.errors import MailError
from accounts.mail import compose
from tests.accounts.conftest import BASE_URL, UserFactory, link_token
from tests.smtp import Inbox, free_port, running_inbox

SENDER = "Feedhub <noreply@feedhub.test>"


@pytest.fixture
def smtp_server() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that accepts AUTH without TLS (only ever on localhost)."""
    with running_inbox(with_auth=True) as inbox:
        yield inbox


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
