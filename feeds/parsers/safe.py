"""The one place that configures lxml: every XML read goes through `safe_iterparse`.

Why a pre-scan as well as parser options: lxml's options stop entity *expansion* and network
access, but a feed that declares entities is hostile or broken either way, and users deserve a
message that says so instead of a confusing "entity not defined" further down.

Two layers, because a byte scan can be fooled: `check_prolog` reads the whole internal DTD subset
(refusing one too long to read) before any parsing, and `safe_iterparse` checks again what libxml2
itself recorded (declared entities, entity references left unresolved) before the first element
reaches a caller.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from feeds.errors import FeedSyntaxError, HostileFeedError, NotAFeedError

PROLOG_SCAN_BYTES = 64 * 1024
ENCODING_SAMPLE_BYTES = 4 * 1024 * 1024

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+([A-Za-z_:][\w.:-]*)", re.IGNORECASE)
# The rest of a DOCTYPE up to its internal subset "[" or its end ">": an optional SYSTEM/PUBLIC id.
_DOCTYPE_REST = re.compile(rb"""(?:\s+(?:SYSTEM|PUBLIC)(?:\s+(?:"[^"]*"|'[^']*'))+)?\s*([\[>])""", re.I)
# One token of an internal subset; group 1 is the "]" that ends it. Quoted literals, comments and
# processing instructions are skipped whole, so a "]" inside them does not end the subset early.
_SUBSET_TOKEN = re.compile(rb""""[^"]*"|'[^']*'|<!--.*?-->|<\?.*?\?>|[^"'<\]]+|<|(\])""", re.DOTALL)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
HTML_HINT = "check the feed URL and any login"
_WIDE_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Never resolve entities, never load a DTD, never touch the network, keep libxml2's size limits.
SAFE_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "strip_cdata": True,
    "recover": False,
}

_HINTS = (
    ("xmlParseEntityRef: no name", "write &amp; for a bare & (for example in URLs: ?a=1&amp;b=2)"),
    ("EntityRef: expecting ';'", "write &amp; for a bare & (for example in URLs: ?a=1&amp;b=2)"),
    ("Entity '", "XML knows only &amp; &lt; &gt; &quot; &apos;; write other characters as they are"),
    ("invalid Char value", "the feed contains a control character that XML 1.0 forbids"),
    ("invalid character in attribute value", "the feed contains a control character that XML 1.0 forbids"),
    ("not proper UTF-8", 'the bytes are not UTF-8: declare the real encoding, e.g. encoding="windows-1250"'),
    ("Premature end of data", "the feed ends early: the download or the export that made it was cut off"),
    ("EndTag: '</' not found", "the feed ends early: the download or the export that made it was cut off"),
    ("Extra content at the end", "there is text after the root element's end"),
    ("Start tag expected", "the file does not start with an XML element"),
    ("invalid xmlChar value", "a character reference (&#...;) names a character XML 1.0 forbids"),
    ("Couldn't find end of Start Tag", "a start tag is not closed with '>'; often the feed was cut off"),
    ("Opening and ending tag mismatch", "an element is closed with the wrong name or not closed at all"),
    ("Excessive depth in document", "elements nest hundreds of levels deep (real feeds nest 3-4); Feedhub refuses it"),
    ("out of allowed range", "the feed contains a control character that XML 1.0 forbids"),
    ("XML declaration allowed only at the start", "the <?xml ...?> declaration must be the very first thing in the file"
     " (remove what stands before it; a second one means two files were joined)"),
)


def hint_for(message: str) -> str | None:
    """A short human hint for a libxml2 error message."""
    for needle, hint in _HINTS:
        if needle in message:
            return hint
    return None


