"""Exports of a project as served: public URLs, token rotation, basic auth, the download log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

import accounts
from accounts.published import list_downloads, list_links, rotate_token, set_basic_auth
from feedhub.web.api.schemas import BasicAuthBody
from feedhub.web.api.views import link_view
from feedhub.web.caller import Context, Db, Me
from feedhub.web.context import WebContext
from feedhub.web.feeds import export_file_name
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page

router = APIRouter(tags=["exports"])


@router.get("/projects/{project_id}/links")
def links(project_id: int, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """The public URL of each export (read)."""
    found = list_links(session, user, project_id)
    urls = served_urls(context, accounts.get_current_spec(session, user, project_id), found)
    return {"items": [link_view(link, urls[link.export_name]) for link in found if link.export_name in urls]}


@router.post("/projects/{project_id}/exports/{export}/rotate-token")
def rotate(project_id: int, export: str, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """A new secret URL for the export; the old one answers 404 at once (write)."""
    link = rotate_token(session, user, project_id, export)
    urls = served_urls(context, accounts.get_current_spec(session, user, project_id), [link])
    return link_view(link, urls.get(export, ""))


@router.put("/projects/{project_id}/exports/{export}/basic-auth")
def basic_auth(project_id: int, export: str, body: BasicAuthBody, user: Me, session: Db,
               context: Context) -> dict[str, Any]:
    """Require HTTP basic auth for the export, or (no user) serve it without (write)."""
    link = set_basic_auth(session, user, project_id, export, user=body.user, password=body.password)
    urls = served_urls(context, accounts.get_current_spec(session, user, project_id), [link])
    return link_view(link, urls.get(export, ""))


@router.get("/projects/{project_id}/exports/{export}/downloads")
def downloads(project_id: int, export: str, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT,
              cursor: Cursor = None) -> dict[str, Any]:
    """Who fetched the export, and when, newest first (read)."""
    rows = list(enumerate(reversed(list_downloads(session, user, project_id, export))))  # numbered oldest first
    return page(rows, key=lambda r: r[0], newest_first=True, cursor=cursor, limit=limit,
                render=lambda r: {"at": r[1].at.isoformat(), "ip": r[1].ip, "user_agent": r[1].user_agent,
                                  "status": r[1].status, "bytes": r[1].bytes})


def served_urls(context: WebContext, spec: Any, links: list[Any]) -> dict[str, str]:
    """The public URL of each link whose export is still in the spec, by export name."""
    names = {e.name: export_file_name(e) for e in spec.exports}
    return {link.export_name: f"{context.base_url}/f/{link.token}/{names[link.export_name]}" for link in links
            if link.export_name in names}
