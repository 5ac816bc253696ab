"""Templates are validated at load with every problem named; valid ones load from JSON."""

from __future__ import annotations

import json

import pytest

from feeds.templates import CsvTemplate, TemplateError, XmlTemplate, load_template, template_problems
from tests.feeds.templates.helpers import xml_template

GOOD_XSD = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="SHOP"><xs:complexType><xs:sequence>
    <xs:element name="SHOPITEM" maxOccurs="unbounded"><xs:complexType><xs:sequence>
      <xs:element name="ITEM_ID" type="xs:string"/>
    </xs:sequence></xs:complexType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""


class TestLoad:
    def test_xml_template_loads_from_json(self) -> None:
        template = load_template(json.dumps(xml_template({"name": "ITEM_ID", "path": "ITEM_ID"})))
        assert isinstance(template, XmlTemplate)
        assert template.elements[0].path == "ITEM_ID"

    def test_csv_template_loads_from_dict(self) -> None:
        template = load_template({"kind": "csv", "delimiter": "\t", "columns": [{"name": "id", "path": "ITEM_ID"}]})
        assert isinstance(template, CsvTemplate)
        assert template.delimiter == "\t"

    def test_template_round_trips_through_json(self) -> None:
        template = load_template(xml_template({"name": "ITEM_ID", "path": "ITEM_ID"}, xml_schema=GOOD_XSD))
        assert load_template(template.model_dump_json()) == template

    def test_not_json(self) -> None:
        with pytest.raises(TemplateError, match="not JSON"):
            load_template("{")


class TestEveryProblemNamed:
    def test_xml_problems_all_at_once(self) -> None:
        problems = template_problems({
            "kind": "xml", "root": "rss", "item": "item", "namespaces": {"g": "http://base.google.com/ns/1.0"},
            "colour": "red",
            "elements": [
                {"name": "g:id", "path": "ITEM_ID"},
                {"name": "", "path": "ITEM_ID"},
                {"name": "bad name", "expr": "upper(ITEM_ID"},
                {"name": "x:price", "expr": "prise(PRICE_VAT)"},
                {"name": "g:shipping", "children": [{"name": "g:price", "expr": "1 +", "bogus": True}]},
                {"name": "g:title", "path": "A", "expr": "B"},
                {"name": "g:link", "path": "URL {"},
            ],
            "xml_schema": "<xs:schema",
        })
        problems[-2] = problems[-2].split(" XML: ")[0] + " XML: ..."
        assert problems == [
            "elements[1] \"\" > name: String should have at least 1 character",
            'elements[2] "bad name" > expr: expected \',\' or \')\' closing the call of upper(), found the end of '
            "the expression at position 14 of 'upper(ITEM_ID'",
            "elements[2] \"bad name\" > name: 'bad name' is not a valid XML name",
            'elements[3] "x:price" > expr: unknown function \'prise\'; known functions: add_days, capitalize, '
            "category, coalesce, concat, contains, count, days_between, ends_with, first, format_number, if, join, "
            "left, length, lower, matches, number, price, regex_replace, replace, round, split, starts_with, "
            "strip_html, take, today, trim, truncate, unique, upper, values at position 1 of 'prise(PRICE_VAT)'",
            "elements[3] \"x:price\" > name: namespace prefix 'x' of 'x:price' is not declared in namespaces",
            'elements[4] "g:shipping" > children[0] "g:price" > expr: expected a value, an element or a function '
            "call, found the end of the expression at position 4 of '1 +'",
            'elements[4] "g:shipping" > children[0] "g:price" > bogus: unknown field',
            "elements[5] \"g:title\": give one of path, expr, text, not path and expr",
            "elements[6] \"g:link\" > path: invalid element path at position 6 of 'URL {': expected '}', found "
            "the end of the text",
            "xml_schema: the schema is not well-formed XML: ...",  # libxml2's own words follow
            "colour: unknown field",
        ]

    def test_csv_problems_all_at_once(self) -> None:
        problems = template_problems({
            "kind": "csv", "delimiter": "x", "encoding": "ebcdic",
            "columns": [
                {"name": "id", "path": "ITEM_ID"},
                {"name": "id", "expr": "ITEM_ID"},
                {"name": "price"},
                {"name": "when", "expr": "if(1)"},
            ],
        })
        assert problems == [
            "columns[1] \"id\" > name: duplicate column name 'id' (also column 1)",
            "columns[2] \"price\": give exactly one of path, expr, text",
            'columns[3] "when" > expr: if() takes 3 arguments: if(condition, then, else) at position 1 of \'if(1)\'',
            "delimiter: Input should be ',', ';', '\\t' or '|'",
            "encoding: Input should be 'utf-8', 'utf-8-sig', 'windows-1250', 'iso-8859-2', 'windows-1252' or "
            "'iso-8859-1'",
        ]

    @pytest.mark.parametrize(
        ("template", "problem"),
        [
            ({"kind": "json"}, "template: kind must be 'xml' or 'csv'"),
            (xml_template({"name": "A", "path": "A"}, root="1root"), "root: '1root' is not a valid XML name"),
            (xml_template({"name": "A", "path": "A"}, root_attributes={"xmlns:g": "u"}), "reserved by XML"),
            (xml_template(), "elements: List should have at least 1 item"),
            (xml_template({"name": "A", "path": "A", "children": [{"name": "B", "path": "B"}]}),
             "has children, so it cannot also have path"),
            (xml_template({"name": "A", "when": "upper(A"}), "when: expected"),
            (xml_template({"name": "A", "path": "A", "for_each": "P {"}), "for_each: invalid element path"),
            (xml_template({"name": "A", "path": "A"}, header=[{"name": "g:title"}]), "prefix 'g' of 'g:title'"),
            (xml_template({"name": "A", "path": "A"}, encoding="ascii"), "encoding: Input should be"),
        ],
    )
    def test_problem(self, template: dict[str, object], problem: str) -> None:
        assert any(problem in found for found in template_problems(template)), template_problems(template)


