"""`feedhub project ...`, `feedhub runs` and the demo project, through the real command line."""

from __future__ import annotations

import json
import re
from email import message_from_bytes
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

import accounts.users
from feedhub.cli import app
from feedhub.cli_projects import parse_export
from feedhub.demo_project import run_demo_project
from feedhub.settings import get_settings

SAMPLE = Path(__file__).resolve().parents[2] / "sample_feeds" / "heureka_cz_params_delivery.xml"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FEEDHUB_DATABASE_URL", raising=False)
    monkeypatch.setattr(accounts.users, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    return tmp_path / "data"


def feedhub(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def project(tmp_path: Path, data_dir: Path) -> int:
    """A shop with an owner and a reader, and a project over the Heureka sample publishing to tmp/out."""
    for email in ("owner@example.com", "reader@example.com"):
        feedhub("user", "add", email, "--password", "correct horse battery")
    feedhub("shop", "add", "Bikes", "--owner", "owner@example.com")
    feedhub("shop", "invite", "1", "reader@example.com", "--level", "read", "--by", "owner@example.com")
    (mail,) = (data_dir / "outbox").glob("*.eml")
    body = message_from_bytes(mail.read_bytes()).get_payload(decode=True).decode()  # type: ignore[union-attr]
    token = re.search(r"https?://\S+/(\S+)", body)
    assert token
    feedhub("invite", "accept", token.group(1), "--by", "reader@example.com")
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"type": "hiding", "query": 'ITEM_ID = "none"'}]))
    out = feedhub(
        "project", "add", "1", "main", "--source", str(SAMPLE), "--rules", str(rules), "--by", "owner@example.com",
        "--export", f"heureka=heureka:{(tmp_path / 'out' / 'heureka.xml').as_uri()}",
        "--export", f"google=google:{(tmp_path / 'out' / 'google.xml.gz').as_uri()}",
    )
    assert "project 1" in out
    return 1


class TestProjectCommands:
    def test_run_wait_publishes_and_runs_lists_it(self, project: int, tmp_path: Path) -> None:
        out = feedhub("project", "run", "1", "--wait", "--by", "owner@example.com")
        assert "succeeded" in out
        assert (tmp_path / "out" / "heureka.xml").read_bytes().startswith(b"<?xml")
        assert (tmp_path / "out" / "google.xml.gz").read_bytes()[:2] == b"\x1f\x8b"
        runs = json.loads(feedhub("runs", "1", "--by", "reader@example.com", "--json"))
        assert [r["status"] for r in runs] == ["succeeded"] and runs[0]["products_in"] == 23
        listed = json.loads(feedhub("project", "list", "1", "--by", "reader@example.com", "--json"))
        assert listed[0]["last_run"]["status"] == "succeeded"
        links = feedhub("project", "links", "1", "--by", "owner@example.com")
        assert "/f/" in links and "google.xml.gz" in links

    def test_reader_cannot_run_pause_or_confirm(self, project: int) -> None:
        for command in (["project", "run", "1", "--wait"], ["project", "pause", "1"], ["project", "confirm", "1"]):
            result = CliRunner().invoke(app, [*command, "--by", "reader@example.com"])
            assert result.exit_code == 2, (command, result.output)

    def test_pause_and_resume_are_saved_in_the_spec(self, project: int) -> None:
        feedhub("project", "pause", "1", "--by", "owner@example.com")
        assert json.loads(feedhub("project", "list", "1", "--by", "owner@example.com", "--json"))[0]["paused"]
        feedhub("project", "resume", "1", "--by", "owner@example.com")
        assert not json.loads(feedhub("project", "list", "1", "--by", "owner@example.com", "--json"))[0]["paused"]

    def test_run_without_wait_needs_a_scheduler(self, project: int, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("PREFECT_API_URL", raising=False)
        result = CliRunner().invoke(app, ["project", "run", "1", "--by", "owner@example.com"])
        assert result.exit_code == 2 and "feedhub serve" in result.output


def test_export_option_is_name_format_uri() -> None:
    spec = parse_export("google=google:s3://bucket/shop/google.xml.gz")
    assert (spec.name, spec.format, spec.uri, spec.gzip) == ("google", "google", "s3://bucket/shop/google.xml.gz", True)


def test_demo_project_runs_once_and_again_unchanged(data_dir: Path) -> None:
    first = run_demo_project(get_settings())
    assert first["status"] == "succeeded" and first["products_out"] > 0
    assert (data_dir / "exports" / "demo" / "google.xml").is_file()
    assert run_demo_project(get_settings())["status"] == "unchanged"
