"""Contract over every registered rule type: the same promises hold for all of them."""

from __future__ import annotations

import dataclasses

import pytest

from feeds.errors import ConfigError
from feeds.transforms import RULE_TYPES, RuleSet
from tests.feeds.transforms.factory import item

# One minimal valid spec per type; the contract test fails when a type is added without one.
MINIMAL = {
    "rewriting": {"element": "NAME", "value": "x"},
    "replacing": {"element": "NAME", "find": "a", "replace": "b"},
    "batch_copy_values": {"rows": [{"from": "NAME", "to": "TITLE"}]},
    "create_product_value": {"element": "IMG", "value": "x.jpg"},
    "data_import": {"source": "data.csv", "key": "ITEM_ID"},
    "utm": {"source": "heureka"},
    "hiding": {},
    "batch_param": {"rows": [{"name": "Barva", "value": "red"}]},
    "params_remove_by_value": {"values": [""]},
    "tagstripping": {"element": "DESCRIPTION"},
    "remove_diacritics": {"element": "NAME"},
    "casechanging": {"element": "NAME", "mode": "upper"},
    "truncating": {"element": "NAME", "length": 10},
    "calc": {"element": "PRICE", "formula": "1 + 1"},
    "rounding": {"element": "PRICE"},
    "batch_rewriting_values": {"element": "NAME", "rows": [{"match": "a", "value": "b"}]},
    "batch_rewriting": {"element": "NAME", "rows": [{"query": "PRICE > 1", "value": "b"}]},
    "batch_delivery": {"rows": [{"carrier": "PPL", "price": "99"}]},
    "product_grouping": {"key": "%NAME%"},
    "categories": {"rows": [{"contains": "a", "category": "b"}]},
    "batch_set_datetime": {"element": "DATE", "days": 1},
    "bidding": {"channel": "heureka", "mode": "fixed", "amount": "1"},
}


def test_every_registered_type_has_a_minimal_spec():
    assert set(MINIMAL) == set(RULE_TYPES)


@pytest.mark.parametrize("rule_type", sorted(RULE_TYPES))
class TestRuleTypeContract:
    def test_is_a_frozen_dataclass_with_from_spec_and_apply(self, rule_type):
        cls = RULE_TYPES[rule_type]
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert callable(cls.from_spec) and callable(cls.apply)  # type: ignore[attr-defined]

    def test_minimal_spec_validates(self, rule_type, tmp_path):
        spec = {"type": rule_type, **MINIMAL[rule_type]}
        (tmp_path / "data.csv").write_text("ITEM_ID,NAME\n1,b\n", encoding="utf-8")  # data_import reads it
        assert len(RuleSet.from_spec([spec], base_dir=tmp_path).rules) == 1

    def test_unknown_field_is_reported_with_index_and_type(self, rule_type):
        with pytest.raises(ConfigError) as caught:
            RuleSet.from_spec(
                [
                    {"type": "rewriting", "element": "A", "value": "1"},
                    {"type": rule_type, **MINIMAL[rule_type], "typo_field": 1},
                ]
            )
        assert f"rule 2 ({rule_type}): typo_field: is not a field of this rule type" in caught.value.problems

    def test_disabled_rule_changes_nothing(self, rule_type, tmp_path):
        (tmp_path / "data.csv").write_text("ITEM_ID,NAME\n1,b\n", encoding="utf-8")  # would change NAME if run
        product = item(ITEM_ID="1", NAME="a b", PRICE="10", DATE="2025-01-01", DESCRIPTION="<b>x</b>")
        before = product.copy()
        spec = {"type": rule_type, **MINIMAL[rule_type], "enabled": False}
        kept = RuleSet.from_spec([spec], base_dir=tmp_path).apply([product])
        assert (kept, product) == ([product], before)
