"""The XML Schema a template may name: parsed safely once, then every item is checked against it.

The schema is text stored with the template, never a path or URL: loading it reads no file and no
network. A schema that includes or imports another document is refused for the same reason (libxml2
would fetch it); so are DOCTYPEs. An item is checked inside the template's own envelope, so the
schema describes the whole feed as channels publish it (root, containers, header, one item).
"""

from __future__ import annotations

from lxml import etree

_XSD = "{http://www.w3.org/2001/XMLSchema}"
_FETCHING = {_XSD + "include", _XSD + "import", _XSD + "redefine", _XSD + "override"}


def safe_parser() -> etree.XMLParser:
    """No entities, no DTD, no network, no huge trees: the parser for schemas and checked items."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           dtd_validation=False)


def compile_schema(text: str) -> etree.XMLSchema:
    """The schema ready to validate; ValueError saying why when it does not parse or is not allowed."""
    try:
        root = etree.fromstring(text.encode("utf-8"), safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"the schema is not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise ValueError("the schema must not have a DOCTYPE")
    for element in root.iter(*_FETCHING):
        raise ValueError(f"the schema must be one document: <{etree.QName(element).localname}> of "
                         f"{element.get('schemaLocation') or element.get('namespace') or 'another schema'} "
                         "is not allowed")
    try:
        return etree.XMLSchema(root)
    except etree.XMLSchemaParseError as exc:
        raise ValueError(f"the schema does not parse as XML Schema: {exc}") from exc


__all__ = ["compile_schema", "safe_parser"]
