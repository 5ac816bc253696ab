"""The published-feed endpoint.

`/f/<token>/<export>.<ext>` serves the export as last published, for GET and HEAD, behind optional basic
auth, and logs every request (time, IP, user agent, status, bytes) so owners can see when a channel last
fetched their feed. file:// exports are read from disk; s3:// ones are streamed from the bucket, or with
FEEDHUB_SERVE_S3_REDIRECT=presigned answered by a redirect to a presigned URL valid for a minute.

What a request learns, in this order: an unknown token and an unknown file name both answer 404 and
reveal nothing; then basic auth (401) before anything about the file; then whether it is published
(404), its validators and its bytes. Only the shop's own folder and prefixes are served.

The HTTP rules are in `feed_http`: ETag and Last-Modified from what is published, 304 for a matching
If-None-Match or If-Modified-Since, one byte range, and for a plain export the gzip copy written at
publish to clients that accept gzip (`Vary: Accept-Encoding`). Exports published as .gz are sent as
they are. The headers and the bytes are always of one version: the storage pins it (an open file, an
S3 ETag) before the headers are made.

On SQLite every transaction holds the write lock. A file:// export without a password is answered in
one transaction (the file is opened, not read, inside it); otherwise the link is read in one and the
request logged in another, so no request's argon2 check or S3 round trip stalls every other. The
second transaction costs ~1.7 ms of CPU: one transaction served 40 % more 304s and small gzip answers
a second on bench/bench_serve.py.
"""

from __future__ import annotations

import base64
import binascii
import logging
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Project, ProjectRevision
from accounts.published import ExportLink, check_basic_auth, log_download, resolve_link
from feedhub.settings import Settings
from feedhub.web.context import WebContext
from feedhub.web.feed_http import (
    RangeNotSatisfiable,
    accepts_gzip,
    byte_range,
    entity_tag,
    http_date,
    not_modified,
)
from feedhub.web.streaming import ReadableResponse
from feeds.errors import FeedError, PublishedChanged
from feeds.project import ExportSpec, ProjectSpec, output_type
from feeds.storage import CurrentExport, Storage

MEDIA_TYPES = {
    ".xml": "application/xml",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".gz": "application/gzip",
}
READ_ATTEMPTS = 2  # an S3 object replaced between its HEAD and its GET is looked up once more
UNAVAILABLE_RETRY_AFTER_S = 60

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@router.api_route("/f/{token}/{filename}", methods=["GET", "HEAD"])
def published_feed(token: str, filename: str, request: Request) -> Response:
    """The export as last published, or 404 for an unknown token or file name alike."""
    return _serve_feed(request.app.state.context, request, token, filename)


def export_file_name(export: ExportSpec) -> str:
    """The file name an export is served under: its name plus the suffixes of its publish URI."""
    suffixes = "".join(PurePosixPath(unquote(urlsplit(export.uri).path)).suffixes[-2:])
    if not suffixes and export.template is not None:
        suffixes = output_type(export)[0]
    return f"{export.name}{suffixes or '.xml'}"


class _Answer(NamedTuple):
    response: Response
    logged_bytes: int  # what the download log records: the body's length, 0 without one


def _serve_feed(context: WebContext, request: Request, token: str, name: str) -> Response:
    with context.sessions.begin() as session:
        link = resolve_link(session, token)
        if link is None:
            return _text(404, "not found")
        export, shop_id = _export_of(session, link)
        if link.auth_hash is None and (export is None or export.uri.lower().startswith("file:")):
            answer = _answer(context, request, link, export, name, shop_id)  # nothing slow: no argon2, no S3
            _log(session, request, link, answer)
            return answer.response
    answer = _answer(context, request, link, export, name, shop_id)
    with context.sessions.begin() as session:
        _log(session, request, link, answer)
    return answer.response


def _log(session: Session, request: Request, link: ExportLink, answer: _Answer) -> None:
    """Log the request; if that fails, close what the answer would have sent (nothing else would)."""
    try:
        log_download(
            session, link, ip=request.client.host if request.client else "", user_agent=request.headers.get(
                "user-agent", ""), status=answer.response.status_code, size=answer.logged_bytes,
        )
        session.flush()
    except BaseException:
        if isinstance(answer.response, ReadableResponse) and answer.response.source is not None:
            answer.response.source.close()
        raise


