"""The admin commands end to end on a fresh data folder: SQLite by default, outbox for mail."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

import accounts.users
from feedhub.cli import app

runner = CliRunner()
BASE_URL = "https://hub.test"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh FEEDHUB_DATA_DIR with no SMTP server and no database URL: the embedded defaults."""
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDHUB_BASE_URL", BASE_URL)
    for name in ("FEEDHUB_DATABASE_URL", "FEEDHUB_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return tmp_path / "data"


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    return result.output


def outbox_link(data_dir: Path, to: str, kind: str) -> str:
    """The token of the newest emailed link of `kind` to `to`."""
    for path in sorted((data_dir / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns, reverse=True):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == to:
            match = re.search(rf"{BASE_URL}/{kind}/(\S+)", message.get_content())
            assert match
            return match.group(1)
    raise AssertionError(f"no email to {to}")


def users(*emails: str) -> None:
    for email in emails:
        ok("user", "add", email, "--password", "long enough pw")


def test_fresh_data_folder_user_and_shop(data_dir: Path) -> None:
    users("Owner@Example.com", "ivan@example.com")
    assert (data_dir / "feedhub.db").exists()
    assert "shop 1 'Bikes' added, owner owner@example.com" in ok("shop", "add", "Bikes", "--owner", "owner@example.com")
    listed = json.loads(ok("user", "list", "--json"))
    assert [(u["email"], u["verified"], u["owned_shops"]) for u in listed] == [
        ("ivan@example.com", True, 0),
        ("owner@example.com", True, 1),
    ]
    shops = json.loads(ok("shop", "list", "--json"))
    assert [(s["shop_id"], s["name"], s["owner_email"], s["status"]) for s in shops] == [
        (1, "Bikes", "owner@example.com", "trial")
    ]


def test_invite_accept_and_show(data_dir: Path) -> None:
    users("owner@example.com", "ivan@example.com")
    ok("shop", "add", "Bikes", "--owner", "owner@example.com")
    ok("shop", "invite", "1", "ivan@example.com", "--level", "read", "--by", "owner@example.com")
    shown = json.loads(ok("shop", "show", "1", "--json"))
    assert [(i["email"], i["level"]) for i in shown["invitations"]] == [("ivan@example.com", "read")]
    token = outbox_link(data_dir, "ivan@example.com", "invitations")
    assert "joined shop 1 with read access" in ok("invite", "accept", token, "--by", "ivan@example.com")
    shown = json.loads(ok("shop", "show", "1", "--json"))
    assert [(m["email"], m["level"]) for m in shown["members"]] == [
        ("owner@example.com", "owner"),
        ("ivan@example.com", "read"),
    ]
    assert (shown["status"], shown["billing_period"], shown["invitations"], shown["transfer"]) == (
        "trial",
        "monthly",
        [],
        None,
    )
    mine = json.loads(ok("shop", "list", "--by", "ivan@example.com", "--json"))
    assert [(s["name"], s["level"]) for s in mine] == [("Bikes", "read")]
    text = ok("shop", "show", "1")
    assert "status: trial" in text and "read   ivan@example.com" in text


def test_transfer_and_invoice(data_dir: Path) -> None:
    users("owner@example.com", "heir@example.com")
    ok("shop", "add", "Bikes", "--owner", "owner@example.com", "--period", "yearly")
    ok("shop", "transfer", "1", "heir@example.com", "--by", "owner@example.com")
    assert "transfer pending to heir@example.com" in ok("shop", "show", "1")
    ok("transfer", "accept", outbox_link(data_dir, "heir@example.com", "transfers"), "--by", "heir@example.com")
    invoice = json.loads(ok("billing", "invoice", "1", "--period", "2026-11", "--json"))
    assert invoice["number"].endswith("-000001")
    assert (invoice["billed_to"]["invoice_email"], invoice["period_end"], invoice["total"]) == (
        "heir@example.com",
        "2027-11-01",
        "3368.64",  # 290 x 12 x 0.8 = 2784.00, + 21 % VAT 584.64
    )


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder with two users and shop 1, shared by the error cases (which change nothing)."""
    data_dir = tmp_path_factory.mktemp("prepared")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FEEDHUB_DATA_DIR", str(data_dir))
        for name in ("FEEDHUB_DATABASE_URL", "FEEDHUB_SMTP_URL"):
            patch.delenv(name, raising=False)
        patch.chdir(data_dir)
        patch.setattr(accounts.users, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        users("owner@example.com", "ivan@example.com")
        ok("shop", "add", "Bikes", "--owner", "owner@example.com")
    return data_dir


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["shop", "invite", "1", "nobody@example.com", "--by", "owner@example.com"], "sign up"),
        (["shop", "invite", "1", "ivan@example.com", "--by", "ivan@example.com"], "no shop 1, or you may not"),
        (["shop", "invite", "9", "ivan@example.com", "--by", "owner@example.com"], "no shop 9, or you may not"),
        (["shop", "add", "X", "--owner", "owner@example.com", "--period", "weekly"], "unknown billing period"),
        (["invite", "accept", "bogus", "--by", "ivan@example.com"], "cannot be accepted"),
        (["user", "add", "owner@example.com", "--password", "long enough pw"], "already exists"),
        (["billing", "invoice", "1", "--period", "11/2026"], "YYYY-MM"),
        (["shop", "invite", "1", "ivan@example.com", "--level", "admin", "--by", "owner@example.com"], "unknown level"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    prepared: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(prepared))
    output = fails(*args)
    assert message in output
    if "Usage" not in output:  # typer's own usage errors come framed; ours are a single line
        assert output.strip().count("\n") == 0 and output.startswith("error: ")
