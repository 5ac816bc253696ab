"""What every publish target offers, and the byte copying they share.

A target is one URI naming one final object. Publishing replaces it all at once: readers see the old
complete export or the new complete one, never a mix. The previous export stays retrievable (one
generation) so a bad publish can be rolled back by hand. One publish per target runs at a time: the
flows hold a per-project lock, and `cleanup_leftovers` relies on it.

gzip: the URI names the final object (`.../google.xml.gz`); with `gzip=True` its content is the
gzip-compressed export. The gzip stream carries no file name and mtime 0, so the same export always
gives the same published bytes and the same sha256 ("unchanged since last publish" stays meaningful).
A plain export (`gzip=False`) is published with a gzip copy beside it, replaced and kept as previous
along with it, for the web server to send to clients that accept gzip (`feeds.storage.gzip_copy`).

Serving: `open_current` pins the live object at one version (an open file; an S3 ETag) and describes
it (`PublishedInfo`), so the headers sent and the bytes read afterwards always belong together.
"""

from __future__ import annotations

import abc
import hashlib
import shutil
from dataclasses import dataclass
from datetime import datetime
from gzip import GzipFile
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol

from feeds.atomic import TEMP_PREFIX
from feeds.errors import ExportError

COPY_BLOCK_BYTES = 1024 * 1024
PREVIOUS_SUFFIX = ".previous"
GZIP_COPY_SUFFIX = ".feedhub.gz"  # the gzip copy of a plain export, see feeds.storage.gzip_copy


def for_shop(template: str, shop_id: int) -> str:
    """A publish folder or S3 prefix as configured, with `{shop}` standing for the shop's id filled in."""
    return template.replace("{shop}", str(shop_id))


def reserved_name_problem(name: str) -> str | None:
    """Why a target's file or key name is Feedhub's own (a kept previous version, a gzip copy, a temporary
    upload), or None.

    Publishing to such a name would overwrite another export's previous version or gzip copy, and serving
    it would hand out that version past the other export's password.
    """
    if name.endswith((PREVIOUS_SUFFIX, GZIP_COPY_SUFFIX)) or name.startswith(TEMP_PREFIX):
        return (f"names ending in {PREVIOUS_SUFFIX!r} or {GZIP_COPY_SUFFIX!r} or starting with {TEMP_PREFIX!r}"
                " are Feedhub's own")
    return None


@dataclass(frozen=True)
class PublishResult:
    """What was published: `bytes` and `sha256` describe the object as stored (compressed if gzip)."""

    uri: str
    bytes: int
    sha256: str
    version_id: str | None = None  # S3 with bucket versioning on; None elsewhere


@dataclass(frozen=True)
class StorageOptions:
    """Plain values from the settings that some storages need; each storage reads only its own."""

    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    file_root: Path | None = None  # file:// targets must lie inside it (None: anywhere, for the CLI's own use)
    s3_prefixes: tuple[str, ...] | None = None  # s3:// targets must lie under one of them (None: any bucket)


@dataclass(frozen=True)
class PublishedInfo:
    """The live object as `Storage.open_current` pinned it."""

    size: int  # bytes a full read gives: the gzip copy's when `gzip_copy`
    version: str  # changes whenever the export does; a gzip copy has its export's (file: inode-mtime-size; S3: ETag)
    modified: datetime  # when the export was published, timezone-aware
    gzip_copy: bool = False  # the bytes are the export's gzip copy (Content-Encoding: gzip), not the export


class Readable(Protocol):
    """An open file or an S3 response body."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class CurrentExport(abc.ABC):
    """The live object pinned at one version: its description now, its bytes when asked (a context manager)."""

    info: PublishedInfo

    @abc.abstractmethod
    def open_bytes(self, start: int = 0, end: int | None = None) -> Readable:
        """Bytes `start` to `end` (exclusive; None: to the end) of the pinned version, for the caller to read
        and close; PublishedChanged if a publish replaced that version meanwhile (S3)."""

    def presigned_url(self, *, expires_s: int, head: bool = False) -> str | None:
        """A URL from which a client may GET (or HEAD) the object itself for `expires_s` seconds; None where
        the storage has no such thing (file://)."""
        return None

    @abc.abstractmethod
    def close(self) -> None:
        """Release what was opened and not handed out by `open_bytes`."""

    def __enter__(self) -> CurrentExport:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


class Storage(abc.ABC):
    """A publish target named by a URI; see the module docstring for the guarantees."""

    uri: str

    @classmethod
    @abc.abstractmethod
    def from_uri(cls, uri: str, options: StorageOptions) -> Storage:
        """Check the whole URI (every problem at once, as ExportError) and build the storage; no I/O."""

    @abc.abstractmethod
    def publish(self, local_path: Path, *, gzip: bool = False) -> PublishResult:
        """Replace the published object with `local_path`, keeping the old one as the previous version; a plain
        export (`gzip=False`) gets its gzip copy, replaced and kept the same way."""

    @abc.abstractmethod
    def exists(self) -> bool:
        """Whether an export is published at the URI."""

    @abc.abstractmethod
    def fetch_current(self, dest: Path) -> bool:
        """Download the published bytes (still gzip if published so) to `dest`; False if none."""

    @abc.abstractmethod
    def open_current(self, *, gzip_copy: bool = False) -> CurrentExport | None:
        """The live object pinned for serving, or with `gzip_copy` its gzip copy if that is the copy of exactly
        this version (else the object itself); None if nothing is published."""

    @abc.abstractmethod
    def fetch_previous(self, dest: Path) -> bool:
        """Download the export that the last publish replaced; False if there is none."""

    @abc.abstractmethod
    def cleanup_leftovers(self) -> int:
        """Remove what a crashed publish of this target left behind; return how many items."""


class _HashingWriter:
    """Counts and hashes the bytes passing through to `out`, so we hash what is stored, not the input."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self.size += len(data)
        return self._out.write(data)

    def flush(self) -> None:
        self._out.flush()

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def write_payload(src: Path, out: BinaryIO, *, gzip: bool) -> tuple[int, str]:
    """Copy `src` into `out`, gzip-compressed if asked; return size and sha256 of the bytes written."""
    sink = _HashingWriter(out)
    with open(src, "rb") as source:
        if gzip:
            with GzipFile(filename="", mode="wb", fileobj=sink, mtime=0) as packed:
                shutil.copyfileobj(source, packed, COPY_BLOCK_BYTES)
        else:
            shutil.copyfileobj(source, sink, COPY_BLOCK_BYTES)
    return sink.size, sink.hexdigest()


def digest_file(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(COPY_BLOCK_BYTES):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def require_export_file(local_path: Path) -> None:
    """Refuse to publish something that is not a finished local file, before touching the target."""
    if not local_path.is_file():
        raise ExportError(f"nothing to publish: {local_path} is not a file")
