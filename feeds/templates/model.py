"""The template document: what a user saves to define an output format without code (pydantic, JSON).

`XmlTemplate` and `CsvTemplate`, told apart by `kind`; `Template` is their union, so an export spec
can hold one as `template: Template | None`. Every field checks itself (names are XML names, paths
and expressions compile, the schema parses), and pydantic collects every failure of the whole
document in one error; `feeds.templates.validate` turns that into one message per problem.

Checks that span fields read the validation context `load_template` passes (declared namespace
prefixes, column names seen so far), so they too are reported with everything else. Validated
without that context (nested in another model), the same checks run once the rest is valid.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from feeds.errors import ConfigError
from feeds.templates.expr.compile import compile_expression
from feeds.templates.expr.functions import BOOL
from feeds.templates.paths import parse_path
from feeds.templates.schema import compile_schema
from feeds.templates.xmlnames import check_xml_name

MAX_ELEMENTS = 500  # per template, nested ones included
MAX_DEPTH = 8  # elements inside elements
MAX_NAME_CHARS = 200
MAX_TEXT_CHARS = 10_000
MAX_SCHEMA_CHARS = 2_000_000
XML_ENCODINGS = ("utf-8", "windows-1250", "iso-8859-2", "windows-1252", "iso-8859-1")
CSV_ENCODINGS = ("utf-8", "utf-8-sig", "windows-1250", "iso-8859-2", "windows-1252", "iso-8859-1")
CSV_DELIMITERS = (",", ";", "\t", "|")

_Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)]
_Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


def _compiled(text: str | None, want: str | None = None) -> str | None:
    if text is not None:
        try:
            compile_expression(text, want)
        except ConfigError as exc:
            raise ValueError(exc.problems[0]) from exc
    return text


def _path(text: str | None) -> str | None:
    if text is not None:
        try:
            parse_path(text)
        except ConfigError as exc:
            raise ValueError(exc.problems[0].replace("syntax error", "invalid element path", 1)) from exc
    return text


def _prefix_known(name: str, info: ValidationInfo) -> str:
    """The element's prefix is declared (context from `load_template`; without it the template checks)."""
    check_xml_name(name)
    context = info.context if isinstance(info.context, dict) else {}
    prefixes = context.get("prefixes")
    if prefixes is not None and ":" in name and name.split(":", 1)[0] not in prefixes:
        raise ValueError(f"namespace prefix {name.split(':', 1)[0]!r} of {name!r} is not declared in namespaces")
    return name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Value(_Strict):
    """Where a value comes from: an element path (every value), an expression, or a fixed text."""

    path: str | None = Field(default=None, max_length=2_000)
    expr: str | None = None
    text: _Text | None = None

    @field_validator("path")
    @classmethod
    def _path_parses(cls, value: str | None) -> str | None:
        return _path(value)

    @field_validator("expr")
    @classmethod
    def _expr_compiles(cls, value: str | None) -> str | None:
        return _compiled(value)

    def sources(self) -> list[str]:
        """Which of path, expr, text are set."""
        return [name for name in ("path", "expr", "text") if getattr(self, name) is not None]


class AttributeSpec(_Value):
    """An attribute of an output element (`href` of an Atom link); left out when its value is empty."""

    name: _Name

    @field_validator("name")
    @classmethod
    def _xml_name(cls, value: str, info: ValidationInfo) -> str:
        return _prefix_known(value, info)

    @model_validator(mode="after")
    def _one_source(self) -> AttributeSpec:
        if len(self.sources()) != 1:
            raise ValueError("give exactly one of path, expr, text")
        return self


