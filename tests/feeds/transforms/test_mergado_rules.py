"""Rules exported from Mergado (the API shape of ../shared/RULES-REFERENCE.md) become Feedhub rules that run
as Mergado ran them; what cannot be converted is named, never guessed."""

from __future__ import annotations

from feeds.transforms import RuleSet
from feeds.transforms.mergado_rules import from_mergado
from feeds.transforms.query import parse_path
from tests.feeds.transforms.factory import item

EXPORTED = {"rules": [
    {"id": 7, "type": "hiding", "name": "no price", "priority": 30, "active": True,
     "queries": [{"id": 12, "query": "PRICE_VAT = 0"}]},
    {"id": 5, "type": "rewriting", "name": "brand first", "priority": 10, "active": True,
     "element_path": "PRODUCTNAME", "data": {"new_content": "%MANUFACTURER% %PRODUCTNAME%"}, "queries": []},
    {"id": 9, "type": "replacing", "priority": 20, "active": False, "element_path": "DESCRIPTION",
     "data": {"search": "\\s{2,}", "replacement": " ", "regex": True}},
]}


def test_rules_convert_in_priority_order_and_run_as_in_mergado() -> None:
    rules, problems = from_mergado(EXPORTED)
    assert problems == []
    assert rules == [
        {"type": "rewriting", "name": "brand first", "element": "PRODUCTNAME",
         "value": "%MANUFACTURER% %PRODUCTNAME%"},
        {"type": "replacing", "enabled": False, "element": "DESCRIPTION", "find": "\\s{2,}", "replace": " ",
         "regex": True},
        {"type": "hiding", "name": "no price", "query": "PRICE_VAT = 0"},
    ]
    free, paid = item(ITEM_ID="1", MANUFACTURER="Arche", PRODUCTNAME="Kolo", PRICE_VAT="0"), item(
        ITEM_ID="2", MANUFACTURER="Arche", PRODUCTNAME="Koloběžka", PRICE_VAT="900", DESCRIPTION="a  b")
    kept = RuleSet.from_spec(rules).apply([free, paid])
    assert kept == [paid] and paid.get("PRODUCTNAME") == "Arche Koloběžka"
    assert parse_path("DESCRIPTION").values(paid) == ["a  b"]  # the inactive rule stays inactive


def test_what_cannot_be_converted_is_named_and_a_rule_with_unreadable_queries_is_disabled() -> None:
    rules, problems = from_mergado([
        {"type": "batch_rewriting_values", "name": "cpc", "priority": 1, "element_path": "HEUREKA_CPC",
         "data": {"target_element_path": "MANUFACTURER", "values": []}, "queries": [{"id": 3}]},
        {"type": "app", "name": "Bidding Fox", "priority": 2},
        "not a rule",
    ])
    assert rules == [{"type": "batch_rewriting_values", "name": "cpc", "enabled": False, "element": "HEUREKA_CPC",
                      "search_element": "MANUFACTURER"}]
    assert problems == [
        "rule 1 'cpc' (batch_rewriting_values): query 3 is a reference to a saved Mergado query, not its text; "
        "converted disabled, so it changes nothing until its queries are set",
        "rule 1 'cpc' (batch_rewriting_values): data fields values were not converted (their meaning is not "
        "documented); set them in Feedhub's rule",
        "rule 2 'Bidding Fox' (app): Feedhub has no such rule type; left out",
        "rule 3: not an object; left out",
    ]


def test_a_file_without_rules_says_so() -> None:
    assert from_mergado({"queries": []}) == ([], ['the file holds no list of rules (a JSON list, or {"rules": [...]})'])
