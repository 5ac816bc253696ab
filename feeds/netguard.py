"""The SSRF guard of feed downloads: resolve once, check every address, connect to the checked one.

Feed URLs come from users; without this, a URL (or a redirect, or a second DNS answer) could make
Feedhub fetch from the machine's own network: cloud metadata, databases, admin pages.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from feeds.errors import SourceError, TransientFeedError


@dataclass(frozen=True)
class Pinned:
    """Where a request really goes, and the names TLS and Host still need."""

    url: str  # the request URL with the host replaced by the checked IP address
    host_header: str  # the original host[:port], sent as Host
    hostname: str  # the original host name, for TLS (SNI and certificate check)
    tls: bool


def pin(url: str, allow_private: bool) -> Pinned:
    """Resolve the URL's host once, check every address, and aim the request at the first one.

    Why pin in the URL instead of checking and then letting httpx connect by name: a second DNS
    lookup could answer differently (DNS rebinding), so the address we connect to must be the one we
    checked. httpx keeps TLS honest through the `sni_hostname` extension: SNI and the certificate are
    checked against the original host name, not the IP address. Proxies from the environment are off.
    """
    parsed = httpx.URL(url)
    if not parsed.host:
        raise SourceError(f"{redact(url)} has no host name")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = resolve(parsed.host, port)
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise _refused(url, f"{address}, a private or reserved address")
    pinned = parsed.copy_with(host=str(addresses[0]))
    return Pinned(str(pinned), parsed.netloc.decode("ascii"), parsed.host, parsed.scheme == "https")


def refused_on_sight(url: str, *, allow_private: bool) -> SourceError | None:
    """The refusal every fetch of `url` meets whatever DNS answers, or None: a host no resolver takes, and
    unless `allow_private`, a host written as a private or reserved address (`10.0.0.5`, `[::1]`,
    `2130706433`) or a localhost name (RFC 6761: always loopback).

    What a save can check: it looks nothing up, since it must not wait on another server. A host name
    is only resolved by a run, and `pin` checks its addresses at every run.
    """
    try:
        host = httpx.URL(url).host
    except httpx.InvalidURL:
        return None  # the fetch names what is wrong with it
    try:  # the resolver's own reading of a numeric host (`127.1`, `0x7f.1`), without a lookup
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except UnicodeError:
        return _bad_host(host)
    except socket.gaierror:
        infos = []
    if allow_private:
        return None
    if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
        return _refused(url, "a loopback address")
    if not infos:
        return None  # a name: only a run can tell where it points
    address = ipaddress.ip_address(str(infos[0][4][0]).split("%")[0])
    return None if is_public_address(address) else _refused(url, f"{address}, a private or reserved address")


def _refused(url: str, where: str) -> SourceError:
    return SourceError(
        f"{redact(url)} resolves to {where}; refused",
        hint="feeds come from public addresses; FEEDHUB_ALLOW_PRIVATE_SOURCES=true allows others",
    )


def _bad_host(host: str) -> SourceError:
    """A host no resolver takes: the IDNA codec refuses an empty part (`a..b`) or one over 63 characters."""
    return SourceError(f"{host!r} is no host name: a part of it is empty or longer than 63 characters",
                       hint="check the feed URL")


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address of `host`; a name that does not exist is terminal, a resolver hiccup is transient."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_SYSTEM", None)):
            raise TransientFeedError(f"cannot resolve {host!r} now: {exc}") from exc
        raise SourceError(f"unknown host {host!r}: {exc}", hint="check the feed URL") from exc
    except UnicodeError as exc:
        raise _bad_host(host) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise SourceError(f"unknown host {host!r}")
    return addresses


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for globally routable unicast addresses; IPv6 forms embedding an IPv4 address are judged by it."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    refused = (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
               or address.is_reserved or address.is_unspecified)
    return address.is_global and not refused


def redact(url: str) -> str:
    """The URL without user:password and without the query (feed URLs often carry access tokens)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}" + ("?…" if parts.query else "")