class ElementSpec(_Value):
    """One output element of the item: its value, or its child elements, optionally once per node."""

    name: _Name
    for_each: str | None = Field(default=None, max_length=2_000)  # one element per node; values read inside it
    when: str | None = None  # an expression: the element is written only when it is true
    attributes: list[AttributeSpec] = Field(default_factory=list, max_length=50)
    children: list[ElementSpec] = Field(default_factory=list, max_length=MAX_ELEMENTS)
    cdata: bool = False  # text in CDATA sections (split where the value holds ]]>)
    keep_empty: bool = False  # write <name/> for an empty value instead of leaving the element out

    @field_validator("name")
    @classmethod
    def _xml_name(cls, value: str, info: ValidationInfo) -> str:
        return _prefix_known(value, info)

    @field_validator("for_each")
    @classmethod
    def _for_each_parses(cls, value: str | None) -> str | None:
        return _path(value)

    @field_validator("when")
    @classmethod
    def _when_compiles(cls, value: str | None) -> str | None:
        return _compiled(value, BOOL)

    @model_validator(mode="after")
    def _value_or_children(self) -> ElementSpec:
        sources = self.sources()
        if self.children and sources:
            raise ValueError(f"has children, so it cannot also have {sources[0]}")
        if len(sources) > 1:
            raise ValueError(f"give one of path, expr, text, not {' and '.join(sources)}")
        if not self.children and not sources and not self.attributes:
            raise ValueError("give a path, expr or text, or children, or attributes")
        if self.cdata and self.children:
            raise ValueError("cdata applies to a value, and this element has children")
        return self


