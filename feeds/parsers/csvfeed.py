"""Streaming CSV/TSV parser: pandas reads the file in chunks, every cell kept as text.

pandas earns its place here (fast C tokenizer, chunked reading). Headers are read by us, not by
pandas, because feeds repeat columns on purpose (`additional_image_link` twice) and pandas would
rename them. Identifiers keep their leading zeros (`dtype=str`), and "NA" stays "NA".
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from feeds.channels.base import Channel
from feeds.errors import EmptyFeedError, FeedSyntaxError, NotAFeedError
from feeds.model import CHUNK_SIZE, Element, FeedInfo, Product
from feeds.parsers.safe import ENCODING_SAMPLE_BYTES

DELIMITERS = ",;\t|"
CSV_ITEM = "item"


def sniff_delimiter(text: str) -> str:
    """The delimiter of a header line and a few rows: one of , ; TAB |."""
    try:
        return csv.Sniffer().sniff(text, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        return max(DELIMITERS, key=header.count) if header else ","


class CsvFeedParser:
    """Streams the rows of a CSV/TSV file as flat products whose element names are the column headers."""

    def __init__(self, path: Path, fmt: Channel) -> None:
        self.path = path
        self.info = FeedInfo(format=fmt.key)
        with open(path, "rb") as handle:
            sample = handle.read(ENCODING_SAMPLE_BYTES)
        if not sample.strip():
            raise NotAFeedError("the feed is empty")
        self._encoding = _encoding(sample, self.info.warnings)
        text = sample.decode(self._encoding, errors="replace")
        if text.lstrip().startswith("<"):
            raise NotAFeedError("this looks like XML or HTML, not CSV", hint="pick an XML format with --from")
        lines = text.splitlines()
        self._skip = _comment_lines(lines)  # Meta's "# ref_application_id ..." lines
        body = "\n".join(lines[self._skip : self._skip + 50])
        self.info.delimiter = fmt.delimiter if fmt.delimiter == "\t" else sniff_delimiter(body)
        self.info.columns = next(csv.reader(io.StringIO(body), delimiter=self.info.delimiter), [])
        self.info.encoding = "utf-8" if self._encoding == "utf-8-sig" else self._encoding
        self.info.item = CSV_ITEM
        if not any(name.strip() for name in self.info.columns):
            raise NotAFeedError("the CSV has no header row")

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[list[Product]]:
        """Yield lists of products; a row with too many fields fails with its line number."""
        import pandas as pd  # imported here: it costs a second at start-up, and only CSV needs it

        columns = self.info.columns
        width = len(columns)
        reader = pd.read_csv(
            self.path,
            sep=self.info.delimiter,
            header=None,
            skiprows=self._skip + 1,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            encoding=self._encoding,
            chunksize=size,
            skip_blank_lines=True,
            quotechar='"',
            doublequote=True,
            engine="c",
        )
        first_line = self._skip + 2
        count = 0
        try:
            for frame in reader:
                chunk = [
                    Product(CSV_ITEM, children=[Element(name, value) for name, value in zip(columns, row, strict=True)],
                            line=first_line + count + offset)
                    for offset, row in enumerate(frame.itertuples(index=False, name=None))
                ]
                count += len(chunk)
                if chunk:  # pandas reads a header without rows as one empty frame
                    yield chunk
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            hint = "quote fields that contain the delimiter"
            raise FeedSyntaxError(f"broken CSV: {str(exc).strip()}", hint=hint) from exc
        finally:
            reader.close()  # also when the caller stops early (first chunk only): no file left open
        if count == 0:
            raise EmptyFeedError("the CSV has a header but no product rows")


def _encoding(sample: bytes, warnings: list[str]) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        warnings.append("the CSV is not UTF-8; read it as windows-1250")
        return "cp1250"


def _comment_lines(lines: list[str]) -> int:
    skip = 0
    for line in lines:
        if not line.startswith("#"):
            break
        skip += 1
    return skip
