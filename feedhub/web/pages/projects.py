"""A project's pages: source, schedule and exports; rules in order (edited in `rules`); runs; revisions; the
product browser with the trace of one product. Every form posts to the services the API uses."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

import accounts
from accounts import project_rules
from accounts.access import access_project
from accounts.projects import set_paused
from accounts.published import list_links, rotate_token
from accounts.roles import Action
from accounts.runs import list_runs
from feedhub.web import catalogue
from feedhub.web.api.exports import served_urls
from feedhub.web.api.projects import check_spec, spec_check, spec_of
from feedhub.web.caller import Caller, Context, Db, MaybeCaller, Posted
from feedhub.web.language import page_translations
from feedhub.web.pages.base import form_data, go, may, message, render, signed_in
from feedhub.web.pages.rules import rule_stats, rule_text, rules_page
from feeds.channels import CHANNEL_TARGETS

router = APIRouter(include_in_schema=False)
PRODUCTS_PER_PAGE = 25


@router.get("/shops/{shop_id}/projects/new", response_class=HTMLResponse)
def new_project_form(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    def act(c: Caller) -> Response:
        accounts.access_shop(session, c.user, shop_id, Action.EDIT_FEEDS)
        title = page_translations(request, c).gettext("New project")
        return render(request, "project_new.html", caller=c, title=title, shop_id=shop_id, formats=CHANNEL_TARGETS)
    return signed_in(request, caller, act, back=f"/shops/{shop_id}")


@router.post("/shops/{shop_id}/projects/new", response_class=HTMLResponse)
def new_project(
    shop_id: int, request: Request, posted: Posted, caller: MaybeCaller, session: Db, context: Context
) -> Response:
    """A project over a feed URL with one export, published in the shop's own folder."""
    form = form_data(posted)

    def act(c: Caller) -> Response:
        accounts.access_shop(session, c.user, shop_id, Action.EDIT_FEEDS)
        name, fmt = form.get("name", "").strip(), form.get("format", "heureka")
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "feed"
        target = context.settings.shop_exports_dir(shop_id).resolve() / f"{slug}-{fmt}.xml"
        spec = spec_of({"source": form.get("source", "").strip(),
                        "exports": [{"name": fmt, "format": fmt, "uri": target.as_uri()}]})
        check_spec(context, spec, shop_id)
        return go(f"/projects/{accounts.create_project(session, c.user, shop_id, name=name, spec=spec).id}")
    return signed_in(request, caller, act, back=f"/shops/{shop_id}/projects/new")


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(project_id: int, request: Request, caller: MaybeCaller, session: Db, context: Context) -> Response:
    """Source, schedule, rules, exports with their public URLs, runs and revisions."""
    def act(c: Caller) -> Response:
        project = access_project(session, c.user, project_id, Action.VIEW)
        spec = accounts.get_current_spec(session, c.user, project_id)
        links = list_links(session, c.user, project_id)
        runs = list_runs(session, c.user, project_id, limit=10)
        return render(
            request, "project.html", caller=c, title=project.name, project=project, spec=spec,
            urls=served_urls(context, spec, links), runs=runs, stats=rule_stats(runs, project.head),
            revisions=accounts.list_history(session, c.user, project_id)[:10],
            can_edit=may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS)), rule_text=rule_text,
        )
    return signed_in(request, caller, act)


def _rule_action(name: str, session: Any, c: Caller, project_id: int, form: dict[str, str], check: Any) -> None:
    """A rule's switch, move or delete: of the shared rules, or of the export the form names."""
    rule_id, export = form.get("rule_id", ""), form.get("export") or None
    if name in ("enable", "disable"):
        project_rules.switch_rule(session, c.user, project_id, rule_id, enabled=name == "enable", check=check,
                                  export=export)
    elif name in ("up", "down"):
        project_rules.move_rule(session, c.user, project_id, rule_id, by=-1 if name == "up" else 1, check=check,
                                export=export)
    elif name == "delete":
        project_rules.delete_rule(session, c.user, project_id, rule_id, check=check, export=export)


