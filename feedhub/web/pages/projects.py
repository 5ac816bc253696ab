"""A project's pages: source, schedule and exports; rules in order with a live preview while one is
edited (nothing is saved until "Save the rule"); runs; revisions; the product browser with the trace
of one product. Every form posts to the services the API uses."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

import accounts
from accounts import project_rules
from accounts.projects import access_project
from accounts.published import list_downloads, list_links, rotate_token, set_basic_auth
from accounts.roles import Action
from accounts.runs import list_runs
from feedhub.web import catalogue
from feedhub.web.api.exports import served_urls
from feedhub.web.api.projects import check_spec, spec_check, spec_of
from feedhub.web.caller import Caller, Context, Db, MaybeCaller, Posted
from feedhub.web.language import page_translations
from feedhub.web.pages.base import form_data, go, may, message, render, signed_in
from feeds.errors import ConfigError, FeedError
from feeds.formats import FORMATS
from feeds.transforms import RULE_TYPES

router = APIRouter(include_in_schema=False)
PREVIEW_ELEMENTS = 8
PRODUCTS_PER_PAGE = 25
CHANNELS = [key for key, fmt in FORMATS.items() if key not in ("xml", "csv", "tsv")]


@router.get("/shops/{shop_id}/projects/new", response_class=HTMLResponse)
def new_project_form(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    def act(c: Caller) -> Response:
        accounts.access_shop(session, c.user, shop_id, Action.EDIT_FEEDS)
        title = page_translations(request, c).gettext("New project")
        return render(request, "project_new.html", caller=c, title=title, shop_id=shop_id, formats=CHANNELS)
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
            can_edit=may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS)),
            rule_text=lambda rule: json.dumps({k: v for k, v in rule.items() if k not in ("id", "enabled")},
                                              ensure_ascii=False),
        )
    return signed_in(request, caller, act)


def rule_stats(runs: list[Any], head: int) -> dict[int, dict[str, Any]]:
    """Per rule position (1-based): selected, changed and errors in the newest run of the current revision."""
    run = next((r for r in runs if r.revision == head and r.report.get("rules")), None)
    return {} if run is None else {stats["index"]: stats for stats in run.report["rules"]}


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


def _editor(request: Request, c: Caller, project_id: int, rule: dict[str, Any], *, rule_id: str | None,
            can_edit: bool, problems: list[str] | None = None, status: int = 200) -> Response:
    _ = page_translations(request, c).gettext
    return render(
        request, "rule.html", caller=c, title=_("Edit the rule") if rule_id else _("Add a rule"), project_id=project_id,
        rule_id=rule_id, rule_type=rule.get("type", "rewriting"), types=list(RULE_TYPES), can_edit=can_edit,
        text=json.dumps({k: v for k, v in rule.items() if k != "id"}, ensure_ascii=False, indent=2),
        problems=problems or [], status=status,
    )


@router.get("/projects/{project_id}/rules/new", response_class=HTMLResponse)
def new_rule_form(project_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    def act(c: Caller) -> Response:
        access_project(session, c.user, project_id, Action.VIEW)
        can_edit = may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS))
        starter = {"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME%"}
        return _editor(request, c, project_id, starter, rule_id=None, can_edit=can_edit)
    return signed_in(request, caller, act, back=f"/projects/{project_id}")


@router.get("/projects/{project_id}/rules/{rule_id}", response_class=HTMLResponse)
def rule_form(project_id: int, rule_id: str, request: Request, caller: MaybeCaller, session: Db) -> Response:
    def act(c: Caller) -> Response:
        rules = accounts.get_current_spec(session, c.user, project_id).rules
        rule = next((r for r in rules if r.get("id") == rule_id), None)
        if rule is None:
            raise project_rules.RuleNotFound(project_id, rule_id)
        can_edit = may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS))
        return _editor(request, c, project_id, rule, rule_id=rule_id, can_edit=can_edit)
    return signed_in(request, caller, act, back=f"/projects/{project_id}")


def _posted_rule(form: dict[str, str]) -> dict[str, Any]:
    """The rule a form holds: its JSON, with the type the select names."""
    try:
        rule = json.loads(form.get("rule", "") or "{}")
    except json.JSONDecodeError as exc:
        raise ConfigError([f"the rule is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]) from None
    except RecursionError:  # Python's JSON reader recurses once per [ or {
        raise ConfigError(["the rule nests lists or objects too deep to read"]) from None
    if not isinstance(rule, dict):
        raise ConfigError(["the rule must be a JSON object, e.g. {\"element\": \"PRODUCTNAME\", ...}"])
    return {**rule, "type": form.get("type") or rule.get("type", "")}


@router.post("/projects/{project_id}/rules/preview", response_class=HTMLResponse)
def rule_preview(project_id: int, request: Request, posted: Posted, caller: MaybeCaller, session: Db,
                       context: Context) -> Response:
    """The draft's effect over the whole catalogue against the saved rules (htmx fragment; nothing saved)."""
    form = form_data(posted)
    if caller is None:
        error = page_translations(request, None).gettext("sign in again to see the preview")
        return render(request, "preview.html", caller=None, error=error, report=None)
    try:
        spec = accounts.get_current_spec(session, caller.user, project_id)
        rule = {**_posted_rule(form), "id": form.get("rule_id") or "draft"}
        rules = [rule if r.get("id") == rule["id"] else r for r in spec.rules]
        if rule not in rules:
            rules.append(rule)
        report = catalogue.preview_draft(context, project_id, spec, rules)
    except (FeedError, accounts.AccountsError) as exc:
        problems = getattr(exc, "problems", None) or [getattr(exc, "message", str(exc))]
        return render(request, "preview.html", caller=caller, error="; ".join(problems), report=None)
    elements = sorted(report.elements.values(), key=lambda e: (-e.products, e.path))[:PREVIEW_ELEMENTS]
    return render(request, "preview.html", caller=caller, error="", report=report, elements=elements)


