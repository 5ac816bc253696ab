"""The command line starts light: only the commands that need the database or Prefect import them.

Each case runs a command in a fresh interpreter and lists what got imported, because in this test
process those packages are long loaded by other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import feeds.project
from feedhub.cli import projects

SAMPLE = Path(__file__).resolve().parents[2] / "sample_feeds" / "heureka_cz_params_delivery.xml"
DATABASE_AND_SCHEDULER = ("prefect", "sqlalchemy", "alembic", "accounts", "flows", "fastapi")
FEED_ENGINE = ("pydantic", "httpx", "lxml", "regex", "feeds.transforms", "feeds.pipeline")

PROBE = """
import json, sys
from typer.testing import CliRunner
from feedhub.cli import app

result = CliRunner().invoke(app, json.loads(sys.argv[1]))
assert result.exit_code == 0, result.output
print(json.dumps(sorted(sys.modules)))
"""


def imported_by(args: list[str], cwd: Path) -> set[str]:
    """The modules a fresh interpreter has loaded after running `feedhub ARGS` (which must succeed)."""
    env = {**os.environ, "FEEDHUB_DATA_DIR": str(cwd / "data")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(name for name in names if name in modules)


@pytest.mark.parametrize(
    "args",
    [
        ["convert", str(SAMPLE), "--to", "google", "-o", "out.xml"],
        ["inspect", str(SAMPLE), "--json"],
        ["query", str(SAMPLE), 'ITEM_ID = "1"', "--count"],
    ],
    ids=["convert", "inspect", "query"],
)
def test_feed_commands_import_no_database_or_prefect(args: list[str], tmp_path: Path) -> None:
    assert loaded(imported_by(args, tmp_path), DATABASE_AND_SCHEDULER) == []


def test_help_imports_neither_the_database_nor_the_feed_engine(tmp_path: Path) -> None:
    assert loaded(imported_by(["--help"], tmp_path), DATABASE_AND_SCHEDULER + FEED_ENGINE) == []


def test_project_help_imports_no_database(tmp_path: Path) -> None:
    # Only the database is checked: typer itself loads pydantic to parse list options such as --export.
    assert loaded(imported_by(["project", "add", "--help"], tmp_path), DATABASE_AND_SCHEDULER) == []


def test_schedule_defaults_shown_in_help_are_the_real_ones() -> None:
    # Copied into feedhub.cli.projects so that `--help` needs no pydantic; `project add` must save the real ones.
    assert (projects.DEFAULT_CRON, projects.DEFAULT_TIMEZONE) == (
        feeds.project.DEFAULT_CRON,
        feeds.project.DEFAULT_TIMEZONE,
    )


def _command_paths(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in sorted(getattr(group, "commands", {}).items()):
        paths.append((*prefix, name))
        paths += _command_paths(command, (*prefix, name))
    return paths


def _all_commands() -> list[tuple[str, ...]]:
    import typer.main

    from feedhub.cli import app

    return _command_paths(typer.main.get_command(app))


@pytest.mark.parametrize("command", _all_commands(), ids=" ".join)
def test_every_commands_help_renders(command: tuple[str, ...]) -> None:
    """Help text goes through rich markup: a `[...]` in it must not break `--help` (it once did)."""
    from typer.testing import CliRunner

    from feedhub.cli import app

    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
