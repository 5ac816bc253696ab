"""bench/bench_serve.py keeps the serving figures honest only if it runs: a short run of every phase here.

It starts the web app in a child process under uvicorn, as the bench does, and checks what the bench
checks: no error in any phase (200 with the whole feed, 200 with the gzip copy, 304) and one download
log row per answer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import bench_serve  # noqa: E402


def test_every_phase_passes_and_every_answer_is_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(tmp_path))  # the bench sets it for itself: restored after the test
    monkeypatch.delenv("FEEDHUB_DATABASE_URL", raising=False)

    report = bench_serve.run(list(bench_serve.PHASES), connections=3, seconds=0.3, size_mb=0.2,
                             data_dir=tmp_path / "serve")

    assert report["ok"], report
    assert [phase["phase"] for phase in report["phases"]] == ["plain", "gzip", "revalidate"]
    assert all(phase["requests"] > 0 and phase["errors"] == 0 for phase in report["phases"])
    assert report["gzip_served"] and report["gzip_bytes"] < report["feed_bytes"] // 5
    assert report["log"]["logged"] == report["log"]["answered"]
