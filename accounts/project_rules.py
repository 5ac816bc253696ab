"""A project's rules one at a time, by stable id: add, replace in place, switch on or off, delete, reorder.

The API and the pages edit rules this way; each change is a new revision of the whole spec, saved
through `edit_project` (so concurrent edits queue) after `check` has refused what a run would refuse.
With `export`, the change is to that export's own rules (run after the shared ones) instead.
Rules saved before ids existed get theirs at the first change (`feeds.project.with_rule_ids`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from accounts.errors import AccountsError
from accounts.models import User
from accounts.projects import edit_project
from accounts.published import ExportLinkNotFound
from feeds.project import ProjectSpec, new_rule_id, with_rule_ids

Rules = list[dict[str, Any]]
SpecCheck = Callable[[ProjectSpec], None]


class RuleNotFound(AccountsError):
    """The project has no rule with this id."""

    def __init__(self, project_id: int, rule_id: str) -> None:
        super().__init__(f"project {project_id} has no rule {rule_id!r}")
        self.project_id = project_id
        self.rule_id = rule_id


class InvalidRuleOrder(AccountsError):
    """A new order must name every rule of the project exactly once."""

    def __init__(self, known: list[str]) -> None:
        super().__init__(f"the new order must name each of the project's rules once: {', '.join(known)}")
        self.known = known


def add_rule(session: Session, actor: User, project_id: int, rule: dict[str, Any], *, check: SpecCheck,
             position: int | None = None, export: str | None = None) -> tuple[int, dict[str, Any]]:
    """Insert `rule` with a new id at `position` (default: last) (write); returns its position and the rule."""
    rule = {**rule, "id": new_rule_id()}

    def insert(rules: Rules) -> Rules:
        at = len(rules) if position is None else min(position, len(rules))
        return [*rules[:at], rule, *rules[at:]]

    rules = _edit(session, actor, project_id, insert, check=check, note="rule added", export=export)
    return _position(project_id, rules, rule["id"]), rule


def update_rule(session: Session, actor: User, project_id: int, rule_id: str, rule: dict[str, Any], *,
                check: SpecCheck, export: str | None = None) -> tuple[int, dict[str, Any]]:
    """Replace a rule, keeping its id and position (write)."""
    rule = {**rule, "id": rule_id}

    def replace(rules: Rules) -> Rules:
        at = _position(project_id, rules, rule_id)
        return [*rules[:at], rule, *rules[at + 1 :]]

    rules = _edit(session, actor, project_id, replace, check=check, note="rule updated", export=export)
    return _position(project_id, rules, rule_id), rule


def switch_rule(session: Session, actor: User, project_id: int, rule_id: str, *, enabled: bool,
                check: SpecCheck, export: str | None = None) -> tuple[int, dict[str, Any]]:
    """Enable or disable a rule (write)."""

    def switch(rules: Rules) -> Rules:
        at = _position(project_id, rules, rule_id)
        return [*rules[:at], {**rules[at], "enabled": enabled}, *rules[at + 1 :]]

    rules = _edit(session, actor, project_id, switch, check=check, note="rule enabled" if enabled else "rule disabled",
                  export=export)
    at = _position(project_id, rules, rule_id)
    return at, rules[at]


def delete_rule(session: Session, actor: User, project_id: int, rule_id: str, *, check: SpecCheck,
                export: str | None = None) -> None:
    """Delete a rule (write)."""

    def drop(rules: Rules) -> Rules:
        at = _position(project_id, rules, rule_id)
        return [*rules[:at], *rules[at + 1 :]]

    _edit(session, actor, project_id, drop, check=check, note="rule deleted", export=export)


def reorder_rules(session: Session, actor: User, project_id: int, ids: list[str], *, check: SpecCheck) -> Rules:
    """Put the rules in the order of `ids`, which names every rule once (write)."""

    def reorder(rules: Rules) -> Rules:
        by_id = {rule["id"]: rule for rule in rules}
        if sorted(ids) != sorted(by_id):
            raise InvalidRuleOrder(list(by_id))
        return [by_id[rule_id] for rule_id in ids]

    return _edit(session, actor, project_id, reorder, check=check, note="rules reordered")


def move_rule(session: Session, actor: User, project_id: int, rule_id: str, *, by: int, check: SpecCheck,
              export: str | None = None) -> Rules:
    """Move a rule `by` places (negative: earlier), stopping at either end (write)."""

    def move(rules: Rules) -> Rules:
        at = _position(project_id, rules, rule_id)
        rest = [*rules[:at], *rules[at + 1 :]]
        to = max(0, min(len(rest), at + by))
        return [*rest[:to], rules[at], *rest[to:]]

    return _edit(session, actor, project_id, move, check=check, note="rules reordered", export=export)


def _edit(session: Session, actor: User, project_id: int, change: Callable[[Rules], Rules], *, check: SpecCheck,
          note: str, export: str | None = None) -> Rules:
    """Apply `change` to the current rules, the shared ones or `export`'s (each given an id first), check the
    spec, save it as a revision."""
    saved: list[Rules] = []

    def edit(current: ProjectSpec) -> ProjectSpec:
        rules = change(with_rule_ids(rules_of(current, project_id, export)))
        if export is None:
            spec = current.model_copy(update={"rules": rules})
        else:
            spec = current.model_copy(update={"exports": [
                e.model_copy(update={"rules": rules}) if e.name == export else e for e in current.exports]})
        check(spec)
        saved.append(rules)
        return spec

    edit_project(session, actor, project_id, edit, note=note if export is None else f"{note} (export {export})")
    return saved[0]


def rules_of(spec: ProjectSpec, project_id: int, export: str | None) -> Rules:
    """The spec's shared rules, or (with `export`) that export's own; ExportLinkNotFound when it has none."""
    if export is None:
        return spec.rules
    found = next((e for e in spec.exports if e.name == export), None)
    if found is None:
        raise ExportLinkNotFound(project_id, export)
    return found.rules


def _position(project_id: int, rules: Rules, rule_id: str) -> int:
    at = next((i for i, rule in enumerate(rules) if rule.get("id") == rule_id), None)
    if at is None:
        raise RuleNotFound(project_id, rule_id)
    return at
