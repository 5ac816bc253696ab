"""Download a rule's data file over HTTP(S): timeouts, a size cap and an SSRF guard."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from feeds.errors import SourceError, TransientFeedError

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0


def check_address(url: str, *, allow_private: bool) -> None:
    """Refuse URLs whose host resolves to private, loopback or link-local addresses unless allowed."""
    host = urlsplit(url).hostname
    if not host:
        raise SourceError(f"{url!r} has no host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as exc:
        raise TransientFeedError(f"cannot resolve {host!r}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            raise SourceError(f"{url!r} points to a private address ({address}); refused")


def download_text(url: str, *, allow_private: bool, max_bytes: int) -> str:
    """The body as UTF-8 text; TransientFeedError for timeouts, 5xx and 429, SourceError otherwise."""
    check_address(url, allow_private=allow_private)
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=False) as response:
            if response.status_code >= 500 or response.status_code == 429:
                raise TransientFeedError(f"{url} answered {response.status_code}")
            if response.status_code != 200:
                raise SourceError(f"{url} answered {response.status_code}")
            body = bytearray()
            for part in response.iter_bytes():
                body.extend(part)
                if len(body) > max_bytes:
                    raise SourceError(f"{url} is larger than {max_bytes} bytes")
    except httpx.TimeoutException as exc:
        raise TransientFeedError(f"{url} timed out") from exc
    except httpx.TransportError as exc:
        raise TransientFeedError(f"{url} could not be fetched: {exc}") from exc
    try:
        return bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{url} is not UTF-8 text", hint="data files must be UTF-8") from exc
