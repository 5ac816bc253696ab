"""A shop's name from its feed: the domain its product links point to, as Mergado names a new shop."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from feeds.errors import NotAFeedError
from feeds.fetch import FetchPolicy, fetch_source
from feeds.model import Element
from feeds.parsers import open_feed

LINK_ELEMENTS = ("URL", "link", "g:link", "url", "LINK", "PRODUCT_URL", "product_url")
SAMPLE_PRODUCTS = 200


def shop_name_from_feed(url: str, policy: FetchPolicy) -> str:
    """The most common host of the first products' links, without `www.` (e.g. `obchod.cz`)."""
    with tempfile.TemporaryDirectory(prefix="feedhub-name-") as workspace:
        fetched = fetch_source(url, Path(workspace), policy=policy)
        hosts: Counter[str] = Counter()
        parser = open_feed(fetched.path)
        for chunk in parser.chunks(size=SAMPLE_PRODUCTS):
            for product in chunk:
                host = _host_of(product)
                if host:
                    hosts[host] += 1
            break
    if not hosts:
        raise NotAFeedError("the feed's products link to no web address to name the shop after; give a name")
    return hosts.most_common(1)[0][0]


def _host_of(product: Element) -> str:
    for name in LINK_ELEMENTS:
        value = product.get(name)
        if value:
            host = urlsplit(value.strip()).hostname or ""
            return host.removeprefix("www.")
    return ""
