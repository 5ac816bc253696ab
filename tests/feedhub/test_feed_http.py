"""The HTTP rules of serving a feed: conditional requests, ranges, gzip negotiation, validators."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedhub.web.feed_http import (
    RangeNotSatisfiable,
    accepts_gzip,
    byte_range,
    entity_tag,
    http_date,
    not_modified,
)

ETAG = '"1a-2b-3c"'
PUBLISHED = datetime(2026, 3, 3, 10, 0, 0, 500_000, tzinfo=UTC)  # sub-second: HTTP dates have whole seconds


class TestConditional:
    @pytest.mark.parametrize(
        ("if_none_match", "expected"),
        [
            ('"1a-2b-3c"', True),
            ('W/"1a-2b-3c"', True),  # GET and HEAD compare weakly
            ('"other", "1a-2b-3c"', True),
            ('"other",W/"1a-2b-3c"', True),
            ("*", True),
            ("1a-2b-3c", True),  # unquoted: wrong, but some crawlers send it
            ('"1a-2b-3c-gzip"', False),  # the gzip copy's tag is another representation's
            ('"other"', False),
            ("", False),
        ],
    )
    def test_if_none_match(self, if_none_match: str, expected: bool) -> None:
        assert not_modified(if_none_match, None, etag=ETAG, modified=PUBLISHED) is expected

    @pytest.mark.parametrize(
        ("if_modified_since", "expected"),
        [
            ("Tue, 03 Mar 2026 10:00:00 GMT", True),  # the Last-Modified sent, in whole seconds
            ("Tue, 03 Mar 2026 11:00:00 GMT", True),
            ("Tue, 03 Mar 2026 09:59:59 GMT", False),
            ("Tuesday, 03-Mar-26 10:00:00 GMT", True),  # RFC 850 form
            ("yesterday", False),  # not a date: ignored
            (None, False),
        ],
    )
    def test_if_modified_since(self, if_modified_since: str | None, expected: bool) -> None:
        assert not_modified(None, if_modified_since, etag=ETAG, modified=PUBLISHED) is expected

    def test_if_none_match_decides_alone_when_present(self) -> None:
        later = "Wed, 04 Mar 2026 00:00:00 GMT"
        assert not not_modified('"other"', later, etag=ETAG, modified=PUBLISHED)


class TestValidators:
    def test_plain_and_gzip_copy_tags_differ(self) -> None:
        assert entity_tag("1a-2b-3c", gzip_copy=False) == '"1a-2b-3c"'
        assert entity_tag("1a-2b-3c", gzip_copy=True) == '"1a-2b-3c-gzip"'

    def test_characters_an_entity_tag_cannot_hold_are_replaced(self) -> None:
        assert entity_tag('a"b c\\d', gzip_copy=False) == '"a_b_c\\d"'

    def test_http_date(self) -> None:
        assert http_date(PUBLISHED) == "Tue, 03 Mar 2026 10:00:00 GMT"


class TestAcceptsGzip:
    @pytest.mark.parametrize(
        ("accept_encoding", "expected"),
        [
            ("gzip", True),
            ("gzip, deflate, br", True),
            ("br;q=1.0, gzip;q=0.8", True),
            ("x-gzip", True),
            ("GZIP", True),
            ("*", True),
            ("gzip;q=0", False),
            ("gzip;q=0, *", False),  # named with weight 0: refused, whatever `*` says
            ("*;q=0", False),
            ("deflate, br", False),
            ("identity", False),
            ("gzip;q=nan", False),  # NaN is no weight
            ("", False),
            (None, False),
        ],
    )
    def test_negotiation(self, accept_encoding: str | None, expected: bool) -> None:
        assert accepts_gzip(accept_encoding) is expected


class TestByteRange:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("bytes=0-9", (0, 10)),
            ("bytes=90-", (90, 100)),
            ("bytes=-10", (90, 100)),
            ("bytes=-1000", (0, 100)),  # more than there is: all of it
            ("bytes=95-1000", (95, 100)),
            ("bytes=0-0", (0, 1)),
            ("bytes=0-9,20-29", None),  # several ranges: ignored, the whole feed is sent
            ("bytes=9-0", None),  # invalid: ignored
            ("items=0-9", None),
            ("bytes=-", None),
            (None, None),
        ],
    )
    def test_ranges(self, header: str | None, expected: tuple[int, int] | None) -> None:
        assert byte_range(header, None, size=100, etag=ETAG, modified=PUBLISHED) == expected

    @pytest.mark.parametrize("header", ["bytes=100-", "bytes=-0", "bytes=200-300"])
    def test_past_the_end_is_not_satisfiable(self, header: str) -> None:
        with pytest.raises(RangeNotSatisfiable):
            byte_range(header, None, size=100, etag=ETAG, modified=PUBLISHED)

    @pytest.mark.parametrize(
        ("if_range", "expected"),
        [
            (ETAG, (0, 10)),
            ('"older"', None),  # another version: the whole feed
            (f"W/{ETAG}", None),  # If-Range compares strongly
            ("Tue, 03 Mar 2026 10:00:00 GMT", (0, 10)),
            ("Tue, 03 Mar 2026 09:00:00 GMT", None),
        ],
    )
    def test_if_range(self, if_range: str, expected: tuple[int, int] | None) -> None:
        assert byte_range("bytes=0-9", if_range, size=100, etag=ETAG, modified=PUBLISHED) == expected