def _export_of(session: Session, link: ExportLink) -> tuple[ExportSpec | None, int]:
    """The export as the project's current revision defines it, and the project's shop."""
    data, shop_id = session.execute(
        select(ProjectRevision.spec, Project.shop_id)
        .join(Project, (Project.id == ProjectRevision.project_id) & (Project.head == ProjectRevision.number))
        .where(Project.id == link.project_id)
    ).one()
    exports = ProjectSpec.model_validate(data).exports
    return next((e for e in exports if e.name == link.export_name and e.uri), None), shop_id


def _answer(
    context: WebContext, request: Request, link: ExportLink, export: ExportSpec | None, name: str, shop_id: int
) -> _Answer:
    """Validate everything about the request, then read the storage."""
    if export is None or name != export_file_name(export):
        return _Answer(_text(404, "not found"), 0)
    if not check_basic_auth(link, *_basic_credentials(request)):
        headers = {"WWW-Authenticate": 'Basic realm="feed"'}
        return _Answer(_text(401, "authentication required", headers), 0)
    try:  # the shop's own folder and prefixes only, as where runs publish: a spec saved before they were set
        storage = context.deps.storage(export.uri, shop_id)  # is not served from elsewhere
    except FeedError:
        return _Answer(_text(404, "not found"), 0)
    as_published = export.gzip or name.endswith(".gz")  # gzip already: sent as it is, no copy to choose
    gzip_copy = not as_published and accepts_gzip(request.headers.get("accept-encoding"))
    for _ in range(READ_ATTEMPTS):
        try:
            return _read(context.settings, request, storage, name, gzip_copy=gzip_copy, vary=not as_published,
                         media_type=_media_type(export, name))
        except PublishedChanged:
            continue
        except FeedError as exc:
            log.warning("cannot serve %s: %s", export.uri, exc)
            break
    headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)}
    return _Answer(_text(503, "feed temporarily unavailable", headers), 0)


def _media_type(export: ExportSpec, name: str) -> str:
    """A template export's own media type (xml, csv or tsv, as its template writes); else the file name's."""
    suffix = Path(name).suffix
    if export.template is not None and suffix != ".gz":
        return output_type(export)[1]
    return MEDIA_TYPES.get(suffix, "application/octet-stream")


def _read(
    settings: Settings, request: Request, storage: Storage, name: str, *, gzip_copy: bool, vary: bool,
    media_type: str,
) -> _Answer:
    current = storage.open_current(gzip_copy=gzip_copy)
    if current is None:
        return _Answer(_text(404, "not found"), 0)
    with current:
        return _represent(settings, request, current, media_type=media_type, vary=vary)


def _represent(
    settings: Settings, request: Request, current: CurrentExport, *, media_type: str, vary: bool
) -> _Answer:
    """304, a redirect to the object itself, 416, or the headers and (GET) the bytes of the pinned version."""
    info = current.info
    etag = entity_tag(info.version, gzip_copy=info.gzip_copy)
    headers = {"ETag": etag, "Last-Modified": http_date(info.modified)}
    if vary:
        headers["Vary"] = "Accept-Encoding"
    if not_modified(request.headers.get("if-none-match"), request.headers.get("if-modified-since"),
                    etag=etag, modified=info.modified):
        return _Answer(Response(status_code=304, headers=headers), 0)
    head = request.method == "HEAD"
    if settings.serve_s3_redirect == "presigned":
        url = current.presigned_url(expires_s=settings.serve_s3_presigned_ttl_s, head=head)
        if url is not None:
            redirect = headers | {"Location": url, "Cache-Control": "no-store"}  # the URL expires: never cached
            return _Answer(Response(status_code=307, headers=redirect), 0)
    headers["Accept-Ranges"] = "bytes"
    try:
        span = None if head else byte_range(request.headers.get("range"), request.headers.get("if-range"),
                                            size=info.size, etag=etag, modified=info.modified)
    except RangeNotSatisfiable:
        return _Answer(_text(416, "range not satisfiable", headers | {"Content-Range": f"bytes */{info.size}"}), 0)
    if info.gzip_copy:
        headers["Content-Encoding"] = "gzip"
    start, end = span or (0, info.size)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{info.size}"
    headers["Content-Length"] = str(end - start)
    source = None if head else current.open_bytes(start, end)
    response = ReadableResponse(source, end - start, status_code=200 if span is None else 206, headers=headers,
                                media_type=media_type)
    return _Answer(response, 0 if head else end - start)


def _text(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status, headers=headers)


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user, password
