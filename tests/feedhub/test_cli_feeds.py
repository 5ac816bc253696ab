"""`feedhub inspect`, `convert` and `demo` as a user runs them: exit codes, messages, files left behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from feedhub.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_feeds"
HEUREKA = SAMPLES / "heureka_cz_params_delivery.xml"
GOOGLE_NS = "http://base.google.com/ns/1.0"

BROKEN_FEEDS = {
    # name: (bytes, words the one-line error must contain)
    "truncated": (b'<?xml version="1.0"?><SHOP><SHOPITEM><ITEM_ID>a1</ITEM_ID></SHOPITEM><SHOPITEM><ITEM_', ["line 1"]),
    "html_page": (b"<!DOCTYPE html><html><body>Not found</body></html>", ["HTML page"]),
    "empty": (b"", ["empty"]),
    "bare_ampersand": (
        b"<SHOP><SHOPITEM><ITEM_ID>a1</ITEM_ID><URL>https://x.cz/?a=1&b=2</URL></SHOPITEM></SHOP>",
        ["&amp;", "line 1"],
    ),
    "entities": (
        b'<?xml version="1.0"?><!DOCTYPE SHOP [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<SHOP><SHOPITEM><ITEM_ID>&x;</ITEM_ID></SHOPITEM></SHOP>",
        ["entit"],
    ),
    "utf8_declared_cp1250_is_fine_but_cp1250_declared_utf8_is_not": (
        '<?xml version="1.0" encoding="utf-8"?><SHOP><SHOPITEM><PRODUCTNAME>Žluťoučký kůň</PRODUCTNAME>'
        "</SHOPITEM></SHOP>".encode("cp1250"),
        ["not UTF-8", "line 1"],
    ),
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


class TestConvert:
    def test_same_format_keeps_every_product(self, runner: CliRunner, tmp_path: Path) -> None:
        out = tmp_path / "out.xml"
        result = runner.invoke(app, ["convert", str(HEUREKA), "-o", str(out)])
        assert result.exit_code == 0, result.output
        products_in = len(etree.parse(str(HEUREKA)).getroot().findall("SHOPITEM"))
        assert len(etree.parse(str(out)).getroot().findall("SHOPITEM")) == products_in
        assert f"heureka -> heureka: {products_in} products in, {products_in} out" in result.output

    def test_heureka_to_google_writes_prices_with_currency(self, runner: CliRunner, tmp_path: Path) -> None:
        out = tmp_path / "google.xml"
        result = runner.invoke(app, ["convert", str(HEUREKA), "--to", "google", "--currency", "CZK", "-o", str(out)])
        assert result.exit_code == 0, result.output
        prices = etree.parse(str(out)).getroot().findall(f"channel/item/{{{GOOGLE_NS}}}price")
        assert prices and all(p.text.endswith(" CZK") for p in prices)

    @pytest.mark.parametrize("case", sorted(BROKEN_FEEDS))
    def test_broken_feed_exits_2_with_one_clear_line_and_out_untouched(
        self, runner: CliRunner, tmp_path: Path, case: str
    ) -> None:
        body, words = BROKEN_FEEDS[case]
        source = tmp_path / "feed.xml"
        source.write_bytes(body)
        out = tmp_path / "published.xml"
        out.write_bytes(b"the last good export")
        result = runner.invoke(app, ["convert", str(source), "-o", str(out)])
        assert result.exit_code == 2
        error_lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(error_lines) == 1 and error_lines[0].startswith("error: ")
        for word in words:
            assert word in error_lines[0]
        assert out.read_bytes() == b"the last good export"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["feed.xml", "published.xml"]  # no temp files left

    def test_invalid_products_are_left_out_by_default_and_fail_keeps_the_old_output(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        from tests.feeds.exports.test_invalid_policy import feed

        source, out = feed(tmp_path, 3, 1), tmp_path / "published.xml"
        dropped = runner.invoke(app, ["convert", str(source), "-o", str(out)])
        assert dropped.exit_code == 0, dropped.output
        assert "4 products in, 3 out, 0 hidden, 0 dropped, 1 invalid (1 left out: --invalid drop)" in dropped.stdout
        assert "invalid: 4: missing URL" in dropped.stdout
        kept = runner.invoke(app, ["convert", str(source), "-o", str(tmp_path / "all.xml"), "--invalid", "keep"])
        assert "4 out" in kept.stdout and "(0 left out: --invalid keep)" in kept.stdout
        refused = runner.invoke(app, ["convert", str(source), "-o", str(out), "--invalid", "fail",
                                      "--max-invalid-percent", "10"])
        assert refused.exit_code == 2 and refused.stderr.strip() == (
            "error: export 'out': 1 of 4 products (25%) are invalid for heureka, more than its 10 % limit; they "
            "were left out; the output was not written")
        assert len(etree.parse(str(out)).getroot().findall("SHOPITEM")) == 3  # the last good output
        unknown = runner.invoke(app, ["convert", str(source), "-o", str(out), "--invalid", "ignore"])
        assert unknown.exit_code == 2 and "--invalid: 'ignore' is not one of keep, drop, fail" in unknown.stderr

    def test_a_german_shopify_export_reaches_google_with_one_mapped_column(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        # ../shared/feeds: a real Shopify export with German headers and no description column
        source = Path(__file__).resolve().parents[3] / "shared" / "feeds" / "csv_shopify_siebentaschen_de.csv"
        out = tmp_path / "google.xml"
        bare = runner.invoke(app, ["convert", str(source), "--to", "google", "-o", str(out)])
        assert bare.exit_code == 2 and "missing description" in bare.stderr and not out.exists()
        mapped = runner.invoke(app, ["convert", str(source), "--to", "google", "-o", str(out),
                                     "--map", "Produktart=description"])
        assert mapped.exit_code == 0, mapped.output
        written = etree.parse(str(out)).getroot().findall("channel/item")
        rows = source.read_text(encoding="utf-8").count("\n") - 1
        assert rows * 0.95 < len(written) < rows  # those without an image are left out, and listed
        assert "missing image_link" in mapped.stdout
        availability = {item.findtext(f"{{{GOOGLE_NS}}}availability") for item in written}
        assert availability <= {"in_stock", "out_of_stock"} and "in_stock" in availability  # read from Inventory
        bad = runner.invoke(app, ["convert", str(source), "--to", "google", "-o", str(out), "--map", "Produktart"])
        assert bad.exit_code == 2 and "--map 'Produktart': write SOURCE=NAME" in bad.stderr

    def test_a_google_taxonomy_file_names_bare_category_ids_in_heureka(self, runner: CliRunner, tmp_path: Path) -> None:
        source = tmp_path / "google.xml"
        text = (SAMPLES / "google_atom.xml").read_text(encoding="utf-8")  # no product_type: the category decides
        text = re.sub(r"<g:product_type>[^<]*</g:product_type>", "", text)
        source.write_text(text.replace("Health &amp; Beauty &gt; Personal Care &gt; Cosmetics", "477"),
                          encoding="utf-8")
        taxonomy = tmp_path / "taxonomy-with-ids.cs-CZ.txt"
        taxonomy.write_text("# Google_Product_Taxonomy_Version: 2021-09-21\n469 - Zdraví a krása\n"
                            "477 - Zdraví a krása > Osobní péče > Kosmetika\n", encoding="utf-8")
        out = tmp_path / "heureka.xml"
        named = runner.invoke(app, ["convert", str(source), "--to", "heureka", "--google-taxonomy", str(taxonomy),
                                    "--invalid", "keep", "-o", str(out)])
        assert named.exit_code == 0, named.output
        categories = {e.text for e in etree.parse(str(out)).iter("CATEGORYTEXT")}
        assert categories == {"Zdraví a krása | Osobní péče | Kosmetika"}

        taxonomy.write_text("477 Kosmetika\n", encoding="utf-8")
        refused = runner.invoke(app, ["convert", str(source), "--to", "heureka", "--google-taxonomy", str(taxonomy),
                                      "-o", str(tmp_path / "other.xml")])
        assert refused.exit_code == 2
        assert "line 1: expected 'ID - Category > Subcategory', found '477 Kosmetika'" in refused.output
        assert not (tmp_path / "other.xml").exists()

    def test_failure_never_creates_out(self, runner: CliRunner, tmp_path: Path) -> None:
        source = tmp_path / "feed.xml"
        source.write_bytes(BROKEN_FEEDS["truncated"][0])
        result = runner.invoke(app, ["convert", str(source), "-o", str(tmp_path / "new.xml")])
        assert result.exit_code == 2
        assert not (tmp_path / "new.xml").exists()

    def test_unknown_format_key_lists_the_known_ones(self, runner: CliRunner, tmp_path: Path) -> None:
        result = runner.invoke(app, ["convert", str(HEUREKA), "--to", "amazon", "-o", str(tmp_path / "o.xml")])
        assert result.exit_code == 2
        assert "unknown format 'amazon'" in result.stderr and "heureka" in result.stderr

    def test_missing_source_file(self, runner: CliRunner, tmp_path: Path) -> None:
        result = runner.invoke(app, ["convert", str(tmp_path / "nope.xml"), "-o", str(tmp_path / "o.xml")])
        assert result.exit_code == 2
        assert "no such file" in result.stderr


class TestConvertWithRules:
    def test_rules_change_and_hide_products_in_the_output(self, runner: CliRunner, tmp_path: Path) -> None:
        rules = tmp_path / "rules.json"
        rules.write_text(json.dumps([
            {"type": "rewriting", "element": "PRODUCT", "value": "%MANUFACTURER% | %PRODUCTNAME%"},
            {"type": "hiding", "query": "[PRICE_VAT] > 1000"},
        ]), encoding="utf-8")
        out = tmp_path / "out.xml"
        result = runner.invoke(app, ["convert", str(HEUREKA), "--rules", str(rules), "-o", str(out)])
        assert result.exit_code == 0, result.output
        source = etree.parse(str(HEUREKA)).getroot().findall("SHOPITEM")
        kept = [item for item in source if float(item.findtext("PRICE_VAT").replace(",", ".")) <= 1000]
        written = etree.parse(str(out)).getroot().findall("SHOPITEM")
        assert 0 < len(written) == len(kept) < len(source)
        assert [w.findtext("PRODUCT") for w in written] == [
            f"{k.findtext('MANUFACTURER')} | {k.findtext('PRODUCTNAME')}" for k in kept
        ]
        assert f"{len(source) - len(kept)} hidden" in result.stdout
        lines = [line.strip() for line in result.stdout.splitlines()]
        assert f"rule 1 (rewriting): {len(source)} selected, {len(source)} changed, 0 errors" in lines
        hidden = len(source) - len(kept)
        assert f"rule 2 (hiding): {hidden} selected, {hidden} changed, 0 errors" in lines

    def test_rule_errors_are_counted_and_the_first_named(self, runner: CliRunner, tmp_path: Path) -> None:
        rules = tmp_path / "rules.json"
        rules.write_text(json.dumps([{"type": "calc", "element": "PRICE_VAT", "formula": "%PRICE_VAT% / 0"}]))
        out = tmp_path / "out.xml"
        result = runner.invoke(app, ["convert", str(HEUREKA), "--rules", str(rules), "-o", str(out)])
        assert result.exit_code == 0, result.output
        ids = [item.findtext("ITEM_ID") for item in etree.parse(str(HEUREKA)).getroot().findall("SHOPITEM")]
        lines = [line.strip() for line in result.stdout.splitlines()]
        at = lines.index(f"rule 1 (calc): {len(ids)} selected, 0 changed, {len(ids)} errors")
        assert lines[at + 1:at + 4] == [f"product {i}: division by zero in '%PRICE_VAT% / 0'" for i in ids[:3]]

    def test_invalid_rules_list_every_problem_and_leave_out_untouched(self, runner: CliRunner, tmp_path: Path) -> None:
        rules = tmp_path / "rules.json"
        rules.write_text(json.dumps([
            {"type": "calc", "element": "PRICE_VAT", "formula": "%PRICE_VAT% * (1"},  # unbalanced bracket
            {"type": "teleport", "element": "X"},  # no such rule type
            {"type": "hiding", "query": "[PRICE_VAT] >"},  # broken query
        ]), encoding="utf-8")
        out = tmp_path / "out.xml"
        out.write_bytes(b"last good")
        result = runner.invoke(app, ["convert", str(HEUREKA), "--rules", str(rules), "-o", str(out)])
        assert result.exit_code == 2
        assert all(f"rule {n}" in result.stderr for n in (1, 2, 3)), result.stderr
        assert out.read_bytes() == b"last good"


class TestInspect:
    def test_json_lists_format_encoding_count_and_element_paths(self, runner: CliRunner) -> None:
        result = runner.invoke(app, ["inspect", str(HEUREKA), "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        products = len(etree.parse(str(HEUREKA)).getroot().findall("SHOPITEM"))
        assert (report["format"], report["encoding"], report["products"]) == ("heureka", "utf-8", products)
        assert report["elements"]["ITEM_ID"] == products
        assert report["elements"]["DELIVERY|DELIVERY_ID"] <= products
        assert "PARAM|PARAM_NAME" in report["elements"]
        assert report["warnings"] == []

    def test_cp1250_feed_reports_its_encoding(self, runner: CliRunner) -> None:
        result = runner.invoke(app, ["inspect", str(SAMPLES / "heureka_cp1250.xml"), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["encoding"] == "windows-1250"

    def test_human_table_names_the_format(self, runner: CliRunner) -> None:
        result = runner.invoke(app, ["inspect", str(SAMPLES / "google_rss.xml")])
        assert result.exit_code == 0, result.output
        assert "google" in result.stdout and "g:price" in result.stdout


class TestDemo:
    def test_converts_every_sample_and_runs_the_demo_project(
        self, runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FEEDHUB_DATA_DIR", str(tmp_path / "data"))
        samples = tmp_path / "samples"
        shutil.copytree(SAMPLES, samples)
        result = runner.invoke(app, ["demo", "--samples", str(samples), "--out", str(tmp_path / "out")])
        assert result.exit_code == 0, result.output
        feeds = [p for p in samples.iterdir() if p.is_file() and p.suffix != ".md"]
        outputs = list((tmp_path / "out").rglob("*.*"))
        assert len({p.parent.name for p in outputs}) == len(feeds)
        assert all(p.stat().st_size > 0 for p in outputs)
        assert "Demo project" in result.stdout and "run succeeded" in result.stdout
        published = etree.parse(str(tmp_path / "data" / "exports" / "demo" / "heureka.xml")).getroot()
        assert len(published.findall("SHOPITEM")) > 0


EARLY_FAULTS = {
    # name: (the fault inside one product, the part libxml2 stumbles on, words naming the cause)
    "control-char": (b"<PRODUCTNAME>a\x0bb</PRODUCTNAME>", b"\x0b", ["invalid Char value 11", "control character"]),
    "nul": (b"<PRODUCTNAME>a\x00b</PRODUCTNAME>", b"\x00", ["0x0", "control character"]),
    "control-charref": (
        b"<PRODUCTNAME>a&#x1;b</PRODUCTNAME>", b"&#x1;", ["invalid xmlChar value 1", "character reference"]
    ),
    "deep-nesting": (b"<A>" * 300 + b"x" + b"</A>" * 300, b"<A>" * 300, ["Excessive depth", "nest"]),
    "mismatched-tag": (b"<PRODUCTNAME>Kolo</PRODUCT>", b"</PRODUCT>", ["tag mismatch", "closed with the wrong name"]),
}
BAD_PRODUCT_START = b"<SHOPITEM><ITEM_ID>BAD</ITEM_ID>"


def feed_with_fault(fault: bytes, products_before: int) -> bytes:
    """A Heureka feed, one product per line, whose product after `products_before` good ones holds `fault`."""
    good = b"".join(
        b"<SHOPITEM><ITEM_ID>A%d</ITEM_ID><PRODUCTNAME>Kolo</PRODUCTNAME></SHOPITEM>\n" % n
        for n in range(1, products_before + 1)
    )
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n<SHOP>\n'
        + good
        + BAD_PRODUCT_START
        + fault
        + b"</SHOPITEM>\n</SHOP>\n"
    )


class TestEarlyFaults:
    """Faults in the first kilobytes are named for what they are, on every lxml release (libxml2 2.14
    raises before it hands on the elements it parsed; the sniff then found "no XML element")."""

    @pytest.mark.parametrize("before", [0, 4000], ids=["first-product", "product-4001"])
    @pytest.mark.parametrize("case", sorted(EARLY_FAULTS))
    def test_fault_is_named_with_line_column_and_last_good_product(
        self, runner: CliRunner, tmp_path: Path, case: str, before: int
    ) -> None:
        fault, culprit, words = EARLY_FAULTS[case]
        source = tmp_path / "feed.xml"
        source.write_bytes(feed_with_fault(fault, before))
        out = tmp_path / "out.xml"
        out.write_bytes(b"the last good export")
        result = runner.invoke(app, ["convert", str(source), "--to", "google", "-o", str(out)])
        assert result.exit_code == 2
        error_lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(error_lines) == 1, result.stderr
        for word in [*words, f"line {before + 3}, column "]:
            assert word in error_lines[0]
        column = int(re.search(r"column (\d+)", error_lines[0]).group(1))  # type: ignore[union-attr]
        culprit_start = len(BAD_PRODUCT_START) + fault.index(culprit) + 1
        assert culprit_start - 3 <= column <= culprit_start + len(culprit)
        assert ("after product 'A4000'" in error_lines[0]) == (before == 4000)
        assert "no XML element" not in error_lines[0]
        assert out.read_bytes() == b"the last good export"

    @pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf\n", b"\n", b"  "], ids=["bom-newline", "newline", "spaces"])
    def test_text_before_the_xml_declaration(self, runner: CliRunner, tmp_path: Path, prefix: bytes) -> None:
        source = tmp_path / "feed.xml"
        source.write_bytes(prefix + feed_with_fault(b"", 2))
        result = runner.invoke(app, ["convert", str(source), "-o", str(tmp_path / "out.xml")])
        assert result.exit_code == 2
        assert "XML declaration allowed only at the start" in result.stderr
        assert "must be the very first thing in the file" in result.stderr
        newlines = prefix.count(b"\n")
        assert f"line {1 + newlines}, column" in result.stderr

    def test_a_second_declaration_deep_inside_names_joined_files(self, runner: CliRunner, tmp_path: Path) -> None:
        joined = feed_with_fault(b"", 4000).replace(b"</SHOP>\n", b"") + feed_with_fault(b"", 1)
        source = tmp_path / "feed.xml"
        source.write_bytes(joined)
        result = runner.invoke(app, ["convert", str(source), "-o", str(tmp_path / "out.xml")])
        assert result.exit_code == 2
        assert "XML declaration allowed only at the start" in result.stderr
        assert "line 4004" in result.stderr and "after product 'BAD'" in result.stderr


NOT_FEEDS = {
    # name: (content, what the message says it is)
    "readme": (b"Feedhub\n=======\n\nAn open-source product-feed manager, self-hosted.\n", "one column"),
    "sha256sums": (b"9f86d081884c7d65  feedhub-0.1.tar.gz\n60303ae22b998861  feedhub-0.1.whl\n", "one column"),
    "json": (b'{"products": [{"id": "1", "title": "Kolo"}]}\n', "JSON"),
    "table-of-no-products": (b"date,visits,orders\n2026-11-01,120,3\n", "names no product column"),
    "pdf": (b"%PDF-1.7\n1 0 obj\n", "PDF"),
}


class TestNotAFeed:
    @pytest.mark.parametrize("case", sorted(NOT_FEEDS))
    def test_text_that_is_no_feed_is_refused(self, runner: CliRunner, tmp_path: Path, case: str) -> None:
        content, found = NOT_FEEDS[case]
        source = tmp_path / "input.txt"
        source.write_bytes(content)
        out = tmp_path / "out.xml"
        result = runner.invoke(app, ["convert", str(source), "--to", "google", "-o", str(out)])
        assert result.exit_code == 2
        assert "not a product feed" in result.stderr and found in result.stderr
        assert not out.exists()

    def test_from_csv_forces_a_one_column_file(self, runner: CliRunner, tmp_path: Path) -> None:
        source = tmp_path / "ids.csv"
        source.write_bytes(b"sku\nA1\nA2\n")
        out = tmp_path / "out.csv"
        result = runner.invoke(app, ["convert", str(source), "--from", "csv", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").split() == ["sku", "A1", "A2"]

    @pytest.mark.parametrize(
        "header",
        [
            b"id,title,price",
            "Kód;Název;Cena s DPH".encode(),
            b"Handle\tTitle\tVariant Price",
            "názov,cena".encode(),
        ],
        ids=["english", "czech", "shopify-tsv", "slovak"],
    )
    def test_a_header_naming_a_product_column_is_a_feed(self, runner: CliRunner, tmp_path: Path, header: bytes) -> None:
        delimiter = b"\t" if b"\t" in header else b";" if b";" in header else b","
        source = tmp_path / "feed.csv"
        source.write_bytes(header + b"\n" + delimiter.join(b"x" for _ in header.split(delimiter)) + b"\n")
        result = runner.invoke(app, ["inspect", str(source), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["products"] == 1


class TestOutputMode:
    def test_a_new_file_follows_the_umask(self, runner: CliRunner, tmp_path: Path) -> None:
        out = tmp_path / "out.xml"
        old = os.umask(0o022)
        try:
            result = runner.invoke(app, ["convert", str(HEUREKA), "-o", str(out)])
        finally:
            os.umask(old)
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(out.stat().st_mode) == 0o644

    def test_a_replaced_file_keeps_its_mode(self, runner: CliRunner, tmp_path: Path) -> None:
        out = tmp_path / "out.xml"
        out.write_bytes(b"old")
        out.chmod(0o640)
        result = runner.invoke(app, ["convert", str(HEUREKA), "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        assert out.read_bytes() != b"old"


class TestConvertWithTemplate:
    TEMPLATE = {"kind": "csv", "delimiter": "\t", "columns": [{"name": "id", "path": "ITEM_ID"},
                                                             {"name": "name", "expr": "upper(PRODUCTNAME)"}]}

    def test_a_template_file_writes_the_output(self, runner: CliRunner, tmp_path: Path) -> None:
        template = tmp_path / "t.json"
        template.write_text(json.dumps(self.TEMPLATE), encoding="utf-8")
        out = tmp_path / "out.tsv"

        result = runner.invoke(app, ["convert", str(HEUREKA), "--template", str(template), "-o", str(out)])

        assert result.exit_code == 0, result.output
        items = etree.parse(str(HEUREKA)).getroot().findall("SHOPITEM")
        assert out.read_text(encoding="utf-8").splitlines() == ["id\tname", *(
            f"{item.findtext('ITEM_ID')}\t{(item.findtext('PRODUCTNAME') or '').upper()}" for item in items)]
        assert f"heureka -> template: {len(items)} products in, {len(items)} out" in result.output

    def test_a_preset_writes_the_marketplace_product_file(self, runner: CliRunner, tmp_path: Path) -> None:
        out = tmp_path / "products.csv"
        result = runner.invoke(app, ["convert", str(HEUREKA), "--template", "preset:marketplace-products",
                                     "-o", str(out)])
        assert result.exit_code == 0, result.output
        header, first, *_ = out.read_text(encoding="utf-8").splitlines()
        assert header.startswith("shop-sku;ean;title;description;brand;category;price;quantity;")
        item = etree.parse(str(HEUREKA)).getroot().find("SHOPITEM")
        assert item is not None and first.startswith(f"{item.findtext('ITEM_ID')};{item.findtext('EAN')};")

    def test_every_problem_of_a_template_is_listed_and_nothing_is_written(
        self, runner: CliRunner, tmp_path: Path
    ) -> None:
        template = tmp_path / "t.json"
        template.write_text(json.dumps({"kind": "csv", "columns": [{"name": "a", "expr": "upper("},
                                                                   {"name": "b", "path": "X", "text": "y"}]}))
        result = runner.invoke(app, ["convert", str(HEUREKA), "--template", str(template), "-o",
                                     str(tmp_path / "out.csv")])
        assert result.exit_code == 2
        lines = result.output.splitlines()
        assert lines[0] == f"error: template {str(template)!r} is not valid:"
        assert [line.split(" > ")[0].strip() for line in lines[1:]] == ['columns[0] "a"', 'columns[1] "b": give '
                                                                        "exactly one of path, expr, text"]
        assert not (tmp_path / "out.csv").exists()

    @pytest.mark.parametrize(("args", "message"), [
        (["--template", "preset:nope"], "unknown template preset 'nope'; known presets: marketplace-products"),
        (["--template", "missing.json"], "cannot read template file 'missing.json'"),
        (["--template", "preset:marketplace-products", "--to", "google"], "--template and --to: give one"),
        (["--template", "preset:marketplace-products", "--invalid", "keep"], "--invalid keep: a template leaves out"),
        (["--template", "preset:marketplace-products", "--currency", "EUR"], "--currency: channel defaults do "
                                                                             "nothing for --template"),
    ])  # fmt: skip
    def test_refused_options_are_named(self, args: list[str], message: str, runner: CliRunner, tmp_path: Path) -> None:
        result = runner.invoke(app, ["convert", str(HEUREKA), *args, "-o", str(tmp_path / "out.csv")])
        assert result.exit_code == 2 and message in result.output, result.output

    def test_all_products_failing_keeps_the_old_output(self, runner: CliRunner, tmp_path: Path) -> None:
        template = tmp_path / "t.json"
        template.write_text(json.dumps({"kind": "csv", "columns": [
            {"name": "n", "expr": 'replace(ITEM_ID, ITEM_ID, "free") + 1'}]}), encoding="utf-8")
        out = tmp_path / "out.csv"
        out.write_text("last good\n", encoding="utf-8")
        result = runner.invoke(app, ["convert", str(HEUREKA), "--template", str(template), "-o", str(out)])
        assert result.exit_code == 2 and "products are invalid for template" in result.output
        assert "'free' is not a number" in result.output
        assert out.read_text(encoding="utf-8") == "last good\n"
