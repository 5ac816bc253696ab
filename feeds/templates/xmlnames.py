"""XML names and text for the template writer: checked names, escaped text, CDATA, forbidden characters.

Names are checked by libxml2 itself (lxml refuses an invalid tag), so a name we accept is one every
XML parser accepts. Text goes through the existing writer's `clean_text` (characters XML 1.0 forbids
are dropped, never written, as `feeds.exports.xmlwriter` does) and is always escaped.
"""

from __future__ import annotations

from functools import lru_cache

from lxml import etree

from feeds.exports.xmlwriter import clean_text

__all__ = ["cdata", "check_xml_name", "clean_text", "escape_attr", "escape_text"]


@lru_cache(maxsize=4096)
def _valid_ncname(name: str) -> bool:
    try:
        etree.Element(name)
    except ValueError:
        return False
    return ":" not in name


def check_xml_name(name: str, *, what: str = "name", qualified: bool = True) -> None:
    """ValueError naming the problem unless `name` is an XML name (`prefix:local` when `qualified`)."""
    parts = name.split(":") if qualified else [name]
    if len(parts) > 2 or not all(_valid_ncname(part) for part in parts):
        raise ValueError(f"{name!r} is not a valid XML {what}")
    if parts[0] == "xmlns":
        raise ValueError(f"{name!r} is reserved by XML (declare namespaces under namespaces)")


def escape_text(text: str) -> str:
    """Element text: & < > escaped (`>` too, for `]]>`); forbidden characters are removed by the caller."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_attr(text: str) -> str:
    """An attribute value in double quotes; line breaks and tabs as references, so parsers keep them."""
    text = escape_text(text).replace('"', "&quot;")
    return text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def cdata(text: str) -> str:
    """Text in CDATA sections; a `]]>` inside is split across two sections, the only correct way."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
