"""A real HTTP server on 127.0.0.1 (port 0) for fetch tests: no mocks of httpx, no internet."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Responder = Callable[[BaseHTTPRequestHandler, "LocalServer"], None]


@dataclass
class LocalServer:
    """Routes by path; records every request's path and headers; `stop` wakes handlers that stall."""

    base_url: str = ""
    routes: dict[str, Responder] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        """The absolute URL of `path` on this server."""
        return self.base_url + path

    def serve(self, path: str, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> str:
        """Answer `path` with a fixed response; returns its URL."""
        self.routes[path] = respond(body, status, headers)
        return self.url(path)


def respond(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Responder:
    """A responder that sends one fixed response with a Content-Length."""

    def send(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return send


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    local: LocalServer  # set on the subclass made per server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        path = self.path.split("?", 1)[0]
        self.local.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        responder = self.local.routes.get(path) or respond(b"not here", 404)
        responder(self, self.local)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hung up on purpose (timeouts, caps) is not a test failure


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A threaded HTTP/1.1 server on 127.0.0.1, shut down and closed after the test."""
    local = LocalServer()
    handler = type("Handler", (_Handler,), {"local": local})
    server = _Server(("127.0.0.1", 0), handler)
    local.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield local
    finally:
        local.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


_DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    # a developer's own ~/.aws must not change what the tests see
    "AWS_CONFIG_FILE": "/nonexistent/feedhub-tests/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/feedhub-tests/aws-credentials",
}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 over real HTTP for boto3; yields its endpoint URL.

    Dummy credentials and region are set for the whole session. Buckets live as long as the server:
    tests use their own bucket names.
    """
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as env:
        for name, value in _DUMMY_AWS_ENV.items():
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            env.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()
