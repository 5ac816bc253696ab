"""The gzip copy of a plain export: written once at publish, served to clients that accept gzip.

A plain export (`heureka.xml`) is published with a gzip-compressed copy beside it, `heureka.xml.feedhub.gz`
(`base.GZIP_COPY_SUFFIX`; S3: the key plus the suffix), so the web server never compresses per request. Exports that are
gzip already (`gzip=True`, URIs ending in `.gz`) get none.

Why not `heureka.xml.gz`: that may be another export's own target (a shop publishing a plain and a
gzip feed side by side); the suffix is Feedhub's own, refused as a target like `.previous`.

A copy is served only as the copy of exactly the export that is live: it names its export's version,
and the server compares. The copy and its export are two files (objects), replaced one after the
other, and a hand rollback may restore the export and not the copy; the comparison makes every such
moment serve the plain export instead of a gzip of another version:

* file://: the gzip header's comment field (FCOMMENT, which every gunzip skips) holds
  `feedhub-source=<version>`, the version being the export file's inode, mtime and size. Renames and
  hard links keep all three, so a `.previous` pair renamed back still matches.
* s3://: the export's metadata names the copy's sha256 (`gzip-copy-sha256`), the copy's own
  metadata its sha256. CopyObject keeps metadata, so a `.previous` pair copied back still matches.

Compression level 6: zlib's default, close to 9 in size on XML at a fraction of the time (the copy of
a 2 GB export is written at every publish).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

from feeds.storage.base import COPY_BLOCK_BYTES

GZIP_COPY_LEVEL = 6
GZIP_COPY_METADATA = "gzip-copy-sha256"  # S3 metadata of the export: the sha256 of its gzip copy
_SOURCE_PREFIX = b"feedhub-source="
_MAGIC = b"\x1f\x8b\x08"  # gzip, deflate
_FCOMMENT = 0x10
_OS_UNKNOWN = 255
_MAX_COMMENT_BYTES = 200


def write_gzip_copy(src: Path, out: BinaryIO, *, source: str | None = None) -> tuple[int, str]:
    """Write the gzip of `src` to `out` (one member, mtime 0, no file name; `source` in its comment if given);
    return size and sha256 of the bytes written."""
    flags = _FCOMMENT if source is not None else 0
    header = _MAGIC + struct.pack("<BIBB", flags, 0, 0, _OS_UNKNOWN)
    if source is not None:
        header += _SOURCE_PREFIX + source.encode("ascii") + b"\0"
    digest = hashlib.sha256(header)
    size = out.write(header)
    packer = zlib.compressobj(GZIP_COPY_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = length = 0
    with open(src, "rb") as source_file:
        while block := source_file.read(COPY_BLOCK_BYTES):
            crc = zlib.crc32(block, crc)
            length += len(block)
            size += _write(out, digest, packer.compress(block))
    size += _write(out, digest, packer.flush() + struct.pack("<II", crc, length & 0xFFFFFFFF))
    return size, digest.hexdigest()


def gzip_copy_source(handle: BinaryIO) -> str | None:
    """The export version a gzip copy names (see `write_gzip_copy`), or None; reads from the start of `handle`
    and leaves it there."""
    handle.seek(0)
    head = handle.read(10 + len(_SOURCE_PREFIX) + _MAX_COMMENT_BYTES)
    handle.seek(0)
    if head[:3] != _MAGIC or head[3] != _FCOMMENT or not head[10:].startswith(_SOURCE_PREFIX):
        return None
    end = head.find(b"\0", 10)
    return head[10 + len(_SOURCE_PREFIX):end].decode("ascii", "replace") if end > 0 else None


def _write(out: BinaryIO, digest: hashlib._Hash, data: bytes) -> int:
    digest.update(data)
    return out.write(data)
