"""Publish targets by URI scheme: `file:///srv/feeds/heureka.xml`, `s3://bucket/prefix/google.xml`.

    storage = storage_for(uri, s3_endpoint_url=settings.s3_endpoint_url)
    result = storage.publish(export_path, gzip=uri.endswith(".gz"))

The guarantees every storage gives are in `feeds.storage.base`; the gzip copy of plain exports in
`feeds.storage.gzip_copy`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from feeds.errors import ExportError
from feeds.storage.base import (
    CurrentExport,
    PublishedInfo,
    PublishResult,
    Readable,
    Storage,
    StorageOptions,
    for_shop,
)
from feeds.storage.file import FileStorage
from feeds.storage.s3 import S3Storage

STORAGES: dict[str, type[Storage]] = {
    "file": FileStorage,
    "s3": S3Storage,
}


def storage_for(
    uri: str,
    *,
    s3_endpoint_url: str | None = None,
    s3_region: str | None = None,
    file_root: Path | None = None,
    s3_prefixes: tuple[str, ...] | None = None,
) -> Storage:
    """The storage for a publish URI; a bad URI, or one outside `file_root` / `s3_prefixes`, is an
    ExportError naming every problem. No I/O."""
    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError as exc:  # e.g. an unbalanced `[` in the host
        raise ExportError(f"bad publish target {uri!r}: {exc}") from None
    storage_class = STORAGES.get(scheme)
    if storage_class is None:
        known = ", ".join(f"{name}://" for name in STORAGES)
        raise ExportError(f"unsupported publish target {uri!r}", hint=f"use one of: {known}")
    options = StorageOptions(
        s3_endpoint_url=s3_endpoint_url, s3_region=s3_region, file_root=file_root, s3_prefixes=s3_prefixes
    )
    return storage_class.from_uri(uri, options)


__all__ = [
    "STORAGES",
    "CurrentExport",
    "FileStorage",
    "PublishedInfo",
    "PublishResult",
    "Readable",
    "S3Storage",
    "Storage",
    "for_shop",
    "StorageOptions",
    "storage_for",
]
