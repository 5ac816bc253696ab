"""The header elements a channel's envelope carries around its items: RSS channel, Atom feed, Mergado LINK.

Options win over what the source's own header says; a missing title falls back to DEFAULT_TITLE.
"""

from __future__ import annotations

from feeds.channels.options import ConvertOptions
from feeds.model import Element, FeedInfo

DEFAULT_TITLE = "Product feed"


def _header_text(info: FeedInfo, *names: str) -> str:
    """Text of the first header element called one of `names` (an Atom link's href counts)."""
    for element in info.header:
        if element.name in names:
            value = element.text.strip() or element.attrs.get("href", "").strip()
            if value:
                return value
    return ""


def rss_header(source: FeedInfo, options: ConvertOptions) -> list[Element]:
    """RSS 2.0 channel title, link and description."""
    title = options.feed_title or _header_text(source, "title", "TITLE") or DEFAULT_TITLE
    link = options.feed_link or _header_text(source, "link", "LINK")
    description = options.feed_description or _header_text(source, "description", "subtitle") or title
    return [Element("title", title), Element("link", link), Element("description", description)]


def atom_header(source: FeedInfo, options: ConvertOptions) -> list[Element]:
    """Atom 1.0 feed title, self link, updated and id."""
    title = options.feed_title or _header_text(source, "title", "TITLE") or DEFAULT_TITLE
    link = options.feed_link or _header_text(source, "link", "LINK")
    header = [Element("title", title)]
    if link:
        header.append(Element("link", attrs={"rel": "self", "href": link}))
    header.append(Element("updated", f"{options.today.isoformat()}T00:00:00Z"))
    header.append(Element("id", link or "urn:feedhub:feed"))
    return header


def mergado_header(source: FeedInfo, options: ConvertOptions) -> list[Element]:
    """Mergado's LINK to the shop, when known."""
    link = options.feed_link or _header_text(source, "link", "LINK")
    return [Element("LINK", link)] if link else []
