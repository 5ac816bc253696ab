"""Time 20 typical rules on a Heureka feed: `python bench/bench_rules.py FEED`.

The target (issue #3): the 20 rules add at most 50 % to the time of the same conversion without
rules, with memory flat (and, as parsing gets faster, at most ~5 us of CPU per rule per product: see
`rules_cpu_s` and `per_rule`, timed inside the engine). Two comparisons, each pass reading the feed the same way:
parse alone vs parse + rules (the engine's cost against the bare floor, the stricter one), and a
conversion (feeds.pipeline.process to Heureka and Google files) without vs with the rules.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds.parsers import open_feed  # noqa: E402
from feeds.transforms import RuleSet  # noqa: E402

VARIABLES: dict[str, Any] = {
    "size": {"element": "PRODUCTNAME", "regex": r"(\d+(?:,\d+)? ?(?:cm|l))", "group": 1},
}
QUERIES = {"cheap": "PRICE_VAT < 200", "tools": 'CATEGORYTEXT CONTAINS "Dílna"'}
TYPICAL_RULES: list[dict[str, Any]] = [
    {"type": "rewriting", "element": "PRODUCTNAME", "value": "%MANUFACTURER% %PRODUCT%", "queries": ["tools"]},
    {"type": "rewriting", "element": "SIZE_LABEL", "value": "velikost %size%", "query": 'PRODUCTNAME ~ "cm$"'},
    {"type": "replacing", "element": "PRODUCT", "find": r"\s*\|\s*skladem$", "replace": "", "regex": True},
    {"type": "replacing", "element": "URL", "find": "zdroj=heureka", "replace": "zdroj=feedhub"},
    {"type": "tagstripping", "element": "DESCRIPTION"},
    {"type": "truncating", "element": "DESCRIPTION", "length": 300, "mode": "words", "suffix": "…"},
    {"type": "calc", "element": "PRICE_VAT", "formula": "%PRICE_VAT% * 1.05", "rounding": "up", "round_to": "1"},
    {"type": "calc", "element": "PRICE", "formula": "%PRICE_VAT% / (1 + %VAT% / 100)", "round_to": "0.01"},
    {"type": "rounding", "element": "HEUREKA_CPC", "round_to": "0.1", "decimal_separator": ","},
    {
        "type": "batch_rewriting_values",
        "search_element": "MANUFACTURER",
        "element": "BRAND_GROUP",
        "mode": "exact",
        "rows": [{"match": "Tatry Outdoor", "value": "outdoor"}, {"match": "Kovo Úštěk", "value": "dílna"}],
        "default": "ostatní",
    },
    {
        "type": "categories",
        "rows": [
            {"contains": "Kuchyně", "category": "Heureka.cz | Dům a zahrada | Kuchyňské potřeby"},
            {"contains": "Dílna", "category": "Heureka.cz | Dům a zahrada | Nářadí"},
            {"contains": "Turistika", "category": "Heureka.cz | Sport | Outdoor"},
        ],
    },
    {"type": "casechanging", "element": "MANUFACTURER", "mode": "upper"},
    {"type": "batch_copy_values", "rows": [{"from": "PRODUCTNAME", "to": "SEO_NAME"}]},
    {"type": "remove_diacritics", "element": "SEO_NAME"},
    {"type": "utm", "source": "heureka", "medium": "cpc", "campaign": "%ITEMGROUP_ID%"},
    {"type": "batch_param", "rows": [{"name": "Záruka", "value": "24 měsíců"}]},
    {"type": "params_remove_by_value", "values": [""]},
    {"type": "batch_delivery", "rows": [{"carrier": "ZASILKOVNA", "price": "69", "price_cod": "99"}]},
    {"type": "bidding", "channel": "heureka", "mode": "percent", "amount": "1", "query": "PRICE_VAT > 1000"},
    {"type": "hiding", "queries": ["cheap"]},
]


def _parse_only(feed: Path) -> int:
    return sum(len(chunk) for chunk in open_feed(feed).chunks())


def _parse_and_rules(feed: Path, ruleset: RuleSet) -> int:
    return sum(len(ruleset.apply(chunk)) for chunk in open_feed(feed).chunks())


def _convert(feed: Path, ruleset: RuleSet | None) -> int:
    """The real conversion path: parse, rules, Heureka and Google exports (written to a temp dir)."""
    import tempfile

    from feeds.pipeline import ExportTarget, process

    with tempfile.TemporaryDirectory(prefix="bench-rules-") as out:
        targets = [ExportTarget(key, key, Path(out) / f"{key}.xml") for key in ("heureka", "google")]
        return process(feed, targets, rules=ruleset).products_in


def _timed(function: Any, *args: Any) -> tuple[float, int]:
    """CPU seconds of this process: steadier than wall time on a shared machine, and the work is one thread."""
    gc.collect()
    gc.disable()  # as feeds.pipeline does during a run, so all passes pay the same (no) GC cost
    try:
        start = time.process_time()
        count = function(*args)
        return time.process_time() - start, count
    finally:
        gc.enable()


def bench_rules(feed_path: Path) -> dict[str, Any]:
    """Parse alone vs parse + 20 typical rules on one feed; products/s, the ratio, peak memory."""
    assert len(TYPICAL_RULES) == 20
    ruleset = RuleSet.from_spec(TYPICAL_RULES, queries=QUERIES, variables=VARIABLES)
    parse_s, products = _timed(_parse_only, feed_path)
    rules_s, kept = _timed(_parse_and_rules, feed_path, ruleset)
    timed = RuleSet.from_spec(TYPICAL_RULES, queries=QUERIES, variables=VARIABLES)
    timed.cpu_seconds = [0.0] * len(timed.rules)
    _timed(_parse_and_rules, feed_path, timed)
    result = {
        "products": products,
        "kept": kept,
        "parse_s": round(parse_s, 3),
        "parse_and_rules_s": round(rules_s, 3),
        "parse_products_per_s": round(products / parse_s),
        "rules_products_per_s": round(products / rules_s),
        "added_by_rules": round(rules_s / parse_s - 1, 3),
        "rule_errors": ruleset.error_count,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rules_cpu_s": round(sum(timed.cpu_seconds), 3),  # the engine alone, queries included
        "per_rule": [
            {
                "rule": s.index,
                "type": s.type,
                "selected": s.selected,
                "changed": s.changed,
                "cpu_us_per_product": round(seconds / products * 1e6, 2),
            }
            for s, seconds in zip(ruleset.stats, timed.cpu_seconds, strict=True)
        ],
    }
    try:
        convert_s, _ = _timed(_convert, feed_path, None)
        convert_rules_s, _ = _timed(
            _convert, feed_path, RuleSet.from_spec(TYPICAL_RULES, queries=QUERIES, variables=VARIABLES)
        )
    except ImportError as exc:  # the pipeline is another module's; report what we can
        result["conversion"] = f"not measured: {exc}"
        return result
    result["conversion_s"] = round(convert_s, 3)
    result["conversion_with_rules_s"] = round(convert_rules_s, 3)
    result["conversion_products_per_s"] = round(products / convert_s)
    result["conversion_with_rules_products_per_s"] = round(products / convert_rules_s)
    result["conversion_added_by_rules"] = round(convert_rules_s / convert_s - 1, 3)
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


if __name__ == "__main__":
    print(json.dumps(bench_rules(Path(sys.argv[1])), ensure_ascii=False, indent=2))
