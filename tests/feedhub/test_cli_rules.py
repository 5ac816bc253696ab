"""`feedhub query`, `trace` and `preview` on real files; errors are one clear message and exit status 2."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from feedhub.cli import rules

FEED = """<?xml version="1.0" encoding="utf-8"?>
<SHOP>
<SHOPITEM><ITEM_ID>1</ITEM_ID><PRODUCTNAME>Kůň</PRODUCTNAME><PRICE_VAT>100</PRICE_VAT><STOCK>0</STOCK></SHOPITEM>
<SHOPITEM><ITEM_ID>2</ITEM_ID><PRODUCTNAME>Pes</PRODUCTNAME><PRICE_VAT>1 500,00</PRICE_VAT><STOCK>4</STOCK></SHOPITEM>
<SHOPITEM><ITEM_ID>3</ITEM_ID><PRODUCTNAME>Kočka</PRODUCTNAME><PRICE_VAT>900</PRICE_VAT><STOCK>1</STOCK></SHOPITEM>
</SHOP>
"""
RULES = [
    {"type": "rewriting", "element": "PRODUCTNAME", "value": "Zvíře %PRODUCTNAME%"},
    {"type": "hiding", "query": "STOCK = 0"},
]


@pytest.fixture
def app():
    app = typer.Typer()
    rules.register(app)
    return app


@pytest.fixture
def files(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(FEED, encoding="utf-8")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(RULES), encoding="utf-8")
    return feed, rules


def invoke(app, *args):
    return CliRunner().invoke(app, [str(a) for a in args])


class TestQueryCommand:
    def test_lists_selected_ids(self, app, files):
        result = invoke(app, "query", files[0], "PRICE_VAT >= 900")
        assert (result.exit_code, result.stdout) == (0, "2\n3\n")

    def test_counts(self, app, files):
        result = invoke(app, "query", files[0], 'PRODUCTNAME ~ "^K"', "--count")
        assert (result.exit_code, result.stdout) == (0, "2\n")

    def test_nothing_selected_names_the_element_no_product_has_and_the_closest(self, app, files):
        result = invoke(app, "query", files[0], "[PRICE] > 50 OR PRODUCTNAME = Pes", "--count")
        assert (result.exit_code, result.stdout) == (0, "1\n")  # one matched: no warning however the rest reads
        assert result.stderr == ""
        result = invoke(app, "query", files[0], "[PRICE] > 50 AND [STOCK] > 0", "--count")
        assert (result.exit_code, result.stdout) == (0, "0\n")
        assert result.stderr == "warning: no product has an element PRICE; did you mean PRICE_VAT?\n"
        result = invoke(app, "query", files[0], "[PRICE_VAT] > 99999")  # the elements exist: 0 is an answer
        assert (result.stdout, result.stderr) == ("", "")

    def test_sort_by_lists_the_selected_ids_in_order(self, app, files):
        result = invoke(app, "query", files[0], "[STOCK] > 0 SORT BY [PRICE_VAT] DESC AS NATURAL")
        assert (result.exit_code, result.stdout) == (0, "2\n3\n")  # 1 500,00 then 900; product 1 has no stock

    def test_syntax_error_exits_2_with_position(self, app, files):
        result = invoke(app, "query", files[0], "PRICE_VAT >")
        assert result.exit_code == 2
        assert "syntax error at position 12" in result.stderr and "expected a value" in result.stderr


class TestTraceCommand:
    def test_shows_changes_and_hiding(self, app, files):
        result = invoke(app, "trace", files[0], "--rules", files[1], "--id", "1")
        assert result.exit_code == 0
        assert "PRODUCTNAME: 'Kůň' -> 'Zvíře Kůň'" in result.stdout
        assert "=> hidden by rule 2" in result.stdout

    def test_rules_reading_group_aggregates_are_prepared_first(self, app, files, tmp_path):
        rules = tmp_path / "groups.json"
        rules.write_text(json.dumps([{"type": "rewriting", "element": "N", "value": "%GROUP_COUNT%"}]))
        result = invoke(app, "trace", files[0], "--rules", rules, "--id", "2")
        assert result.exit_code == 0, result.output
        assert "N: (none) -> '1'" in result.stdout  # no ITEMGROUP_ID: every product is a group of one

    def test_an_else_part_that_changed_the_product_is_shown(self, app, files, tmp_path):
        rules = tmp_path / "else.json"
        rules.write_text(json.dumps([{"type": "rewriting", "element": "MANUFACTURER", "value": "%MANUFACTURER%",
                                      "query": "ITEM_ID = nobody", "else": {"value": "NOBRAND"}}]))
        result = invoke(app, "trace", files[0], "--rules", rules, "--id", "1")
        assert result.exit_code == 0, result.output
        assert ("rule 1 rewriting: not selected by (ITEM_ID = nobody), so its ELSE part ran: MANUFACTURER:"
                in " ".join(result.stdout.split()))
        assert "-> 'NOBRAND'" in result.stdout

    def test_an_exports_own_rules_are_traced_after_the_shared_ones(self, app, files, tmp_path):
        own = tmp_path / "heureka-only.json"
        own.write_text(json.dumps([{"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME% [H]"},
                                   {"type": "hiding", "query": "ITEM_ID = 3"}]), encoding="utf-8")
        result = invoke(app, "trace", files[0], "--rules", files[1], "--export-rules", own, "--id", "3")
        assert result.exit_code == 0, result.output
        text = " ".join(result.stdout.split())  # rich wraps long lines
        shared = text.index("rule 1 rewriting: PRODUCTNAME: 'Kočka' -> 'Zvíře Kočka'")
        own_rule = text.index("export export rule 1 rewriting: PRODUCTNAME: 'Zvíře Kočka' -> 'Zvíře Kočka [H]'")
        assert shared < own_rule < text.index("export export rule 2 hiding: hidden")
        assert text.endswith("=> visible in the output")  # hidden from that export only

    def test_unknown_id_exits_2(self, app, files):
        result = invoke(app, "trace", files[0], "--rules", files[1], "--id", "nope")
        assert result.exit_code == 2 and "no product with id nope" in result.stderr


class TestPreviewCommand:
    def test_reports_changes_per_element(self, app, files, tmp_path):
        old = tmp_path / "old.json"
        old.write_text(json.dumps(RULES[:1]), encoding="utf-8")
        result = invoke(app, "preview", files[0], "--rules", files[1], "--against", old)
        assert result.exit_code == 0
        assert "3 products; 0 differ from the rules in" in result.stdout
        assert "newly hidden: 1; newly shown: 0" in result.stdout

    def test_says_what_each_draft_rule_did_and_its_first_errors(self, app, files, tmp_path):
        draft = tmp_path / "draft.json"
        draft.write_text(json.dumps([
            {"type": "calc", "name": "unit", "element": "PRICE_VAT", "formula": "%PRICE_VAT% / (%STOCK% - 4)"},
            {"type": "hiding", "query": "STOCK = 0"},
        ]), encoding="utf-8")
        old = tmp_path / "old.json"
        old.write_text(json.dumps([{"type": "hiding", "query": "STOCK = 1"}]), encoding="utf-8")
        result = invoke(app, "preview", files[0], "--rules", draft, "--against", old)
        assert result.exit_code == 0, result.output
        lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
        assert "hidden: 1" in lines and "shown: 3" in lines
        at = lines.index("rule 1 (calc 'unit'): 3 selected, 2 changed, 1 errors")
        assert lines[at + 1] == "product 2: division by zero in '%PRICE_VAT% / (%STOCK% - 4)'"
        assert lines[at + 2] == "rule 2 (hiding): 1 selected, 1 changed, 0 errors"  # hiding counts as a change

    def test_every_kept_sample_is_printed_and_json_lists_every_hidden_id(self, app, tmp_path):
        feed = tmp_path / "many.xml"
        items = "".join(f"<SHOPITEM><ITEM_ID>{n}</ITEM_ID><PRODUCTNAME>P{n}</PRODUCTNAME><STOCK>{n % 2}</STOCK>"
                        "</SHOPITEM>" for n in range(1, 121))
        feed.write_text(f"<SHOP>{items}</SHOP>", encoding="utf-8")
        draft = tmp_path / "draft.json"
        draft.write_text(json.dumps(RULES), encoding="utf-8")
        result = invoke(app, "preview", feed, "--rules", draft)
        assert result.exit_code == 0, result.output
        for n in range(1, 6):  # the five samples of PRODUCTNAME, not only the first
            assert f"{n}: 'P{n}' -> 'Zvíře P{n}'" in result.stdout
        assert "newly hidden: 60; newly shown: 0" in result.stdout
        listed = result.stdout.split("hidden: ", 2)[2].split("\n")[0]
        assert "".join(listed.split()).split(",")[:3] == ["2", "4", "6"]

        as_json = json.loads(invoke(app, "preview", feed, "--rules", draft, "--json").stdout)
        assert as_json["newly_hidden"] == 60 and as_json["newly_hidden_ids"] == [str(n) for n in range(2, 121, 2)]
        assert as_json["elements"]["PRODUCTNAME"]["products"] == 120  # hiding runs last: all were renamed
        assert [(r["index"], r["selected"], r["changed"]) for r in as_json["rules"]] == [(1, 120, 120), (2, 60, 60)]

    def test_an_exports_own_draft_is_previewed_after_the_shared_rules(self, app, files, tmp_path):
        own = tmp_path / "own.json"
        own.write_text(json.dumps([{"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME% [H]"}]))
        result = invoke(app, "preview", files[0], "--rules", own, "--shared", files[1], "--json")
        report = json.loads(result.stdout)
        assert report["products"] == 2  # the shared hiding rule ran first: product 1 is gone on both sides
        assert [s[1:] for s in report["elements"]["PRODUCTNAME"]["samples"]] == [
            [["Zvíře Pes"], ["Zvíře Pes [H]"]], [["Zvíře Kočka"], ["Zvíře Kočka [H]"]]]

    def test_invalid_rules_exit_2_listing_every_problem(self, app, files, tmp_path):
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps([{"type": "nope"}, {"type": "calc", "element": "P"}]), encoding="utf-8")
        result = invoke(app, "preview", files[0], "--rules", bad)
        assert result.exit_code == 2
        assert "rule 1 (nope): unknown rule type" in result.stderr
        assert "rule 2 (calc): formula: is required" in result.stderr


class TestRulesImport:
    def test_mergado_rules_become_a_feedhub_rules_file_that_runs(self, app, files, tmp_path):
        from tests.feeds.transforms.test_mergado_rules import EXPORTED

        exported, converted = tmp_path / "mergado.json", tmp_path / "rules.json"
        exported.write_text(json.dumps(EXPORTED), encoding="utf-8")
        result = invoke(app, "rules", "import", "mergado", exported, "-o", converted)
        assert result.exit_code == 0, result.output
        assert result.stderr == "3 rules converted, 0 problems\n"
        assert [rule["type"] for rule in json.loads(converted.read_text())] == ["rewriting", "replacing", "hiding"]
        assert invoke(app, "preview", files[0], "--rules", converted).exit_code == 0

    def test_unreadable_files_and_unknown_sources_exit_2(self, app, tmp_path):
        broken = tmp_path / "broken.json"
        broken.write_text("{not json", encoding="utf-8")
        result = invoke(app, "rules", "import", "mergado", broken)
        assert result.exit_code == 2 and "broken.json: Expecting property name" in result.stderr
        result = invoke(app, "rules", "import", "channable", broken)
        assert result.exit_code == 2 and "unknown rule source 'channable'; known: mergado" in result.stderr
