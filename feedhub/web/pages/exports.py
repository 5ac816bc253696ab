"""One export's page: its public URL and basic auth, its own rules (run after the shared ones, edited in the
rule editor), its settings (invalid products, channel defaults, element mapping), its invalid products by
reason and who downloaded it. Every form posts to the services the API uses; a change is a new revision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

import accounts
from accounts.access import access_project
from accounts.published import list_downloads, list_links, set_basic_auth
from accounts.roles import Action
from accounts.runs import list_runs
from feedhub.web.api.exports import served_urls
from feedhub.web.api.projects import spec_check
from feedhub.web.caller import Caller, Context, Db, MaybeCaller, Posted
from feedhub.web.context import WebContext
from feedhub.web.export_settings import ExportSettingsForm
from feedhub.web.language import page_translations
from feedhub.web.pages.base import form_data, go, may, message, render, signed_in
from feedhub.web.pages.rules import rule_stats, rule_text
from feeds.errors import ConfigError
from feeds.project import ProjectSpec

router = APIRouter(include_in_schema=False)


@router.get("/projects/{project_id}/exports/{export}", response_class=HTMLResponse)
def export_page(project_id: int, export: str, request: Request, caller: MaybeCaller, session: Db,
                context: Context) -> Response:
    """One export: its public URL, basic auth, own rules, settings, who downloaded it, and its invalid products."""
    return signed_in(request, caller, lambda c: _page(request, c, session, context, project_id, export),
                     back=f"/projects/{project_id}")


def _page(request: Request, c: Caller, session: Session, context: WebContext, project_id: int, export: str, *,
          typed: ExportSettingsForm | None = None, problems: list[str] | None = None, status: int = 200) -> Response:
    """The export's page; after a refused settings form, with what was typed and why it was refused."""
    _ = page_translations(request, c).gettext
    project = access_project(session, c.user, project_id, Action.VIEW)
    spec = accounts.get_current_spec(session, c.user, project_id)
    link = next((link for link in list_links(session, c.user, project_id) if link.export_name == export), None)
    found = next((e for e in spec.exports if e.name == export), None)
    if link is None or found is None:
        return message(request, c, _("Not found"), status=404,
                       error=_("the project has no export {export}").format(export=repr(export)))
    runs = list_runs(session, c.user, project_id, limit=10)
    return render(
        request, "export.html", caller=c, title=_("Export {export}").format(export=export), project_id=project_id,
        export=found, link=link, url=served_urls(context, spec, [link]).get(export, ""),
        downloads=list_downloads(session, c.user, project_id, export, limit=50),
        validation=validation_view(runs, export), stats=rule_stats(runs, project.head, export), rule_text=rule_text,
        can_edit=may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS)),
        settings=typed or ExportSettingsForm.from_export(found), problems=problems or [],
        status=status,
    )


def validation_view(runs: list[Any], export: str) -> dict[str, Any] | None:
    """The newest run's problems of one export, grouped by reason: what to fix first, and where."""
    for run in runs:
        found = next((e for e in run.report.get("exports", []) if e.get("name") == export), None)
        if found is not None:
            by_reason: dict[str, list[str]] = {}
            for problem in found.get("problems", []):
                product, _, reasons = problem.partition(": ")
                for reason in reasons.split("; "):
                    by_reason.setdefault(reason, []).append(product)
            groups = sorted(by_reason.items(), key=lambda item: -len(item[1]))
            return {"run": run, "invalid": found.get("invalid", 0), "products": found.get("products_out", 0),
                    "groups": groups, "listed": len(found.get("problems", []))}
    return None


@router.post("/projects/{project_id}/exports/{export}/settings", response_class=HTMLResponse)
def export_settings(project_id: int, export: str, request: Request, posted: Posted, caller: MaybeCaller,
                    session: Db, context: Context) -> Response:
    """Save the export's settings as a new revision; refused, the page comes back with every problem named and
    the form as it was typed, and nothing is saved."""
    typed = ExportSettingsForm.from_form(form_data(posted))

    def act(c: Caller) -> Response:
        check = spec_check(session, c.user, project_id, context)

        def edit(current: ProjectSpec) -> ProjectSpec:
            return typed.apply(current, export, check)

        try:
            accounts.edit_project(session, c.user, project_id, edit, note=f"export {export} settings changed")
        except ConfigError as exc:
            session.rollback()
            return _page(request, c, session, context, project_id, export, typed=typed, problems=exc.problems,
                         status=422)
        return go(f"/projects/{project_id}/exports/{export}#settings")
    return signed_in(request, caller, act, back=f"/projects/{project_id}/exports/{export}")


@router.post("/projects/{project_id}/exports/{export}/basic-auth", response_class=HTMLResponse)
def basic_auth_page(project_id: int, export: str, request: Request, posted: Posted, caller: MaybeCaller,
                    session: Db) -> Response:
    """Require a user name and password for the export, or (with "clear") serve it openly again."""
    form = form_data(posted)

    def act(c: Caller) -> Response:
        clear = "clear" in form
        set_basic_auth(session, c.user, project_id, export, user=None if clear else form.get("user", ""),
                       password=None if clear else form.get("password", ""))
        return go(f"/projects/{project_id}/exports/{export}")
    return signed_in(request, caller, act, back=f"/projects/{project_id}/exports/{export}")
