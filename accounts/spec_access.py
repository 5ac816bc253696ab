"""Which areas of a shop a change of a project's spec touches, and the elements its rules write.

`accounts.projects` lets a save in through `Action.EDIT_FEEDS` (any feed area), then checks here each
area the change touches and, for rules, each element a changed rule writes: so a catalogue editor may
change rules but not exports, and an element-limited profile only rules on its elements.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from accounts.access import require
from accounts.models import Project, User
from accounts.profiles import Area, Perm
from feeds.project import ProjectSpec

# Every top-level field of a ProjectSpec, by the area that owns it ("schedule" is split below: pausing
# is an edit of runs). A test checks the table covers every field.
FIELD_AREAS: dict[str, Area] = {
    "source": Area.SOURCES,
    "source_format": Area.SOURCES,
    "schedule": Area.SOURCES,
    "queries": Area.RULES,
    "variables": Area.RULES,
    "group_by": Area.RULES,
    "rules": Area.RULES,
    "exports": Area.EXPORTS,
    "max_drop_ratio": Area.EXPORTS,  # the publish quality gate
}


def check_spec_change(session: Session, actor: User, project: Project | None, shop_id: int,
                      old: ProjectSpec | None, new: ProjectSpec) -> None:
    """Refuse the change unless the actor may edit every area it touches and write every element its
    changed rules write (a new project: `old` None, needs sources:add)."""
    project_id = None if project is None else project.id
    if old is None:
        require(session, actor, shop_id, Area.SOURCES, Perm.ADD, project_id=project_id)
    for area in sorted(touched_areas(old, new)):
        require(session, actor, shop_id, area, Perm.EDIT, project_id=project_id)
    for element in sorted(changed_elements(old, new)):
        require(session, actor, shop_id, Area.RULES, Perm.EDIT, project_id=project_id, element=element)


def touched_areas(old: ProjectSpec | None, new: ProjectSpec) -> set[Area]:
    """The areas whose part of the spec differs (an export's own rules count as rules)."""
    before = _parts(old or ProjectSpec(source=new.source))
    after = _parts(new)
    return {area for area in Area if before.get(area) != after.get(area)}


def changed_elements(old: ProjectSpec | None, new: ProjectSpec) -> set[str]:
    """Elements written by rules added, changed or removed (reordering touches none); a rule that names no
    element stands as "<type> rule (its default element)", which no element-limited profile allows."""
    before, after = _rules(old), _rules(new)
    changed = [json.loads(text) for text in (before - after) + (after - before)]
    return {element for rule in changed for element in rule_elements(rule)}


def rule_elements(rule: dict[str, Any]) -> set[str]:
    """The target elements a rule spec names: `element` (or `path`), and `element` of each row."""
    found = {rule[key] for key in ("element", "path") if isinstance(rule.get(key), str)}
    found |= {row["element"] for row in rule.get("rows") or [] if isinstance(row, dict) and "element" in row}
    return found or {f"{rule.get('type', '?')} rule (its default element)"}


def _parts(spec: ProjectSpec) -> dict[Area, Any]:
    dumped = spec.model_dump(mode="json")
    schedule = dumped.pop("schedule")
    parts: dict[Area, Any] = {Area.RUNS: schedule.pop("paused")}
    dumped["schedule"] = schedule
    dumped["export_rules"] = [export.pop("rules") for export in dumped["exports"]]
    for field, value in dumped.items():
        area = Area.RULES if field == "export_rules" else FIELD_AREAS.get(field, Area.SOURCES)
        parts.setdefault(area, {})[field] = value
    return parts


def _rules(spec: ProjectSpec | None) -> Counter[str]:
    """The spec's rules as comparable text, without their ids (given to old rules at their first change)."""
    if spec is None:
        return Counter()
    rules = [*spec.rules, *(rule for export in spec.exports for rule in export.rules)]
    return Counter(json.dumps({k: v for k, v in r.items() if k != "id"}, sort_keys=True, default=str) for r in rules)
