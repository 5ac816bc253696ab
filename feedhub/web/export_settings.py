"""An export's settings as its page edits them: the invalid-product policy, the channel defaults (delivery
table, default category), the element mapping and a custom template (which makes the export's format "template").

The form holds what was typed, as text, so a refused form comes back as it was sent. Its values are
checked as the API checks them: the export is changed inside the whole spec, which `spec_of` validates
(naming each field it refuses, as `PUT /projects/<id>` does) and `check` then checks as every save is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any

from feedhub.web.api.projects import spec_of
from feeds.errors import ConfigError
from feeds.project import TEMPLATE_FORMAT, ExportSpec, ProjectSpec

BLANK_ROWS = 3  # empty rows under the delivery table and the mapping, to add to them without JavaScript


@dataclass
class ExportSettingsForm:
    """The settings form's fields as text; a table's rows as tuples of cells."""

    invalid: str = ""  # keep, drop, fail, or empty: the format's default
    max_invalid_percent: str = ""
    default_category: str = ""
    delivery: list[tuple[str, str, str]] = field(default_factory=list)  # id, price, COD price
    mapping: list[tuple[str, str]] = field(default_factory=list)  # source element, the name it is read as
    template: str = ""  # the custom template's JSON; empty: the export's channel format writes it

    @classmethod
    def from_export(cls, export: ExportSpec) -> ExportSettingsForm:
        """The export's saved settings."""
        return cls(
            invalid=export.invalid or "", max_invalid_percent=f"{export.max_invalid_percent:g}",
            default_category=export.default_category,
            delivery=[(d.id, str(d.price), "" if d.price_cod is None else str(d.price_cod)) for d in export.delivery],
            mapping=list(export.mapping.items()),
            template="" if export.template is None else json.dumps(export.template, indent=2, ensure_ascii=False),
        )

    @classmethod
    def from_form(cls, form: dict[str, str]) -> ExportSettingsForm:
        """A posted form (rows named `delivery-<n>-<cell>` and `mapping-<n>-<cell>`); rows left empty are dropped."""
        return cls(
            invalid=form.get("invalid", ""), max_invalid_percent=form.get("max_invalid_percent", "").strip(),
            default_category=form.get("default_category", "").strip(),
            delivery=[(r[0], r[1], r[2]) for r in _rows(form, "delivery", ("id", "price", "price_cod"))],
            mapping=[(r[0], r[1]) for r in _rows(form, "mapping", ("from", "to"))],
            template=form.get("template", "").strip(),
        )

    def with_blank_rows(self) -> ExportSettingsForm:
        """The form as a page shows it: each table with empty rows to add to."""
        return replace(self, delivery=[*self.delivery, *[("", "", "")] * BLANK_ROWS],
                       mapping=[*self.mapping, *[("", "")] * BLANK_ROWS])

    def apply(self, spec: ProjectSpec, export: str, check: Callable[[ProjectSpec], None]) -> ProjectSpec:
        """`spec` with these settings on `export`, validated and checked; ConfigError names every problem."""
        values, problems = self._values()
        data = spec.model_dump(mode="json")
        found = next((e for e in data["exports"] if e["name"] == export), None)
        if found is None:
            raise ConfigError([f"export: the project has no export {export!r}"])
        found.update(values)
        try:
            changed = spec_of(data)
        except ConfigError as exc:
            raise ConfigError([*problems, *exc.problems]) from None
        try:
            check(changed)
        except ConfigError as exc:
            problems += exc.problems
        if problems:
            raise ConfigError(problems)
        return changed

    def _values(self) -> tuple[dict[str, Any], list[str]]:
        """The export's fields as the spec has them, and what the rows cannot say: a mapping row naming only
        one side, or a source element mapped twice."""
        problems: list[str] = []
        mapping: dict[str, str] = {}
        for n, (source, name) in enumerate(self.mapping, start=1):
            if not source.strip() or not name.strip():
                problems.append(f"mapping, row {n}: name both the source element and the element it is read as")
            elif source.strip() in mapping:
                problems.append(f"mapping, row {n}: {source.strip()!r} is mapped in an earlier row already")
            else:
                mapping[source.strip()] = name.strip()
        values: dict[str, Any] = {
            "invalid": self.invalid or None, "default_category": self.default_category, "mapping": mapping,
            "max_invalid_percent": self.max_invalid_percent or ExportSpec.model_fields["max_invalid_percent"].default,
            "delivery": [{"id": id_.strip(), "price": price.strip(), "price_cod": cod.strip() or None}
                         for id_, price, cod in self.delivery],
        }
        if self.template:
            try:
                values.update(format=TEMPLATE_FORMAT, template=json.loads(self.template))
            except json.JSONDecodeError as exc:
                problems.append(f"template: not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
            except RecursionError:  # Python's JSON reader recurses once per [ or {
                problems.append("template: nests lists or objects too deep to read")
        else:
            values["template"] = None  # a template export without one: spec_of says it needs one
        return values, problems


def _rows(form: dict[str, str], table: str, cells: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The rows of a posted table, in order, without the ones left empty."""
    rows: list[tuple[str, ...]] = []
    for n in count():
        if f"{table}-{n}-{cells[0]}" not in form:
            return rows
        row = tuple(form.get(f"{table}-{n}-{cell}", "") for cell in cells)
        if any(cell.strip() for cell in row):
            rows.append(row)
    return rows
