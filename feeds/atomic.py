"""Replace a file all at once: write a temporary sibling, fsync, rename. Readers see old or new, never half."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

TEMP_PREFIX = ".feedhub-tmp-"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to `target`; on success it replaces `target`, on error it is removed.

    The file gets the mode any new file gets (the umask's; mkstemp's 0600 would hide a feed from a
    web server), and a replaced file keeps its own mode.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f"{TEMP_PREFIX}{secrets.token_hex(8)}{target.suffix}")
    open(temp, "xb").close()
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
        yield temp
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
        fsync_dir(target.parent)
    finally:
        temp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_text(target: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Like `atomic_path`, with the temporary file opened for text writing."""
    with atomic_path(target) as temp, open(temp, "w", encoding=encoding, newline="") as handle:
        yield handle


def fsync_dir(folder: Path) -> None:
    """Make renames durable: they live in the directory, not in the file."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
