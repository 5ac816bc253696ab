"""fetch_source against local files and a real HTTP server on 127.0.0.1 (no mocks of httpx)."""

from __future__ import annotations

import gzip
import hashlib
import io
import ipaddress
import socket
import time
import zipfile
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from feeds import netguard
from feeds.errors import SourceError, TransientFeedError
from feeds.fetch import FetchPolicy, fetch_source, parse_retry_after
from feeds.netguard import is_public_address
from tests.feeds.conftest import LocalServer, respond

FEED = b'<?xml version="1.0" encoding="utf-8"?>\n<SHOP><SHOPITEM><ITEM_ID>A1</ITEM_ID></SHOPITEM></SHOP>\n'
LOCAL = FetchPolicy(allow_private=True, timeout_s=2.0, deadline_s=5.0)  # loopback is private: tests allow it
SMALL = FetchPolicy(allow_private=True, timeout_s=2.0, deadline_s=5.0, max_bytes=1024 * 1024)
BOMB = gzip.compress(b"\0" * (10 * 1024 * 1024))  # 10 MB of zeros in about 10 kB


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(workspace: Path) -> list[str]:
    """Whatever a fetch left in the workspace (hidden .part files included)."""
    return sorted(p.name for p in workspace.iterdir()) if workspace.exists() else []


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


class TestDispatch:
    @pytest.mark.parametrize(
        "source",
        [
            "file:///etc/passwd",  # file:// would read the server's own disk
            "ftp://example.com/feed.xml",
            "gopher://127.0.0.1:70/_",
            "FILE:///etc/passwd",  # schemes are case-insensitive
        ],
    )
    def test_other_schemes_are_refused(self, source: str, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match="only http://, https:// and local paths"):
            fetch_source(source, tmp_path / "ws")

    def test_windows_drive_path_is_a_path_not_a_scheme(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match="no such file"):
            fetch_source("C:\\feeds\\shop.xml", tmp_path / "ws")


class TestLocal:
    def test_plain_file_is_used_in_place(self, tmp_path: Path) -> None:
        path = tmp_path / "shop.xml"
        path.write_bytes(FEED)
        got = fetch_source(str(path), tmp_path / "ws")
        assert (got.path, got.sha256, got.size, got.unchanged) == (path, sha(FEED), len(FEED), False)
        assert leftovers(tmp_path / "ws") == []

    def test_a_policy_without_local_files_refuses_paths_and_names_the_setting(self, tmp_path: Path) -> None:
        path = tmp_path / "shop.xml"
        path.write_bytes(FEED)
        with pytest.raises(SourceError, match="is a path on the server") as caught:
            fetch_source(str(path), tmp_path / "ws", policy=FetchPolicy(allow_local=False))
        assert "FEEDHUB_ALLOW_LOCAL_SOURCES" in (caught.value.hint or "")
        assert not (tmp_path / "ws").exists() or leftovers(tmp_path / "ws") == []

    def test_gzip_is_inflated_into_the_workspace(self, tmp_path: Path) -> None:
        path = tmp_path / "shop.xml.gz"
        path.write_bytes(gzip.compress(FEED))
        got = fetch_source(str(path), tmp_path / "ws")
        assert got.path == tmp_path / "ws" / "shop.xml"
        assert (got.path.read_bytes(), got.sha256, got.size) == (FEED, sha(FEED), len(FEED))

    def test_zip_with_one_file_is_unpacked(self, tmp_path: Path) -> None:
        path = tmp_path / "shop.zip"
        path.write_bytes(zip_of({"export/shop.xml": FEED}))
        got = fetch_source(str(path), tmp_path / "ws")
        assert (got.path.read_bytes(), got.sha256) == (FEED, sha(FEED))
        assert leftovers(tmp_path / "ws") == ["shop"]

    def test_zip_with_two_files_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "shop.zip"
        path.write_bytes(zip_of({"a.xml": FEED, "b.xml": FEED}))
        with pytest.raises(SourceError, match=r"ZIP archive with 2 files \(a.xml, b.xml\)"):
            fetch_source(str(path), tmp_path / "ws")
        assert leftovers(tmp_path / "ws") == []

    def test_zip_bomb_stops_at_the_cap(self, tmp_path: Path) -> None:
        path = tmp_path / "bomb.zip"
        path.write_bytes(zip_of({"bomb.xml": b"\0" * (3 * 1024 * 1024)}))
        with pytest.raises(SourceError, match="larger than 1,048,576 bytes"):
            fetch_source(str(path), tmp_path / "ws", policy=SMALL)
        assert leftovers(tmp_path / "ws") == []

    def test_gzip_bomb_stops_at_the_cap_and_leaves_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "bomb.xml.gz"
        path.write_bytes(BOMB)
        with pytest.raises(SourceError, match="larger than 1,048,576 bytes once decompressed") as caught:
            fetch_source(str(path), tmp_path / "ws", policy=SMALL)
        assert "FEEDHUB_MAX_FEED_BYTES" in str(caught.value)
        assert leftovers(tmp_path / "ws") == []

    def test_truncated_gzip_is_refused_and_leaves_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "cut.xml.gz"
        path.write_bytes(gzip.compress(FEED * 100)[:-20])
        with pytest.raises(SourceError, match="ends early"):
            fetch_source(str(path), tmp_path / "ws")
        assert leftovers(tmp_path / "ws") == []

    def test_plain_file_over_the_cap_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "big.xml"
        path.write_bytes(FEED * 20)
        with pytest.raises(SourceError, match="larger than 100 bytes"):
            fetch_source(str(path), tmp_path / "ws", policy=FetchPolicy(max_bytes=100))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(SourceError, match="no such file"):
            fetch_source(str(tmp_path / "nope.xml"), tmp_path / "ws")


