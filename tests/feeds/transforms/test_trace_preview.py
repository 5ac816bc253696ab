"""Trace and preview, both driving the same RuleSet engine."""

from __future__ import annotations

from feeds.transforms import RuleSet
from feeds.transforms.preview import preview
from feeds.transforms.trace import trace_product
from tests.feeds.transforms.factory import item

RULES = [
    {"type": "hiding", "name": "no stock", "query": "STOCK = 0"},
    {"type": "rewriting", "name": "title", "element": "TITLE", "value": "%BRAND% %NAME%"},
    {"type": "calc", "element": "PRICE_VAT", "formula": "%PRICE_VAT% / %DIV%", "query": "BRAND = Acme"},
    {"type": "batch_param", "rows": [{"name": "Barva", "value": "modrá"}], "query": "BRAND = Other"},
]


class TestTrace:
    def test_changes_rule_by_rule_and_the_reason_for_hiding(self):
        product = item(ITEM_ID="1", BRAND="Acme", NAME="Kůň", PRICE_VAT="100", DIV="0", STOCK="0")
        result = trace_product(RuleSet.from_spec(RULES), product)
        steps = [(s.rule_index, s.selected, s.changes, s.error, s.hidden) for s in result.steps]
        assert steps == [
            (2, True, [("TITLE", (), ("Acme Kůň",))], None, False),
            (3, True, [], "division by zero in '%PRICE_VAT% / %DIV%'", False),  # value kept
            (4, False, [], None, False),
            (1, True, [], None, True),
        ]
        assert result.hidden_by is not None and result.hidden_by.query == "(STOCK = 0)"

    def test_the_else_part_of_a_rule_shows_its_changes_and_errors(self):
        rules = [
            {"type": "rewriting", "element": "BRAND", "value": "%BRAND%", "query": "BRAND = Acme",
             "else": {"value": "NOBRAND %CODE%"}},
            {"type": "calc", "element": "P", "formula": "%P% * 2", "query": "BRAND = Acme",
             "else": {"formula": "%P% / 0"}},
            {"type": "rewriting", "element": "NOTE", "value": "x", "query": "BRAND = Acme"},  # no ELSE part
        ]
        product = item(ITEM_ID="9", BRAND="Other", CODE="ORS202502", P="10")
        steps = [(s.selected, s.by_else, s.changes, s.error) for s in trace_product(RuleSet.from_spec(rules),
                                                                                    product).steps]
        assert steps == [
            (False, True, [("BRAND", ("Other",), ("NOBRAND ORS202502",))], None),
            (False, True, [], "division by zero in '%P% / 0'"),
            (False, False, [], None),
        ]

    def test_keyed_groups_are_named_by_their_key(self):
        product = item(ITEM_ID="2", BRAND="Other", PARAM={"PARAM_NAME": "Barva", "VAL": "červená"})
        result = trace_product(RuleSet.from_spec(RULES), product)
        assert result.steps[2].changes == [('PARAM { PARAM_NAME = "Barva" }|VAL', ("červená",), ("modrá",))]
        assert result.hidden_by is None


class TestPreview:
    def test_whole_catalogue_diff_against_the_current_rules(self):
        current = RuleSet.from_spec(RULES[:2])
        draft = RuleSet.from_spec([RULES[1], {"type": "hiding", "query": "STOCK < 3"}])
        chunks = [
            [item(ITEM_ID="1", BRAND="A", NAME="x", STOCK="0"), item(ITEM_ID="2", BRAND="B", NAME="y", STOCK="2")],
            [item(ITEM_ID="3", BRAND="C", NAME="z", STOCK="9")],
        ]
        report = preview(chunks, draft, current)
        assert (report.products, report.changed_products, report.newly_hidden, report.newly_shown) == (3, 0, 1, 0)
        assert report.newly_hidden_ids == ["2"]

    def test_against_no_rules_counts_changes_per_element_with_samples(self):
        draft = RuleSet.from_spec([RULES[1]])
        report = preview([[item(ITEM_ID="1", BRAND="A", NAME="x"), item(ITEM_ID="2", BRAND="B", NAME="y")]], draft)
        entry = report.elements["TITLE"]
        assert (entry.products, entry.samples) == (2, [("1", (), ("A x",)), ("2", (), ("B y",))])
