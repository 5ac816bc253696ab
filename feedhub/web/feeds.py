"""The published-feed endpoint.

`/f/<token>/<export>.<ext>` serves the export as last published (file:// from disk, s3:// through
boto3), behind optional basic auth, and logs every request (time, IP, user agent, status, bytes)
so owners can see when a channel last fetched their feed. An unknown token and an unknown file
name both answer 404 and reveal nothing.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask

from accounts.models import Project, ProjectRevision
from accounts.published import ExportLink, check_basic_auth, log_download, resolve_link
from feeds.errors import FeedError
from feeds.project import ExportSpec, ProjectSpec
from feeds.storage import FileStorage
from flows.deps import RunDeps

MEDIA_TYPES = {
    ".xml": "application/xml",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".gz": "application/gzip",
}


router = APIRouter(include_in_schema=False)


@router.get("/f/{token}/{filename}")
def published_feed(token: str, filename: str, request: Request) -> Response:
    """The export as last published, or 404 for an unknown token or file name alike."""
    context = request.app.state.context
    return _serve_feed(context.sessions, context.deps, request, token, filename)


def export_file_name(export: ExportSpec) -> str:
    """The file name an export is served under: its name plus the suffixes of its publish URI."""
    suffixes = "".join(PurePosixPath(unquote(urlsplit(export.uri).path)).suffixes[-2:])
    return f"{export.name}{suffixes or '.xml'}"


def _serve_feed(
    sessions: sessionmaker[Session], deps: RunDeps, request: Request, token: str, name: str
) -> Response:
    with sessions.begin() as session:
        link = resolve_link(session, token)
        if link is None:
            return Response("not found", status_code=404)
        export = _export_of(session, link)
        shop_id = session.get_one(Project, link.project_id).shop_id
        status, path, cleanup = _locate(deps, export, name, request, link, shop_id)
        size = path.stat().st_size if path is not None else 0
        log_download(
            session, link, ip=request.client.host if request.client else "", status=status, size=size,
            user_agent=request.headers.get("user-agent", ""),
        )
    if status == 401:
        return Response("authentication required", status_code=401, headers={"WWW-Authenticate": 'Basic realm="feed"'})
    if path is None:
        return Response("not found", status_code=404)
    media = MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
    return FileResponse(path, media_type=media, filename=None, background=cleanup)


def _export_of(session: Session, link: ExportLink) -> ExportSpec | None:
    """The export as the project's current revision defines it."""
    data = session.scalars(
        select(ProjectRevision.spec)
        .join(Project, (Project.id == ProjectRevision.project_id) & (Project.head == ProjectRevision.number))
        .where(Project.id == link.project_id)
    ).one()
    exports = ProjectSpec.model_validate(data).exports
    return next((e for e in exports if e.name == link.export_name and e.uri), None)


def _locate(
    deps: RunDeps, export: ExportSpec | None, name: str, request: Request, link: ExportLink, shop_id: int
) -> tuple[int, Path | None, BackgroundTask | None]:
    if export is None or name != export_file_name(export):
        return 404, None, None
    if not check_basic_auth(link, *_basic_credentials(request)):
        return 401, None, None
    try:  # the shop's own folder and prefixes only, as where runs publish: a spec saved before they were set
        storage = deps.storage(export.uri, shop_id)  # is not served from elsewhere
    except FeedError:
        return 404, None, None
    if isinstance(storage, FileStorage):
        return (200, storage.path, None) if storage.path.is_file() else (404, None, None)
    folder = tempfile.TemporaryDirectory(prefix="feedhub-serve-")
    path = Path(folder.name) / name
    if not storage.fetch_current(path):
        folder.cleanup()
        return 404, None, None
    return 200, path, BackgroundTask(folder.cleanup)


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None, None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user, password
