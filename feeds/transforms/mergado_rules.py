"""Rules exported from Mergado, as Feedhub rules: what converts, and what could not, by rule.

Mergado's API gives each rule a `type` (the ids Feedhub's rule types share), `name`, `priority` (lower
runs earlier), `active`, `element_path`, its queries (or none: all products) and a `data` object of the
type's own fields (../shared/RULES-REFERENCE.md). Only the shapes that reference documents are
converted field by field; every other field is named in the problems, never guessed. A rule whose
queries cannot be read is converted disabled: run on all products, it would change products its
author never selected.
"""

from __future__ import annotations

from typing import Any

from feeds.transforms.rules.registry import RULE_TYPES

ELEMENT_FIELD = {"categories": "element"}  # bound to the format's category element; element_path ignored
DATA_FIELDS: dict[str, dict[str, str]] = {
    "rewriting": {"new_content": "value"},
    "batch_rewriting_values": {"target_element_path": "search_element"},  # in the API: the element searched
    "replacing": {"search": "find", "find": "find", "replace": "replace", "replacement": "replace",
                  "regex": "regex", "is_regex": "regex"},
}
"""Per type: Mergado's `data` field -> Feedhub's field, where the reference documents the meaning."""
NO_ELEMENT = {"hiding", "utm", "batch_delivery", "product_grouping", "batch_copy_values", "data_import"}


def from_mergado(document: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Feedhub rules (a rules list) from Mergado's rules (a list, or {"rules": [...]}), in priority order,
    and one line per thing that was not converted."""
    rules = document.get("rules") if isinstance(document, dict) else document
    if not isinstance(rules, list):
        return [], ['the file holds no list of rules (a JSON list, or {"rules": [...]})']
    problems: list[str] = []
    ordered = sorted(enumerate(rules, 1), key=lambda pair: (_priority(pair[1]), pair[0]))
    converted = [rule for index, spec in ordered if (rule := _rule(index, spec, problems)) is not None]
    return converted, problems


def _priority(spec: Any) -> float:
    value = spec.get("priority") if isinstance(spec, dict) else None
    return float(value) if isinstance(value, int | float) else float("inf")


def _rule(index: int, spec: Any, problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(spec, dict):
        problems.append(f"rule {index}: not an object; left out")
        return None
    kind, name = str(spec.get("type", "")), str(spec.get("name") or "")
    label = f"rule {index}" + (f" {name!r}" if name else "") + f" ({kind or 'no type'})"
    if kind not in RULE_TYPES:
        problems.append(f"{label}: Feedhub has no such rule type; left out")
        return None
    rule: dict[str, Any] = {"type": kind, **({"name": name} if name else {})}
    if spec.get("active") is False:
        rule["enabled"] = False
    queries, unread = _queries(spec.get("queries", spec.get("query")))
    if unread:
        problems.append(f"{label}: {unread}; converted disabled, so it changes nothing until its queries are set")
        rule["enabled"] = False
    if queries:
        rule["queries" if len(queries) > 1 else "query"] = queries if len(queries) > 1 else queries[0]
    element = spec.get("element_path")
    if element and kind not in NO_ELEMENT:
        rule[ELEMENT_FIELD.get(kind, "element")] = element
    data = spec.get("data") or {}
    if not isinstance(data, dict):
        problems.append(f"{label}: data is not an object; its settings were not converted")
        data = {}
    known = DATA_FIELDS.get(kind, {})
    left = [key for key in data if key not in known]
    for key, value in data.items():
        if key in known:
            rule[known[key]] = value
    if left:
        problems.append(f"{label}: data fields {', '.join(sorted(left))} were not converted (their meaning "
                        "is not documented); set them in Feedhub's rule")
    extra = sorted(set(spec) - {"type", "name", "active", "priority", "queries", "query", "element_path", "data",
                                "id"})
    if extra:
        problems.append(f"{label}: fields {', '.join(extra)} were not converted")
    return rule


def _queries(value: Any) -> tuple[list[str], str]:
    """MQL texts of the rule's queries, and what made them unreadable ("" if nothing)."""
    if value in (None, [], ""):
        return [], ""
    items = value if isinstance(value, list) else [value]
    texts = []
    for item in items:
        text = item if isinstance(item, str) else item.get("query") if isinstance(item, dict) else None
        if not isinstance(text, str) or not text.strip():
            reference = item.get("id", item.get("name")) if isinstance(item, dict) else item
            return [], f"query {reference!r} is a reference to a saved Mergado query, not its text"
        texts.append(text)
    return texts, ""
