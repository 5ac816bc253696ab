"""Publish to a local path (`file:///srv/feeds/heureka.xml`): temp sibling, fsync, rename.

Why not `feeds.atomic.atomic_path`: the exports of many projects share one folder, and a run cleans
up only its own target's leftovers, so temp names carry the target's name
(`.feedhub-tmp-heureka.xml.<16 hex>`); and mkstemp's 0600 mode would hide a feed from the web server,
while these temp files get the usual umask mode. The prefix is `feeds.atomic.TEMP_PREFIX`, the one
mark of a Feedhub temporary file.

The previous export is kept as a hard link `<name>.previous` (one generation): linking costs nothing,
the old inode is untouched by the rename, and the link itself is swapped in by rename too. A crash at
any point leaves the target as the old complete file or the new complete one.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from feeds.atomic import TEMP_PREFIX, atomic_path, fsync_dir
from feeds.errors import ExportError
from feeds.storage.base import (
    COPY_BLOCK_BYTES,
    PREVIOUS_SUFFIX,
    PublishResult,
    Storage,
    StorageOptions,
    require_export_file,
    reserved_name_problem,
    write_payload,
)

_TOKEN_HEX_CHARS = 16


class FileStorage(Storage):
    """An export published as a file on this machine."""

    def __init__(self, path: Path) -> None:
        if not path.is_absolute():
            raise ExportError(f"publish path must be absolute: {path}")
        self.path = path
        self.uri = path.as_uri()

    @classmethod
    def from_uri(cls, uri: str, options: StorageOptions) -> FileStorage:
        """`file:///abs/path` or `file://localhost/abs/path`; percent-escapes are decoded."""
        parts = urlsplit(uri)
        problems = []
        if parts.netloc not in ("", "localhost"):
            problems.append(f"host {parts.netloc!r} is not allowed, use file:///absolute/path")
        if not parts.path.startswith("/"):
            problems.append("the path must be absolute (file:///srv/feeds/name.xml)")
        if parts.path.endswith("/"):
            problems.append("the URI names a folder, not a file")
        if parts.query or parts.fragment:
            problems.append("'?' and '#' are not allowed")
        if "\x00" in unquote(parts.path):
            problems.append("the path contains a NUL character")
        reserved = reserved_name_problem(Path(unquote(parts.path)).name)
        if reserved:
            problems.append(reserved)
        if problems:
            raise ExportError(f"bad publish target {uri!r}: {'; '.join(problems)}")
        path = Path(unquote(parts.path))
        if options.file_root is not None and not _inside(path, options.file_root):
            raise ExportError(
                f"publish target {uri!r} is outside this server's publish folder {str(options.file_root)!r}",
                hint="publish under that folder (FEEDHUB_EXPORTS_DIR), or to s3://",
            )
        return cls(path)

    @property
    def previous_path(self) -> Path:
        """Where the export replaced by the last publish is kept."""
        return self.path.with_name(self.path.name + PREVIOUS_SUFFIX)

    def publish(self, local_path: Path, *, gzip: bool = False) -> PublishResult:
        """Write a temp sibling, fsync it, link the live file as `.previous`, rename over the target."""
        require_export_file(local_path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._temp_sibling() as (temp, handle):
                size, sha256 = write_payload(local_path, handle, gzip=gzip)
                handle.flush()
                os.fsync(handle.fileno())
                self._keep_previous()
                os.replace(temp, self.path)
            fsync_dir(self.path.parent)
        except OSError as exc:
            raise ExportError(f"cannot publish {self.path}: {exc}") from exc
        return PublishResult(self.uri, size, sha256)

    def exists(self) -> bool:
        """Whether the target file is there."""
        return self.path.is_file()

    def fetch_current(self, dest: Path) -> bool:
        """Copy the live file to `dest`."""
        return _copy_out(self.path, dest)

    def fetch_previous(self, dest: Path) -> bool:
        """Copy `<name>.previous` to `dest`."""
        return _copy_out(self.previous_path, dest)

    def cleanup_leftovers(self) -> int:
        """Delete this target's temp files; other targets in the folder may be publishing right now."""
        if not self.path.parent.is_dir():
            return 0
        own = re.compile(re.escape(self._temp_prefix()) + f"[0-9a-f]{{{_TOKEN_HEX_CHARS}}}")
        removed = 0
        for entry in self.path.parent.iterdir():
            if own.fullmatch(entry.name):
                entry.unlink(missing_ok=True)
                removed += 1
        return removed

    def _temp_prefix(self) -> str:
        return f"{TEMP_PREFIX}{self.path.name}."

    def _temp_name(self) -> Path:
        return self.path.with_name(self._temp_prefix() + secrets.token_hex(_TOKEN_HEX_CHARS // 2))

    @contextlib.contextmanager
    def _temp_sibling(self) -> Iterator[tuple[Path, BinaryIO]]:
        """A new file next to the target, removed unless it was renamed into place."""
        temp = self._temp_name()
        try:
            with open(temp, "xb") as handle:
                yield temp, handle
        finally:
            temp.unlink(missing_ok=True)

    def _keep_previous(self) -> None:
        """Make the live file `<name>.previous`; the link is made under a temp name, then renamed."""
        link = self._temp_name()
        try:
            os.link(self.path, link)
        except FileNotFoundError:
            return  # first publish: nothing to keep
        except OSError:  # file systems without hard links: a copy does the same job, slower
            shutil.copyfile(self.path, link)
        os.replace(link, self.previous_path)


def _copy_out(src: Path, dest: Path) -> bool:
    """Copy `src` to `dest` atomically; False if `src` is missing.

    The open handle pins one version: a publish renaming over `src` meanwhile does not mix the bytes.
    """
    try:
        source = open(src, "rb")
    except FileNotFoundError:
        return False
    try:
        with source, atomic_path(dest) as temp, open(temp, "wb") as out:
            shutil.copyfileobj(source, out, COPY_BLOCK_BYTES)
    except OSError as exc:
        raise ExportError(f"cannot copy {src} to {dest}: {exc}") from exc
    return True


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` stays inside `root` once `..` and symlinks are resolved (the file need not exist yet)."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
