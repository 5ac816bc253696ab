"""What every command shares: one clear line on error and exit status 2."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import typer

from feeds.errors import FeedError

EXIT_USER_ERROR = 2


def fail(message: str) -> typer.Exit:
    """Print one clear error line to stderr; return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_USER_ERROR)


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
