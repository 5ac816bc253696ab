"""A run killed with SIGKILL never damages the published exports, and the next run cleans up after it.

A real process (`feedhub project run --wait`) runs a project over a feed big enough to be caught
mid-way, and is killed when its files show the stage: temporary exports growing in the run's
workspace (writing), or a temporary sibling of a published export (publishing). The exports
already hold a previous good version, which must survive whole.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.runs import ProjectRun, RunStatus
from feeds.atomic import TEMP_PREFIX
from flows.deps import RunDeps
from flows.runner import run_project_inline
from tests.flows.conftest import MAKE_FEED, ROOT, ProjectFactory, environ_for_subprocess

BIG_FEED_PRODUCTS = 15_000  # ~30 MB per export: seconds of writing, a publish long enough to catch
MIN_WRITTEN_BYTES = 1_000_000  # the temporary exports are well under way, not just opened
STAGE_TIMEOUT_S = 60.0
OWNER = "owner@example.com"  # the `people` fixture's owner, who may run the project


def _writing(data_dir: Path, published: Path) -> bool:
    """Temporary exports of a run are growing in its workspace."""
    return any(size > MIN_WRITTEN_BYTES for size in _sizes(data_dir / "runs", f"*/*/out/{TEMP_PREFIX}*"))


def _publishing(data_dir: Path, published: Path) -> bool:
    """A temporary sibling of a published export exists: a publish is copying into it."""
    return bool(_sizes(published, f"{TEMP_PREFIX}*"))


@pytest.mark.parametrize("stage", [_writing, _publishing], ids=["while-writing", "while-publishing"])
def test_killed_run_leaves_published_exports_whole_and_the_next_run_cleans_up(
    stage: Callable[[Path, Path], bool],
    make_project: ProjectFactory,
    deps: RunDeps,
    session: Session,
    tmp_path: Path,
) -> None:
    source, published = tmp_path / "feed.xml", tmp_path / "published"
    _write_feed(source, 200)
    project_id = make_project(str(source))
    assert run_project_inline(project_id, deps).status == "succeeded"
    old = _snapshot(published)
    _write_feed(source, BIG_FEED_PRODUCTS)

    _run_and_kill_when(stage, project_id, deps, published)
    after_kill = _snapshot(published)
    assert run_project_inline(project_id, deps).status == "succeeded"
    new = _snapshot(published)

    assert old.keys() == after_kill.keys() == new.keys() == {"heureka.xml", "google.xml"}
    assert old != new
    if stage is _writing:
        assert after_kill == old  # byte for byte: nothing was published yet
    else:  # each export is the old file or the complete new one, never a partial file
        assert all(after_kill[name] in (old[name], new[name]) for name in old)
    statuses = session.scalars(
        select(ProjectRun.status).where(ProjectRun.project_id == project_id).order_by(ProjectRun.id)
    ).all()
    assert statuses == [RunStatus.SUCCEEDED, RunStatus.CRASHED, RunStatus.SUCCEEDED]
    assert not _sizes(published, f"{TEMP_PREFIX}*")
    assert not list((deps.data_dir / "runs").glob("*/*"))  # no workspace left, the killed run's included


def _run_and_kill_when(stage: Callable[[Path, Path], bool], project_id: int, deps: RunDeps, published: Path) -> None:
    env = environ_for_subprocess(
        FEEDHUB_DATABASE_URL=str(deps.engine.url),
        FEEDHUB_DATA_DIR=str(deps.data_dir),
        FEEDHUB_ALLOW_LOCAL_SOURCES="true",  # the big feed is a file next to the test
        FEEDHUB_EXPORTS_DIR=str(published),
    )
    command = [
        sys.executable,
        "-m",
        "feedhub",
        "project",
        "run",
        str(project_id),
        "--by",
        "owner@example.com",
        "--wait",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + STAGE_TIMEOUT_S
        while not stage(deps.data_dir, published):
            if process.poll() is not None:
                pytest.fail(f"the run ended before the stage: {process.communicate()[0]!r}")
            assert time.monotonic() < deadline, "the stage never came"
            time.sleep(0.002)
    finally:
        process.kill()  # SIGKILL: no handler, no cleanup, like a machine losing power
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _write_feed(path: Path, products: int) -> None:
    with open(path, "wb") as out:
        MAKE_FEED.write_feed(products, out, 7)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """The published exports (not their `.previous` copies), by name."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".xml" and not p.name.startswith(".")}


def _sizes(folder: Path, pattern: str) -> list[int]:
    """Sizes of the matching files that still exist: the running process renames and deletes them as we look."""
    sizes = []
    for path in folder.glob(pattern):
        try:
            sizes.append(path.stat().st_size)
        except FileNotFoundError:
            continue
    return sizes
