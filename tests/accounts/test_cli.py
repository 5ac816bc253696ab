"""The admin commands end to end on a fresh data folder: SQLite by default, outbox for mail."""

from __future__ import annotations

import json
import re
from datetime import date
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from typer.testing import CliRunner

import accounts.users
from feedhub.cli import app

runner = CliRunner()
BASE_URL = "https://hub.test"
PASSWORD = "long enough pw"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh FEEDHUB_DATA_DIR with no SMTP server and no database URL: the embedded defaults."""
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FEEDHUB_BASE_URL", BASE_URL)
    for name in ("FEEDHUB_DATABASE_URL", "FEEDHUB_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    return tmp_path / "data"


def ok(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def fails(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
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
        ok("user", "add", email, "--password-stdin", stdin=f"{PASSWORD}\n")


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


class TestUserAddPassword:
    """The password never goes on the command line, where `ps` shows it to every user of the machine."""

    def signs_in(self, email: str, password: str) -> bool:
        from accounts.db import make_engine, make_session_factory
        from feedhub.settings import get_settings

        engine = make_engine(get_settings().effective_database_url)
        try:
            with make_session_factory(engine)() as session:
                accounts.authenticate(session, email, password)
            return True
        except accounts.AccountsError:
            return False
        finally:
            engine.dispose()

    def test_stdin_gives_the_first_line_without_its_line_end(self) -> None:
        ok("user", "add", "ivan@example.com", "--password-stdin", stdin="long enough pw\r\nsecond line\n")
        assert self.signs_in("ivan@example.com", "long enough pw")
        assert not self.signs_in("ivan@example.com", "long enough pw\r")

    def test_the_prompt_is_hidden_and_asks_twice(self) -> None:
        out = ok("user", "add", "ivan@example.com", stdin="typed password\ntyped password\n")
        assert out.count("Password") == 1 and "Repeat for confirmation" in out
        assert "typed password" not in out  # hidden: the prompt does not echo it
        assert self.signs_in("ivan@example.com", "typed password")

    def test_two_different_entries_ask_again(self) -> None:
        out = ok("user", "add", "ivan@example.com", stdin="typed password\nmistyped\nlong enough pw\nlong enough pw\n")
        assert "do not match" in out
        assert self.signs_in("ivan@example.com", "long enough pw")

    def test_there_is_no_password_option(self) -> None:
        result = runner.invoke(app, ["user", "add", "ivan@example.com", "--password", "long enough pw"])
        assert result.exit_code == 2 and "No such option: --password" in result.output
        assert json.loads(ok("user", "list", "--json")) == []

    def test_an_empty_stdin_is_refused_as_too_short(self) -> None:
        assert "error: " in fails("user", "add", "ivan@example.com", "--password-stdin", stdin="")
        assert json.loads(ok("user", "list", "--json")) == []


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
    assert "status: trial" in text and "ivan@example.com: read" in text


def test_the_hourly_invitation_limit_and_a_refused_acceptance(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import select

    from accounts.db import make_engine, make_session_factory
    from accounts.models import AuditEntry

    monkeypatch.setenv("FEEDHUB_INVITATIONS_PER_SHOP_HOUR", "1")
    users("owner@example.com", "ivan@example.com", "eva@example.com")
    ok("shop", "add", "Bikes", "--owner", "owner@example.com")
    ok("shop", "invite", "1", "ivan@example.com", "--by", "owner@example.com")
    refused = fails("shop", "invite", "1", "eva@example.com", "--by", "owner@example.com")
    assert re.fullmatch(r"error: this shop has reached its limit of 1 invitation an hour; the next can go out in "
                        r"\d+ minutes\n", refused), refused
    token = outbox_link(data_dir, "ivan@example.com", "invitations")
    wrong = fails("invite", "accept", token, "--by", "eva@example.com")
    assert wrong == "error: this invitation was sent to another email; sign in as i***@example.com\n"
    engine = make_engine(f"sqlite:///{data_dir / 'feedhub.db'}")
    with make_session_factory(engine)() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "invitation.refused")).one()
        assert (entry.shop_id, entry.details["reason"]) == (1, "wrong account")
    engine.dispose()


def test_transfer_and_invoice(data_dir: Path) -> None:
    users("owner@example.com", "heir@example.com")
    ok("shop", "add", "Bikes", "--owner", "owner@example.com", "--period", "yearly")
    ok("shop", "transfer", "1", "heir@example.com", "--by", "owner@example.com")
    assert "transfer pending to heir@example.com" in ok("shop", "show", "1")
    ok("transfer", "accept", outbox_link(data_dir, "heir@example.com", "transfers"), "--by", "heir@example.com")
    this_month = date.today().replace(day=1)  # the shop exists from today: an older period is refused
    invoice = json.loads(ok("billing", "invoice", "1", "--period", f"{this_month:%Y-%m}", "--json"))
    assert invoice["number"].endswith("-000001")
    assert (invoice["billed_to"]["invoice_email"], invoice["period_end"], invoice["total"]) == (
        "heir@example.com",
        this_month.replace(year=this_month.year + 1).isoformat(),
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
        (["user", "add", "owner@example.com", "--password-stdin"], "already exists"),
        (["billing", "invoice", "1", "--period", "11/2026"], "YYYY-MM"),
        (["shop", "invite", "1", "ivan@example.com", "--level", "admin", "--by", "owner@example.com"], "unknown level"),
    ],
)
def test_errors_are_one_line_and_exit_2(
    prepared: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(prepared))
    output = fails(*args, stdin=f"{PASSWORD}\n")  # read by `user add --password-stdin` only
    assert message in output
    if "Usage" not in output:  # typer's own usage errors come framed; ours are a single line
        assert output.strip().count("\n") == 0 and output.startswith("error: ")


def test_user_admin_marks_and_unmarks_an_administrator(data_dir: Path) -> None:
    from accounts.db import make_engine, make_session_factory
    from accounts.users import get_user

    users("ops@example.com")
    assert "ops@example.com is an administrator" in ok("user", "admin", "OPS@example.com")
    engine = make_engine(f"sqlite:///{data_dir / 'feedhub.db'}")
    with make_session_factory(engine)() as session:
        assert get_user(session, "ops@example.com").is_admin
    assert "is no longer an administrator" in ok("user", "admin", "ops@example.com", "--revoke")
    with make_session_factory(engine)() as session:
        assert not get_user(session, "ops@example.com").is_admin
    engine.dispose()
    assert "no account with email nobody@example.com" in fails("user", "admin", "nobody@example.com")


def test_the_billing_cycle_from_the_command_line(data_dir: Path) -> None:
    from datetime import UTC, datetime, timedelta

    users("owner@example.com")
    ok("shop", "add", "Bikes", "--owner", "owner@example.com")
    profile = ok("billing", "profile", "--by", "owner@example.com", "--name", "Bicykle s.r.o.", "--address",
                 "Hlavná 1, Bratislava", "--country", "sk", "--currency", "EUR")
    assert "country: SK" in profile and "currency: EUR" in profile and "vat id: \n" in profile + "\n"
    assert "half-yearly from the next invoice" not in ok("billing", "period", "1", "half-yearly", "--by",
                                                         "owner@example.com")  # nothing invoiced yet: at once
    assert "billing invoices" not in fails("billing", "run-due", "--now", "tomorrow")  # one clear line
    assert "invoices issued: none" in ok("billing", "run-due")  # still in the trial
    after_trial = (datetime.now(UTC) + timedelta(days=30, hours=1)).isoformat(timespec="minutes")
    assert "invoices issued: " in ok("billing", "run-due", "--now", after_trial)
    assert "invoices issued: none" in ok("billing", "run-due", "--now", after_trial)  # twice: nothing twice
    (invoice,) = json.loads(ok("billing", "invoices", "1", "--by", "owner@example.com", "--json"))
    assert (invoice["currency"], invoice["vat_rate"], invoice["billing_period"], invoice["net"]) == (
        "EUR", "0.23", "half-yearly", "64.80")  # 12 x 6 x 0.9, Slovak VAT
    assert f"to keep runs going after it, pay invoice {invoice['number']} (79.70 EUR" in ok("shop", "show", "1")
    assert "70.10 EUR still owed" in ok("billing", "pay", invoice["number"], "--amount", "9.60")
    assert "paid in full; shop 1 is active" in ok("billing", "pay", invoice["number"], "--reference", "VS1")
    assert "status: active" in ok("shop", "show", "1")
    assert "not a number" in fails("billing", "pay", invoice["number"], "--amount", "ten")
    assert "paid in full" in fails("billing", "pay", invoice["number"])


def test_billing_settings_are_data_an_operator_changes(data_dir: Path) -> None:
    shown = json.loads(ok("billing", "settings"))
    assert shown["vat_rates"] == {"CZ": "0.21", "SK": "0.23"} and set(shown["price_lists"]) == {"CZK", "EUR"}
    ok("billing", "settings", "vat_rates", '{"CZ": "0.21", "SK": "0.23", "DE": "0.19"}')
    assert json.loads(ok("billing", "settings"))["vat_rates"]["DE"] == "0.19"
    assert "vat_rates:" in fails("billing", "settings", "vat_rates", '{"DE": "0.19"}')  # the supplier's CZ went
    assert "price_lists:" in fails("billing", "settings", "price_lists", '{"CZK": [{"name": "x", "max_products": 5, '
                                                                         '"monthly_price": "1"}]}')  # no open tier
    assert json.loads(ok("billing", "settings"))["vat_rates"]["CZ"] == "0.21"  # nothing of a refused value stays
