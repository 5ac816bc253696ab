"""Streaming CSV/TSV writer.

Columns are only known once every product has been seen (rules may add elements, nested XML
becomes path columns), so rows are spooled to a temporary JSON-lines file next to the output and
written out with the final header at the end: memory stays flat, the header is complete.

A cell a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a carriage return
and is not a plain number) gets a leading `'`, as OWASP's CSV-injection guidance says: people open
these files in Excel or LibreOffice. An export for a channel that reads the raw file turns it off.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from feeds.model import Element, FeedInfo

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?\Z")


def spreadsheet_safe(value: str) -> str:
    """The value, with a leading `'` if a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def flat_cells(product: Element) -> list[tuple[str, str]]:
    """(column, value) pairs: direct children for flat products, leaf element paths for nested ones."""
    if all(not child.children and not child.attrs for child in product.children):
        return [(child.name, child.text) for child in product.children]
    cells = []
    for path, element in product.walk_paths():
        if "|@" in path:
            cells.append((path, element.attrs[path.rsplit("|@", 1)[1]]))
        elif not element.children:
            cells.append((path, element.text))
    return cells


class CsvFeedWriter:
    """Writes products as rows; repeated elements become repeated columns of the same name."""

    def __init__(self, out: TextIO, info: FeedInfo, *, delimiter: str | None = None,
                 escape_formulas: bool = True) -> None:
        self.out = out
        self.escape_formulas = escape_formulas
        self.delimiter = delimiter or info.delimiter or ","
        self._columns: list[str] = list(info.columns)
        self._widths: Counter[str] = Counter(info.columns)
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")

    def begin(self) -> None:
        """Nothing to write before the header is known."""

    def write(self, products: Sequence[Element]) -> None:
        """Spool a chunk, widening the header for new or more-repeated columns."""
        for product in products:
            cells = flat_cells(product)
            used: Counter[str] = Counter()
            for name, _ in cells:
                used[name] += 1
                if used[name] > self._widths[name]:
                    self._widths[name] = used[name]
                    self._columns.insert(self._place_for(name), name)
            self._spool.write(json.dumps(cells, ensure_ascii=False) + "\n")

    def _place_for(self, name: str) -> int:
        """Where a new column goes: after the last column of the same parent element (so each PARAM's name
        and value stay side by side, PARAM|PARAM_NAME, PARAM|VAL, PARAM|PARAM_NAME, PARAM|VAL), else after
        its namesakes, else at the end."""
        parent = name.rsplit("|", 1)[0] + "|" if "|" in name else None
        for index in range(len(self._columns) - 1, -1, -1):
            column = self._columns[index]
            if column == name or (parent is not None and column.startswith(parent)):
                return index + 1
        return len(self._columns)

    def end(self) -> None:
        """Write the header and every spooled row under it."""
        writer = csv.writer(self.out, delimiter=self.delimiter, lineterminator="\n")
        writer.writerow(self._columns)
        self._spool.seek(0)
        for line in self._spool:
            row = self._row(json.loads(line))
            writer.writerow([spreadsheet_safe(cell) for cell in row] if self.escape_formulas else row)
        self._spool.close()

    def _row(self, cells: list[list[str]]) -> list[str]:
        values: dict[str, list[str]] = {}
        for name, value in cells:
            values.setdefault(name, []).append(value)
        row, used = [], Counter[str]()
        for name in self._columns:
            found = values.get(name, ())
            row.append(found[used[name]] if used[name] < len(found) else "")
            used[name] += 1
        return row
