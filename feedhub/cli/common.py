"""What every command shares: the options `--by EMAIL` and `--json`, one clear line on error with exit
status 2, the migrated database of the admin and project commands, passwords read off the command line.

It loads little more than typer: each command imports what it drives (feed engine, database, Prefect)
when it runs, so `feedhub --help` and the feed commands start fast (tests/feedhub/test_cli_startup.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from feeds.channels import CHANNELS
from feeds.errors import FeedError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    import accounts
    from feedhub.settings import Settings

EXIT_USER_ERROR = 2

# `--by` names the acting user; the access checks of `accounts` apply to them as to anyone. Whoever can
# run this command line on the server can name anybody: it is the administrator's tool (README).
By = Annotated[str, typer.Option("--by", help="Email of the acting user.")]
MaybeBy = Annotated[str | None, typer.Option("--by", help="Email of the acting user; optional here.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
FromOption = Annotated[str | None, typer.Option("--from", help=f"Source format: {', '.join(CHANNELS)}")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


def fail(message: str) -> typer.Exit:
    """Print one clear error line to stderr; return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USER_ERROR)


def fail_problems(what: str, problems: list[str]) -> typer.Exit:
    """Print every problem, one a line under `what`, to stderr; return the exit to raise."""
    typer.echo(f"error: {what}:", err=True)
    for problem in problems:
        typer.echo(f"  {problem}", err=True)
    return typer.Exit(EXIT_USER_ERROR)


def read_template(value: str) -> dict[str, Any]:
    """A template document from `preset:NAME` (a template shipped with Feedhub) or a JSON file; exits with every
    problem of one that does not validate."""
    from feeds.templates import PRESET_PREFIX, preset_text, template_problems

    if value.startswith(PRESET_PREFIX):
        with user_errors():
            text = preset_text(value.removeprefix(PRESET_PREFIX))
    else:
        try:
            text = Path(value).read_text(encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot read template file {value!r}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise fail(f"template file {value!r} is not UTF-8: {exc}") from None
    problems = template_problems(text)
    if problems:
        raise fail_problems(f"template {value!r} is not valid", problems)
    data: dict[str, Any] = json.loads(text)  # an object: it validated
    return data


@contextlib.contextmanager
def user_errors(*types: type[Exception]) -> Iterator[None]:
    """Turn our own errors (FeedError and any given types) into one line and exit status 2."""
    caught: tuple[type[Exception], ...] = (FeedError, *types)
    try:
        yield
    except caught as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


@contextlib.contextmanager
def database() -> Iterator[tuple[Session, Settings]]:
    """A migrated database session that commits on success; errors become one line, exit 2.

    Migrating first means a fresh data folder just works.
    """
    import accounts
    from accounts.db import make_engine, make_session_factory, migrate
    from feedhub.settings import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with user_errors(accounts.AccountsError):
        engine = make_engine(settings.effective_database_url)
        try:
            migrate(engine)
            with make_session_factory(engine)() as session:
                yield session, settings
                session.commit()
        finally:
            engine.dispose()


def mailer(settings: Settings) -> accounts.Mailer:
    """The mailer the settings configure: SMTP, or .eml files in the outbox folder."""
    import accounts

    return accounts.make_mailer(smtp_url=settings.smtp_url, outbox_dir=settings.outbox_dir, sender=settings.mail_from)


def read_password(*, from_stdin: bool) -> str:
    """The first line of stdin, or a hidden prompt typed twice; never argv, which any user sees in `ps`."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def print_json(value: Any) -> None:
    """Print dataclasses, enums, dates, lists and dicts of them as indented JSON."""
    typer.echo(json.dumps(_plain(value), indent=2, ensure_ascii=False))


def _plain(value: Any) -> Any:
    """Dataclasses, enums and dates as JSON-ready values."""
    import accounts

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, accounts.Level):
        return value.label
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value
