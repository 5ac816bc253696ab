"""Duplicate-id memory of the validator."""

from __future__ import annotations

import tracemalloc

from feeds.channels.validate import make_validator
from feeds.exports.validate.seen import PENDING_MAX, SeenKeys
from feeds.model import Element, Product


class TestSeenKeys:
    def test_remembers_across_merges(self) -> None:
        seen = SeenKeys()
        count = PENDING_MAX * 2 + 10  # two merges into the sorted array, and some pending keys
        assert not any(seen.seen_before(f"id-{n}") for n in range(count))
        assert all(seen.seen_before(f"id-{n}") for n in range(0, count, 997))
        assert not seen.seen_before("never-seen")
        assert len(seen) == count + 1

    def test_costs_about_eight_bytes_per_key_once_merged(self) -> None:
        seen = SeenKeys()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for n in range(PENDING_MAX * 4):
            seen.seen_before(f"id-{n}")
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        assert used < PENDING_MAX * 4 * 8 + 8 * 1024 * 1024  # the array plus at most one pending set


def test_validator_reports_a_duplicate_id_once_it_was_merged_away() -> None:
    validate = make_validator("heureka")

    def item(ident: str) -> Product:
        return Product("SHOPITEM", children=[Element("ITEM_ID", ident)])

    for n in range(PENDING_MAX + 5):
        validate(item(f"p{n}"))
    assert any("duplicate ITEM_ID 'p3'" in problem for problem in validate(item("p3")))
