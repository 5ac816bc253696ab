"""Cursor pagination for every list: `?limit=&cursor=`; the answer's `next_cursor` fetches the next page.

The cursor is opaque to clients (base64 of the last item's key, an id), so what stands behind it can
change without breaking them. Lists are ordered by that key: shops, members, invitations and runs by
id, the audit log in the order it was written.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query

from feedhub.web.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query()]


def page(items: Sequence[T], *, key: Callable[[T], int], cursor: str | None, limit: int,
         render: Callable[[T], Any], newest_first: bool = False) -> dict[str, Any]:
    """One page of `items` in `key` order (descending when `newest_first`), those after the cursor's key.

    The cursor names a key, not a position, so an item added or removed between two pages neither
    repeats nor hides another one, and a cursor whose item is gone still works.
    """
    sign = -1 if newest_first else 1
    ordered = sorted(items, key=lambda item: sign * key(item))
    start = 0
    if cursor is not None:
        start = bisect.bisect_right([sign * key(item) for item in ordered], sign * _decode(cursor))
    chunk = ordered[start : start + limit]
    more = start + limit < len(ordered)
    return {
        "items": [render(item) for item in chunk],
        "next_cursor": _encode(key(chunk[-1])) if more and chunk else None,
    }


def _encode(value: int) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "invalid_cursor", "the cursor is not one this API gave out") from exc