class TestSchemaAtLoad:
    @pytest.mark.parametrize(
        ("schema", "problem"),
        [
            ("<x/>", "does not parse as XML Schema"),
            ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="nope"/></xs:schema>',
             "does not parse as XML Schema"),
            ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:include schemaLocation="/etc/other.xsd"/>'
             "</xs:schema>", "must be one document"),
            ('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:import namespace="urn:x" '
             'schemaLocation="http://example.com/x.xsd"/></xs:schema>', "must be one document"),
            ('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "schema"),
        ],
    )
    def test_schema_problem(self, schema: str, problem: str) -> None:
        problems = template_problems(xml_template({"name": "A", "path": "A"}, xml_schema=schema))
        assert len(problems) == 1 and problems[0].startswith("xml_schema: ") and problem in problems[0], problems


class TestNestedInAnotherModel:
    """An export spec can hold a template; the cross-field checks still run without load_template."""

    def test_prefix_checked_without_context(self) -> None:
        with pytest.raises(ValueError, match="prefix 'g' of 'g:id' is not declared"):
            XmlTemplate.model_validate(xml_template({"name": "g:id", "path": "ITEM_ID"}))

    def test_duplicate_columns_checked_without_context(self) -> None:
        with pytest.raises(ValueError, match="duplicate column names: 'id'"):
            CsvTemplate.model_validate({"kind": "csv", "columns": [{"name": "id", "text": "1"},
                                                                   {"name": "id", "text": "2"}]})

    def test_deep_nesting_is_a_problem_not_a_crash(self) -> None:
        element: dict[str, object] = {"name": "x", "text": "y"}
        for _ in range(1000):
            element = {"name": "x", "children": [element]}
        problems = template_problems(xml_template(element))
        assert len(problems) == 1 and "depth" in problems[0]


class TestHeldByAnExportSpec:
    """The wiring will add `template: Template | None` to an export spec: the union works as a field."""

    def test_template_field_validates_and_round_trips(self) -> None:
        from pydantic import BaseModel, ConfigDict

        from feeds.templates import Template

        class Spec(BaseModel):
            model_config = ConfigDict(extra="forbid")
            name: str
            template: Template | None = None

        spec = Spec.model_validate({"name": "x", "template": {"kind": "csv", "columns": [{"name": "id",
                                                                                          "path": "ITEM_ID"}]}})
        assert isinstance(spec.template, CsvTemplate)
        assert Spec.model_validate_json(spec.model_dump_json()) == spec
        with pytest.raises(ValueError, match="unknown function 'nope'"):
            Spec.model_validate({"name": "x", "template": xml_template({"name": "A", "expr": "nope()"})})
