"""Declared versus actual encoding: right text or a clear error, never mojibake published quietly."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from feeds.errors import FeedSyntaxError
from feeds.model import Product
from feeds.parsers import detect_format, open_feed

CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy"
NAMES = [CZECH, "Šťastná čočka - 5 kg"]


def heureka(declaration: str, names: list[str] = NAMES) -> str:
    """A small Heureka feed; each product on its own lines so error lines are predictable."""
    items = "".join(
        f"<SHOPITEM>\n<ITEM_ID>P{i}</ITEM_ID>\n<PRODUCTNAME>{name}</PRODUCTNAME>\n</SHOPITEM>\n"
        for i, name in enumerate(names, 1)
    )
    return f"{declaration}\n<SHOP>\n{items}</SHOP>\n"


def write(tmp_path: Path, data: bytes, name: str = "feed.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path) -> tuple[list[Product], list[str]]:
    """Products and warnings, through detection as the pipeline does it."""
    parser = open_feed(path)
    products = [product for chunk in parser.chunks() for product in chunk]
    return products, parser.info.warnings


class TestXmlEncodings:
    @pytest.mark.parametrize(
        ("declaration", "codec"),
        [
            ('<?xml version="1.0" encoding="utf-8"?>', "utf-8"),
            ('<?xml version="1.0" encoding="UTF-8"?>', "utf-8"),
            ('<?xml version="1.0"?>', "utf-8"),  # no declaration means UTF-8
            ('<?xml version="1.0" encoding="windows-1250"?>', "cp1250"),
            ("<?xml version='1.0' encoding='Windows-1250'?>", "cp1250"),  # single quotes, mixed case
            ('<?xml version="1.0" encoding="ISO-8859-2"?>', "iso8859_2"),
            ('<?xml version="1.0" encoding="utf-16"?>', "utf-16"),  # with its BOM
        ],
    )
    def test_declared_encoding_that_matches_the_bytes(
        self, tmp_path: Path, declaration: str, codec: str
    ) -> None:
        path = write(tmp_path, heureka(declaration).encode(codec))
        assert detect_format(path) == "heureka"
        products, warnings = read(path)
        assert [p.get("PRODUCTNAME") for p in products] == NAMES
        assert warnings == []

    @pytest.mark.parametrize("declared", ["windows-1250", "iso-8859-2", "latin-1"])
    def test_utf8_bytes_declared_as_a_code_page_are_read_as_utf8_with_a_warning(
        self, tmp_path: Path, declared: str
    ) -> None:
        path = write(tmp_path, heureka(f'<?xml version="1.0" encoding="{declared}"?>').encode("utf-8"))
        assert detect_format(path) == "heureka"
        products, warnings = read(path)
        assert [p.get("PRODUCTNAME") for p in products] == NAMES
        canonical = codecs.lookup(declared).name
        assert warnings == [f"the feed declares {canonical} but its bytes are UTF-8; read it as UTF-8"]

    @pytest.mark.parametrize(
        ("declaration", "label"),
        [
            ('<?xml version="1.0" encoding="utf-8"?>', "declared as UTF-8"),
            ('<?xml version="1.0"?>', "without an encoding declaration (so UTF-8)"),
            ("", "without an encoding declaration (so UTF-8)"),
        ],
    )
    def test_cp1250_bytes_claiming_utf8_fail_with_the_line(
        self, tmp_path: Path, declaration: str, label: str
    ) -> None:
        ascii_first = ["Kolo", "Kolo 2", CZECH]  # the first non-UTF-8 byte is in the third product
        path = write(tmp_path, heureka(declaration, ascii_first).encode("cp1250"))
        expected_line = 13  # the PRODUCTNAME line of the third product (an empty declaration leaves its line)
        for attempt in (lambda: detect_format(path), lambda: read(path)):
            with pytest.raises(FeedSyntaxError) as caught:
                attempt()
            assert (
                caught.value.message
                == f"the feed is {label} but its bytes are not UTF-8 at line {expected_line}"
            )
            assert caught.value.line == expected_line
            assert (
                caught.value.hint
                == 'declare the real encoding, e.g. <?xml version="1.0" encoding="windows-1250"?>'
            )

    @pytest.mark.parametrize("line_end", ["\n", "\r\n"])
    def test_bom_before_the_declaration_is_fine(self, tmp_path: Path, line_end: str) -> None:
        text = heureka('<?xml version="1.0" encoding="utf-8"?>').replace("\n", line_end)
        path = write(tmp_path, codecs.BOM_UTF8 + text.encode("utf-8"))
        assert detect_format(path) == "heureka"
        products, warnings = read(path)
        assert ([p.get("PRODUCTNAME") for p in products], warnings) == (NAMES, [])

    def test_bom_without_a_declaration_is_fine(self, tmp_path: Path) -> None:
        path = write(tmp_path, codecs.BOM_UTF8 + heureka("").lstrip().encode("utf-8"))
        products, warnings = read(path)
        assert ([p.get("PRODUCTNAME") for p in products], warnings) == (NAMES, [])

    def test_unknown_encoding_name(self, tmp_path: Path) -> None:
        path = write(
            tmp_path, heureka('<?xml version="1.0" encoding="klingon-8"?>').encode("ascii", "replace")
        )
        with pytest.raises(
            FeedSyntaxError, match="unknown encoding 'klingon-8' in the XML declaration at line 1"
        ):
            read(path)


class TestCsvEncodings:
    ROWS = f"id;title;price\n001;{CZECH};10\n002;Čočka;20\n"

    def test_utf8_with_bom(self, tmp_path: Path) -> None:
        path = write(tmp_path, codecs.BOM_UTF8 + self.ROWS.encode("utf-8"), "feed.csv")
        products, warnings = read(path)
        assert [[(c.name, c.text) for c in p.children] for p in products][0] == [
            ("id", "001"),
            ("title", CZECH),
            ("price", "10"),
        ]
        assert warnings == []

    def test_cp1250_is_read_with_a_warning(self, tmp_path: Path) -> None:
        path = write(tmp_path, self.ROWS.encode("cp1250"), "feed.csv")
        products, warnings = read(path)
        assert [p.get("title") for p in products] == [CZECH, "Čočka"]
        assert warnings == ["the CSV is not UTF-8; read it as windows-1250"]
