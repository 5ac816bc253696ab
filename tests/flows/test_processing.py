"""Where a run writes each export (a template export's file has its template's extension), and what the
run's settings add to a conversion."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from feeds.project import ProjectSpec
from flows.processing import output_paths, process_feed

COLUMNS = [{"name": "id", "path": "ITEM_ID"}]


@pytest.mark.parametrize(("export", "file_name"), [
    ({"format": "heureka"}, "e.xml"),
    ({"format": "mirakl-offers"}, "e.csv"),
    ({"format": "template", "template": {"kind": "csv", "columns": COLUMNS}}, "e.csv"),
    ({"format": "template", "template": {"kind": "csv", "delimiter": "\t", "columns": COLUMNS}}, "e.tsv"),
    ({"format": "template", "template": {"kind": "xml", "root": "R", "item": "I", "elements": [
        {"name": "ID", "path": "ITEM_ID"}]}}, "e.xml"),
])  # fmt: skip
def test_each_export_is_written_with_its_formats_extension(export: dict[str, object], file_name: str) -> None:
    spec = ProjectSpec.model_validate({"source": "https://shop.test/feed.xml", "exports": [{"name": "e", **export}]})
    assert output_paths(Path("/w"), spec) == {"e": Path("/w/out") / file_name}


def test_a_runs_google_taxonomy_names_bare_category_ids_in_heureka(tmp_path: Path) -> None:
    feed = tmp_path / "google.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
        "<item><g:id>1</g:id><title>Mýdlo</title><link>https://shop.test/1</link><g:price>99 CZK</g:price>"
        "<g:image_link>https://shop.test/1.jpg</g:image_link><g:availability>in_stock</g:availability>"
        "<g:google_product_category>477</g:google_product_category></item></channel></rss>\n", encoding="utf-8")
    taxonomy = tmp_path / "taxonomy-with-ids.cs-CZ.txt"
    taxonomy.write_text("477 - Zdraví a krása > Osobní péče > Kosmetika\n", encoding="utf-8")
    spec = ProjectSpec.model_validate({"source": str(feed), "exports": [
        {"name": "h", "format": "heureka", "invalid": "keep"}]})
    for given, expected in ((taxonomy, "Zdraví a krása | Osobní péče | Kosmetika"), (None, None)):
        processed = process_feed(feed, spec, tmp_path / "out", allow_empty=False, allow_private_urls=False,
                                 allow_local_files=False, google_taxonomy=given)
        written = etree.parse(str(processed.outputs["h"])).findtext("SHOPITEM/CATEGORYTEXT")
        assert written == expected  # without the file, an id has no words: the (empty) default category
