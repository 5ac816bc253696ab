"""Sending email: through SMTP when a server is configured, otherwise into an outbox folder.

`FEEDHUB_SMTP_URL` forms (the shell reads the setting and passes plain values here):

    smtp://host:25                    plain SMTP (a local relay)
    smtp+starttls://user:pass@host    STARTTLS upgrade, default port 587
    smtps://user:pass@host            TLS from the first byte, default port 465

User and password are percent-decoded, so `@` or `:` in a password can be written as %40 / %3A.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from accounts.errors import MailError

SMTP_TIMEOUT_S = 30.0
_DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class Mailer(Protocol):
    """Anything that can deliver a message; services receive one and never build their own."""

    sender: str

    def send(self, message: EmailMessage) -> None:
        """Deliver `message`; From, Date and Message-ID are filled in when missing."""


def compose(*, to: str, subject: str, body: str, language: str | None = None) -> EmailMessage:
    """A plain-text message without a sender (the mailer adds it), saying which language it is in."""
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if language:  # after set_content, which replaces every Content-* header
        message["Content-Language"] = language
    return message


def _stamp(message: EmailMessage, sender: str) -> EmailMessage:
    if "From" not in message:
        message["From"] = sender
    if "Date" not in message:
        message["Date"] = formatdate(localtime=False)
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain="feedhub")
    return message


class SmtpMailer:
    """Delivers through an SMTP server given as a URL (see the module docstring)."""

    def __init__(self, smtp_url: str, sender: str, *, timeout_s: float = SMTP_TIMEOUT_S) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"unsupported SMTP URL {smtp_url!r}; use smtp://, smtp+starttls:// or smtps://")
        self.sender = sender
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or _DEFAULT_PORTS[parts.scheme]
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout_s = timeout_s

    def send(self, message: EmailMessage) -> None:
        """Open a connection, send one message, close; errors become MailError (transient)."""
        _stamp(message, self.sender)
        try:
            with self._connect() as smtp:
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(str(message["To"]), f"{type(exc).__name__}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        if self.scheme == "smtps":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
        if self.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp


class OutboxMailer:
    """Writes each message as an .eml file: the default when no SMTP server is configured."""

    def __init__(self, outbox_dir: Path, sender: str) -> None:
        self.outbox_dir = outbox_dir
        self.sender = sender

    def send(self, message: EmailMessage) -> None:
        """Write atomically (temporary name, then rename) so readers never see half a message."""
        _stamp(message, self.sender)
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}.eml"
        partial = self.outbox_dir / f".{name}.part"
        partial.write_bytes(message.as_bytes())
        partial.replace(self.outbox_dir / name)


class MemoryMailer:
    """Keeps messages in a list: for dry runs and for code that wants to inspect what it sent."""

    def __init__(self, sender: str = "Feedhub <feedhub@localhost>") -> None:
        self.sender = sender
        self.messages: list[EmailMessage] = []

    def send(self, message: EmailMessage) -> None:
        """Record the stamped message."""
        self.messages.append(_stamp(message, self.sender))


def make_mailer(*, smtp_url: str | None, outbox_dir: Path, sender: str) -> Mailer:
    """SMTP when `smtp_url` is set, else the outbox folder."""
    if smtp_url:
        return SmtpMailer(smtp_url, sender)
    return OutboxMailer(outbox_dir, sender)