@router.post("/projects/{project_id}/rules/save", response_class=HTMLResponse)
def save_rule(project_id: int, request: Request, posted: Posted, caller: MaybeCaller, session: Db,
                    context: Context) -> Response:
    """Add or replace the rule; problems are shown under the rule, nothing is saved then."""
    form = form_data(posted)
    rule_id = form.get("rule_id") or None

    def act(c: Caller) -> Response:
        check = spec_check(session, c.user, project_id, context)
        try:
            rule = _posted_rule(form)
            if rule_id is None:
                project_rules.add_rule(session, c.user, project_id, rule, check=check)
            else:
                project_rules.update_rule(session, c.user, project_id, rule_id, rule, check=check)
        except ConfigError as exc:
            session.rollback()
            draft = {"type": form.get("type", "")}
            with_text = {**draft, **_lenient(form.get("rule", ""))}
            return _editor(request, c, project_id, with_text, rule_id=rule_id, can_edit=True,
                           problems=exc.problems, status=422)
        return go(f"/projects/{project_id}#rules")
    return signed_in(request, caller, act, back=f"/projects/{project_id}")


def _lenient(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _rule_action(name: str, session: Any, c: Caller, project_id: int, form: dict[str, str], check: Any) -> None:
    rule_id = form.get("rule_id", "")
    if name in ("enable", "disable"):
        project_rules.switch_rule(session, c.user, project_id, rule_id, enabled=name == "enable", check=check)
    elif name in ("up", "down"):
        project_rules.move_rule(session, c.user, project_id, rule_id, by=-1 if name == "up" else 1, check=check)
    elif name == "delete":
        project_rules.delete_rule(session, c.user, project_id, rule_id, check=check)


PROJECT_ACTIONS = ("run", "pause", "resume", "enable", "disable", "up", "down", "delete", "rotate", "rollback")
"""Every form a project page posts (`POST /projects/<id>/<name>`)."""


@router.post("/projects/{project_id}/{action}", response_class=HTMLResponse)
def project_action(project_id: int, action: str, request: Request, posted: Posted, caller: MaybeCaller, session: Db,
                         context: Context) -> Response:
    """Run now, pause or resume, a rule's switch, move or delete, a new export URL, a rollback."""
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
            paused = action == "pause"
            accounts.edit_project(session, c.user, project_id, lambda spec: spec.model_copy(
                update={"schedule": spec.schedule.model_copy(update={"paused": paused})}), note=action + "d")
        elif action == "rotate":
            rotate_token(session, c.user, project_id, form.get("export", ""))
        elif action == "rollback":
            accounts.rollback_project(session, c.user, project_id, int(form.get("revision", "0")),
                                      check=spec_check(session, c.user, project_id, context))
        else:
            _rule_action(action, session, c, project_id, form, spec_check(session, c.user, project_id, context))
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


@router.get("/projects/{project_id}/exports/{export}", response_class=HTMLResponse)
def export_page(project_id: int, export: str, request: Request, caller: MaybeCaller, session: Db,
                context: Context) -> Response:
    """One export: its public URL, basic auth, who downloaded it, and its invalid products by reason."""
    def act(c: Caller) -> Response:
        _ = page_translations(request, c).gettext
        spec = accounts.get_current_spec(session, c.user, project_id)
        link = next((link for link in list_links(session, c.user, project_id) if link.export_name == export), None)
        if link is None or export not in {e.name for e in spec.exports}:
            return message(request, c, _("Not found"), status=404,
                           error=_("the project has no export {export}").format(export=repr(export)))
        return render(
            request, "export.html", caller=c, title=_("Export {export}").format(export=export), project_id=project_id,
            link=link,
            url=served_urls(context, spec, [link]).get(export, ""), downloads=list_downloads(
                session, c.user, project_id, export, limit=50),
            validation=validation_view(list_runs(session, c.user, project_id, limit=10), export),
            can_edit=may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS)),
        )
    return signed_in(request, caller, act, back=f"/projects/{project_id}")


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
