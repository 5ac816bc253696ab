"""Serving a published feed under load: N connections for S seconds against `/f/<token>/<file>`.

    .venv/bin/python bench/bench_serve.py                          # 32 connections, 3 s per phase, ~2 MB
    .venv/bin/python bench/bench_serve.py --seconds 20 --phases plain   # the figure in the issue
    .venv/bin/python bench/bench_serve.py --basic-auth --db postgresql   # argon2 per request, PostgreSQL

Builds a data folder under bench/data/serve-* (SQLite, or a fresh schema of --postgres-url), one project
whose Heureka export of about --size-mb MB is published with FileStorage.publish (so the gzip copy is
written as a run would write it), starts the web app under uvicorn in a child process (the web part of
`feedhub serve`: one process, same uvicorn settings) and runs each phase:

* plain: GET, as a crawler that takes no gzip: 200 and the whole feed;
* gzip: GET with `Accept-Encoding: gzip`: 200, `Content-Encoding: gzip`, the compressed copy;
* revalidate: GET with the ETag of the first answer in `If-None-Match`: 304, no body.

Every connection sends its next request when the previous answer has been read to its last byte
(HTTP/1.1 keep-alive), from a client in this process (asyncio, no HTTP library: the client must not be
what is measured). Latency is from sending the request to the answer's last byte. An error is a
connection failure or an answer other than the phase expects (status, length, encoding). At the end the
download log must hold one row per answer, with the status the client saw.

Prints requests/s, MB/s, p50/p99/max latency, the server's CPU per request (user + system of its
process: the figure that stays meaningful when other jobs share the machine) and errors per phase;
exits 1 if any phase had an error or the log does not match. bench/serve-results.json keeps the numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"
PRODUCT_BYTES = 2150  # about what bench/make_feed.py writes per product
PHASES = ("plain", "gzip", "revalidate")
READ_LIMIT_BYTES = 1024 * 1024
AUTH = ("bench", "bench password")


@dataclass
class Phase:
    """What one phase sent and saw."""

    name: str
    connections: int
    seconds: float = 0.0
    server_cpu_s: float = 0.0  # user + system CPU of the server process during the phase
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    body_bytes: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_ms) or [0.0]
        count = len(self.latencies_ms)
        return {
            "phase": self.name,
            "connections": self.connections,
            "seconds": round(self.seconds, 2),
            "requests": count,
            "requests_per_s": round(count / self.seconds, 1) if self.seconds else 0.0,
            "mb_per_s": round(self.body_bytes / 1e6 / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(_percentile(ordered, 0.50), 1),
            "p99_ms": round(_percentile(ordered, 0.99), 1),
            "max_ms": round(ordered[-1], 1),
            "server_cpu_ms_per_request": round(self.server_cpu_s * 1000 / count, 2) if count else 0.0,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "statuses": dict(self.statuses),
        }


@dataclass(frozen=True)
class Expect:
    """The answer a phase must get."""

    status: int
    length: int  # body bytes
    encoding: str | None  # Content-Encoding


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=3.0, help="per phase")
    parser.add_argument("--size-mb", type=float, default=2.0, help="the published feed's size")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--basic-auth", action="store_true", help="the export asks for a password (argon2)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--child-server", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_server:
        _serve(Path(args.child_server[0]), int(args.child_server[1]))
        return
    phases = [name.strip() for name in args.phases.split(",") if name.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}; known: {', '.join(PHASES)}")
    report = run(phases, connections=args.connections, seconds=args.seconds, size_mb=args.size_mb,
                 basic_auth=args.basic_auth, postgres_url=args.postgres_url if args.db == "postgresql" else None)
    report["config"] = vars(args) | {"cpus": os.cpu_count(), "machine": platform.machine(),
                                     "load_average": os.getloadavg(), "at": datetime.now(UTC).isoformat()}
    _print(report)
    (ROOT / "bench" / "serve-results.json").write_text(json.dumps(report, indent=2, default=str))
    sys.exit(0 if report["ok"] else 1)


def run(phases: list[str], *, connections: int, seconds: float, size_mb: float, basic_auth: bool = False,
        postgres_url: str | None = None, data_dir: Path | None = None) -> dict[str, Any]:
    """Set up, serve, load every phase, check the log; the report (tests call this with small numbers)."""
    data_dir = data_dir or DATA / f"serve-{datetime.now(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}"
    env = _environment(data_dir, postgres_url)
    path, link_id, feed_bytes = _publish_project(data_dir, size_mb=size_mb, basic_auth=basic_auth)
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--child-server", str(data_dir), str(port)],
                              env={**os.environ, **env}, cwd=ROOT)
    try:
        _wait_until_up(port, server)
        report = asyncio.run(_load(port, path, phases, connections=connections, seconds=seconds,
                                   feed_bytes=feed_bytes, basic_auth=basic_auth, server_pid=server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = _logged_statuses(link_id)
    seen = sum((Counter(p["statuses"]) for p in report["phases"]), Counter(report["probe_statuses"].values()))
    report["log"] = {"logged": dict(logged), "answered": dict(seen), "ok": logged == seen}
    report["feed_bytes"] = feed_bytes
    report["ok"] = report["log"]["ok"] and all(p["errors"] == 0 and p["requests"] for p in report["phases"])
    return report


# ---------------------------------------------------------------------------------------------- set-up


def _environment(data_dir: Path, postgres_url: str | None) -> dict[str, str]:
    """A new data folder, and SQLite in it or a fresh PostgreSQL schema; set here and for the server."""
    (data_dir / "exports").mkdir(parents=True)
    env = {"FEEDHUB_DATA_DIR": str(data_dir)}
    if postgres_url:
        from sqlalchemy import create_engine, text

        schema = f"serve_{uuid.uuid4().hex[:8]}"
        admin = create_engine(postgres_url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        env["FEEDHUB_DATABASE_URL"] = f"{postgres_url}?options=-csearch_path%3D{schema}"
    os.environ.update(env)
    return env


def _publish_project(data_dir: Path, *, size_mb: float, basic_auth: bool) -> tuple[str, int, int]:
    """One shop and project with a published Heureka export; its URL path, link id and size."""
    from accounts import create_project, create_shop, register_user, verify_email
    from accounts.db import make_engine, make_session_factory, migrate
    from accounts.models import Project
    from accounts.published import ensure_links, set_basic_auth
    from bench.make_feed import write_feed  # type: ignore[import-not-found]
    from feedhub.settings import get_settings
    from feedhub.web import export_file_name
    from feeds.project import ExportSpec, ProjectSpec
    from feeds.storage import FileStorage

    source = data_dir / "export.xml"
    with open(source, "wb") as out:
        write_feed(max(1, int(size_mb * 1e6 / PRODUCT_BYTES)), out)
    target = FileStorage(data_dir / "exports" / "heureka.xml")
    target.publish(source)
    settings = get_settings()
    engine = make_engine(settings.effective_database_url)
    migrate(engine)
    with make_session_factory(engine).begin() as session:
        user, token = register_user(session, email="bench@example.com", password="bench password 1")
        verify_email(session, token)
        shop = create_shop(session, user, name="Bench shop")
        export = ExportSpec(name="heureka", format="heureka", uri=target.uri)
        project = create_project(session, user, shop.id, name="bench", spec=ProjectSpec(source="x", exports=[export]))
        link = ensure_links(session, session.get_one(Project, project.id), ["heureka"])["heureka"]
        if basic_auth:
            set_basic_auth(session, user, project.id, "heureka", user=AUTH[0], password=AUTH[1])
        path, link_id = f"/f/{link.token}/{export_file_name(export)}", link.id
    engine.dispose()
    return path, link_id, target.path.stat().st_size


def _serve(data_dir: Path, port: int) -> None:
    """The child: the web app as `feedhub serve` runs it (one uvicorn process, its default settings)."""
    import uvicorn

    from feedhub.settings import Settings
    from feedhub.web import create_app

    settings = Settings(data_dir=data_dir)
    uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")).run()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(port: int, server: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the web app exited with {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"the web app did not listen on port {port} within {timeout_s:.0f} s")


def _logged_statuses(link_id: int) -> Counter[int]:
    from sqlalchemy import func, select

    from accounts.db import make_engine, make_session_factory
    from accounts.published import ExportDownload
    from feedhub.settings import get_settings

    engine = make_engine(get_settings().effective_database_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(ExportDownload.status, func.count()).where(ExportDownload.link_id == link_id)
            .group_by(ExportDownload.status)
        )
        counts = Counter({status: count for status, count in rows})
    engine.dispose()
    return counts


# ---------------------------------------------------------------------------------------------- load


async def _load(port: int, path: str, phases: list[str], *, connections: int, seconds: float,
                feed_bytes: int, basic_auth: bool, server_pid: int) -> dict[str, Any]:
    """Probe what each phase must get, then run the phases one after the other."""
    auth = _basic_header() if basic_auth else b""
    plain = await _probe(port, _request(path, auth))
    packed = await _probe(port, _request(path, auth, b"Accept-Encoding: gzip\r\n"))
    etag = plain.headers.get("etag", "")
    gzip_length = int(packed.headers.get("content-length", "0"))
    setups = {
        "plain": (b"", Expect(200, feed_bytes, None)),
        "gzip": (b"Accept-Encoding: gzip\r\n", Expect(200, gzip_length, "gzip")),
        "revalidate": (f"If-None-Match: {etag}\r\n".encode("latin-1"), Expect(304, 0, None)),
    }
    results = []
    for name in phases:
        extra, expect = setups[name]
        phase = Phase(name, connections)
        started, cpu = time.perf_counter(), _cpu_s(server_pid)
        deadline = started + seconds
        request = _request(path, auth, extra)
        await asyncio.gather(*(_connection(port, request, expect, deadline, phase) for _ in range(connections)))
        phase.seconds = time.perf_counter() - started
        phase.server_cpu_s = _cpu_s(server_pid) - cpu
        results.append(phase.summary())
    probes = {"plain": plain.status, "gzip": packed.status}
    return {"phases": results, "probe_statuses": probes, "etag": etag, "gzip_bytes": gzip_length,
            "gzip_served": packed.headers.get("content-encoding") == "gzip"}


@dataclass
class _Answer:
    status: int
    headers: dict[str, str]
    length: int


async def _probe(port: int, request: bytes) -> _Answer:
    """One request on its own connection (its answer is in the log too: counted with the phases')."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=READ_LIMIT_BYTES)
    try:
        writer.write(request)
        return await _read_answer(reader)
    finally:
        writer.close()


async def _connection(port: int, request: bytes, expect: Expect, deadline: float, phase: Phase) -> None:
    """One keep-alive connection sending requests back to back until the deadline."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=READ_LIMIT_BYTES)
            assert reader is not None
            writer.write(request)
            answer = await _read_answer(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            phase.errors[type(exc).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        phase.latencies_ms.append((time.perf_counter() - started) * 1000)
        phase.statuses[answer.status] += 1
        phase.body_bytes += answer.length
        problem = _mismatch(answer, expect)
        if problem:
            phase.errors[problem] += 1
        if answer.headers.get("connection", "").lower() == "close":
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _read_answer(reader: asyncio.StreamReader) -> _Answer:
    """Status, headers and the body's length (read and dropped); only Content-Length bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "transfer-encoding" in headers:
        raise ValueError(f"unexpected Transfer-Encoding {headers['transfer-encoding']!r}")
    remaining = length = int(headers.get("content-length", "0"))
    while remaining:
        chunk = await reader.read(min(remaining, READ_LIMIT_BYTES))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", remaining)
        remaining -= len(chunk)
    return _Answer(status, headers, length)


def _mismatch(answer: _Answer, expect: Expect) -> str | None:
    if answer.status != expect.status:
        return f"status {answer.status}"
    if answer.length != expect.length:
        return "length"
    if answer.headers.get("content-encoding") != expect.encoding:
        return f"encoding {answer.headers.get('content-encoding')}"
    return None


def _request(path: str, auth: bytes, extra: bytes = b"") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: feedhub-bench\r\n".encode() + auth + extra
            + b"\r\n")


