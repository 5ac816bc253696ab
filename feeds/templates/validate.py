"""Load a template from JSON (or a dict) and report every problem at once, each naming its field.

One pydantic pass does all of it: unknown fields, missing ones, invalid XML names, undeclared
namespace prefixes, paths and expressions that do not compile (with their position), unknown
functions, a schema that does not parse, repeated CSV columns. Messages name the field the way a
user sees it: `elements[2] "g:price" > expr: unknown function 'prise' at position 1 of ...`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from feeds.templates.errors import TemplateError
from feeds.templates.model import CsvTemplate, Template, XmlTemplate

_ADAPTER: TypeAdapter[XmlTemplate | CsvTemplate] = TypeAdapter(Template)


def load_template(data: str | bytes | dict[str, Any]) -> XmlTemplate | CsvTemplate:
    """The validated template; TemplateError listing every problem when it is not valid."""
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise TemplateError([f"template: not JSON: {exc}"]) from exc
    if not isinstance(data, dict):
        raise TemplateError(["template: expected a JSON object with a kind of xml or csv"])
    try:
        return _ADAPTER.validate_python(data, context=_context(data))
    except ValidationError as exc:
        raise TemplateError(_problems(exc, data)) from exc


def template_problems(data: str | bytes | dict[str, Any]) -> list[str]:
    """Every problem of a template, [] when it is valid (what a save form shows)."""
    try:
        load_template(data)
    except TemplateError as exc:
        return exc.problems
    return []


def _context(data: dict[str, Any]) -> dict[str, Any]:
    """What field checks need from elsewhere in the document: the declared prefixes, a column register."""
    namespaces = data.get("namespaces")
    prefixes = {*namespaces, "xml"} if isinstance(namespaces, dict) else {"xml"}
    return {"prefixes": prefixes, "columns": {}}


def _problems(exc: ValidationError, data: dict[str, Any]) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        if loc and loc[0] == data.get("kind"):  # the union's tag
            loc = loc[1:]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        elif error["type"] in ("union_tag_invalid", "union_tag_not_found"):  # a kind that is wrong, or none
            message = "kind must be 'xml' or 'csv'"
        where = _where(loc, data)
        problems.append(f"{where}: {message}")
    return problems


def _where(loc: list[Any], data: Any) -> str:
    """`elements[2] "g:price" > children[0] "g:country" > expr` from pydantic's location and the data."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and parts:
            node = node[step] if isinstance(node, list) and step < len(node) else None
            name = node.get("name") if isinstance(node, dict) else None
            parts[-1] += f"[{step}]" + (f" {json.dumps(name, ensure_ascii=False)}" if isinstance(name, str) else "")
            continue
        node = node.get(step) if isinstance(node, dict) else None
        parts.append(str(step))
    if len(parts) > 6:  # a runaway nesting: the start and the end say where
        parts = [*parts[:2], "...", *parts[-2:]]
    return " > ".join(parts) or "template"


__all__ = ["load_template", "template_problems"]
