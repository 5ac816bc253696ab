"""Decompress a byte stream onto disk under a cap: gzip inflated on the fly, a one-file ZIP unpacked.

We inflate, never the XML parser: a gzip bomb stops at `max_bytes`, and every file is written under
a temporary name and renamed when complete, so a failed download leaves nothing behind.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Protocol, cast

from feeds.errors import SourceError

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
COPY_BLOCK_BYTES = 1024 * 1024


class Readable(Protocol):
    """Anything with `read(size)`."""

    def read(self, size: int = -1, /) -> bytes: ...


class Peekable(Readable, Protocol):
    """A readable whose first bytes can be looked at without consuming them."""

    def peek(self, size: int, /) -> bytes: ...



def store_stream(source: Peekable, target: Path, *, max_bytes: int, what: str) -> tuple[str, int]:
    """Write the decompressed bytes of `source` to `target` (via a temporary name); return sha256 and size.

    gzip is recognised by its magic bytes and inflated on the fly, ZIP is spooled to disk (it needs
    random access) and its only member unpacked. Both are capped at `max_bytes` of output.
    """
    magic = _peek(source, 4, what)
    if magic == ZIP_MAGIC:
        with _temporary(target.with_name(target.name + ".zip")) as archive:
            with open(archive, "wb") as out:
                copy_capped(source, out, max_bytes=max_bytes, what=what)
            return _unzip_one(archive, target, max_bytes=max_bytes, what=what)
    reader: Readable = gunzip(source) if magic.startswith(GZIP_MAGIC) else source
    with _temporary(target) as part:
        with open(part, "wb") as out:
            result = copy_capped(reader, out, max_bytes=max_bytes, what=what)
        os.replace(part, target)
    return result


def _unzip_one(archive: Path, target: Path, *, max_bytes: int, what: str) -> tuple[str, int]:
    """Unpack a ZIP that holds exactly one file; anything else is refused with the list of names."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            files = [info for info in bundle.infolist() if not info.is_dir()]
            if len(files) != 1:
                names = ", ".join(info.filename for info in files[:5]) or "nothing"
                raise SourceError(
                    f"{what} is a ZIP archive with {len(files)} files ({names}); Feedhub reads one",
                    hint="serve the feed itself, or a ZIP or gzip of that one file",
                )
            with bundle.open(files[0]) as member, _temporary(target) as part:
                with open(part, "wb") as out:
                    result = copy_capped(member, out, max_bytes=max_bytes, what=what)
                os.replace(part, target)
    except (zipfile.BadZipFile, NotImplementedError) as exc:
        raise SourceError(f"{what} is not a readable ZIP archive: {exc}") from exc
    return result


def gunzip(source: Peekable) -> gzip.GzipFile:
    """A streaming gzip reader over `source` (multi-member files and the CRC check included)."""
    return gzip.GzipFile(fileobj=cast(Any, source), mode="rb")


def _peek(source: Peekable, size: int, what: str) -> bytes:
    try:
        return bytes(source.peek(size)[:size])
    except (OSError, EOFError, zlib.error) as exc:  # Content-Encoding: gzip on a body that is not gzip
        raise SourceError(f"{what} is not a valid gzip stream: {exc}") from exc


@contextmanager
def _temporary(path: Path) -> Iterator[Path]:
    """A hidden `.part` name next to `path`, removed whatever happens (after a rename it is gone already)."""
    part = path.with_name(f".{path.name}.part")
    try:
        yield part
    finally:
        part.unlink(missing_ok=True)


def copy_capped(src: Readable, dst: IO[bytes], *, max_bytes: int, what: str) -> tuple[str, int]:
    """Copy a stream, hashing it, and stop with a clear error past `max_bytes`."""
    digest = hashlib.sha256()
    size = 0
    while block := _read(src, what):
        size += len(block)
        if size > max_bytes:
            raise too_big(what, max_bytes)
        digest.update(block)
        dst.write(block)
    return digest.hexdigest(), size


def _read(src: Readable, what: str) -> bytes:
    """One block; decompression errors become a SourceError (disk errors on writing stay OSError)."""
    try:
        return src.read(COPY_BLOCK_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{what} is not a valid gzip/ZIP file or ends early: {exc}") from exc


def too_big(what: str, max_bytes: int) -> SourceError:
    return SourceError(
        f"{what} is larger than {max_bytes:,} bytes once decompressed; refused",
        hint="raise FEEDHUB_MAX_FEED_BYTES if the feed is really that big",
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        shutil.copyfileobj(handle, _HashSink(digest), COPY_BLOCK_BYTES)
    return digest.hexdigest()


class _HashSink:
    def __init__(self, digest: hashlib._Hash) -> None:
        self.write = digest.update