def _basic_header() -> bytes:
    import base64

    return b"Authorization: Basic " + base64.b64encode(f"{AUTH[0]}:{AUTH[1]}".encode()) + b"\r\n"


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    index = max(0, min(len(ordered) - 1, int(round(fraction * len(ordered) + 0.5)) - 1))
    return ordered[index]


# ---------------------------------------------------------------------------------------------- output


def _print(report: dict[str, Any]) -> None:
    config = report["config"]
    print(f"feed {report['feed_bytes'] / 1e6:.2f} MB (gzip copy {report['gzip_bytes'] / 1e6:.2f} MB, "
          f"served compressed: {'yes' if report['gzip_served'] else 'NO'}), {config['connections']} connections, "
          f"{config['seconds']:g} s per phase, {config['db']}, basic auth {'on' if config['basic_auth'] else 'off'}, "
          f"{config['cpus']} CPUs, load average {config['load_average'][0]:.1f}")
    columns = {"phase": "phase", "requests": "requests", "requests_per_s": "req/s", "mb_per_s": "MB/s",
               "p50_ms": "p50 ms", "p99_ms": "p99 ms", "max_ms": "max ms", "server_cpu_ms_per_request": "CPU ms/req",
               "errors": "errors"}
    print("  ".join(f"{title:>10}" for title in columns.values()))
    for phase in report["phases"]:
        print("  ".join(f"{phase[c]!s:>10}" for c in columns))
        if phase["errors"]:
            print(f"{'':>10}  errors: {phase['error_kinds']}")
    log = report["log"]
    print(f"download log: {'every answer logged' if log['ok'] else 'MISMATCH'} "
          f"(logged {log['logged']}, answered {log['answered']})")
    print("PASS" if report["ok"] else "FAIL")


if __name__ == "__main__":
    main()
