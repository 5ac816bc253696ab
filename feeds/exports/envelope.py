"""The envelope of an output feed: root, namespaces, containers and header elements around the items.

Same format: the source's own envelope, untouched (lossless round trip). Generic targets keep the
source's shape as well, since their items are the source's items. A channel target gets the
shape registered in feeds.formats plus the header that format expects: RSS channel title/link/
description, Atom title/updated/id, Mergado LINK, Meta CSV's required columns first.
"""

from __future__ import annotations

from feeds.exports.convert import ConvertOptions
from feeds.formats import get_format
from feeds.model import Element, FeedInfo

DEFAULT_TITLE = "Product feed"
META_CSV_COLUMNS = (
    "id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand",
)  # fmt: skip
GENERIC_FORMATS = ("csv", "tsv", "xml")


def _header_text(info: FeedInfo, *names: str) -> str:
    """Text of the first header element called one of `names` (an Atom link's href counts)."""
    for element in info.header:
        if element.name in names:
            value = element.text.strip() or element.attrs.get("href", "").strip()
            if value:
                return value
    return ""


def _rss_header(source: FeedInfo, options: ConvertOptions) -> list[Element]:
    title = options.feed_title or _header_text(source, "title", "TITLE") or DEFAULT_TITLE
    link = options.feed_link or _header_text(source, "link", "LINK")
    description = options.feed_description or _header_text(source, "description", "subtitle") or title
    return [Element("title", title), Element("link", link), Element("description", description)]


def _atom_header(source: FeedInfo, options: ConvertOptions) -> list[Element]:
    title = options.feed_title or _header_text(source, "title", "TITLE") or DEFAULT_TITLE
    link = options.feed_link or _header_text(source, "link", "LINK")
    header = [Element("title", title)]
    if link:
        header.append(Element("link", attrs={"rel": "self", "href": link}))
    header.append(Element("updated", f"{options.today.isoformat()}T00:00:00Z"))
    header.append(Element("id", link or "urn:feedhub:feed"))
    return header


def _mergado_header(source: FeedInfo, options: ConvertOptions) -> list[Element]:
    link = options.feed_link or _header_text(source, "link", "LINK")
    return [Element("LINK", link)] if link else []


HEADERS = {
    "google": _rss_header,
    "meta": _rss_header,
    "google-atom": _atom_header,
    "mergado": _mergado_header,
}
"""Channel formats whose envelope carries header elements; the others (Heureka, Zboží, CSV) have none."""


def target_info(target_key: str, source: FeedInfo, options: ConvertOptions | None = None) -> FeedInfo:
    """The FeedInfo a writer needs to wrap the converted products of `source` as `target_key`."""
    fmt = get_format(target_key)
    if target_key == source.format:
        return source
    if target_key in GENERIC_FORMATS:
        return FeedInfo(
            format=target_key,
            root=source.root or "products",
            root_attrs=dict(source.root_attrs),
            nsmap=dict(source.nsmap),
            container=list(source.container),
            item=source.item or "product",
            header=[element.copy() for element in source.header],
            columns=list(source.columns),
            delimiter=fmt.delimiter,
        )
    make_header = HEADERS.get(target_key)
    return FeedInfo(
        format=target_key,
        root=fmt.root,
        root_attrs=dict(fmt.root_attrs),
        nsmap=dict(fmt.nsmap),
        container=list(fmt.container),
        item=fmt.item,
        header=make_header(source, options or ConvertOptions()) if make_header else [],
        columns=list(META_CSV_COLUMNS) if target_key == "meta-csv" else [],
        delimiter=fmt.delimiter,
    )
