"""Rules of a project, each with a stable id: create, update in place, reorder, enable or disable, delete.

A rule's id is its `id` field, given when the rule is first saved (or at the first change of a spec
whose rules have none), and kept through edits and reorders, so a client can address "this rule"
while others edit the list. Every change is a new revision, checked whole first (accounts.project_rules).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

import accounts
from accounts import project_rules
from feedhub.web.api.projects import spec_check
from feedhub.web.api.schemas import Body
from feedhub.web.caller import Context, Db, Me

router = APIRouter(tags=["rules"])


class RuleBody(Body):
    rule: dict[str, Any]
    position: int | None = Field(default=None, ge=0)  # where to insert; default: at the end


class RuleUpdate(Body):
    rule: dict[str, Any]


class RuleSwitch(Body):
    enabled: bool


class RuleOrder(Body):
    ids: list[str]


def rule_view(position: int, rule: dict[str, Any]) -> dict[str, Any]:
    """One rule with its id, position and switch."""
    return {"id": rule.get("id"), "position": position, "enabled": bool(rule.get("enabled", True)), "rule": rule}


@router.get("/projects/{project_id}/rules")
def list_rules(project_id: int, user: Me, session: Db) -> dict[str, Any]:
    """The project's rules in the order they run."""
    spec = accounts.get_current_spec(session, user, project_id)
    return {"items": [rule_view(i, rule) for i, rule in enumerate(spec.rules)]}


@router.post("/projects/{project_id}/rules", status_code=201)
def add_rule(project_id: int, body: RuleBody, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Add a rule (at `position`, default last) (write)."""
    check = spec_check(session, user, project_id, context)
    return rule_view(*project_rules.add_rule(session, user, project_id, body.rule, check=check, position=body.position))


@router.put("/projects/{project_id}/rules/{rule_id}")
def update_rule(project_id: int, rule_id: str, body: RuleUpdate, user: Me, session: Db,
                context: Context) -> dict[str, Any]:
    """Replace a rule in place, keeping its id and position (write)."""
    check = spec_check(session, user, project_id, context)
    return rule_view(*project_rules.update_rule(session, user, project_id, rule_id, body.rule, check=check))


@router.patch("/projects/{project_id}/rules/{rule_id}")
def switch_rule(project_id: int, rule_id: str, body: RuleSwitch, user: Me, session: Db,
                context: Context) -> dict[str, Any]:
    """Enable or disable a rule (write)."""
    check = spec_check(session, user, project_id, context)
    return rule_view(*project_rules.switch_rule(session, user, project_id, rule_id, enabled=body.enabled,
                                                check=check))


@router.delete("/projects/{project_id}/rules/{rule_id}", status_code=204)
def delete_rule(project_id: int, rule_id: str, user: Me, session: Db, context: Context) -> None:
    """Delete a rule (write)."""
    project_rules.delete_rule(session, user, project_id, rule_id, check=spec_check(session, user, project_id, context))


@router.put("/projects/{project_id}/rules-order")
def reorder_rules(project_id: int, body: RuleOrder, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Put the rules in the order of `ids`, which must name every rule once (write)."""
    check = spec_check(session, user, project_id, context)
    rules = project_rules.reorder_rules(session, user, project_id, body.ids, check=check)
    return {"items": [rule_view(i, rule) for i, rule in enumerate(rules)]}



