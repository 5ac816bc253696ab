"""Where a run writes each export: a template export's file has its template's extension."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.project import ProjectSpec
from flows.processing import output_paths

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
