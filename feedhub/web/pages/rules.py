"""The rule editor: one rule of the project's shared rules, or of one export's own rules (run after the shared
ones), with a live preview while it is edited (nothing is saved until "Save the rule").

The same routes serve both lists: `/projects/<id>/rules/...` edits the shared rules and
`/projects/<id>/exports/<name>/rules/...` that export's, through the same services as the API.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

import accounts
from accounts import project_rules
from accounts.access import access_project
from accounts.roles import Action
from feedhub.web import catalogue
from feedhub.web.api.projects import spec_check
from feedhub.web.caller import Caller, Context, Db, MaybeCaller, Posted
from feedhub.web.language import page_translations
from feedhub.web.pages.base import form_data, go, may, render, signed_in
from feeds.errors import ConfigError, FeedError
from feeds.transforms import RULE_TYPES

router = APIRouter(include_in_schema=False)
PREVIEW_ELEMENTS = 8
SHARED = "/projects/{project_id}/rules"
OWN = "/projects/{project_id}/exports/{export}/rules"


def rules_export(request: Request) -> str | None:
    """The export whose own rules the route edits (its path names one), or None for the shared rules."""
    return request.path_params.get("export")


Export = Annotated[str | None, Depends(rules_export)]


def rules_page(project_id: int, export: str | None) -> str:
    """The page that lists the rules: the project's, or the export's."""
    return f"/projects/{project_id}" if export is None else f"/projects/{project_id}/exports/{export}"


def rule_text(rule: dict[str, Any]) -> list[tuple[str, str]]:
    """A rule's settings for a rule list, one (field, value) line each: texts as typed, other values as
    JSON; without what the list shows apart (id, type, name, switch)."""
    return [(key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            for key, value in rule.items() if key not in ("id", "type", "name", "enabled")]


def rule_stats(runs: list[Any], head: int, export: str | None = None) -> dict[int, dict[str, Any]]:
    """Per rule position (1-based): selected, changed and errors in the newest run of the current revision, of
    the shared rules or of `export`'s own."""
    for run in runs:
        if run.revision != head:
            continue
        if export is None:
            found = run.report.get("rules")
        else:
            found = next((e.get("rules") for e in run.report.get("exports", []) if e.get("name") == export), None)
        if found:
            return {stats["index"]: stats for stats in found}
    return {}


def _editor(request: Request, c: Caller, project_id: int, rule: dict[str, Any], *, rule_id: str | None,
            export: str | None, can_edit: bool, problems: list[str] | None = None, status: int = 200) -> Response:
    _ = page_translations(request, c).gettext
    return render(
        request, "rule.html", caller=c, title=_("Edit the rule") if rule_id else _("Add a rule"), export=export,
        base=rules_page(project_id, export), rule_id=rule_id, rule_type=rule.get("type", "rewriting"),
        types=list(RULE_TYPES), can_edit=can_edit, problems=problems or [], status=status,
        text=json.dumps({k: v for k, v in rule.items() if k != "id"}, ensure_ascii=False, indent=2),
    )


@router.get(SHARED + "/new", response_class=HTMLResponse)
@router.get(OWN + "/new", response_class=HTMLResponse)
def new_rule_form(project_id: int, export: Export, request: Request, caller: MaybeCaller, session: Db) -> Response:
    def act(c: Caller) -> Response:
        project_rules.rules_of(accounts.get_current_spec(session, c.user, project_id), project_id, export)
        can_edit = may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS))
        starter = {"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME%"}
        return _editor(request, c, project_id, starter, rule_id=None, export=export, can_edit=can_edit)
    return signed_in(request, caller, act, back=rules_page(project_id, export))


@router.get(SHARED + "/{rule_id}", response_class=HTMLResponse)
@router.get(OWN + "/{rule_id}", response_class=HTMLResponse)
def rule_form(project_id: int, rule_id: str, export: Export, request: Request, caller: MaybeCaller,
              session: Db) -> Response:
    def act(c: Caller) -> Response:
        rules = project_rules.rules_of(accounts.get_current_spec(session, c.user, project_id), project_id, export)
        rule = next((r for r in rules if r.get("id") == rule_id), None)
        if rule is None:
            raise project_rules.RuleNotFound(project_id, rule_id)
        can_edit = may(lambda: access_project(session, c.user, project_id, Action.EDIT_FEEDS))
        return _editor(request, c, project_id, rule, rule_id=rule_id, export=export, can_edit=can_edit)
    return signed_in(request, caller, act, back=rules_page(project_id, export))


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


@router.post(SHARED + "/preview", response_class=HTMLResponse)
@router.post(OWN + "/preview", response_class=HTMLResponse)
def rule_preview(project_id: int, export: Export, request: Request, posted: Posted, caller: MaybeCaller, session: Db,
                 context: Context) -> Response:
    """The draft's effect over the whole catalogue against the saved rules (htmx fragment; nothing saved); an
    export's draft runs after the shared rules on both sides."""
    form = form_data(posted)
    if caller is None:
        error = page_translations(request, None).gettext("sign in again to see the preview")
        return render(request, "preview.html", caller=None, error=error, report=None)
    try:
        spec = accounts.get_current_spec(session, caller.user, project_id)
        rule = {**_posted_rule(form), "id": form.get("rule_id") or "draft"}
        rules = [rule if r.get("id") == rule["id"] else r for r in project_rules.rules_of(spec, project_id, export)]
        if rule not in rules:
            rules.append(rule)
        report = catalogue.preview_draft(context, project_id, spec, rules, export)
    except (FeedError, accounts.AccountsError) as exc:
        problems = getattr(exc, "problems", None) or [getattr(exc, "message", str(exc))]
        return render(request, "preview.html", caller=caller, error="; ".join(problems), report=None)
    elements = sorted(report.elements.values(), key=lambda e: (-e.products, e.path))[:PREVIEW_ELEMENTS]
    return render(request, "preview.html", caller=caller, error="", report=report, elements=elements)


@router.post(SHARED + "/save", response_class=HTMLResponse)
@router.post(OWN + "/save", response_class=HTMLResponse)
def save_rule(project_id: int, export: Export, request: Request, posted: Posted, caller: MaybeCaller, session: Db,
              context: Context) -> Response:
    """Add or replace the rule; problems are shown under the rule, nothing is saved then."""
    form = form_data(posted)
    rule_id = form.get("rule_id") or None

    def act(c: Caller) -> Response:
        check = spec_check(session, c.user, project_id, context)
        try:
            rule = _posted_rule(form)
            if rule_id is None:
                project_rules.add_rule(session, c.user, project_id, rule, check=check, export=export)
            else:
                project_rules.update_rule(session, c.user, project_id, rule_id, rule, check=check, export=export)
        except ConfigError as exc:
            session.rollback()
            with_text = {"type": form.get("type", ""), **_lenient(form.get("rule", ""))}
            return _editor(request, c, project_id, with_text, rule_id=rule_id, export=export, can_edit=True,
                           problems=exc.problems, status=422)
        return go(rules_page(project_id, export) + "#rules")
    return signed_in(request, caller, act, back=rules_page(project_id, export))


def _lenient(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}
