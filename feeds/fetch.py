"""Bring a source (local path or http(s) URL) onto local disk as plain, decompressed bytes.

gzip is inflated by us under a byte cap (a gzip bomb stops at the cap), never handed to lxml as a
path or URL.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path

from feeds.errors import SourceError

GZIP_MAGIC = b"\x1f\x8b"
MAX_FEED_BYTES = 4 * 1024**3
COPY_BLOCK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FetchedSource:
    """A source on local disk, ready for the parsers."""

    path: Path
    sha256: str
    size: int
    etag: str | None = None
    last_modified: str | None = None
    unchanged: bool = False  # the server answered 304 Not Modified


def fetch_local(path: Path, workspace: Path, *, max_bytes: int = MAX_FEED_BYTES) -> FetchedSource:
    """A local file; gzip is inflated into the workspace under `max_bytes`."""
    if not path.is_file():
        raise SourceError(f"no such file: {path}")
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic != GZIP_MAGIC:
        return FetchedSource(path, _sha256_file(path), path.stat().st_size)
    workspace.mkdir(parents=True, exist_ok=True)
    target = workspace / (path.name.removesuffix(".gz") or "source")
    with gzip.open(path, "rb") as src, open(target, "wb") as dst:
        digest, size = copy_capped(src, dst, max_bytes=max_bytes, what=str(path))
    return FetchedSource(target, digest, size)


def copy_capped(src, dst, *, max_bytes: int, what: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """Copy a stream, hashing it, and stop with a clear error past `max_bytes`."""
    digest = hashlib.sha256()
    size = 0
    try:
        while block := src.read(COPY_BLOCK_BYTES):
            size += len(block)
            if size > max_bytes:
                raise SourceError(
                    f"{what} is larger than {max_bytes:,} bytes once decompressed; refused",
                    hint="raise FEEDHUB_MAX_FEED_BYTES if the feed is really that big",
                )
            digest.update(block)
            dst.write(block)
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError(f"{what} is not a valid gzip file or ends early: {exc}") from exc
    return digest.hexdigest(), size


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        shutil.copyfileobj(handle, _HashSink(digest), COPY_BLOCK_BYTES)
    return digest.hexdigest()


class _HashSink:
    def __init__(self, digest: hashlib._Hash) -> None:
        self.write = digest.update