PROJECT_ACTIONS = ("run", "pause", "resume", "enable", "disable", "up", "down", "delete", "rotate", "rollback")
"""Every form a project page posts (`POST /projects/<id>/<name>`)."""


@router.post("/projects/{project_id}/{action}", response_class=HTMLResponse)
def project_action(project_id: int, action: str, request: Request, posted: Posted, caller: MaybeCaller, session: Db,
                         context: Context) -> Response:
    """Run now, pause or resume, a rule's switch, move or delete (of an export's own rules when the form names
    the export), a new export URL, a rollback."""
    if action not in PROJECT_ACTIONS:
        return message(request, caller, page_translations(request, caller).gettext("Not found"), status=404)
    form = form_data(posted)

    def act(c: Caller) -> Response:
        if action == "run":
            access_project(session, c.user, project_id, Action.RUN_FEEDS)
            session.commit()
            context.launch_run(project_id, c.user.id)
            return go(f"/projects/{project_id}#runs")
        if action in ("pause", "resume"):
            set_paused(session, c.user, project_id, paused=action == "pause")
        elif action == "rotate":
            rotate_token(session, c.user, project_id, form.get("export", ""))
        elif action == "rollback":
            accounts.rollback_project(session, c.user, project_id, int(form.get("revision", "0")),
                                      check=spec_check(session, c.user, project_id, context))
        else:
            _rule_action(action, session, c, project_id, form, spec_check(session, c.user, project_id, context))
            return go(rules_page(project_id, form.get("export") or None) + "#rules")
        return go(f"/projects/{project_id}")
    return signed_in(request, caller, act, back=f"/projects/{project_id}")


@router.get("/projects/{project_id}/products", response_class=HTMLResponse)
def products_page(project_id: int, request: Request, caller: MaybeCaller, session: Db, context: Context,
                  query: str = "", page: int = 1) -> Response:
    """Products as the feed has them and as the rules make them, filtered by an MQL query."""
    def act(c: Caller) -> Response:
        spec = accounts.get_current_spec(session, c.user, project_id)
        found = catalogue.browse(context, project_id, spec, query=query, offset=(max(page, 1) - 1) * PRODUCTS_PER_PAGE,
                                 limit=PRODUCTS_PER_PAGE)
        title = page_translations(request, c).gettext("Products")
        return render(request, "products.html", caller=c, title=title, project_id=project_id, query=query,
                      found=found, page=max(page, 1), pages=max(1, -(-found.matched // PRODUCTS_PER_PAGE)))
    return signed_in(request, caller, act, back=f"/projects/{project_id}")


@router.get("/projects/{project_id}/products/{product}", response_class=HTMLResponse)
def trace_page(project_id: int, product: str, request: Request, caller: MaybeCaller, session: Db,
               context: Context) -> Response:
    """Rule by rule, what the rules do to one product."""
    def act(c: Caller) -> Response:
        _ = page_translations(request, c).gettext
        found = catalogue.trace(context, project_id, accounts.get_current_spec(session, c.user, project_id), product)
        if found is None:
            return message(request, c, _("Not found"), status=404, back=f"/projects/{project_id}/products",
                           error=_("the project's feed has no product with id {id}").format(id=repr(product)))
        return render(request, "trace.html", caller=c, project_id=project_id, trace=found,
                      title=_("Product {product}").format(product=product))
    return signed_in(request, caller, act, back=f"/projects/{project_id}/products")


@router.get("/projects/{project_id}/queries", response_class=HTMLResponse)
def queries_fragment(project_id: int, request: Request, caller: MaybeCaller, session: Db,
                     context: Context) -> Response:
    """The saved queries with how many of the feed's products each selects (loaded into the project page)."""
    def act(c: Caller) -> Response:
        spec = accounts.get_current_spec(session, c.user, project_id)
        products, counts, unknown = catalogue.saved_query_counts(context, project_id, spec)
        return render(request, "queries.html", caller=c, project_id=project_id, products=products,
                      queries=[(name, text, counts[name], unknown.get(name, []))
                               for name, text in spec.queries.items()])
    return signed_in(request, caller, act)
