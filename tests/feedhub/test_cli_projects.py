"""`feedhub project ...`, `feedhub runs` and the demo project, through the real command line.

Served URLs are checked against the real web app (uvicorn on a loopback port) over the same database.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from argon2 import PasswordHasher
from click.testing import Result
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import accounts.published
import accounts.users
from feedhub.cli import app
from feedhub.cli.projects import parse_export
from feedhub.demo_project import run_demo_project
from feedhub.settings import get_settings
from feedhub.web import create_app
from tests.feedhub.test_web import _running

SAMPLE = Path(__file__).resolve().parents[2] / "sample_feeds" / "heureka_cz_params_delivery.xml"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FEEDHUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FEEDHUB_DATABASE_URL", raising=False)
    monkeypatch.setenv("FEEDHUB_ALLOW_LOCAL_SOURCES", "true")  # the projects here read sample_feeds/ directly
    monkeypatch.setenv("FEEDHUB_EXPORTS_DIR", str(tmp_path))  # and publish under tmp_path/out*
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts.users, "PASSWORD_HASHER", cheap)
    monkeypatch.setattr(accounts.published, "AUTH_HASHER", cheap)
    return tmp_path / "data"


def feedhub(*args: str, ok: bool = True, stdin: str | None = None) -> str:
    result = CliRunner().invoke(app, list(args), input=stdin)
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


def refused(*args: str, stdin: str | None = None) -> Result:
    """A command that must fail as a user error: exit status 2 and one clear line."""
    result = CliRunner().invoke(app, list(args), input=stdin)
    assert result.exit_code == 2, result.output
    return result


@pytest.fixture
def project(tmp_path: Path, data_dir: Path) -> int:
    """A shop with an owner and a reader, and a project over the Heureka sample publishing to tmp/out."""
    for email in ("owner@example.com", "reader@example.com"):
        feedhub("user", "add", email, "--password-stdin", stdin="correct horse battery\n")
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


PUBLISHED = b"<?xml version='1.0' encoding='utf-8'?><SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID></SHOPITEM></SHOP>"


@pytest.fixture
def web(project: int, tmp_path: Path) -> Iterator[httpx.Client]:
    """The web app over the project's database, its Heureka export published (as a run would leave it)."""
    published = tmp_path / "out" / "heureka.xml"
    published.parent.mkdir(exist_ok=True)
    published.write_bytes(PUBLISHED)
    with _running(create_app(get_settings())) as base_url, httpx.Client(base_url=base_url) as client:
        yield client


def served_path(export: str = "heureka") -> str:
    """The path of the export's public URL, as `project links` prints it."""
    links = json.loads(feedhub("project", "links", "1", "--by", "owner@example.com", "--json"))
    return next(urlsplit(link["url"]).path for link in links if link["export"] == export)