def wide_encoding(head: bytes) -> str | None:
    """The UTF-16/32 codec named by a byte order mark, or None (libxml2 reads these by their BOM)."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    return None


def utf8_head(head: bytes) -> bytes:
    """The head of a file as UTF-8 bytes, so byte patterns (`<!ENTITY`, `<html`) match UTF-16/32 too."""
    name = wide_encoding(head)
    if name is None:
        return head
    bom_size = 4 if name.startswith("utf-32") else 2
    return head[bom_size:].decode(name, errors="ignore").encode("utf-8")


def check_prolog(head: bytes) -> None:
    """Refuse entity declarations and HTML before the parser sees them; a refused DOCTYPE is named by its line."""
    text = utf8_head(head)
    body = text.lstrip(codecs.BOM_UTF8).lstrip()
    if not body:
        raise NotAFeedError("the feed is empty")
    doctype = _DOCTYPE.search(body[:PROLOG_SCAN_BYTES])
    if doctype and doctype.group(1).lower() == b"html" or re.match(rb"(?i)<html[\s>]", body):
        raise NotAFeedError("this is an HTML page, not a product feed", hint=HTML_HINT)
    if doctype:
        line = text.count(b"\n", 0, len(text) - len(body) + doctype.start()) + 1
        if _ENTITY_DECL.search(internal_subset(body, doctype.end(), line=line)):
            raise _entities_refused(line)


def internal_subset(head: bytes, after_name: int, *, line: int) -> bytes:
    """The whole internal DTD subset of the DOCTYPE whose name ends at `after_name` (b"" if it has none).

    A subset that does not end inside `head` is refused rather than checked in part: an entity
    declaration hidden past the scanned bytes must not slip through. `line` is the DOCTYPE's, for the message.
    """
    rest = _DOCTYPE_REST.match(head, after_name)
    if rest is None or rest.group(1) == b">":
        return b""  # no subset, or a DOCTYPE the parser will report as broken
    position = rest.end()
    while token := _SUBSET_TOKEN.match(head, position):
        if token.group(1):
            return head[rest.end() : token.start()]
        position = token.end()
    raise HostileFeedError(
        f"the feed's DOCTYPE block{_at(line)} does not end within its first {len(head):,} bytes; Feedhub refuses it",
        line=line,
        hint="remove the <!DOCTYPE ...> block from the feed",
    )


def _entities_refused(line: int | None = None) -> HostileFeedError:
    return HostileFeedError(
        f"the feed declares XML entities in a DOCTYPE{_at(line)}; Feedhub refuses them"
        " (billion laughs, external files)",
        line=line,
        hint="remove the <!DOCTYPE ...> block from the feed",
    )


def _at(line: int | None) -> str:
    return "" if line is None else f" at line {line}"


def declared_encoding(head: bytes) -> str | None:
    """The encoding named in the XML declaration, normalised by Python's codec registry."""
    match = _DECLARED_ENCODING.match(head.lstrip(codecs.BOM_UTF8))
    if not match:
        return None
    name = match.group(1).decode("ascii")
    try:
        return codecs.lookup(name).name
    except LookupError as exc:
        raise FeedSyntaxError(f"unknown encoding {name!r} in the XML declaration", line=1) from exc


def encoding_override(path: Path, warnings: list[str]) -> str | None:
    """Decide whether the declared encoding can be trusted; return an override for lxml or None.

    UTF-8 bytes declared as a single-byte code page would decode into garbage without any parser
    error, so they are detected here and read as UTF-8, with a warning. Bytes that are not UTF-8
    in a feed that claims UTF-8 (or claims nothing) fail with a clear message.
    """
    with open(path, "rb") as handle:
        sample = handle.read(ENCODING_SAMPLE_BYTES)
    if wide_encoding(sample):
        return None  # UTF-16/32 with a BOM: libxml2 decodes it, and a code page mix-up cannot happen
    declared = declared_encoding(sample)
    has_bom = sample.startswith(codecs.BOM_UTF8)
    is_utf8 = _is_utf8(sample)
    if declared in (None, "utf-8"):
        if not is_utf8 and not has_bom:
            label = "declared as UTF-8" if declared else "without an encoding declaration (so UTF-8)"
            raise FeedSyntaxError(
                f"the feed is {label} but its bytes are not UTF-8",
                line=_first_bad_utf8_line(sample),
                hint='declare the real encoding, e.g. <?xml version="1.0" encoding="windows-1250"?>',
            )
        return None
    if is_utf8 and _has_multibyte(sample) and declared not in ("utf-16", "utf-32"):
        warnings.append(f"the feed declares {declared} but its bytes are UTF-8; read it as UTF-8")
        return "utf-8"
    return None


