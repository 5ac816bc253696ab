"""Data file import from CSV or XML, from a path or a URL (a real local HTTP server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.errors import ConfigError, SourceError, TransientFeedError
from feeds.transforms import RuleSet
from tests.feeds.transforms.factory import item

CSV = "ITEM_ID;STOCK;PRICE_VAT\nA1;5;100\nB2;0;\nA1;9;999\nZ9;1;1\n"
XML = "<ROWS><ROW><CODE>A1</CODE><STOCK>5</STOCK></ROW><ROW><CODE>B2</CODE><STOCK>0</STOCK></ROW></ROWS>"


def products():
    return [
        item(ITEM_ID="A1", PRICE_VAT="80"),
        item(ITEM_ID="b2", PRICE_VAT="70"),
        item(ITEM_ID="C3", PRICE_VAT="60"),
    ]


def run(spec, **kwargs):
    ruleset = RuleSet.from_spec([{"type": "data_import", **spec}], **kwargs)
    chunk = products()
    ruleset.apply(chunk)
    return ruleset, [(p.get("ITEM_ID"), p.get("STOCK"), p.get("PRICE_VAT")) for p in chunk]


class TestDataImportRule:
    def test_csv_from_a_path_relative_to_the_rules(self, tmp_path):
        (tmp_path / "stock.csv").write_text(CSV, encoding="utf-8")
        ruleset, rows = run({"source": "stock.csv", "key": "ITEM_ID"}, base_dir=tmp_path)
        # A1: first row of the duplicated key wins; b2: keys match case-insensitively, empty cell keeps 70
        assert rows == [("A1", "5", "100"), ("b2", "0", "70"), ("C3", "", "60")]
        assert ruleset.stats[0].extra == {"duplicate_keys": ["A1"], "matched": 2, "unmatched": 1}

    def test_a_server_path_is_refused_where_local_files_are_off(self, tmp_path):
        (tmp_path / "stock.csv").write_text(CSV, encoding="utf-8")
        with pytest.raises(SourceError, match="is a path on the server") as caught:
            RuleSet.from_spec(
                [{"type": "data_import", "source": str(tmp_path / "stock.csv"), "key": "ITEM_ID"}],
                allow_local_files=False,
            )
        assert "FEEDHUB_ALLOW_LOCAL_SOURCES" in (caught.value.hint or "")

    @pytest.mark.parametrize(("by_input", "expected"), [(True, ["5", "0", ""]), (False, ["", "", ""])])
    def test_match_by_input_values_reads_the_key_as_the_feed_had_it(self, tmp_path, by_input, expected):
        # Mergado's switch: an earlier rule rewrote ITEM_ID; matching on input still finds the file's rows
        (tmp_path / "stock.csv").write_text("ITEM_ID,STOCK\nA1,5\nB2,0\n", encoding="utf-8")
        ruleset = RuleSet.from_spec([
            {"type": "rewriting", "element": "ITEM_ID", "value": "shop-%ITEM_ID%"},
            {"type": "data_import", "source": "stock.csv", "key": "ITEM_ID", "match_by_input_values": by_input},
        ], base_dir=tmp_path)
        chunk = products()
        ruleset.apply(chunk)
        assert [p.get("STOCK") for p in chunk] == expected
        assert [p.get("ITEM_ID") for p in chunk] == ["shop-A1", "shop-b2", "shop-C3"]

    def test_empty_cells_clear_when_asked(self, tmp_path):
        (tmp_path / "stock.csv").write_text(CSV, encoding="utf-8")
        _, rows = run({"source": "stock.csv", "key": "ITEM_ID", "empty_clears": True}, base_dir=tmp_path)
        assert rows[1] == ("b2", "0", "")

    def test_contains_matching(self, tmp_path):
        (tmp_path / "d.csv").write_text("CODE,LABEL\n1,one\n", encoding="utf-8")
        ruleset = RuleSet.from_spec(
            [{"type": "data_import", "source": "d.csv", "key": "ITEM_ID", "match": "contains"}],
            base_dir=tmp_path,
        )
        chunk = [item(ITEM_ID="SKU-1-X"), item(ITEM_ID="SKU-2")]
        ruleset.apply(chunk)
        assert [p.get("LABEL") for p in chunk] == ["one", ""]

    def test_xml_over_http(self, http_server):
        url = http_server.serve("/stock.xml", XML.encode())
        spec = {"source": url, "key": "ITEM_ID", "key_column": "CODE"}
        _, rows = run(spec, allow_private_urls=True)
        assert rows == [("A1", "5", "80"), ("b2", "0", "70"), ("C3", "", "60")]

    def test_private_address_is_refused_by_default(self, http_server):
        url = http_server.serve("/stock.csv", CSV.encode())
        with pytest.raises(SourceError, match="private address"):
            run({"source": url, "key": "ITEM_ID"})

    def test_server_error_is_transient(self, http_server):
        url = http_server.serve("/stock.csv", b"oops", status=503)
        with pytest.raises(TransientFeedError):
            run({"source": url, "key": "ITEM_ID"}, allow_private_urls=True)

    def test_missing_file_is_a_source_error(self, tmp_path):
        with pytest.raises(SourceError, match="cannot read data file"):
            run({"source": "nope.csv", "key": "ITEM_ID"}, base_dir=tmp_path)

    def test_spec_problems_are_reported_before_any_file_is_read(self, tmp_path):
        rules = [
            {"type": "data_import", "source": "nope.csv", "key": "ITEM_ID", "match": "fuzzy"},
            {"type": "rewriting", "element": "", "value": "x"},
        ]
        with pytest.raises(ConfigError) as caught:
            RuleSet.from_spec(rules, base_dir=tmp_path)
        assert len(caught.value.problems) == 2 and "match: must be one of exact, contains" in caught.value.problems[0]

    def test_unknown_key_column_is_reported(self, tmp_path):
        (tmp_path / "d.csv").write_text("CODE,LABEL\n1,one\n", encoding="utf-8")
        with pytest.raises(ConfigError, match="has no column 'SKU'"):
            run({"source": "d.csv", "key": "ITEM_ID", "key_column": "SKU"}, base_dir=tmp_path)


def test_relative_data_files_become_absolute_and_nothing_else_changes(tmp_path):
    from feeds.transforms.rules.dataimport import local_data_files, with_absolute_data_files

    rules = [
        {"type": "data_import", "source": " stock.csv ", "key": "ITEM_ID"},
        {"type": "data_import", "source": "../shared/prices.csv", "key": "ITEM_ID"},
        {"type": "data_import", "source": "https://example.com/stock.csv", "key": "ITEM_ID"},
        {"type": "data_import", "source": "/srv/data/stock.csv", "key": "ITEM_ID"},
        {"type": "data_import", "source": "ftp://example.com/stock.csv", "key": "ITEM_ID"},
        {"type": "data_import", "source": "~/stock.csv", "key": "ITEM_ID"},
        {"type": "data_import", "source": "~nobody-here-at-all/stock.csv", "key": "ITEM_ID"},
        {"type": "rewriting", "element": "source", "value": "stock.csv"},
        "not a rule",
    ]
    out = with_absolute_data_files(rules, tmp_path / "rules")
    assert [rule["source"] for rule in out[:7]] == [
        str(tmp_path / "rules" / "stock.csv"),
        str(tmp_path / "shared" / "prices.csv"),
        "https://example.com/stock.csv",
        "/srv/data/stock.csv",
        "ftp://example.com/stock.csv",  # not a path: the run names it when it cannot read it
        str(Path.home() / "stock.csv"),
        str(tmp_path / "rules" / "~nobody-here-at-all" / "stock.csv"),  # no such user: an ordinary folder name
    ]
    assert out[7:] == rules[7:] and rules[0]["source"] == " stock.csv "  # the input is not changed in place
    assert local_data_files(out) == [Path(out[i]["source"]) for i in (0, 1, 3, 5, 6)]
    rule = {"type": "data_import", "source": "a.csv", "key": "ITEM_ID", "query": "x", "else": {"source": "b.csv"}}
    (absolute,) = with_absolute_data_files([rule], tmp_path)
    assert (absolute["source"], absolute["else"]["source"]) == (str(tmp_path / "a.csv"), str(tmp_path / "b.csv"))
    assert local_data_files([absolute]) == [tmp_path / "a.csv", tmp_path / "b.csv"]


def test_an_else_part_reads_its_own_data_file(tmp_path):
    (tmp_path / "cheap.csv").write_text("ITEM_ID,LABEL\nA1,cheap\nb2,cheap\nC3,cheap\n", encoding="utf-8")
    (tmp_path / "dear.csv").write_text("ITEM_ID,LABEL\nA1,dear\nb2,dear\nC3,dear\n", encoding="utf-8")
    spec = {"type": "data_import", "source": str(tmp_path / "cheap.csv"), "key": "ITEM_ID",
            "query": "PRICE_VAT < 75", "else": {"source": str(tmp_path / "dear.csv")}}  # fmt: skip
    ruleset = RuleSet.from_spec([spec])
    chunk = products()
    ruleset.apply(chunk)
    assert ruleset.errors == [] and [p.get("LABEL") for p in chunk] == ["dear", "cheap", "cheap"]


def test_a_data_file_that_is_no_regular_file_is_refused_not_read(tmp_path):
    import os

    fifo = tmp_path / "stock.csv"
    os.mkfifo(fifo)  # reading it would block for ever
    with pytest.raises(SourceError, match="is not a regular file"):
        RuleSet.from_spec([{"type": "data_import", "source": str(fifo), "key": "ITEM_ID"}])
