"""The HTTP rules of serving a published feed (RFC 9110), as plain functions of header values.

* Validators: the ETag is the published version (`"<version>"`, `"<version>-gzip"` for the gzip copy, so
  the two representations never share one); Last-Modified is when the export was published.
* Conditional GET and HEAD: `If-None-Match` (a list, `*`, weak comparison) decides alone when present;
  otherwise `If-Modified-Since` (whole seconds). A match answers 304.
* Ranges: one `bytes=` range of a GET, unless `If-Range` names another version; several ranges, or one
  that does not parse, are ignored (the whole feed is sent, as RFC 9110 allows); a range starting past
  the end is 416.
* gzip: sent when `Accept-Encoding` allows `gzip` (or `x-gzip`, or `*`) with a weight above 0.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

GZIP_ETAG_SUFFIX = "-gzip"
_ENTITY_TAG = re.compile(r'(W/)?"([^"]*)"')
_SINGLE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(Exception):
    """The request's range starts past the end of the representation (answer 416)."""


def entity_tag(version: str, *, gzip_copy: bool) -> str:
    """The strong ETag of the plain export or of its gzip copy at `version`."""
    opaque = "".join(c if 0x23 <= ord(c) <= 0x7E or c == "!" else "_" for c in version)
    return f'"{opaque}{GZIP_ETAG_SUFFIX if gzip_copy else ""}"'


def http_date(moment: datetime) -> str:
    """`moment` as an IMF-fixdate (`Tue, 03 Mar 2026 10:00:00 GMT`)."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def not_modified(if_none_match: str | None, if_modified_since: str | None, *, etag: str,
                 modified: datetime) -> bool:
    """Whether a GET or HEAD with these headers gets 304 for the representation `etag`, published at `modified`."""
    if if_none_match is not None:
        return _none_match(if_none_match, etag)
    since = _parse_date(if_modified_since)
    return since is not None and modified.replace(microsecond=0) <= since


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether the client takes `Content-Encoding: gzip`: gzip or x-gzip listed with q > 0, or `*` with q > 0
    and gzip not listed at all."""
    weights = {}
    for item in (accept_encoding or "").split(","):
        coding, *params = [part.strip() for part in item.split(";")]
        if coding:
            weights[coding.lower()] = _weight(params)
    named = [weights[c] for c in ("gzip", "x-gzip") if c in weights]
    return max(named) > 0 if named else weights.get("*", 0.0) > 0


def byte_range(range_header: str | None, if_range: str | None, *, size: int, etag: str,
               modified: datetime) -> tuple[int, int] | None:
    """The byte range `[start, end)` a GET asks for, or None for the whole representation;
    RangeNotSatisfiable when it starts past the end."""
    if range_header is None or (if_range is not None and not _if_range_holds(if_range, etag, modified)):
        return None
    match = _SINGLE_RANGE.fullmatch(range_header.strip().replace(" ", ""))
    if match is None or match.group(1) == match.group(2) == "":
        return None  # several ranges, another unit, or nonsense: ignored
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable()
        return max(0, size - length), size
    start = int(first)
    if start >= size:
        raise RangeNotSatisfiable()
    if last == "":
        return start, size
    if int(last) < start:
        return None  # invalid: ignored
    return start, min(int(last) + 1, size)


def _none_match(header: str, etag: str) -> bool:
    """Weak comparison against every tag of the list; `*` matches any current representation."""
    if header.strip() == "*":
        return True
    tags = [opaque for _, opaque in _ENTITY_TAG.findall(header)]
    if not tags:  # unquoted tags: wrong, but some clients send them
        tags = [part.strip().removeprefix("W/") for part in header.split(",")]
    return etag.strip('"') in tags


def _if_range_holds(if_range: str, etag: str, modified: datetime) -> bool:
    """If-Range: a strong ETag equal to ours, or exactly our Last-Modified date."""
    value = if_range.strip()
    if value.startswith('"'):
        return value == etag
    if value.startswith("W/"):
        return False
    return value == http_date(modified)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _weight(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                return 0.0
            return min(weight, 1.0) if weight >= 0 else 0.0  # NaN is no weight; above 1 counts as 1
    return 1.0