def _is_utf8(sample: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a multibyte char cut at the sample's end is fine
    except UnicodeDecodeError:
        return False
    return True


def _has_multibyte(sample: bytes) -> bool:
    return any(byte >= 0x80 for byte in sample.lstrip(codecs.BOM_UTF8))


def _first_bad_utf8_line(sample: bytes) -> int:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return sample.count(b"\n", 0, exc.start) + 1
    return 1


def has_external_dtd(head: bytes) -> bool:
    """Whether the prolog names an external DTD (SYSTEM/PUBLIC), which Feedhub never loads."""
    body = utf8_head(head).lstrip(codecs.BOM_UTF8).lstrip()
    doctype = _DOCTYPE.search(body[:PROLOG_SCAN_BYTES])
    if not doctype:
        return False
    rest = _DOCTYPE_REST.match(body, doctype.end())
    return bool(rest and re.match(rb"\s+(?:SYSTEM|PUBLIC)", body[doctype.end() : rest.end()], re.I))


def safe_iterparse(source: BinaryIO | str | Path, **options: Any) -> Iterator[tuple[str, Any]]:
    """`lxml.etree.iterparse` with Feedhub's safe options; callers may add events, tag and encoding."""
    unsafe = {key for key in options if key in SAFE_OPTIONS and key not in ("remove_comments", "strip_cdata")}
    if unsafe:
        raise ValueError(f"safe_iterparse does not let callers change {sorted(unsafe)}")
    return _guarded(etree.iterparse(source, **{**SAFE_OPTIONS, **options}))


def source_codec(head: bytes, override: str | None) -> str:
    """The Python codec of a feed's text: the override, a byte order mark, the declaration, or UTF-8."""
    return override or wide_encoding(head) or declared_encoding(head) or "utf-8"


def events_before(
    path: Path, position: tuple[int, int], *, codec: str, **options: Any
) -> Iterator[tuple[str, Any]]:
    """The parse events of the text before a syntax error's (line, column), read by Feedhub itself.

    Why: libxml2 2.14 (lxml 6.2) parses in large blocks and raises an error before it hands on the
    elements it parsed in the same block, so the elements a caller saw may end thousands of products
    before the fault, or there may be none at all. Feeding the parser only the text before the fault
    yields every element that ends there, on every libxml2 release. The text is decoded here and fed
    as UTF-8 because libxml2 counts columns in characters.
    """
    line, column = position
    parser = etree.XMLPullParser(**{**SAFE_OPTIONS, **options, "encoding": "utf-8"})
    with open(path, encoding=codec, errors="replace", newline="") as text:
        pieces = _text_before(text, line, max(column - 1, 0))
        try:
            for piece in pieces:
                parser.feed(piece.removeprefix("\ufeff").encode("utf-8"))
                yield from parser.read_events()
        except etree.XMLSyntaxError:
            return  # the fault begins a little before where libxml2 reports it; all before it is read


FAULT_APPROACH_CHARS = 4096
"""The text just before a fault is fed a character at a time: libxml2 reports some faults (a bad
character reference, a mismatched end tag) a few characters after they begin, and the parser
raises before handing on the elements of the piece that holds the fault's start."""


def _text_before(text: Any, line: int, column: int, block_size: int = 1 << 20) -> Iterator[str]:
    """`text` up to `column` characters into line `line`, in pieces; the last few one character each."""
    held = ""
    for block in _blocks_before(text, line, column, block_size):
        held += block
        if len(held) > FAULT_APPROACH_CHARS:
            yield held[:-FAULT_APPROACH_CHARS]
            held = held[-FAULT_APPROACH_CHARS:]
    yield from held


def _blocks_before(text: Any, line: int, column: int, block_size: int) -> Iterator[str]:
    """Blocks of `text` up to `column` characters into line `line` (as libxml2 counts: lines from 1)."""
    current = 1
    while block := text.read(block_size):
        start = 0
        if current < line:
            newlines = block.count("\n")
            if current + newlines < line:
                current += newlines
                yield block
                continue
            start = -1
            for _ in range(line - current):
                start = block.index("\n", start + 1)
            start += 1
            current = line
        take = min(len(block) - start, column)
        yield block[: start + take]
        column -= take
        if column == 0:
            return


def _guarded(events: etree.iterparse) -> Iterator[tuple[str, Any]]:
    """Check what libxml2 recorded before handing elements on; the second layer behind `check_prolog`.

    Entities declared in the internal subset are refused however long the subset is. A DOCTYPE
    with an external DTD (never loaded) makes libxml2 keep unknown `&name;` references as entity
    nodes instead of failing; they become the same syntax error a feed without a DOCTYPE gets.
    """
    external_dtd = False
    try:
        for count, (event, elem) in enumerate(events):
            if count == 0:
                info = elem.getroottree().docinfo
                if info.internalDTD is not None and next(info.internalDTD.iterentities(), None) is not None:
                    raise _entities_refused()
                external_dtd = bool(info.system_url or info.public_id)
            if external_dtd and event == "end":
                reference = next(elem.iter(etree.Entity), None)
                if reference is not None:
                    line = reference.sourceline or 0
                    raise etree.XMLSyntaxError(f"Entity '{reference.name}' not defined", 26, line, 0, None)
            yield event, elem
    except etree.XMLSyntaxError as exc:
        raise _root_cause(exc, events.error_log) from None


def _root_cause(exc: etree.XMLSyntaxError, log: etree._ListErrorLog) -> etree.XMLSyntaxError:
    """The first fatal error libxml2 logged: with entity resolution off, lxml raises a later, vaguer one.

    (An undefined `&nbsp;` surfaces as "no element found" at line 0 while the log names the entity.)
    """
    fatal = next((entry for entry in log if entry.level == etree.ErrorLevels.FATAL), None)
    if fatal is None or fatal.message in str(exc):
        return exc
    return etree.XMLSyntaxError(fatal.message, fatal.type, fatal.line, fatal.column, fatal.filename)
