"""Publish to S3 or anything speaking its API (MinIO, Ceph, ...): `s3://bucket/prefix/google.xml`.

The complete object is uploaded under its final key: a PutObject or CompleteMultipartUpload becomes
visible all at once, so readers never see a partial export, and a failed upload leaves the old one.

Previous version: before the switch, the live object is copied server-side to `<key>.previous`. One
approach for every S3 flavour, needing only GetObject/PutObject (no versioning permissions); where the
bucket has versioning on, `PublishResult.version_id` is returned too and the bucket keeps the full
history. We never turn versioning on ourselves: that is the bucket owner's decision (cost, lifecycle).
CopyObject is limited to 5 GB; a bigger export fails with an ExportError saying so. If an upload fails
after the copy, `.previous` equals the live export until the next successful publish.

A plain export's gzip copy is `<key>.feedhub.gz` (Content-Encoding: gzip, so a client fetching it itself
unpacks it), kept as previous and uploaded just before the export, whose metadata names the copy's
sha256: until the export's upload completes, and after a failed one, the copy is not the one the live
export names, and `open_current` serves the export itself.

Serving (`open_current`): a HEAD gives the ETag that pins the version; the bytes are then read with
`If-Match` on it, straight from S3's response body (no temporary file), or fetched by the client itself
from a presigned URL.

Credentials come from boto3's default chain (AWS_* variables, ~/.aws, instance roles). Storages made by
`from_uri` share one client per endpoint and region (clients are thread-safe, and making one costs
~0.15 s of CPU: too much for every request the web app serves from S3).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import mimetypes
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feeds.atomic import TEMP_PREFIX
from feeds.errors import ExportError, FeedError, PublishedChanged, TransientFeedError
from feeds.storage.base import (
    GZIP_COPY_SUFFIX,
    PREVIOUS_SUFFIX,
    CurrentExport,
    PublishedInfo,
    PublishResult,
    Readable,
    Storage,
    StorageOptions,
    digest_file,
    require_export_file,
    reserved_name_problem,
    write_payload,
)
from feeds.storage.gzip_copy import GZIP_COPY_METADATA, write_gzip_copy

MULTIPART_THRESHOLD_BYTES = 64 * 1024**2
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 60.0
MAX_ATTEMPTS = 5  # first try included; botocore retries throttling, 5xx and connection errors
_POOL_CONNECTIONS = 50  # a shared client serves the web app's threads (40 by default) at once; botocore's default: 10
_BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
_TRANSIENT_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError", "ServiceUnavailable"}
)
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_CHANGED_CODES = frozenset({"412", "PreconditionFailed"}) | _NOT_FOUND_CODES  # If-Match failed, or deleted
_HINTS = {
    "NoSuchBucket": "create the bucket or fix the publish URI",
    "AccessDenied": "the credentials need s3:GetObject and s3:PutObject on this key",
    "InvalidAccessKeyId": "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an AWS profile",
    "SignatureDoesNotMatch": "check AWS_SECRET_ACCESS_KEY / the AWS profile",
}


class S3Storage(Storage):
    """An export published as one S3 object."""

    def __init__(
        self,
        bucket: str,
        key: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        max_attempts: int = MAX_ATTEMPTS,
        multipart_threshold_bytes: int = MULTIPART_THRESHOLD_BYTES,
        shared_client: bool = False,
    ) -> None:
        try:
            import boto3  # noqa: F401 - checked here, used by the client factories
            from boto3.s3.transfer import TransferConfig
        except ImportError as exc:
            raise ExportError(
                "S3 publishing is not configured: install boto3", hint="pip install boto3"
            ) from exc
        self.bucket = bucket
        self.key = key
        self.uri = f"s3://{bucket}/{key}"
        make_client = _shared_client if shared_client else _new_client
        self._client: Any = make_client(endpoint_url, region, connect_timeout_s, read_timeout_s, max_attempts)
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold_bytes, multipart_chunksize=multipart_threshold_bytes
        )

    @classmethod
    def from_uri(cls, uri: str, options: StorageOptions) -> S3Storage:
        """`s3://bucket/key`; the key is taken as written (no percent-decoding, like the AWS CLI)."""
        parts = urlsplit(uri)
        key = parts.path.removeprefix("/")
        problems = []
        if not _BUCKET_NAME.fullmatch(parts.netloc):
            problems.append(f"{parts.netloc!r} is not a valid bucket name")
        if not key or key.endswith("/"):
            problems.append("the key must name an object, e.g. s3://bucket/feeds/google.xml")
        if parts.query or parts.fragment:
            problems.append("'?' and '#' are not allowed")
        if {".", ".."} & set(key.split("/")):
            problems.append("'.' and '..' are not allowed as parts of the key")  # some S3 servers resolve them
        reserved = reserved_name_problem(key.rsplit("/", 1)[-1])
        if reserved:
            problems.append(reserved)
        if problems:
            raise ExportError(f"bad publish target {uri!r}: {'; '.join(problems)}")
        if options.s3_prefixes is not None and not any(_under(parts.netloc, key, p) for p in options.s3_prefixes):
            allowed = ", ".join(options.s3_prefixes) or "none"
            raise ExportError(
                f"publish target {uri!r} is outside this server's S3 publish prefixes ({allowed})",
                hint="publish under one of them (FEEDHUB_S3_PUBLISH_PREFIXES)",
            )
        return cls(
            parts.netloc, key, endpoint_url=options.s3_endpoint_url, region=options.s3_region, shared_client=True
        )

    @staticmethod
    def check_prefix(prefix: str) -> str:
        """An allowed prefix as written in the settings, `s3://bucket/` or `s3://bucket/some/folder/`; a clear
        ValueError otherwise. Folders end with `/`, so `s3://feeds/shop-1/` does not admit `shop-10/`."""
        parts = urlsplit(prefix)
        path = parts.path.removeprefix("/")
        odd = parts.query or parts.fragment or {".", ".."} & set(path.split("/"))
        if parts.scheme != "s3" or not _BUCKET_NAME.fullmatch(parts.netloc) or (path and not path.endswith("/")) or odd:
            raise ValueError(f"{prefix!r} is not an S3 publish prefix: write s3://bucket/ or s3://bucket/folder/")
        return prefix

    @property
    def previous_key(self) -> str:
        """Where the export replaced by the last publish is kept."""
        return self.key + PREVIOUS_SUFFIX

    @property
    def gzip_copy_key(self) -> str:
        """Where a plain export's gzip copy is published."""
        return self.key + GZIP_COPY_SUFFIX

    def publish(self, local_path: Path, *, gzip: bool = False) -> PublishResult:
        """Copy the live objects to `.previous`, then upload the new ones: a plain export's gzip copy first,
        then the export, whose metadata names the copy."""
        require_export_file(local_path)
        with (
            self._errors("publish"),
            _payload(local_path, gzip=gzip) as (payload, size, sha256),
            _gzip_copy(local_path, skip=gzip) as copy,
        ):
            self._copy_live_to_previous(self.key)
            metadata = {"sha256": sha256}  # lets a reader check the object without downloading it
            if copy is not None:
                self._copy_live_to_previous(self.gzip_copy_key)
                copy_path, metadata[GZIP_COPY_METADATA] = copy
                self._upload(copy_path, self.gzip_copy_key, ContentType=_content_type(self.key, gzip=False),
                             ContentEncoding="gzip", Metadata={"sha256": metadata[GZIP_COPY_METADATA]})
            self._upload(payload, self.key, ContentType=_content_type(self.key, gzip=gzip), Metadata=metadata)
            head = self._client.head_object(Bucket=self.bucket, Key=self.key)
        return PublishResult(self.uri, size, sha256, head.get("VersionId"))

    def open_current(self, *, gzip_copy: bool = False) -> CurrentExport | None:
        """HEAD the export (and with `gzip_copy` its copy, taken if its sha256 is the one the export names);
        the bytes are read later, pinned to the ETag seen here."""
        with self._errors("read"):
            export = self._head(self.key)
            if export is None:
                return None
            info = PublishedInfo(export["ContentLength"], export["ETag"].strip('"'), export["LastModified"])
            wanted = export.get("Metadata", {}).get(GZIP_COPY_METADATA)
            copy = self._head(self.gzip_copy_key) if gzip_copy and wanted else None
            if copy is not None and copy.get("Metadata", {}).get("sha256") == wanted:
                info = dataclasses.replace(info, size=copy["ContentLength"], gzip_copy=True)
                return _S3Object(self, self.gzip_copy_key, copy, info)
        return _S3Object(self, self.key, export, info)

    def exists(self) -> bool:
        """Whether an object is at the key (a HEAD request)."""
        with self._errors("check"):
            try:
                self._client.head_object(Bucket=self.bucket, Key=self.key)
            except self._client.exceptions.ClientError as exc:
                if _error_code(exc) in _NOT_FOUND_CODES:
                    return False
                raise
        return True

    def fetch_current(self, dest: Path) -> bool:
        """Download the live object; multipart downloads are pinned to one ETag by s3transfer."""
        return self._download(self.key, dest)

    def fetch_previous(self, dest: Path) -> bool:
        """Download `<key>.previous`."""
        return self._download(self.previous_key, dest)

    def cleanup_leftovers(self) -> int:
        """Abort incomplete multipart uploads of this key, its gzip copy and their `.previous` copies.

        Only these keys: other exports under the same prefix may be uploading right now.
        """
        own = {self.key, self.previous_key, self.gzip_copy_key, self.gzip_copy_key + PREVIOUS_SUFFIX}
        aborted = 0
        with self._errors("clean up"):
            pages = self._client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.key
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Key"] in own:
                        self._client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        aborted += 1
        return aborted

    def _copy_live_to_previous(self, key: str) -> None:
        """Server-side copy (atomic, keeps content type and metadata); nothing to do on first publish."""
        source = {"Bucket": self.bucket, "Key": key}
        try:
            self._client.copy_object(Bucket=self.bucket, Key=key + PREVIOUS_SUFFIX, CopySource=source)
        except self._client.exceptions.ClientError as exc:
            if _error_code(exc) not in _NOT_FOUND_CODES:
                raise

    def _upload(self, path: Path, key: str, **extra: Any) -> None:
        self._client.upload_file(str(path), self.bucket, key, ExtraArgs=extra, Config=self._transfer)

    def _head(self, key: str) -> dict[str, Any] | None:
        """The object's HEAD response, None if there is none."""
        try:
            return dict(self._client.head_object(Bucket=self.bucket, Key=key))
        except self._client.exceptions.ClientError as exc:
            if _error_code(exc) in _NOT_FOUND_CODES:
                return None
            raise

    def _download(self, key: str, dest: Path) -> bool:
        with self._errors("download", key=key):
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._client.download_file(self.bucket, key, str(dest))
            except self._client.exceptions.ClientError as exc:
                if _error_code(exc) in _NOT_FOUND_CODES:
                    return False
                raise
        return True

    @contextlib.contextmanager
    def _errors(self, action: str, *, key: str | None = None) -> Iterator[None]:
        """Turn boto errors into ours: transient (retry may help) or ExportError naming bucket and key."""
        try:
            yield
        except FeedError:
            raise
        except Exception as exc:
            raise translate_error(exc, action=action, bucket=self.bucket, key=key or self.key) from exc


