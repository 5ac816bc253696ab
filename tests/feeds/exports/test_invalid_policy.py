"""What an export does with products its channel would reject: keep them (csv, tsv, xml, mergado), leave
them out and report them (the default of channel formats), or fail above a share of them; an export
that would be left empty never replaces the last good one."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.errors import ExportError
from feeds.parsers import open_feed
from feeds.pipeline import ExportTarget, RunReport, process

VALID = ("<SHOPITEM><ITEM_ID>{n}</ITEM_ID><PRODUCTNAME>Kolo {n}</PRODUCTNAME><DESCRIPTION>Kolo</DESCRIPTION>"
         "<URL>https://kola.example/{n}</URL><IMGURL>https://kola.example/{n}.jpg</IMGURL><PRICE_VAT>100</PRICE_VAT>"
         "<CATEGORYTEXT>Kola</CATEGORYTEXT><DELIVERY_DATE>0</DELIVERY_DATE>"
         "<DELIVERY><DELIVERY_ID>CESKA_POSTA</DELIVERY_ID><DELIVERY_PRICE>99</DELIVERY_PRICE></DELIVERY></SHOPITEM>")
NO_PRICE = "<SHOPITEM><ITEM_ID>{n}</ITEM_ID><PRODUCTNAME>Bez ceny {n}</PRODUCTNAME></SHOPITEM>"


def feed(tmp_path: Path, valid: int, invalid: int) -> Path:
    items = [VALID.format(n=n) for n in range(1, valid + 1)]
    items += [NO_PRICE.format(n=n) for n in range(valid + 1, valid + invalid + 1)]
    source = tmp_path / "feed.xml"
    source.write_text(f'<?xml version="1.0" encoding="utf-8"?><SHOP>{"".join(items)}</SHOP>', encoding="utf-8")
    return source


def ids(path: Path, fmt: str) -> list[str]:
    return [p.get("ITEM_ID") for chunk in open_feed(path, fmt).chunks() for p in chunk]


def test_a_channel_export_leaves_invalid_products_out_and_names_them(tmp_path: Path) -> None:
    out = tmp_path / "heureka.xml"
    report = process(feed(tmp_path, 3, 2), [ExportTarget("heureka", "heureka", out)])
    (export,) = report.exports
    assert (export.invalid_policy, export.products_out, export.invalid, export.left_out_invalid) == ("drop", 3, 2, 2)
    assert ids(out, "heureka") == ["1", "2", "3"]
    assert export.problems[0].startswith("4: missing URL; missing IMGURL; missing PRICE_VAT")
    assert export.too_many_invalid == ""


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_generic_exports_keep_every_product(tmp_path: Path, fmt: str) -> None:
    report = process(feed(tmp_path, 1, 2), [ExportTarget("all", fmt, tmp_path / f"all.{fmt}")])
    assert (report.exports[0].invalid_policy, report.exports[0].products_out) == ("keep", 3)


def test_keep_writes_invalid_products_when_asked(tmp_path: Path) -> None:
    out = tmp_path / "heureka.xml"
    report = process(feed(tmp_path, 1, 2), [ExportTarget("heureka", "heureka", out, invalid="keep")])
    assert (report.exports[0].products_out, report.exports[0].invalid) == (3, 2)
    assert ids(out, "heureka") == ["1", "2", "3"]


def test_fail_over_its_limit_says_so_and_a_check_keeps_the_last_good_output(tmp_path: Path) -> None:
    out = tmp_path / "heureka.xml"
    out.write_text("the last good export", encoding="utf-8")
    under = process(feed(tmp_path, 19, 1), [ExportTarget("h", "heureka", tmp_path / "under.xml", invalid="fail",
                                                         max_invalid_percent=5)])
    assert under.exports[0].too_many_invalid == "" and under.exports[0].products_out == 19  # 5 %: at the limit

    def refuse(report: RunReport) -> None:
        if report.exports[0].too_many_invalid:
            raise ExportError(report.exports[0].too_many_invalid)

    target = ExportTarget("h", "heureka", out, invalid="fail", max_invalid_percent=5)
    with pytest.raises(ExportError, match=r"^export 'h': 2 of 20 products \(10%\) are invalid for heureka, more "
                                          r"than its 5 % limit; they were left out$"):
        process(feed(tmp_path, 18, 2), [target], check=refuse)
    assert out.read_text(encoding="utf-8") == "the last good export"


def test_an_export_left_empty_by_invalid_products_is_refused_whatever_the_policy(tmp_path: Path) -> None:
    report = process(feed(tmp_path, 0, 3), [ExportTarget("h", "heureka", tmp_path / "h.xml")])
    assert report.exports[0].too_many_invalid == (
        "export 'h': all 3 products are invalid for heureka and were left out (first: 1: missing URL; "
        "missing IMGURL; missing PRICE_VAT; "
        "missing CATEGORYTEXT; missing DELIVERY_DATE; missing DELIVERY)")


def test_each_duplicate_id_is_listed_with_its_lines_however_many_other_problems_came_first(tmp_path: Path) -> None:
    items = [NO_PRICE.format(n=n) for n in range(1000, 1060)]  # 60 invalid products fill the problem list
    items += [VALID.format(n=n) for n in (1, 2, 1, 1)]  # id 1 three times, one item per line
    source = tmp_path / "feed.xml"
    source.write_text('<?xml version="1.0" encoding="utf-8"?>\n<SHOP>\n' + "\n".join(items) + "\n</SHOP>\n",
                      encoding="utf-8")
    dropped = process(source, [ExportTarget("h", "heureka", tmp_path / "h.xml")]).exports[0]
    assert dropped.duplicates == ["1: 3 occurrences, 2 left out after the first (lines 65, 66)"]
    assert dropped.duplicate_ids == 1 and len(dropped.problems) == 50
    assert ids(tmp_path / "h.xml", "heureka") == ["1", "2"]  # the first is kept
    kept = process(source, [ExportTarget("h", "heureka", tmp_path / "k.xml", invalid="keep")]).exports[0]
    assert kept.duplicates == ["1: 3 occurrences, 2 kept after the first (lines 65, 66)"]


def test_an_exports_element_mapping_lets_foreign_columns_reach_a_channel(tmp_path: Path) -> None:
    source = tmp_path / "shop.csv"
    source.write_text("Artikel,Name des Produkts,Text,Seite,Foto,Kosten,Lager\n"
                      "7,Kleid,Ein Kleid,https://x.de/7,https://x.de/7.jpg,105.24,2\n", encoding="utf-8")
    bare = process(source, [ExportTarget("g", "google", tmp_path / "bare.xml")], source_format="csv").exports[0]
    assert bare.too_many_invalid.startswith("export 'g': all 1 products are invalid for google")
    mapping = {"Artikel": "id", "Name des Produkts": "title", "Text": "description", "Seite": "link",
               "Foto": "image_link", "Kosten": "price", "Lager": "stock"}
    mapped = process(source, [ExportTarget("g", "google", tmp_path / "g.xml", mapping=mapping)],
                     source_format="csv").exports[0]
    assert (mapped.products_out, mapped.invalid, mapped.warnings) == (1, 0, {})
    (product,) = [p for chunk in open_feed(tmp_path / "g.xml", "google").chunks() for p in chunk]
    assert (product.get("g:id"), product.get("g:title"), product.get("g:availability")) == ("7", "Kleid", "in_stock")
