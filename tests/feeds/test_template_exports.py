"""A template export in the pipeline (`feeds.pipeline.process`): written by the user's template from the products
after the rules, chunk by chunk, into a temporary file that replaces the last good one only when the whole pass
succeeded; a product the template cannot write is left out and reported as product id, field and reason."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from feeds.errors import ConfigError, ExportError, FeedSyntaxError
from feeds.model import CHUNK_SIZE
from feeds.pipeline import ExportTarget, RunReport, process
from feeds.project import TEMPLATE_FORMAT
from feeds.templates import TemplateWriter, load_template
from feeds.transforms import RuleSet

SAMPLE = Path(__file__).resolve().parents[2] / "sample_feeds" / "heureka_cz_params_delivery.xml"
ITEMS = etree.parse(str(SAMPLE)).getroot().findall("SHOPITEM")
FREE = 'replace(ITEM_ID, ITEM_ID, "free") + 1'  # "free" + 1, found out only when a product is written
CSV_TEMPLATE: dict[str, Any] = {"kind": "csv", "delimiter": "\t", "columns": [
    {"name": "id", "path": "ITEM_ID"},
    {"name": "price", "expr": "format_number(PRICE_VAT, 2)"},
    {"name": "colour", "path": "PARAM { PARAM_NAME = \"Barva\" } | VAL"},
]}  # fmt: skip


def target(path: Path, template: dict[str, Any] = CSV_TEMPLATE, **fields: Any) -> ExportTarget:
    return ExportTarget("t", TEMPLATE_FORMAT, path, template=load_template(template), **fields)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter="\t"))


def refuse_too_many_invalid(report: RunReport) -> None:
    """What `feedhub convert` and a run's quality gate do: an export over its limit replaces nothing."""
    refused = [export.too_many_invalid for export in report.exports if export.too_many_invalid]
    if refused:
        raise ExportError("; ".join(refused))


def colour(item: etree._Element) -> str:
    return next((p.findtext("VAL") or "" for p in item.iter("PARAM") if p.findtext("PARAM_NAME") == "Barva"), "")


