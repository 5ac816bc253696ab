"""`feedhub serve`'s own Prefect server listens on 127.0.0.1 only, and with a secret configured (the
clients' PREFECT_API_AUTH_STRING or the server's PREFECT_SERVER_API_AUTH_STRING) it refuses every client
without it, while serve's own clients send it: the billing flow serve runs at start is recorded.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from tests.flows.conftest import ROOT, environ_for_subprocess

AUTH = "feedhub:serve-test-secret"
LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it
START_TIMEOUT_S = 240.0  # the Prefect server starts slowly on a loaded 2-core machine
T = TypeVar("T")


@pytest.mark.parametrize("configured", ["PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING"])
def test_serve_keeps_its_prefect_server_on_loopback_and_closed_to_clients_without_the_secret(
    configured: str, db_url: str, tmp_path: Path
) -> None:
    data, prefect_port = tmp_path / "serve-data", _free_port()
    env = environ_for_subprocess(FEEDHUB_DATA_DIR=str(data), FEEDHUB_DATABASE_URL=db_url)
    for name in ("PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "PREFECT_SERVER_API_AUTH_STRING"):
        env.pop(name, None)
    env[configured] = AUTH
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "feedhub", "serve", "--workers", "0", "--port", str(_free_port()),
             "--prefect-port", str(prefect_port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = _wait(lambda: _read(data / "prefect" / "api-url"), "serve's Prefect server", serve, log_path)
        assert _listening_addresses(prefect_port) == {LOOPBACK}
        for secret in (None, "feedhub:wrong"):
            auth = None if secret is None else httpx.BasicAuth(*secret.split(":"))
            assert httpx.post(f"{url}/flow_runs/filter", json={}, auth=auth).status_code == 401
            assert httpx.post(f"{url}/deployments/", json={}, auth=auth).status_code == 401
        states = _wait(lambda: _flow_run_states(url), "the billing flow run", serve, log_path)
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(30)
    assert states == ["COMPLETED"]


def _flow_run_states(url: str) -> list[str]:
    """The states of the flow runs Prefect recorded, read with the secret (none yet: [])."""
    response = httpx.post(f"{url}/flow_runs/filter", json={}, auth=httpx.BasicAuth(*AUTH.split(":")))
    response.raise_for_status()
    states = [run["state_type"] for run in response.json()]
    return states if states and "RUNNING" not in states and "PENDING" not in states else []


def _listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on `port`, as /proc/net/tcp and tcp6 write them."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _, state = line.split()[1:4]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def _read(path: Path) -> str:
    return path.read_text().strip() if path.is_file() else ""


def _wait(found: Callable[[], T], what: str, serve: subprocess.Popen[bytes], log: Path) -> T:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (value := found()):
        assert serve.poll() is None, f"serve exited: {log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"waited too long for {what}: {log.read_text()[-3000:]}"
        time.sleep(0.5)
    return value


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
