"""ReadableResponse: the bytes of an open file or S3 body, read while sent, closed however the answer ends."""

from __future__ import annotations

import io
from typing import Any

import anyio
import pytest

from feedhub.web import streaming
from feedhub.web.streaming import ReadableResponse


class _Source(io.BytesIO):
    """Counts what was read and remembers being closed."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0
        self.was_closed = False

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def close(self) -> None:
        self.was_closed = True
        super().close()


def _call(response: ReadableResponse, *, disconnect_after_chunks: int | None = None) -> list[dict[str, Any]]:
    """Run the response as uvicorn would; the client hangs up after that many body chunks."""
    sent: list[dict[str, Any]] = []
    hung_up = anyio.Event()

    async def receive() -> dict[str, Any]:
        if not sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        await hung_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        chunks = sum(m["type"] == "http.response.body" for m in sent)
        if disconnect_after_chunks is not None and chunks >= disconnect_after_chunks:
            hung_up.set()
        await anyio.sleep(0)

    scope = {"type": "http", "method": "GET", "asgi": {"spec_version": "2.3"}}
    anyio.run(response, scope, receive, send)
    return sent


def test_sends_length_bytes_in_chunks_and_closes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streaming, "CHUNK_BYTES", 4)
    source = _Source(b"0123456789")
    response = ReadableResponse(source, 10, status_code=200, headers={"Content-Length": "10"})

    sent = _call(response)

    assert sent[0]["status"] == 200 and (b"content-length", b"10") in sent[0]["headers"]
    assert [m["body"] for m in sent[1:]] == [b"0123", b"4567", b"89"]
    assert [m["more_body"] for m in sent[1:]] == [True, True, False]
    assert source.was_closed


def test_a_client_that_hangs_up_stops_the_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streaming, "CHUNK_BYTES", 1024)
    source = _Source(b"x" * 1024 * 1024)  # a thousand chunks; uvicorn's send would swallow them quietly
    response = ReadableResponse(source, 1024 * 1024, status_code=200, headers={"Content-Length": str(1024 * 1024)})

    _call(response, disconnect_after_chunks=2)

    assert source.was_closed and source.read_bytes < 100 * 1024


def test_head_sends_headers_only_and_closes_nothing_it_was_not_given() -> None:
    response = ReadableResponse(None, 0, status_code=200, headers={"Content-Length": "5000"})

    sent = _call(response)

    assert (b"content-length", b"5000") in sent[0]["headers"]
    assert sent[1:] == [{"type": "http.response.body", "body": b"", "more_body": False}]


def test_a_source_cut_short_fails_the_answer_instead_of_ending_it() -> None:
    source = _Source(b"short")
    response = ReadableResponse(source, 10, status_code=200, headers={"Content-Length": "10"})

    with pytest.raises(RuntimeError, match="ended 5 bytes early"):  # uvicorn then drops the connection
        _call(response)
    assert source.was_closed