class TestTemplateExport:
    def test_every_product_is_written_from_the_source_beside_a_channel_export(self, tmp_path: Path) -> None:
        report = process(SAMPLE, [target(tmp_path / "t.tsv"), ExportTarget("h", "heureka", tmp_path / "h.xml")])

        assert rows(tmp_path / "t.tsv") == [
            {"id": item.findtext("ITEM_ID"), "price": f"{float(item.findtext('PRICE_VAT') or 0):.2f}",
             "colour": colour(item)} for item in ITEMS]
        template, heureka = report.exports
        assert (template.format, template.products_out, template.invalid, template.problems) == (
            TEMPLATE_FORMAT, len(ITEMS), 0, [])
        assert template.bytes == (tmp_path / "t.tsv").stat().st_size
        assert heureka.products_out == len(ITEMS)  # the channel export sees the products the template saw

    def test_a_product_the_template_cannot_write_is_left_out_and_reported(self, tmp_path: Path) -> None:
        first = ITEMS[0].findtext("ITEM_ID")
        template = {"kind": "csv", "columns": [
            {"name": "id", "path": "ITEM_ID"},
            {"name": "weight", "expr": f'if(ITEM_ID = "{first}", {FREE}, 1)'},
        ]}  # fmt: skip

        report = process(SAMPLE, [target(tmp_path / "t.csv", template)])

        export = report.exports[0]
        assert (export.products_out, export.invalid, export.left_out_invalid) == (len(ITEMS) - 1, 1, 1)
        assert export.problems == [f"{first}: weight: 'free' is not a number"]
        assert export.invalid_policy == "drop" and export.too_many_invalid == ""
        written = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()
        assert len(written) == len(ITEMS) and f"{first}," not in written  # the header and the others

    def test_policy_fail_over_its_limit_keeps_the_last_good_file(self, tmp_path: Path) -> None:
        out = tmp_path / "t.csv"
        out.write_text("last good\n", encoding="utf-8")
        template = {"kind": "csv", "columns": [{"name": "n", "expr": f'if(contains(ITEM_ID, "CER"), {FREE}, 1)'}]}
        ceramic = sum("CER" in (item.findtext("ITEM_ID") or "") for item in ITEMS)

        with pytest.raises(ExportError, match=f"{ceramic} of {len(ITEMS)} products"):
            process(SAMPLE, [target(out, template, invalid="fail", max_invalid_percent=1)],
                    check=refuse_too_many_invalid)

        assert out.read_text(encoding="utf-8") == "last good\n"
        assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]  # no temporary file left behind

    def test_every_product_failing_holds_the_export(self, tmp_path: Path) -> None:
        out = tmp_path / "t.csv"
        out.write_text("last good\n", encoding="utf-8")
        template = {"kind": "csv", "columns": [{"name": "n", "expr": FREE}]}

        with pytest.raises(ExportError, match=f"all {len(ITEMS)} products are invalid for template"):
            process(SAMPLE, [target(out, template)], check=refuse_too_many_invalid)

        assert out.read_text(encoding="utf-8") == "last good\n"

    def test_a_feed_that_breaks_off_keeps_the_last_good_file(self, tmp_path: Path) -> None:
        broken = tmp_path / "broken.xml"
        text = SAMPLE.read_text(encoding="utf-8")
        broken.write_text(text[: text.index("</SHOPITEM>", len(text) // 2)], encoding="utf-8")
        out = tmp_path / "out" / "t.tsv"
        out.parent.mkdir()
        out.write_text("last good\n", encoding="utf-8")

        with pytest.raises(FeedSyntaxError):
            process(broken, [target(out)])

        assert out.read_text(encoding="utf-8") == "last good\n" and len(list(out.parent.iterdir())) == 1

    def test_the_export_rules_and_mapping_run_before_the_template(self, tmp_path: Path) -> None:
        rules = RuleSet.from_spec([{"type": "hiding", "query": 'ITEM_ID CONTAINS "-CER"'}])
        template = {"kind": "csv", "columns": [{"name": "id", "path": "ITEM_ID"}, {"name": "brand", "path": "BRAND"}]}

        process(SAMPLE, [target(tmp_path / "t.csv", template, rules=rules, mapping={"MANUFACTURER": "BRAND"})])

        written = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
        assert written == [{"id": item.findtext("ITEM_ID"), "brand": item.findtext("MANUFACTURER")}
                           for item in ITEMS if "-CER" not in (item.findtext("ITEM_ID") or "")]

    def test_the_template_chooses_the_encoding(self, tmp_path: Path) -> None:
        template = {"kind": "xml", "root": "FEED", "item": "ITEM", "encoding": "windows-1250",
                    "elements": [{"name": "NAME", "path": "PRODUCTNAME"}]}

        process(SAMPLE, [target(tmp_path / "t.xml", template)])

        data = (tmp_path / "t.xml").read_bytes()
        assert data.startswith(b'<?xml version="1.0" encoding="WINDOWS-1250"?>')
        names = [e.text for e in etree.fromstring(data).iter("NAME")]
        assert names == [item.findtext("PRODUCTNAME") for item in ITEMS]
        assert "Železná".encode("cp1250") in data

    def test_invalid_products_cannot_be_kept(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="cannot be kept"):
            process(SAMPLE, [target(tmp_path / "t.csv", invalid="keep")])

    def test_products_stream_through_chunk_by_chunk(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        count = 2 * CHUNK_SIZE + 7
        feed = tmp_path / "big.xml"
        feed.write_text("<SHOP>" + "".join(f"<SHOPITEM><ITEM_ID>{n}</ITEM_ID><PRICE_VAT>{n}</PRICE_VAT></SHOPITEM>"
                                           for n in range(count)) + "</SHOP>", encoding="utf-8")
        chunks: list[int] = []
        original = TemplateWriter.write

        def spy(writer: TemplateWriter, products: Any) -> None:
            chunks.append(len(products))
            original(writer, products)

        monkeypatch.setattr(TemplateWriter, "write", spy)
        report = process(feed, [target(tmp_path / "t.tsv")])

        assert chunks == [CHUNK_SIZE, CHUNK_SIZE, 7] and report.exports[0].products_out == count
        assert [row["id"] for row in rows(tmp_path / "t.tsv")] == [str(n) for n in range(count)]
