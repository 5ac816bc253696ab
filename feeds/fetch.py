"""Bring a source (local path or http(s) URL) onto local disk as plain, decompressed bytes.

gzip (a `Content-Encoding: gzip` response or a body starting with the gzip magic bytes) is inflated
by us under a byte cap, so a gzip bomb stops at the cap; it is never handed to lxml as a path or URL.
A ZIP archive holding exactly one file is unpacked under the same cap. Every file is written under a
temporary name and renamed when complete, so a failed fetch leaves nothing in the workspace.

SSRF: the host of every hop (redirects are followed here, not by httpx) is resolved once, every
address it resolves to is checked, and the request goes to that checked address (feeds.netguard).
"""

from __future__ import annotations

import email.utils
import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from feeds.errors import SourceError, TransientFeedError, local_file_refused
from feeds.netguard import pin, redact
from feeds.unpack import GZIP_MAGIC, ZIP_MAGIC, Peekable, gunzip, sha256_file, store_stream, too_big

MAX_FEED_BYTES = 4 * 1024**3
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _user_agent() -> str:
    try:
        version = metadata.version("feedhub")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"Feedhub/{version}"


USER_AGENT = _user_agent()


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one fetch; the application fills it from FEEDHUB_FETCH_* and FEEDHUB_MAX_FEED_BYTES."""

    timeout_s: float = 30.0  # connect and each read
    deadline_s: float = 600.0  # the whole fetch, redirects included
    max_bytes: int = MAX_FEED_BYTES  # decompressed
    allow_private: bool = False  # loopback, private, link-local, ... addresses
    allow_local: bool = True  # local paths: the CLI user's own files; off for project runs unless the operator allows
    max_redirects: int = 5


@dataclass(frozen=True)
class FetchedSource:
    """A source on local disk, ready for the parsers.

    When `unchanged` (the server answered 304 Not Modified) nothing was written: `path` names where
    the file would be, and the caller reuses its previous run's result.
    """

    path: Path
    sha256: str
    size: int
    etag: str | None = None
    last_modified: str | None = None
    unchanged: bool = False
    content_type: str | None = None
    warnings: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------------------------------------- entry


def fetch_source(
    source: str,
    workspace: Path,
    *,
    policy: FetchPolicy = FetchPolicy(),
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchedSource:
    """Fetch a local path or an http(s) URL into `workspace`; other URL schemes are refused."""
    if is_http(source):
        return fetch_http(source, workspace, policy=policy, etag=etag, last_modified=last_modified)
    if problem := unsupported_source(source):
        raise SourceError(problem, hint="for a local file give its path without file://")
    if not policy.allow_local:
        raise local_file_refused("source", source)
    return fetch_local(Path(source), workspace, max_bytes=policy.max_bytes)


def unsupported_source(source: str) -> str | None:
    """Why no settings let this source be fetched (a URL of a scheme other than http(s)), or None."""
    if names_a_url(source) and not is_http(source):
        return f"unsupported source {source!r}: only http://, https:// and local paths are fetched"
    return None


def is_http(source: str) -> bool:
    """An http(s) URL (any case of the scheme), which Feedhub downloads."""
    return source.lower().startswith(("http://", "https://"))


def names_a_url(source: str) -> bool:
    """Whether a source names a URL (any scheme) rather than a local path; `C:\\feed.xml` is a path."""
    return bool(_SCHEME.match(source)) and not re.match(r"^[A-Za-z]:[\\/]", source)


def fetch_local(path: Path, workspace: Path, *, max_bytes: int = MAX_FEED_BYTES) -> FetchedSource:
    """A local file; gzip and single-file ZIP are unpacked into the workspace under `max_bytes`."""
    if not path.is_file():
        raise SourceError(f"no such file: {path}")
    with open(path, "rb") as handle:
        magic = handle.peek(4)[:4]
        if not magic.startswith(GZIP_MAGIC) and magic != ZIP_MAGIC:
            size = path.stat().st_size
            if size > max_bytes:
                raise too_big(str(path), max_bytes)
            return FetchedSource(path, sha256_file(path), size)
        workspace.mkdir(parents=True, exist_ok=True)
        target = workspace / _file_name(path.name)
        digest, size = store_stream(handle, target, max_bytes=max_bytes, what=str(path))
    return FetchedSource(target, digest, size)


# ---------------------------------------------------------------------------------------------- HTTP


def fetch_http(
    url: str,
    workspace: Path,
    *,
    policy: FetchPolicy = FetchPolicy(),
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchedSource:
    """Download `url` (following up to `policy.max_redirects` checked redirects) into `workspace`."""
    deadline = time.monotonic() + policy.deadline_s
    headers = {"Accept-Encoding": "gzip", "Accept": "application/xml, text/xml, text/csv, */*;q=0.8"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    # trust_env=False: an HTTP(S)_PROXY from the environment would connect elsewhere than where we checked.
    with httpx.Client(headers={"User-Agent": USER_AGENT}, trust_env=False, follow_redirects=False) as client:
        for _ in range(policy.max_redirects + 1):
            with _request(client, url, headers, policy, deadline) as response:
                if response.status_code in REDIRECT_CODES and "location" in response.headers:
                    url = _next_hop(url, response.headers["location"])
                    continue
                return _receive(response, url, workspace, policy, deadline)
    raise SourceError(f"more than {policy.max_redirects} redirects, the last to {redact(url)}")


@contextmanager
def _request(
    client: httpx.Client, url: str, headers: dict[str, str], policy: FetchPolicy, deadline: float
) -> Iterator[httpx.Response]:
    """One checked, pinned GET whose body is left unread; httpx errors become ours."""
    target = pin(url, policy.allow_private)
    timeout = max(0.001, min(policy.timeout_s, deadline - time.monotonic()))
    try:
        with client.stream(
            "GET",
            target.url,
            headers={**headers, "Host": target.host_header},
            extensions={"sni_hostname": target.hostname} if target.tls else None,
            timeout=httpx.Timeout(timeout),
        ) as response:
            yield response
    except httpx.TimeoutException as exc:
        raise TransientFeedError(f"{redact(url)} timed out ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:  # connection refused or reset, TLS failure, broken HTTP
        raise TransientFeedError(f"cannot download {redact(url)}: {type(exc).__name__}: {exc}") from exc


def _receive(
    response: httpx.Response, url: str, workspace: Path, policy: FetchPolicy, deadline: float
) -> FetchedSource:
    """Turn a final (non-redirect) response into a file in the workspace, or the right error."""
    _check_status(response, url)
    headers = response.headers
    validators = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
    target = workspace / _file_name(urlsplit(url).path.rsplit("/", 1)[-1])
    if response.status_code == 304:
        return FetchedSource(target, "", 0, unchanged=True, **validators)
    content_type = response.headers.get("content-type")
    warnings = _content_warnings(content_type)
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > policy.max_bytes:
        raise too_big(redact(url), policy.max_bytes)
    body: Peekable = io.BufferedReader(_ChunkReader(response.iter_raw(), deadline, url))
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        body = gunzip(body)
    elif encoding not in ("identity", ""):
        raise SourceError(f"{redact(url)} is sent with Content-Encoding {encoding!r}; Feedhub reads gzip")
    workspace.mkdir(parents=True, exist_ok=True)
    digest, size = store_stream(body, target, max_bytes=policy.max_bytes, what=redact(url))
    return FetchedSource(target, digest, size, content_type=content_type, warnings=warnings, **validators)


def _check_status(response: httpx.Response, url: str) -> None:
    """Map HTTP errors: throttling, timeouts and 5xx may pass (transient); other 4xx will not."""
    status = response.status_code
    if status in (408, 429) or status >= 500:
        raise TransientFeedError(
            f"{redact(url)} answered HTTP {status} {response.reason_phrase}",
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )
    if status >= 400:
        hint = {401: "the feed needs a login", 403: "the server refuses Feedhub; is the feed public?",
                404: "check the feed URL", 410: "the feed was removed"}.get(status, "check the feed URL")
        raise SourceError(f"{redact(url)} answered HTTP {status} {response.reason_phrase}", hint=hint)
    if 300 <= status < 400 and status != 304:
        raise SourceError(f"{redact(url)} answered HTTP {status} without a usable Location header")


def _content_warnings(content_type: str | None) -> tuple[str, ...]:
    """A text/html answer is usually a login or error page; the parser refuses it, this says why early."""
    if content_type and content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        return (f"the server says the feed is {content_type!r}, which is usually a web page, not a feed",)
    return ()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _next_hop(url: str, location: str) -> str:
    """The absolute URL of a redirect; only http(s) may follow (no file://, ftp://, gopher://)."""
    target = urljoin(url, location.strip())
    if urlsplit(target).scheme.lower() not in ("http", "https"):
        raise SourceError(f"{redact(url)} redirects to {redact(target)}; only http(s) is followed")
    return target


class _ChunkReader(io.RawIOBase):
    """A file-like view of httpx's raw chunks for gzip and the capped copy; enforces the deadline."""

    def __init__(self, chunks: Iterator[bytes], deadline: float, url: str) -> None:
        self._chunks = chunks
        self._deadline = deadline
        self._url = url
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self._pending:
            if time.monotonic() > self._deadline:
                raise TransientFeedError(f"{redact(self._url)} took longer than the fetch deadline; stopped")
            self._pending = next(self._chunks, b"")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _file_name(name: str) -> str:
    """A safe workspace file name from a path or URL: no directories, no dots in front, no .gz/.zip."""
    name = _SAFE_NAME.sub("_", name).lstrip(".")
    for suffix in (".gz", ".zip"):
        name = name.removesuffix(suffix)
    return name or "source"
