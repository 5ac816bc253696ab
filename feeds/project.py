"""ProjectSpec: everything one shop project runs on, as one validated document.

Stored by `accounts` as append-only JSON revisions; executed by `feeds.pipeline` and `flows`.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from feeds.channels import CHANNELS

DEFAULT_CRON = "0 */6 * * *"  # four times a day
DEFAULT_TIMEZONE = "Europe/Prague"
TEMPLATE_FORMAT = "template"  # an export's format when a custom template (feeds.templates) writes it


class DeliveryOption(BaseModel):
    """One row of an export's delivery table: a DELIVERY_ID and its prices."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Z0-9_]{1,64}$")
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    price_cod: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class ExportSpec(BaseModel):
    """One published output: a name, a target format and where it is published."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    format: str
    uri: str = ""  # file:///..., s3://bucket/key; empty: only produced, not published
    currency: str | None = None
    country: str | None = None
    gzip: bool = False
    # CSV and TSV: cells a spreadsheet would run as formulas get a leading '; off for a channel reading the raw file
    escape_formulas: bool = True
    # Invalid products: keep, drop (left out and reported), or fail (left out, and the run is held when more
    # than max_invalid_percent of them are invalid); None: drop for channel formats, keep for csv/tsv/xml/mergado
    invalid: Literal["keep", "drop", "fail"] | None = None
    max_invalid_percent: float = Field(default=5.0, ge=0, le=100)
    # Channel defaults for what Heureka and Zboží require and a source may lack: the delivery table (used
    # for a product whose source names no delivery) and the category (for a product with none)
    delivery: list[DeliveryOption] = Field(default_factory=list, max_length=100)
    default_category: str = Field(default="", max_length=500)
    # This export's own rules, run after the project's shared rules on this export's copy of each product
    # (Mergado: every output has its rules); they may use the project's saved queries and variables
    rules: list[dict[str, Any]] = Field(default_factory=list)
    # Element mapping, before conversion: a source element or column -> the name the conversion reads (for a
    # CSV or generic XML source Google's names: id, title, price...; for a channel source its own names)
    mapping: dict[str, str] = Field(default_factory=dict, max_length=500)
    # format "template": the custom template (docs/templates.md) that writes this export, as the user saved it.
    # Kept as the JSON document, as rules are: `accounts.project_checks.check_spec` names its every problem beside
    # the spec's others, and a run loads it (feeds.templates.load_template)
    template: dict[str, Any] | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in CHANNELS and value != TEMPLATE_FORMAT:
            known = ", ".join(sorted([*CHANNELS, TEMPLATE_FORMAT]))
            raise ValueError(f"unknown format {value!r}; known formats: {known}")
        return value

    @model_validator(mode="after")
    def _template_with_its_format(self) -> ExportSpec:
        if self.format == TEMPLATE_FORMAT and self.template is None:
            raise ValueError(f"format {TEMPLATE_FORMAT!r} needs a template")
        if self.format != TEMPLATE_FORMAT and self.template is not None:
            raise ValueError(f"a template is written by format {TEMPLATE_FORMAT!r}, not {self.format!r}")
        return self


class ScheduleSpec(BaseModel):
    """When a project runs by itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cron: str = DEFAULT_CRON
    timezone: str = DEFAULT_TIMEZONE
    paused: bool = False


class ProjectSpec(BaseModel):
    """A shop project's source, saved queries, rules, exports and schedule."""

    model_config = ConfigDict(extra="forbid")

    source: str
    source_format: str | None = None
    queries: dict[str, str] = Field(default_factory=dict)  # name -> MQL text
    variables: dict[str, Any] = Field(default_factory=dict)  # name -> element path or {element, regex, group}
    group_by: str | None = None  # element path of the item-group key for GROUP_* aggregates
    rules: list[dict[str, Any]] = Field(default_factory=list)  # validated by feeds.transforms
    exports: list[ExportSpec] = Field(default_factory=list)
    schedule: ScheduleSpec = Field(default_factory=ScheduleSpec)
    max_drop_ratio: float = Field(default=0.5, ge=0.0, le=1.0)  # quality gate: largest allowed product-count drop


def output_type(export: ExportSpec) -> tuple[str, str]:
    """(file extension, media type) of what the export writes: its template's (xml, csv or tsv), else its
    channel's. TemplateError for a template that does not validate (a saved one does: check_spec checked it)."""
    if export.template is None:
        channel = CHANNELS[export.format]
        return channel.extension, channel.media_type
    from feeds.templates import load_template  # the template engine loads only for a template export

    template = load_template(export.template)
    return template.extension, template.media_type


def validation_problems(exc: ValidationError) -> str:
    """A pydantic ValidationError as one line for people: each field's path and message."""
    return "; ".join(validation_problem_list(exc))


def validation_problem_list(exc: ValidationError) -> list[str]:
    """Each field pydantic refused, as its path and message (`exports.0.format: unknown format 'x'`)."""
    return [f"{'.'.join(map(str, e['loc'])) or 'spec'}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]


def with_rule_ids(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules, each with an `id` (rules without one get a new one): how the API and pages address
    "this rule" while other edits move it. The rule engine accepts and ignores the field."""
    return [rule if rule.get("id") else {**rule, "id": new_rule_id()} for rule in rules]


def new_rule_id() -> str:
    """A short random rule id ("r" and 10 hex digits)."""
    return "r" + secrets.token_hex(5)