class _S3Object(CurrentExport):
    """An object as one HEAD saw it; its bytes are read with If-Match on that HEAD's ETag."""

    def __init__(self, storage: S3Storage, key: str, head: dict[str, Any], info: PublishedInfo) -> None:
        self._storage = storage
        self._key = key
        self._etag = head["ETag"]
        self._version_id = head.get("VersionId")
        self.info = info

    def open_bytes(self, start: int = 0, end: int | None = None) -> Readable:
        """S3's response body, streamed as it is read; PublishedChanged if the object is no longer that version."""
        storage, end = self._storage, self.info.size if end is None else end
        request = {"Bucket": storage.bucket, "Key": self._key, "IfMatch": self._etag}
        if (start, end) != (0, self.info.size):
            request["Range"] = f"bytes={start}-{end - 1}"
        with storage._errors("read", key=self._key):
            try:
                body: Readable = storage._client.get_object(**request)["Body"]
            except storage._client.exceptions.ClientError as exc:
                if _error_code(exc) in _CHANGED_CODES or _http_status(exc) == 412:
                    raise PublishedChanged(f"s3://{storage.bucket}/{self._key}") from exc
                raise
        return body

    def close(self) -> None:
        """Nothing is held between the HEAD and the GET."""

    def presigned_url(self, *, expires_s: int, head: bool = False) -> str | None:
        """A presigned GET (or HEAD) of this object; of this very version where the bucket keeps versions."""
        params = {"Bucket": self._storage.bucket, "Key": self._key}
        if self._version_id:
            params["VersionId"] = self._version_id
        method = "head_object" if head else "get_object"
        with self._storage._errors("presign", key=self._key):
            url: str = self._storage._client.generate_presigned_url(method, Params=params, ExpiresIn=expires_s)
        return url


