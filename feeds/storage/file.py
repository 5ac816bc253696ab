"""Publish to a local path (`file:///srv/feeds/heureka.xml`): temp sibling, fsync, rename.

Why not `feeds.atomic.atomic_path`: the exports of many projects share one folder, and a run cleans
up only its own target's leftovers, so temp names carry the target's name
(`.feedhub-tmp-heureka.xml.<16 hex>`); and mkstemp's 0600 mode would hide a feed from the web server,
while these temp files get the usual umask mode. The prefix is `feeds.atomic.TEMP_PREFIX`, the one
mark of a Feedhub temporary file.

The previous export is kept as a hard link `<name>.previous` (one generation): linking costs nothing,
the old inode is untouched by the rename, and the link itself is swapped in by rename too. A crash at
any point leaves the target as the old complete file or the new complete one.

A plain export's gzip copy `<name>.feedhub.gz` is written the same way (its temp file carries the
target's name too, so `cleanup_leftovers` finds it) and renamed into place right after the export;
its own previous version is `<name>.feedhub.gz.previous`. In between, and after a crash there, the
copy names another version than the live export's, and `open_current` serves the export itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from feeds.atomic import TEMP_PREFIX, atomic_path, fsync_dir
from feeds.errors import ExportError
from feeds.storage.base import (
    COPY_BLOCK_BYTES,
    GZIP_COPY_SUFFIX,
    PREVIOUS_SUFFIX,
    CurrentExport,
    PublishedInfo,
    PublishResult,
    Readable,
    Storage,
    StorageOptions,
    require_export_file,
    reserved_name_problem,
    write_payload,
)
from feeds.storage.gzip_copy import gzip_copy_source, write_gzip_copy

_TOKEN_HEX_CHARS = 16
MAX_NAME_BYTES = 255  # NAME_MAX of ext4, XFS, Btrfs, tmpfs: a longer name is ENAMETOOLONG
MAX_PATH_BYTES = 4095  # PATH_MAX, less its NUL
_TEMP_EXTRA_BYTES = len(TEMP_PREFIX) + 1 + _TOKEN_HEX_CHARS  # what a temp sibling's name adds to the target's
MAX_SHOWN_CHARS = 120  # a longer URI is quoted with its middle left out


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
        if too_long := _length_problem(Path(unquote(parts.path))):
            problems.append(too_long)
        if problems:
            raise ExportError(f"bad publish target {_shown(uri)}: {'; '.join(problems)}")
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

    @property
    def gzip_copy_path(self) -> Path:
        """Where a plain export's gzip copy is published."""
        return self.path.with_name(self.path.name + GZIP_COPY_SUFFIX)

    def publish(self, local_path: Path, *, gzip: bool = False) -> PublishResult:
        """Write temp siblings (the export, and a plain one's gzip copy naming its version), fsync them, link
        the live files as `.previous`, rename over the targets."""
        require_export_file(local_path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._temp_sibling() as (temp, handle), contextlib.ExitStack() as copy_stack:
                size, sha256 = write_payload(local_path, handle, gzip=gzip)
                _sync(handle)
                copy = None
                if not gzip:
                    copy, copy_handle = copy_stack.enter_context(self._temp_sibling())
                    write_gzip_copy(local_path, copy_handle, source=_version(os.fstat(handle.fileno())))
                    _sync(copy_handle)
                self._replace_live(temp, copy)
            fsync_dir(self.path.parent)
        except OSError as exc:
            raise ExportError(f"cannot publish {self.path}: {exc}") from exc
        return PublishResult(self.uri, size, sha256)

    def open_current(self, *, gzip_copy: bool = False) -> CurrentExport | None:
        """Open the live file (an open file is one version, whatever is renamed over the path later); with
        `gzip_copy`, its gzip copy instead if that names the open file's version."""
        try:
            export = _open_file(self.path)
            if export is None:
                return None
            live = os.fstat(export.fileno())
            version = _version(live)
            modified = datetime.fromtimestamp(live.st_mtime, UTC)
            copy = _open_file(self.gzip_copy_path) if gzip_copy else None
            if copy is not None and gzip_copy_source(copy) == version:
                export.close()
                return _OpenFile(copy, PublishedInfo(os.fstat(copy.fileno()).st_size, version, modified, True))
            if copy is not None:
                copy.close()
            return _OpenFile(export, PublishedInfo(live.st_size, version, modified))
        except OSError as exc:
            raise ExportError(f"cannot read {self.path}: {exc}") from exc

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

    def _replace_live(self, export: Path, copy: Path | None) -> None:
        """Keep the live files as `.previous`, then rename the new ones into place, the export first."""
        copy_previous = self.gzip_copy_path.with_name(self.gzip_copy_path.name + PREVIOUS_SUFFIX)
        self._keep_previous(self.path, self.previous_path)
        if copy is not None:
            self._keep_previous(self.gzip_copy_path, copy_previous)
        os.replace(export, self.path)
        if copy is not None:
            os.replace(copy, self.gzip_copy_path)

    def _keep_previous(self, live: Path, previous: Path) -> None:
        """Make the live file `<name>.previous`; the link is made under a temp name, then renamed."""
        link = self._temp_name()
        try:
            os.link(live, link)
        except FileNotFoundError:
            return  # first publish: nothing to keep
        except OSError:  # file systems without hard links: a copy does the same job, slower
            try:
                shutil.copyfile(live, link)
            except FileNotFoundError:
                return
        os.replace(link, previous)


class _OpenFile(CurrentExport):
    """A live file held open: its bytes stay those of the version described, whatever is renamed over it."""

    def __init__(self, handle: BinaryIO, info: PublishedInfo) -> None:
        self._handle: BinaryIO | None = handle
        self.info = info

    def open_bytes(self, start: int = 0, end: int | None = None) -> Readable:
        """The open file itself, at `start`: the caller reads `end - start` bytes and closes it."""
        handle, self._handle = self._handle, None
        if handle is None:
            raise ExportError("the published file was handed out already")
        handle.seek(start)
        return handle

    def close(self) -> None:
        """Close the file unless `open_bytes` handed it out."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _version(status: os.stat_result) -> str:
    """What changes whenever a publish renames a new file into place: inode, mtime and size (hex)."""
    return f"{status.st_ino:x}-{status.st_mtime_ns:x}-{status.st_size:x}"


def _open_file(path: Path) -> BinaryIO | None:
    """`path` opened for reading if it is a regular file, else None."""
    try:  # O_NONBLOCK: a FIFO put there must not hang the server; it means nothing to a regular file
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError):
        return None
    handle = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        handle.close()
        return None
    return handle


def _sync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


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


def _length_problem(path: Path) -> str | None:
    """Why the file system would refuse the target's temp sibling (the longest name a publish makes), or None."""
    if len(os.fsencode(path.name)) + _TEMP_EXTRA_BYTES > MAX_NAME_BYTES:
        return f"the file name is longer than {MAX_NAME_BYTES - _TEMP_EXTRA_BYTES} bytes"
    if any(len(os.fsencode(part)) > MAX_NAME_BYTES for part in path.parent.parts):
        return f"a folder name in the path is longer than {MAX_NAME_BYTES} bytes"
    if len(os.fsencode(path)) + _TEMP_EXTRA_BYTES > MAX_PATH_BYTES:
        return f"the path is longer than {MAX_PATH_BYTES - _TEMP_EXTRA_BYTES:,} bytes"
    return None


def _shown(uri: str) -> str:
    """The URI quoted for a message; a very long one (a 5000-character name) with its middle left out."""
    return repr(uri) if len(uri) <= MAX_SHOWN_CHARS else repr(f"{uri[:70]}…{uri[-40:]}")


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` stays inside `root` once `..` and symlinks are resolved (the file need not exist yet)."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))