class HeaderElement(_Strict):
    """A fixed element of the envelope before the items (an RSS channel's title, link, description)."""

    name: _Name
    text: _Text = ""
    attributes: dict[str, _Text] = Field(default_factory=dict, max_length=50)
    children: list[HeaderElement] = Field(default_factory=list, max_length=100)

    @field_validator("name")
    @classmethod
    def _xml_name(cls, value: str, info: ValidationInfo) -> str:
        return _prefix_known(value, info)

    @field_validator("attributes")
    @classmethod
    def _attribute_names(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for name in value:
            _prefix_known(name, info)
        return value


class XmlTemplate(_Strict):
    """An XML output: the envelope (root, namespaces, containers, header), the item, and its elements."""

    kind: Literal["xml"]
    root: _Name
    namespaces: dict[str, Annotated[str, Field(min_length=1, max_length=2_000)]] = Field(
        default_factory=dict, max_length=50)  # prefix ("" for the default namespace) -> URI
    root_attributes: dict[str, _Text] = Field(default_factory=dict, max_length=50)
    container: list[_Name] = Field(default_factory=list, max_length=5)  # between root and items: ["channel"]
    header: list[HeaderElement] = Field(default_factory=list, max_length=100)
    item: _Name
    item_attributes: list[AttributeSpec] = Field(default_factory=list, max_length=50)
    elements: list[ElementSpec] = Field(min_length=1, max_length=MAX_ELEMENTS)
    encoding: Literal[XML_ENCODINGS] = "utf-8"  # type: ignore[valid-type]
    indent: bool = True
    xml_schema: str | None = Field(default=None, max_length=MAX_SCHEMA_CHARS)  # XSD text every item must pass

    @property
    def extension(self) -> str:
        """The output file's extension."""
        return ".xml"

    @property
    def media_type(self) -> str:
        """The output's media type, as a published feed is served."""
        return "application/xml"

    @field_validator("namespaces")
    @classmethod
    def _prefixes(cls, value: dict[str, str]) -> dict[str, str]:
        for prefix in value:
            if prefix:
                check_xml_name(prefix, what="namespace prefix", qualified=False)
        return value

    @field_validator("root", "item", "container")
    @classmethod
    def _names(cls, value: Any, info: ValidationInfo) -> Any:
        for name in value if isinstance(value, list) else [value]:
            _prefix_known(name, info)
        return value

    @field_validator("root_attributes")
    @classmethod
    def _root_attribute_names(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for name in value:
            _prefix_known(name, info)
        return value

    @field_validator("xml_schema")
    @classmethod
    def _schema_parses(cls, value: str | None) -> str | None:
        if value is not None:
            compile_schema(value)
        return value

    @model_validator(mode="after")
    def _whole(self, info: ValidationInfo) -> XmlTemplate:
        problems = _shape_problems(self.elements, 1)
        if info.context is None:  # not loaded by load_template: the cross-field checks run here
            problems += _undeclared_prefixes(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class CsvColumn(_Value):
    """One column: its header name and where its value comes from; several values are joined."""

    name: Annotated[str, Field(max_length=MAX_NAME_CHARS)]
    join_with: str = Field(default=",", max_length=20)  # between the values of a multi-valued path

    @field_validator("name")
    @classmethod
    def _unique(cls, value: str, info: ValidationInfo) -> str:
        seen = info.context.get("columns") if isinstance(info.context, dict) else None
        if seen is not None:
            if value in seen:
                raise ValueError(f"duplicate column name {value!r} (also column {seen[value] + 1})")
            seen[value] = len(seen)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> CsvColumn:
        if len(self.sources()) != 1:
            raise ValueError("give exactly one of path, expr, text")
        return self


class CsvTemplate(_Strict):
    """A CSV/TSV output: columns with their values, the delimiter, quoting, encoding and line ends."""

    kind: Literal["csv"]
    columns: list[CsvColumn] = Field(min_length=1, max_length=MAX_ELEMENTS)
    delimiter: Literal[CSV_DELIMITERS] = ","  # type: ignore[valid-type]
    quoting: Literal["minimal", "all", "none"] = "minimal"  # none: a value holding a delimiter, quote or line
    # break is a per-product error (write replace() in the expression to remove them)
    encoding: Literal[CSV_ENCODINGS] = "utf-8"  # type: ignore[valid-type]
    header: bool = True
    line_end: Literal["lf", "crlf"] = "lf"
    escape_formulas: bool = True  # a leading ' before what a spreadsheet would run (OWASP CSV injection)

    @property
    def extension(self) -> str:
        """The output file's extension: `.tsv` for tab-separated values, else `.csv`."""
        return ".tsv" if self.delimiter == "\t" else ".csv"

    @property
    def media_type(self) -> str:
        """The output's media type, as a published feed is served."""
        return "text/tab-separated-values" if self.delimiter == "\t" else "text/csv"

    @model_validator(mode="after")
    def _unique_names(self, info: ValidationInfo) -> CsvTemplate:
        if info.context is None:
            names = [column.name for column in self.columns]
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise ValueError(f"duplicate column names: {', '.join(map(repr, repeated))}")
        return self


Template = Annotated[XmlTemplate | CsvTemplate, Field(discriminator="kind")]
"""Either template; `kind` ("xml" or "csv") says which."""


def _shape_problems(elements: list[ElementSpec], depth: int) -> list[str]:
    """Too deep or too many elements (pydantic bounds each list, not the whole tree)."""
    problems: list[str] = []
    count = 0
    stack = [(element, depth) for element in elements]
    while stack:
        element, level = stack.pop()
        count += 1
        if level > MAX_DEPTH:
            problems.append(f"element {element.name!r} is nested deeper than {MAX_DEPTH} levels")
            continue
        stack.extend((child, level + 1) for child in element.children)
    if count > MAX_ELEMENTS:
        problems.append(f"the template has {count} elements; at most {MAX_ELEMENTS}")
    return problems


def _undeclared_prefixes(template: XmlTemplate) -> list[str]:
    names = [template.root, template.item, *template.container, *template.root_attributes]
    names.extend(attr.name for attr in template.item_attributes)
    stack: list[ElementSpec | HeaderElement] = [*template.elements, *template.header]
    while stack:
        element = stack.pop()
        names.append(element.name)
        if isinstance(element, ElementSpec):
            names.extend(attr.name for attr in element.attributes)
        else:
            names.extend(element.attributes)
        stack.extend(element.children)
    known = {*template.namespaces, "xml"}
    return sorted({f"namespace prefix {name.split(':', 1)[0]!r} of {name!r} is not declared in namespaces"
                   for name in names if ":" in name and name.split(":", 1)[0] not in known})


__all__ = ["AttributeSpec", "CsvColumn", "CsvTemplate", "ElementSpec", "HeaderElement", "Template", "XmlTemplate"]