def _new_client(
    endpoint_url: str | None, region: str | None, connect_timeout_s: float, read_timeout_s: float, max_attempts: int
) -> Any:
    """A boto3 S3 client on a session of its own: boto3's default session is not safe to share between threads."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=connect_timeout_s,
        read_timeout=read_timeout_s,
        retries={"total_max_attempts": max_attempts, "mode": "standard"},
        # MinIO and Ceph behind a plain host name need path-style addressing; AWS takes either.
        s3={"addressing_style": "path"} if endpoint_url else None,
        max_pool_connections=_POOL_CONNECTIONS,
    )
    return boto3.session.Session(region_name=region).client("s3", endpoint_url=endpoint_url, config=config)


_client_lock = threading.Lock()


@functools.lru_cache(maxsize=16)
def _cached_client(
    endpoint_url: str | None, region: str | None, connect_timeout_s: float, read_timeout_s: float, max_attempts: int
) -> Any:
    return _new_client(endpoint_url, region, connect_timeout_s, read_timeout_s, max_attempts)


def _shared_client(
    endpoint_url: str | None, region: str | None, connect_timeout_s: float, read_timeout_s: float, max_attempts: int
) -> Any:
    """One client per configuration for the whole process (boto3 clients are thread-safe once made)."""
    with _client_lock:
        return _cached_client(endpoint_url, region, connect_timeout_s, read_timeout_s, max_attempts)


def translate_error(exc: BaseException, *, action: str, bucket: str, key: str) -> FeedError:
    """Our error for a boto3/botocore exception; unknown exceptions are terminal."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError, NoCredentialsError

    cause = _unwrap(exc)
    where = f"s3://{bucket}/{key}"
    if isinstance(cause, BotoConnectionError | HTTPClientError):
        return TransientFeedError(f"S3 {action} of {where} failed: cannot reach S3: {cause}")
    if isinstance(cause, NoCredentialsError):
        return ExportError(f"S3 {action} of {where} failed: {cause}", hint=_HINTS["InvalidAccessKeyId"])
    code = _error_code(cause)
    status = _http_status(cause)
    message = f"S3 {action} of {where} failed ({code or type(cause).__name__}): {cause}"
    if code in _TRANSIENT_CODES or status == 429 or (status is not None and status >= 500):
        return TransientFeedError(message)
    if code == "NoSuchBucket":
        message = f"S3 {action} of {where} failed: bucket {bucket!r} does not exist"
    return ExportError(message, hint=_HINTS.get(code or ""))


