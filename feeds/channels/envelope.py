"""The envelope of an output feed: root, namespaces, containers and header elements around the items.

Same format: the source's own envelope, untouched (lossless round trip). Generic targets keep the
source's shape as well, since their items are the source's items. A channel target gets its
channel's shape plus the header that channel expects: RSS channel title/link/description, Atom
title/updated/id, Mergado LINK, Meta CSV's required columns first.
"""

from __future__ import annotations

from feeds.channels import get_channel
from feeds.channels.options import ConvertOptions
from feeds.model import FeedInfo


def target_info(target_key: str, source: FeedInfo, options: ConvertOptions | None = None) -> FeedInfo:
    """The FeedInfo a writer needs to wrap the converted products of `source` as `target_key`."""
    channel = get_channel(target_key)
    if target_key == source.format:
        return source
    if channel.writer is None:
        return FeedInfo(
            format=target_key,
            root=source.root or "products",
            root_attrs=dict(source.root_attrs),
            nsmap=dict(source.nsmap),
            container=list(source.container),
            item=source.item or "product",
            header=[element.copy() for element in source.header],
            columns=list(source.columns),
            delimiter=channel.delimiter,
        )
    return FeedInfo(
        format=target_key,
        root=channel.root,
        root_attrs=dict(channel.root_attrs),
        nsmap=dict(channel.nsmap),
        container=list(channel.container),
        item=channel.item,
        header=channel.header(source, options or ConvertOptions()) if channel.header else [],
        columns=list(channel.columns),
        delimiter=channel.delimiter,
    )