def add_refused(export: str) -> Result:
    """`project add` of a project "evil" of shop 1 with one export, which must be refused."""
    return refused(
        "project", "add", "1", "evil", "--source", str(SAMPLE), "--by", "owner@example.com", "--export", export
    )


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

    def test_a_server_path_source_is_refused_unless_the_operator_allows_it(
        self, project: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FEEDHUB_ALLOW_LOCAL_SOURCES", "false")
        result = CliRunner().invoke(app, ["project", "run", "1", "--wait", "--by", "owner@example.com"])
        assert result.exit_code == 1
        assert "is a path on the server" in result.output and "FEEDHUB_ALLOW_LOCAL_SOURCES" in result.output
        assert not (tmp_path / "out" / "heureka.xml").exists()

    def test_an_export_outside_the_publish_folder_is_refused_when_added(self, project: int) -> None:
        for uri in ("file:///etc/cron.d/feed", "file:///tmp/../etc/feed.xml"):
            assert "outside this server's publish folder" in add_refused(f"heureka=heureka:{uri}").output
        assert "evil" not in feedhub("project", "list", "1", "--by", "owner@example.com")

    def test_an_s3_export_outside_the_shops_prefix_is_refused_when_added(
        self, project: int, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FEEDHUB_S3_PUBLISH_PREFIXES", "s3://feeds/shops/{shop}/, s3://shared-public/")
        for uri in ("s3://feeds/shops/2/google.xml", "s3://company-site/index.html"):
            result = add_refused(f"google=google:{uri}")
            assert "outside this server's S3 publish prefixes" in result.output
            assert "s3://feeds/shops/1/" in result.output  # the shop's own prefix, spelled out
        feedhub(
            "project", "add", "1", "own", "--source", str(SAMPLE), "--by", "owner@example.com",
            "--export", "google=google:s3://feeds/shops/1/google.xml",
        )  # fmt: skip
        assert "own" in feedhub("project", "list", "1", "--by", "owner@example.com")

    def test_with_a_shop_folder_a_file_export_must_be_in_its_own_shops_folder(
        self, project: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FEEDHUB_EXPORTS_DIR", str(tmp_path / "feeds" / "{shop}"))
        result = refused(
            "project", "add", "1", "evil", "--source", str(SAMPLE), "--by", "owner@example.com",
            "--export", f"heureka=heureka:{(tmp_path / 'feeds' / '2' / 'heureka.xml').as_uri()}",
        )  # fmt: skip
        assert f"outside this server's publish folder '{tmp_path}/feeds/1'" in result.output
        feedhub(
            "project", "add", "1", "own", "--source", str(SAMPLE), "--by", "owner@example.com",
            "--export", f"heureka=heureka:{(tmp_path / 'feeds' / '1' / 'heureka.xml').as_uri()}",
        )  # fmt: skip

    def test_a_file_name_longer_than_the_file_system_takes_is_refused_in_one_line(
        self, project: int, tmp_path: Path
    ) -> None:
        result = add_refused(f"heureka=heureka:{(tmp_path / 'out' / ('a' * 5000 + '.xml')).as_uri()}")
        assert "export 'heureka': bad publish target" in result.output  # was a traceback (ENAMETOOLONG)
        assert result.output.endswith("the file name is longer than 225 bytes\n") and result.output.count("\n") == 1
        assert "evil" not in feedhub("project", "list", "1", "--by", "owner@example.com")

    def test_a_source_on_the_servers_own_network_is_refused_when_added_unless_the_operator_allows_it(
        self, project: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        add = ("project", "add", "1", "intranet", "--source", "http://10.0.0.5/feed.xml", "--by", "owner@example.com",
               "--export", f"heureka=heureka:{(tmp_path / 'out' / 'intranet.xml').as_uri()}")
        result = refused(*add)
        assert "source http://10.0.0.5/feed.xml resolves to 10.0.0.5, a private or reserved address" in result.output
        assert "FEEDHUB_ALLOW_PRIVATE_SOURCES=true" in result.output  # the setting that lets every run fetch it
        monkeypatch.setenv("FEEDHUB_ALLOW_PRIVATE_SOURCES", "true")
        assert "added to shop 1" in feedhub(*add)

    def test_a_malformed_s3_prefix_setting_is_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("FEEDHUB_S3_PUBLISH_PREFIXES", "s3://feeds/shops/{shop}")  # a folder needs its "/"
        with pytest.raises(ValueError, match="is not an S3 publish prefix"):
            get_settings()

    def test_a_google_taxonomy_setting_that_is_no_taxonomy_is_named(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        taxonomy = tmp_path / "taxonomy.txt"
        taxonomy.write_text("# Google_Product_Taxonomy_Version: 2021-09-21\n1 - Animals\nAnimals > Pets\n")
        monkeypatch.setenv("FEEDHUB_GOOGLE_TAXONOMY_FILE", str(taxonomy))
        with pytest.raises(ValueError, match="line 3: expected 'ID - Category > Subcategory'"):
            get_settings()
        taxonomy.write_text("1 - Animals\n")
        assert get_settings().google_taxonomy_file == taxonomy

    def test_reader_cannot_run_pause_or_confirm(self, project: int) -> None:
        for command in (["project", "run", "1", "--wait"], ["project", "pause", "1"], ["project", "confirm", "1"]):
            result = CliRunner().invoke(app, [*command, "--by", "reader@example.com"])
            assert result.exit_code == 2, (command, result.output)

    def test_a_sold_out_feed_is_held_and_confirm_publishes_it_empty(self, project: int, tmp_path: Path) -> None:
        source, target = tmp_path / "stock.xml", tmp_path / "out" / "stock.xml"
        source.write_bytes(SAMPLE.read_bytes())
        feedhub("project", "add", "1", "stock", "--source", str(source), "--by", "owner@example.com",
                "--export", f"heureka=heureka:{target.as_uri()}")
        assert "succeeded" in feedhub("project", "run", "2", "--wait", "--by", "owner@example.com")
        source.write_bytes(b'<?xml version="1.0" encoding="utf-8"?>\n<SHOP>\n</SHOP>\n')
        assert "held" in feedhub("project", "run", "2", "--wait", "--by", "owner@example.com")
        (held, _) = json.loads(feedhub("runs", "2", "--by", "owner@example.com", "--json"))
        assert held["error"].startswith("the feed contains no products (no <SHOPITEM> elements)")
        out = feedhub("project", "confirm", str(held["id"]), "--by", "owner@example.com")
        assert out == f"run {held['id']} confirmed and published (0 products)\n"
        assert target.read_bytes() == b'<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>\n</SHOP>\n'

    def test_pause_and_resume_are_saved_in_the_spec(self, project: int) -> None:
        feedhub("project", "pause", "1", "--by", "owner@example.com")
        assert json.loads(feedhub("project", "list", "1", "--by", "owner@example.com", "--json"))[0]["paused"]
        feedhub("project", "resume", "1", "--by", "owner@example.com")
        assert not json.loads(feedhub("project", "list", "1", "--by", "owner@example.com", "--json"))[0]["paused"]

    def test_run_without_wait_needs_a_worker(self, project: int) -> None:
        result = CliRunner().invoke(app, ["project", "run", "1", "--by", "owner@example.com"])
        assert result.exit_code == 2
        assert "no worker is running: start `feedhub serve` (or `feedhub worker`), or use --wait" in result.output
        assert queued_runs() == []

    def test_run_without_wait_is_queued_for_the_workers(self, project: int) -> None:
        from accounts.run_queue import SMALL, heartbeat

        with database() as session:
            heartbeat(session, "elsewhere:1", [SMALL])
            session.commit()
        out = feedhub("project", "run", "1", "--by", "owner@example.com")
        assert "project 1 queued; a worker starts it within seconds" in out
        assert queued_runs() == [(1, "manual", None)]
        refused("project", "run", "1", "--by", "reader@example.com")
        assert len(queued_runs()) == 1

    def test_run_now_on_the_pages_and_the_api_is_queued_while_a_worker_beats(self, project: int) -> None:
        from accounts import MemoryMailer
        from accounts.run_queue import SMALL, heartbeat
        from feedhub.web.context import WebContext

        context = WebContext.from_settings(get_settings(), mailer=MemoryMailer())
        try:
            with database() as session:
                heartbeat(session, "elsewhere:1", [SMALL])
                session.commit()
            assert context.launch_run(1, 1) == "queued"
        finally:
            context.engine.dispose()
        assert queued_runs() == [(1, "manual", None)]


@contextlib.contextmanager
def database() -> Iterator[Session]:
    """A session on the CLI's database."""
    from accounts.db import make_engine, make_session_factory

    engine = make_engine(get_settings().effective_database_url)
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def queued_runs() -> list[tuple[int, str, str | None]]:
    from sqlalchemy import select

    from accounts.run_queue import QueuedRun

    with database() as session:
        rows = session.execute(select(QueuedRun.project_id, QueuedRun.trigger, QueuedRun.claimed_by))
        return [tuple(row) for row in rows]  # type: ignore[misc]


class TestRotateToken:
    def test_new_url_is_served_and_the_old_one_answers_404(self, web: httpx.Client) -> None:
        old = served_path()
        assert web.get(old).content == PUBLISHED
        out = feedhub("project", "rotate-token", "1", "heureka", "--by", "owner@example.com")
        new = urlsplit(out.split(": ", 1)[1].strip()).path
        assert new != old and new.endswith("/heureka.xml") and new == served_path()
        assert web.get(old).status_code == 404
        assert web.get(new).content == PUBLISHED

    def test_reader_cannot_rotate(self, project: int) -> None:
        before = served_path()
        result = refused("project", "rotate-token", "1", "heureka", "--by", "reader@example.com")
        assert "you have read access to project 1; editing it needs write access" in result.output
        assert served_path() == before

    def test_unknown_export_is_named(self, project: int) -> None:
        result = refused("project", "rotate-token", "1", "nope", "--by", "owner@example.com")
        assert "project 1 has no export 'nope'" in result.output


class TestBasicAuth:
    def test_password_from_stdin_protects_the_feed_until_cleared(self, web: httpx.Client) -> None:
        path = served_path()
        out = feedhub("project", "basic-auth", "1", "heureka", "--user", "google", "--password-stdin",
                      "--by", "owner@example.com", stdin="s3cret\n")
        assert "basic auth required for user google" in out
        assert web.get(path).status_code == 401
        assert web.get(path, auth=("google", "wrong")).status_code == 401
        assert web.get(path, auth=("google", "s3cret")).content == PUBLISHED
        assert "(basic auth)" in feedhub("project", "links", "1", "--by", "owner@example.com")
        feedhub("project", "basic-auth", "1", "heureka", "--clear", "--by", "owner@example.com")
        assert web.get(path).content == PUBLISHED

    def test_password_is_prompted_hidden_and_twice(self, web: httpx.Client) -> None:
        out = feedhub("project", "basic-auth", "1", "heureka", "--user", "google", "--by", "owner@example.com",
                      stdin="typed-pw\ntyped-pw\n")
        assert "Password" in out and "typed-pw" not in out  # hidden: the prompt does not echo it
        assert web.get(served_path(), auth=("google", "typed-pw")).content == PUBLISHED

    def test_password_is_never_taken_from_the_command_line(self, project: int) -> None:
        # argv is visible to every user of the machine (`ps`), so there is no --password option.
        result = refused("project", "basic-auth", "1", "heureka", "--user", "google", "--password", "s3cret",
                         "--by", "owner@example.com")
        assert "No such option: --password" in result.output

    def test_reader_cannot_set_or_clear_it(self, project: int) -> None:
        for args in (["--user", "google", "--password-stdin"], ["--clear"]):
            result = refused("project", "basic-auth", "1", "heureka", *args, "--by", "reader@example.com",
                             stdin="s3cret\n")
            assert "you have read access to project 1; editing it needs write access" in result.output

    @pytest.mark.parametrize(
        ("args", "stdin", "message"),
        [
            ([], None, "give --user NAME"),
            (["--user", "google", "--clear"], None, "give --user NAME"),
            (["--clear", "--password-stdin"], "s3cret\n", "give --user NAME"),
            (["--user", "google", "--password-stdin"], "\n", "non-empty password"),
            (["--user", "a:b", "--password-stdin"], "s3cret\n", "without ':'"),  # ':' ends the user in the header
        ],
    )
    def test_bad_arguments_are_one_clear_error(
        self, project: int, args: list[str], stdin: str | None, message: str
    ) -> None:
        result = refused("project", "basic-auth", "1", "heureka", *args, "--by", "owner@example.com", stdin=stdin)
        assert message in result.output


class TestShopRuns:
    def test_reader_lists_the_runs_of_every_project_of_the_shop(self, project: int, tmp_path: Path) -> None:
        feedhub("project", "add", "1", "second", "--source", str(SAMPLE), "--by", "owner@example.com",
                "--export", f"heureka=heureka:{(tmp_path / 'out2' / 'heureka.xml').as_uri()}")
        for number in ("1", "2"):
            feedhub("project", "run", number, "--wait", "--by", "owner@example.com")
        runs = json.loads(feedhub("runs", "--shop", "1", "--by", "reader@example.com", "--json"))
        assert [(r["project_id"], r["status"]) for r in runs] == [(2, "succeeded"), (1, "succeeded")]
        lines = feedhub("runs", "--shop", "1", "--by", "reader@example.com").splitlines()
        assert ["project 2" in lines[0], "project 1" in lines[1]] == [True, True]

    def test_outsider_and_unknown_shop_get_the_same_error(self, project: int) -> None:
        feedhub("user", "add", "stranger@example.com", "--password-stdin", stdin="correct horse battery\n")
        outsider = refused("runs", "--shop", "1", "--by", "stranger@example.com")
        unknown = refused("runs", "--shop", "9", "--by", "owner@example.com")
        assert "no shop 1, or you may not view it" in outsider.output
        assert "no shop 9, or you may not view it" in unknown.output

    def test_needs_a_project_or_a_shop_not_both(self, project: int) -> None:
        for args in ([], ["1", "--shop", "1"]):
            assert "give a PROJECT, or --shop SHOP" in refused("runs", *args, "--by", "owner@example.com").output


def test_project_rules_keep_their_variables_and_group_key(data_dir: Path, tmp_path: Path) -> None:
    feedhub("user", "add", "owner@example.com", "--password-stdin", stdin="correct horse battery\n")
    feedhub("shop", "add", "Kitchen", "--owner", "owner@example.com")
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "variables": {"brand": "MANUFACTURER"},
                "group_by": "MANUFACTURER",
                "rules": [{"type": "rewriting", "element": "PRODUCT", "value": "%brand% (%GROUP_COUNT%)"}],
            }
        )
    )
    out = tmp_path / "out" / "heureka.xml"
    feedhub(
        "project", "add", "1", "kitchen", "--source", str(SAMPLE), "--rules", str(rules),
        "--export", f"heureka=heureka:{out.as_uri()}", "--by", "owner@example.com",
    )  # fmt: skip
    assert "succeeded" in feedhub("project", "run", "1", "--wait", "--by", "owner@example.com")
    published = out.read_text(encoding="utf-8")
    assert published.count("<PRODUCT>Hrnek (4)</PRODUCT>") == 4
    assert published.count("<PRODUCT>Železná kuchyně (3)</PRODUCT>") == 3


def test_export_option_is_name_format_uri() -> None:
    spec = parse_export("google=google:s3://bucket/shop/google.xml.gz")
    assert (spec.name, spec.format, spec.uri, spec.gzip) == ("google", "google", "s3://bucket/shop/google.xml.gz", True)


def test_demo_project_runs_once_and_again_unchanged(data_dir: Path) -> None:
    first = run_demo_project(get_settings())
    assert first["status"] == "succeeded" and first["products_out"] > 0
    assert (get_settings().exports_dir / "demo" / "google.xml").is_file()  # FEEDHUB_EXPORTS_DIR, set above
    assert run_demo_project(get_settings())["status"] == "unchanged"