def _unwrap(exc: BaseException) -> BaseException:
    """boto3 wraps transfer errors; the botocore error underneath says what happened."""
    from boto3.exceptions import RetriesExceededError, S3UploadFailedError

    if isinstance(exc, RetriesExceededError) and exc.last_exception is not None:
        return _unwrap(exc.last_exception)
    if isinstance(exc, S3UploadFailedError) and exc.__context__ is not None:
        return _unwrap(exc.__context__)  # raised inside `except ClientError`, without `from`
    return exc


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def _http_status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return response.get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(response, dict) else None


def _content_type(key: str, *, gzip: bool) -> str:
    """gzip is the content, not a transfer encoding: no Content-Encoding, so clients keep the .gz bytes."""
    if gzip:
        return "application/gzip"
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


@contextlib.contextmanager
def _gzip_copy(local_path: Path, *, skip: bool) -> Iterator[tuple[Path, str] | None]:
    """The gzip copy of a plain export, written beside it, with its sha256; None when `skip` (gzip already)."""
    if skip:
        yield None
        return
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".gz", dir=local_path.parent)
    packed = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            _, sha256 = write_gzip_copy(local_path, out)
        yield packed, sha256
    finally:
        packed.unlink(missing_ok=True)


@contextlib.contextmanager
def _payload(local_path: Path, *, gzip: bool) -> Iterator[tuple[Path, int, str]]:
    """The file to upload with its size and sha256: the export itself, or a gzip of it beside it."""
    if not gzip:
        yield (local_path, *digest_file(local_path))
        return
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".gz", dir=local_path.parent)
    packed = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            size, sha256 = write_payload(local_path, out, gzip=True)
        yield packed, size, sha256
    finally:
        packed.unlink(missing_ok=True)


def _under(bucket: str, key: str, prefix: str) -> bool:
    parts = urlsplit(prefix)
    return parts.netloc == bucket and key.startswith(parts.path.removeprefix("/"))