class TestHttpSuccess:
    def test_download_with_validators_and_headers(self, http_server: LocalServer, tmp_path: Path) -> None:
        url = http_server.serve(
            "/feeds/shop.xml",
            FEED,
            headers={
                "ETag": '"v1"',
                "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
                "Content-Type": "application/xml",
            },
        )
        got = fetch_source(url + "?token=secret", tmp_path / "ws", policy=LOCAL)
        assert got.path == tmp_path / "ws" / "shop.xml"
        assert (got.path.read_bytes(), got.sha256, got.size) == (FEED, sha(FEED), len(FEED))
        assert (got.etag, got.last_modified, got.unchanged, got.warnings) == (
            '"v1"',
            "Mon, 01 Jan 2024 00:00:00 GMT",
            False,
            (),
        )
        assert leftovers(tmp_path / "ws") == ["shop.xml"]
        path, headers = http_server.requests[0]
        assert path == "/feeds/shop.xml?token=secret"
        assert headers["user-agent"].startswith("Feedhub/")
        assert headers["accept-encoding"] == "gzip"
        assert headers["host"] == http_server.base_url.removeprefix("http://")
        assert "if-none-match" not in headers

    def test_not_modified_when_etag_matches(self, http_server: LocalServer, tmp_path: Path) -> None:
        def conditional(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            unchanged = handler.headers.get("If-None-Match") == '"v1"'
            respond(b"" if unchanged else FEED, 304 if unchanged else 200, {"ETag": '"v1"'})(handler, server)

        http_server.routes["/shop.xml"] = conditional
        since = "Mon, 01 Jan 2024 00:00:00 GMT"
        got = fetch_source(
            http_server.url("/shop.xml"), tmp_path / "ws", policy=LOCAL, etag='"v1"', last_modified=since
        )
        assert (got.unchanged, got.etag, got.sha256, got.size) == (True, '"v1"', "", 0)
        assert http_server.requests[0][1]["if-modified-since"] == since
        assert leftovers(tmp_path / "ws") == []
        changed = fetch_source(http_server.url("/shop.xml"), tmp_path / "ws", policy=LOCAL, etag='"v0"')
        assert (changed.unchanged, changed.sha256) == (False, sha(FEED))

    def test_content_encoding_gzip_is_inflated_by_us(self, http_server: LocalServer, tmp_path: Path) -> None:
        url = http_server.serve("/shop.xml", gzip.compress(FEED), headers={"Content-Encoding": "gzip"})
        got = fetch_source(url, tmp_path / "ws", policy=LOCAL)
        assert (got.path.read_bytes(), got.sha256, got.size) == (FEED, sha(FEED), len(FEED))

    def test_gzip_file_served_without_content_encoding_is_inflated(
        self, http_server: LocalServer, tmp_path: Path
    ) -> None:
        url = http_server.serve(
            "/shop.xml.gz", gzip.compress(FEED), headers={"Content-Type": "application/gzip"}
        )
        got = fetch_source(url, tmp_path / "ws", policy=LOCAL)
        assert (got.path.name, got.path.read_bytes(), got.sha256) == ("shop.xml", FEED, sha(FEED))

    def test_zip_over_http_is_unpacked(self, http_server: LocalServer, tmp_path: Path) -> None:
        url = http_server.serve("/export.zip", zip_of({"shop.xml": FEED}))
        got = fetch_source(url, tmp_path / "ws", policy=LOCAL)
        assert (got.path.read_bytes(), leftovers(tmp_path / "ws")) == (FEED, ["export"])

    def test_html_content_type_is_noted(self, http_server: LocalServer, tmp_path: Path) -> None:
        url = http_server.serve(
            "/feed", b"<!DOCTYPE html><html></html>", headers={"Content-Type": "text/html; charset=utf-8"}
        )
        got = fetch_source(url, tmp_path / "ws", policy=LOCAL)
        assert got.warnings == (
            "the server says the feed is 'text/html; charset=utf-8', which is usually a web page, not a feed",
        )

    def test_redirects_are_followed_and_each_hop_is_requested(
        self, http_server: LocalServer, tmp_path: Path
    ) -> None:
        http_server.serve("/old", b"", 301, {"Location": "/middle?x=1"})  # relative Location
        http_server.serve("/middle", b"", 302, {"Location": http_server.url("/shop.xml")})
        http_server.serve("/shop.xml", FEED)
        got = fetch_source(http_server.url("/old"), tmp_path / "ws", policy=LOCAL)
        assert got.path.read_bytes() == FEED
        assert [path for path, _ in http_server.requests] == ["/old", "/middle?x=1", "/shop.xml"]


class TestHttpErrors:
    @pytest.mark.parametrize(
        ("status", "headers", "retry_after"),
        [
            (500, {}, None),
            (503, {"Retry-After": "120"}, 120.0),
            (429, {"Retry-After": "7"}, 7.0),
            (429, {"Retry-After": "soon"}, None),  # unreadable: no wish, not a crash
            (408, {}, None),
        ],
    )
    def test_server_trouble_is_transient(
        self,
        http_server: LocalServer,
        tmp_path: Path,
        status: int,
        headers: dict[str, str],
        retry_after: float | None,
    ) -> None:
        url = http_server.serve("/shop.xml", b"busy", status, headers)
        with pytest.raises(TransientFeedError, match=f"answered HTTP {status}") as caught:
            fetch_source(url, tmp_path / "ws", policy=LOCAL)
        assert (caught.value.transient, caught.value.retry_after) == (True, retry_after)
        assert leftovers(tmp_path / "ws") == []

    @pytest.mark.parametrize(
        ("status", "hint"),
        [
            (404, "check the feed URL"),
            (403, "is the feed public?"),
            (401, "needs a login"),
            (400, "check the feed URL"),
        ],
    )
    def test_client_errors_are_terminal(
        self, http_server: LocalServer, tmp_path: Path, status: int, hint: str
    ) -> None:
        url = http_server.serve("/shop.xml", b"no", status)
        with pytest.raises(SourceError, match=f"answered HTTP {status}") as caught:
            fetch_source(url, tmp_path / "ws", policy=LOCAL)
        assert caught.value.transient is False
        assert hint in (caught.value.hint or "")

    def test_stalling_server_times_out_quickly(self, http_server: LocalServer, tmp_path: Path) -> None:
        def stall(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            handler.send_response(200)
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            handler.wfile.write(FEED[:10])
            handler.wfile.flush()
            server.stop.wait(10)

        http_server.routes["/shop.xml"] = stall
        started = time.monotonic()
        with pytest.raises(TransientFeedError, match="timed out"):
            fetch_source(
                http_server.url("/shop.xml"),
                tmp_path / "ws",
                policy=FetchPolicy(allow_private=True, timeout_s=0.3),
            )
        assert time.monotonic() - started < 1.5
        assert leftovers(tmp_path / "ws") == []

    def test_slow_drip_hits_the_overall_deadline(self, http_server: LocalServer, tmp_path: Path) -> None:
        def drip(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            handler.send_response(200)
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            while not server.stop.wait(0.05):  # each byte well inside the read timeout
                handler.wfile.write(b" ")
                handler.wfile.flush()

        http_server.routes["/shop.xml"] = drip
        started = time.monotonic()
        with pytest.raises(TransientFeedError, match="deadline"):
            fetch_source(
                http_server.url("/shop.xml"),
                tmp_path / "ws",
                policy=FetchPolicy(allow_private=True, timeout_s=1.0, deadline_s=0.5),
            )
        assert time.monotonic() - started < 1.5
        assert leftovers(tmp_path / "ws") == []

    def test_connection_cut_mid_body_is_transient(self, http_server: LocalServer, tmp_path: Path) -> None:
        def cut(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            handler.send_response(200)
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            handler.wfile.write(FEED)
            handler.close_connection = True

        http_server.routes["/shop.xml"] = cut
        with pytest.raises(TransientFeedError, match="cannot download"):
            fetch_source(http_server.url("/shop.xml"), tmp_path / "ws", policy=LOCAL)
        assert leftovers(tmp_path / "ws") == []

    def test_connection_refused_is_transient(self, tmp_path: Path) -> None:
        with socket.socket() as probe:  # a port that was free a moment ago: nobody listens there
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        with pytest.raises(TransientFeedError, match="ConnectError"):
            fetch_source(f"http://127.0.0.1:{port}/shop.xml", tmp_path / "ws", policy=LOCAL)

    def test_gzip_bomb_over_http_is_capped(self, http_server: LocalServer, tmp_path: Path) -> None:
        url = http_server.serve("/shop.xml", BOMB, headers={"Content-Encoding": "gzip"})
        with pytest.raises(SourceError, match="larger than 1,048,576 bytes once decompressed"):
            fetch_source(url, tmp_path / "ws", policy=SMALL)
        assert leftovers(tmp_path / "ws") == []

    def test_content_encoding_gzip_on_a_plain_body(self, http_server: LocalServer, tmp_path: Path) -> None:
        url = http_server.serve("/shop.xml", FEED, headers={"Content-Encoding": "gzip"})
        with pytest.raises(SourceError, match="not a valid gzip"):
            fetch_source(url, tmp_path / "ws", policy=LOCAL)
        assert leftovers(tmp_path / "ws") == []

    def test_unknown_content_encoding_is_refused(self, http_server: LocalServer, tmp_path: Path) -> None:
        url = http_server.serve("/shop.xml", b"????", headers={"Content-Encoding": "br"})
        with pytest.raises(SourceError, match="Content-Encoding 'br'"):
            fetch_source(url, tmp_path / "ws", policy=LOCAL)

    def test_declared_length_over_the_cap_is_refused_before_download(
        self, http_server: LocalServer, tmp_path: Path
    ) -> None:
        url = http_server.serve("/shop.xml", FEED * 50)
        with pytest.raises(SourceError, match="larger than 1,000 bytes"):
            fetch_source(url, tmp_path / "ws", policy=FetchPolicy(allow_private=True, max_bytes=1000))
        assert leftovers(tmp_path / "ws") == []

    def test_too_many_redirects(self, http_server: LocalServer, tmp_path: Path) -> None:
        http_server.serve("/loop", b"", 302, {"Location": "/loop"})
        with pytest.raises(SourceError, match="more than 5 redirects"):
            fetch_source(http_server.url("/loop"), tmp_path / "ws", policy=LOCAL)
        assert len(http_server.requests) == 6

    def test_redirect_to_file_scheme_is_refused(self, http_server: LocalServer, tmp_path: Path) -> None:
        http_server.serve("/shop.xml", b"", 302, {"Location": "file:///etc/passwd"})
        with pytest.raises(SourceError, match="only http"):
            fetch_source(http_server.url("/shop.xml"), tmp_path / "ws", policy=LOCAL)


class TestSsrf:
    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
    def test_loopback_is_refused_by_default(
        self, http_server: LocalServer, tmp_path: Path, host: str
    ) -> None:
        url = http_server.serve("/shop.xml", FEED).replace("127.0.0.1", host)
        with pytest.raises(SourceError, match="private or reserved address; refused") as caught:
            fetch_source(url, tmp_path / "ws")
        assert "FEEDHUB_ALLOW_PRIVATE_SOURCES" in (caught.value.hint or "")
        assert http_server.requests == []  # refused before connecting

    def test_redirect_chain_to_a_private_address_is_refused(
        self, http_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Every server here is on loopback; let the test server's own address count as public, so the
        # first hops pass the check, and the last hop (cloud metadata) must still be refused.
        public = netguard.is_public_address
        monkeypatch.setattr(netguard, "is_public_address", lambda a: str(a) == "127.0.0.1" or public(a))
        http_server.serve("/a", b"", 302, {"Location": "/b"})
        http_server.serve("/b", b"", 302, {"Location": "http://169.254.169.254/latest/meta-data/"})
        with pytest.raises(SourceError, match="169.254.169.254, a private or reserved address"):
            fetch_source(http_server.url("/a"), tmp_path / "ws")
        assert [path for path, _ in http_server.requests] == ["/a", "/b"]

    def test_name_is_resolved_once_and_the_checked_address_is_used(
        self, http_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A rebinding resolver: the first answer is the test server, later answers point elsewhere.
        # Only the first answer may be used, and the Host header must keep the name.
        real = socket.getaddrinfo
        answers: list[str] = []

        def rebinding(host: str, *args: Any, **kwargs: Any) -> Any:
            if host != "feeds.example":
                return real(host, *args, **kwargs)
            answers.append(host)
            return real("127.0.0.1" if len(answers) == 1 else "192.0.2.1", *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", rebinding)
        port = http_server.base_url.rsplit(":", 1)[1]
        http_server.serve("/shop.xml", FEED)
        got = fetch_source(f"http://feeds.example:{port}/shop.xml", tmp_path / "ws", policy=LOCAL)
        assert got.path.read_bytes() == FEED
        assert answers == ["feeds.example"]
        assert http_server.requests[0][1]["host"] == f"feeds.example:{port}"

    def test_name_resolving_to_a_private_address_is_refused(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        info = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 80))]
        monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: info)
        with pytest.raises(SourceError, match="resolves to 10.1.2.3"):
            fetch_source("http://intranet.example/feed.xml", tmp_path / "ws")

    @pytest.mark.parametrize("host", ["shop..example", "a" * 64 + ".example"])
    def test_a_host_no_resolver_takes_is_a_source_error(self, tmp_path: Path, host: str) -> None:
        with pytest.raises(SourceError, match="is no host name: a part of it is empty or longer than 63"):
            fetch_source(f"http://{host}/feed.xml", tmp_path / "ws", policy=LOCAL)  # was a UnicodeError

    @pytest.mark.parametrize(
        ("address", "public"),
        [
            ("93.184.215.14", True),
            ("2606:4700:4700::1111", True),
            ("::ffff:93.184.215.14", True),  # IPv4-mapped public
            ("127.0.0.1", False),
            ("127.8.9.10", False),  # all of 127/8 is loopback
            ("10.0.0.1", False),
            ("172.16.5.4", False),
            ("192.168.1.1", False),
            ("100.64.0.1", False),  # carrier-grade NAT
            ("169.254.169.254", False),  # cloud metadata
            ("0.0.0.0", False),
            ("224.0.0.1", False),  # multicast
            ("240.0.0.1", False),  # reserved
            ("255.255.255.255", False),
            ("192.0.2.1", False),  # documentation
            ("::1", False),
            ("::", False),
            ("fe80::1", False),
            ("fc00::1", False),  # unique local
            ("ff02::1", False),  # multicast
            ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
            ("::ffff:10.0.0.1", False),
            ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
            ("64:ff9b::a9fe:a9fe", False),  # NAT64 wrapping 169.254.169.254
        ],
    )
    def test_public_address_table(self, address: str, public: bool) -> None:
        assert is_public_address(ipaddress.ip_address(address)) is public


class TestRetryAfter:
    NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("value", "seconds"),
        [
            ("120", 120.0),
            (" 0 ", 0.0),
            (format_datetime(datetime(2024, 1, 1, 12, 1, 30, tzinfo=UTC), usegmt=True), 90.0),
            (format_datetime(datetime(2023, 1, 1, tzinfo=UTC), usegmt=True), 0.0),  # in the past: now
            ("-5", None),
            ("tomorrow", None),
            ("", None),
            (None, None),
        ],
    )
    def test_parse(self, value: str | None, seconds: float | None) -> None:
        assert parse_retry_after(value, now=self.NOW) == seconds
