"""`feedhub project show / update / history / rollback`, through the real command line and database.

The project fixture (tests/feedhub/test_cli_projects.py) is a shop with an owner and a reader and
one project over the Heureka sample that hides nothing, publishing Heureka and Google under tmp/out.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from feedhub.cli import app
from tests.feedhub.test_cli_projects import (  # noqa: F401
    PUBLISHED,
    SAMPLE,
    data_dir,
    feedhub,
    project,
    refused,
    served_path,
    web,
)

OWNER = ("--by", "owner@example.com")
READER = ("--by", "reader@example.com")
HIDE_CERAMIC = [{"type": "hiding", "query": 'ITEM_ID CONTAINS "-CER"'}]


def history(by: tuple[str, str] = OWNER) -> list[dict]:
    return json.loads(feedhub("project", "history", "1", "--json", *by))


def show(*args: str) -> dict:
    return json.loads(feedhub("project", "show", "1", *args, *OWNER))


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def run_products_out() -> int:
    runs = json.loads(feedhub("runs", "1", "--json", *OWNER))
    return runs[0]["products_out"]


@pytest.mark.usefixtures("project")
class TestUpdate:
    def test_new_rules_are_a_new_revision_and_the_next_run_applies_them(self, tmp_path: Path) -> None:
        feedhub("project", "run", "1", "--wait", *OWNER)
        before = run_products_out()
        rules = write_json(tmp_path / "new-rules.json", HIDE_CERAMIC)
        out = feedhub("project", "update", "1", "--rules", str(rules), "--note", "hide ceramics", *OWNER)
        assert "revision 2 saved" in out
        assert show()["rules"] == HIDE_CERAMIC
        assert [(r["revision"], r["note"], r["current"]) for r in history()] == [
            (2, "hide ceramics", True), (1, "created", False)
        ]  # fmt: skip
        feedhub("project", "run", "1", "--wait", *OWNER)
        ceramics = (SAMPLE.read_text(encoding="utf-8")).count("-CER</ITEM_ID>")
        assert ceramics > 0 and run_products_out() == before - ceramics

    def test_a_bad_rule_is_named_and_nothing_is_saved(self, tmp_path: Path) -> None:
        rules = write_json(tmp_path / "bad.json", [{"type": "hiding", "query": 'ITEM_ID = "x'}])
        result = refused("project", "update", "1", "--rules", str(rules), *OWNER)
        assert "rule 1" in result.output and "hiding" in result.output
        spec_file = write_json(tmp_path / "spec.json", {**show(), "rules": [{"type": "no_such_rule"}]})
        result = refused("project", "update", "1", "--spec", str(spec_file), *OWNER)
        assert "rule 1 (no_such_rule): unknown rule type" in result.output
        assert len(history()) == 1

    def test_an_edited_spec_file_is_saved_whole_and_a_new_export_gets_its_link(
        self, tmp_path: Path
    ) -> None:
        spec = show()
        spec["max_drop_ratio"] = 0.1
        spec["exports"].append(
            {"name": "zbozi", "format": "zbozi", "uri": (tmp_path / "out" / "zbozi.xml").as_uri(), "gzip": False}
        )
        feedhub("project", "update", "1", "--spec", str(write_json(tmp_path / "spec.json", spec)), *OWNER)
        saved = show()
        assert saved["max_drop_ratio"] == 0.1
        assert [e["name"] for e in saved["exports"]] == ["heureka", "google", "zbozi"]
        links = json.loads(feedhub("project", "links", "1", "--json", *OWNER))
        assert {link["export"] for link in links} == {"heureka", "google", "zbozi"}

    def test_an_invalid_spec_names_the_field(self, tmp_path: Path) -> None:
        spec_file = write_json(tmp_path / "spec.json", {**show(), "max_drop_ratio": 3})
        result = refused("project", "update", "1", "--spec", str(spec_file), *OWNER)
        assert "max_drop_ratio" in result.output
        (tmp_path / "broken.json").write_text("{", encoding="utf-8")
        result = refused("project", "update", "1", "--spec", str(tmp_path / "broken.json"), *OWNER)
        assert "not valid JSON" in result.output
        assert len(history()) == 1

    def test_an_export_outside_the_publish_folder_is_refused_and_nothing_is_saved(self) -> None:
        result = refused("project", "update", "1", "--export", "heureka=heureka:file:///etc/feedhub.xml", *OWNER)
        assert "FEEDHUB_EXPORTS_DIR" in result.output
        assert [e["uri"] for e in show()["exports"]][0].endswith("/out/heureka.xml")
        assert len(history()) == 1

    @pytest.mark.parametrize(
        ("option", "message"),
        [
            (["--cron", "not a cron"], 'schedule: cron: Invalid cron string: "not a cron"'),
            (["--timezone", "Mars/Olympus"], 'schedule: timezone: Invalid timezone: "Mars/Olympus"'),
            (["--cron", "0 0 31 2 *"], "never fires"),  # Prefect's scheduler would fail every project's runs
            (["--timezone", ""], "timezone: empty"),
            (["--source", ""], "the source is empty"),
            (["--source", "no-such-feed.xml"], "no-such-feed.xml': no such file"),
            (["--source", "."], "not a regular file"),
            (["--export", "a=heureka:{out}/pipe/a.xml"], "pipe' is a file, not a folder"),
            (["--export", "a=heureka:{out}/a.XML.GZ"], None),  # saved: gzip follows the URI, case or not
            (["--source", "https:/example.com/feed.xml"], "unsupported source 'https:/example.com/feed.xml'"),
            (["--source", "ftp://example.com/feed.xml"], "unsupported source"),
            (["--source", "http://[::1]:9/feed.xml"], "resolves to ::1, a private or reserved address; refused"),
            (["--export", "a=heureka:{out}/" + "a" * 5000 + ".xml"], "the file name is longer than 225 bytes"),
            (["--export", "a=heureka:{out}"], "is a folder; name a file in it"),
            (["--export", "a=heureka:{out}/blocker/a.xml"], "blocker' is a file, not a folder"),
            (["--export", "a b=heureka:{out}/a.xml"], "--export 'a b=heureka:"),
            (["--export", "a=heureka:{out}/a.xml", "--export", "a=google:{out}/b.xml"], "two exports are named 'a'"),
            (["--export", "a=heureka:{out}/a.xml", "--export", "b=google:{out}/./a.xml"], "two exports publish to"),
        ],
    )
    def test_what_a_run_or_the_scheduler_would_refuse_is_refused_before_saving(
        self, option: list[str], message: str | None, tmp_path: Path
    ) -> None:
        (tmp_path / "out").mkdir(exist_ok=True)  # the publish folder exists, so a target naming it is a folder
        (tmp_path / "out" / "blocker").write_text("")  # a file where a target wants a folder
        os.mkfifo(tmp_path / "out" / "pipe")  # no folder either
        out = (tmp_path / "out").as_uri()
        args = [part.format(out=out) for part in option]
        if message is None:
            feedhub("project", "update", "1", *args, *OWNER)
            assert show()["exports"][0]["gzip"] is True
            return
        result = refused("project", "update", "1", *args, *OWNER)
        assert message in result.output and result.output.count("\n") == 1
        assert len(history()) == 1

    def test_a_source_format_nobody_knows_and_a_null_schedule_are_named(self, tmp_path: Path) -> None:
        unknown = write_json(tmp_path / "unknown.json", {**show(), "source_format": "nosuch"})
        result = refused("project", "update", "1", "--spec", str(unknown), *OWNER)
        assert "unknown source format 'nosuch'" in result.output
        null = write_json(tmp_path / "null.json", {**show(), "schedule": None})
        assert "invalid project spec: schedule" in refused("project", "update", "1", "--spec", str(null), *OWNER).output
        assert len(history()) == 1

    @pytest.mark.parametrize(
        ("change", "messages"),
        [
            ({"exports": [{"name": "a", "format": "heureka", "uri": "{out}/a.xml", "gzip": True}]},
             ["gzip is true but its URI does not end in .gz"]),
            ({"source": "feed\u0000.xml"}, ["the source contains a NUL character"]),
            ({"source": "https://example.com/\udcff"}, ["invalid project spec"]),
            ({"schedule": {"cron": "nope"}, "exports": [{"name": "a", "format": "heureka", "uri": "file:///etc/a.xml"}]},
             ["Invalid cron string", "export 'a'", "FEEDHUB_EXPORTS_DIR"]),  # every problem at once
        ],
    )
    def test_a_spec_file_is_checked_whole(self, change: dict, messages: list[str], tmp_path: Path) -> None:
        out = (tmp_path / "out").as_uri()
        edited = json.loads(json.dumps({**show(), **change}).replace("{out}", out))
        result = refused("project", "update", "1", "--spec", str(write_json(tmp_path / "s.json", edited)), *OWNER)
        assert all(message in result.output for message in messages), result.output
        assert result.output.count("\n") == 1 and len(history()) == 1

    def test_a_relative_source_in_a_spec_file_is_relative_to_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "specs").mkdir()
        (tmp_path / "specs" / "feed.xml").write_bytes(SAMPLE.read_bytes())
        spec_file = write_json(tmp_path / "specs" / "spec.json", {**show(), "source": "feed.xml"})
        feedhub("project", "update", "1", "--spec", str(spec_file), *OWNER)
        assert show()["source"] == str(tmp_path / "specs" / "feed.xml")

    def test_local_files_are_refused_when_the_server_reads_only_urls(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FEEDHUB_ALLOW_LOCAL_SOURCES", "false")
        result = refused("project", "update", "1", "--cron", "0 2 * * *", *OWNER)  # the saved source is local
        assert "is a path on the server" in result.output and "FEEDHUB_ALLOW_LOCAL_SOURCES" in result.output
        data_rules = write_json(tmp_path / "r.json", [{"type": "data_import", "source": "s.csv", "key": "ITEM_ID"}])
        result = refused("project", "update", "1", "--source", "https://example.com/feed.xml",
                         "--rules", str(data_rules), *OWNER)  # fmt: skip
        assert f"data file {str(tmp_path / 's.csv')!r} is a path on the server" in result.output
        assert len(history()) == 1

    def test_a_save_looks_local_data_files_up_reads_none_and_fetches_no_url(self, tmp_path: Path) -> None:
        def data_rules(*sources: str) -> Path:
            rules = [{"type": "data_import", "source": source, "key": "ITEM_ID"} for source in sources]
            return write_json(tmp_path / "r.json", rules)

        result = refused("project", "update", "1", "--rules", str(data_rules("a.csv", "b.csv")), *OWNER)
        assert all(f"data file {str(tmp_path / name)!r}: no such file" in result.output for name in ("a.csv", "b.csv"))
        os.mkfifo(tmp_path / "pipe.csv")  # reading it would block for ever, under the project's lock
        result = refused("project", "update", "1", "--rules", str(data_rules("pipe.csv")), *OWNER)
        assert "pipe.csv': not a regular file" in result.output
        with open(tmp_path / "huge.csv", "wb") as huge:
            huge.truncate(30 * 1024 * 1024)  # sparse: 30 MB the run would refuse, and nothing written
        result = refused("project", "update", "1", "--rules", str(data_rules("huge.csv")), *OWNER)
        assert "huge.csv': larger than 26,214,400 bytes" in result.output
        url = "https://stock.example.invalid/stock.csv"  # no network here: fetching it would fail the save
        assert "revision 2 saved" in feedhub("project", "update", "1", "--rules", str(data_rules(url)), *OWNER)
        for scheme in ("ftp://example.com/stock.csv", "file:///srv/stock.csv"):
            result = refused("project", "update", "1", "--rules", str(data_rules(scheme)), *OWNER)
            assert "must be a file path or an http(s) URL" in result.output

    @pytest.mark.parametrize(
        ("typed", "saved"),
        [
            (" https://example.com/feed.xml ", "https://example.com/feed.xml"),
            ("~nobody-here-at-all/feed.xml", "{cwd}/~nobody-here-at-all/feed.xml"),
        ],
    )
    def test_sources_are_saved_as_urls_or_absolute_paths(
        self, typed: str, saved: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        if "{cwd}" in saved:  # a local source must exist
            Path(saved.format(cwd=tmp_path)).parent.mkdir()
            Path(saved.format(cwd=tmp_path)).write_bytes(SAMPLE.read_bytes())
        feedhub("project", "update", "1", "--source", typed, *OWNER)
        assert show()["source"] == saved.format(cwd=tmp_path)

    def test_options_replace_only_what_they_name(self) -> None:
        before = show()
        feedhub("project", "update", "1", "--cron", "15 3 * * *", *OWNER)
        after = show()
        assert after["schedule"] == {**before["schedule"], "cron": "15 3 * * *"}
        assert {k: v for k, v in after.items() if k != "schedule"} == {
            k: v for k, v in before.items() if k != "schedule"
        }

    def test_no_change_saves_no_revision(self) -> None:
        out = feedhub("project", "update", "1", "--source", str(SAMPLE), *OWNER)
        assert "nothing changed" in out
        assert len(history()) == 1

    def test_a_reader_may_show_and_list_but_not_update_or_roll_back(self, tmp_path: Path) -> None:
        assert json.loads(feedhub("project", "show", "1", *READER))["source"] == str(SAMPLE)
        assert len(history(READER)) == 1
        refused("project", "update", "1", "--cron", "0 1 * * *", *READER)
        refused("project", "rollback", "1", "1", *READER)
        refused("project", "show", "1", "--by", "nobody@example.com")
        assert len(history()) == 1


@pytest.mark.usefixtures("project")
class TestRollback:
    def test_an_old_revision_becomes_current_as_a_new_one(self, tmp_path: Path) -> None:
        first = show()
        feedhub("project", "update", "1", "--rules", str(write_json(tmp_path / "r.json", HIDE_CERAMIC)), *OWNER)
        assert show()["rules"] == HIDE_CERAMIC
        out = feedhub("project", "rollback", "1", "1", *OWNER)
        assert "revision 1 is current again (saved as revision 3)" in out
        assert show() == first
        assert show("--revision", "2")["rules"] == HIDE_CERAMIC
        assert [(r["revision"], r["note"]) for r in history()][0] == (3, "rollback to revision 1")

    def test_a_paused_project_stays_paused_and_the_current_revision_saves_nothing(self, tmp_path: Path) -> None:
        feedhub("project", "update", "1", "--rules", str(write_json(tmp_path / "r.json", HIDE_CERAMIC)), *OWNER)
        feedhub("project", "pause", "1", *OWNER)
        feedhub("project", "rollback", "1", "1", *OWNER)
        assert show()["schedule"]["paused"] and show()["rules"] != HIDE_CERAMIC
        assert "no revision saved" in feedhub("project", "rollback", "1", "4", *OWNER)
        assert [r["note"] for r in history()] == ["rollback to revision 1", "paused", "updated", "created"]

    def test_a_rollback_is_checked_like_an_update(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        feedhub("project", "update", "1", "--source", "https://example.com/feed.xml", *OWNER)
        monkeypatch.setenv("FEEDHUB_ALLOW_LOCAL_SOURCES", "false")  # revision 1 reads a local file
        assert "is a path on the server" in refused("project", "rollback", "1", "1", *OWNER).output
        assert len(history()) == 2

    def test_an_unknown_revision_is_named(self) -> None:
        assert "no revision 9" in refused("project", "rollback", "1", "9", *OWNER).output
        assert "no revision 9" in refused("project", "show", "1", "--revision", "9", *OWNER).output


@pytest.mark.usefixtures("project")
class TestLocalPaths:
    """Scheduled runs start in the scheduler's folder, not in the one the user typed the command in."""

    def test_a_relative_source_and_data_file_are_saved_as_absolute_paths(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        work = tmp_path / "work"
        (work / "data").mkdir(parents=True)
        (work / "feed.xml").write_bytes(SAMPLE.read_bytes())
        (work / "data" / "stock.csv").write_text("ITEM_ID,STOCK\nHRN24-CER,7\n", encoding="utf-8")
        rules = [{"type": "data_import", "source": "stock.csv", "key": "ITEM_ID"}]
        write_json(work / "data" / "rules.json", rules)
        monkeypatch.chdir(work)
        feedhub("project", "update", "1", "--source", "feed.xml", "--rules", "data/rules.json", *OWNER)
        spec = show()
        assert spec["source"] == str(work / "feed.xml")
        assert spec["rules"][0]["source"] == str(work / "data" / "stock.csv")
        monkeypatch.chdir(tmp_path)  # the run starts elsewhere and still finds both files
        assert "succeeded" in feedhub("project", "run", "1", "--wait", *OWNER)
        published = (tmp_path / "out" / "heureka.xml").read_text(encoding="utf-8")
        assert "<STOCK>7</STOCK>" in published

    def test_project_add_saves_a_relative_source_as_an_absolute_path(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(SAMPLE.parent)
        feedhub(
            "project", "add", "1", "second", "--source", SAMPLE.name, *OWNER,
            "--export", f"heureka=heureka:{(tmp_path / 'out' / 'second.xml').as_uri()}",
        )  # fmt: skip
        spec = json.loads(feedhub("project", "show", "2", *OWNER))
        assert spec["source"] == str(SAMPLE) and os.path.isabs(spec["source"])


def test_project_add_refuses_a_schedule_prefect_would_refuse(data_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    feedhub("user", "add", "owner@example.com", "--password-stdin", stdin="correct horse battery\n")
    feedhub("shop", "add", "Kitchen", "--owner", "owner@example.com")
    result = refused(
        "project", "add", "1", "kitchen", "--source", str(SAMPLE), "--timezone", "Mars/Olympus", *OWNER,
        "--export", f"heureka=heureka:{(tmp_path / 'out' / 'heureka.xml').as_uri()}",
    )  # fmt: skip
    assert 'Invalid timezone: "Mars/Olympus"' in result.output
    assert json.loads(feedhub("project", "list", "1", "--json", *OWNER)) == []


@pytest.mark.usefixtures("project")
class TestExportTemplate:
    def test_an_export_written_by_a_preset_is_run_published_and_served_as_csv(
        self, web: httpx.Client, tmp_path: Path  # noqa: F811
    ) -> None:
        uri = (tmp_path / "out" / "products.csv").as_uri()
        out = feedhub("project", "export-template", "1", "heureka", "preset:marketplace-products", "--uri", uri,
                      *OWNER)
        assert "revision 2 saved" in out
        export = show()["exports"][0]
        assert (export["format"], export["uri"], export["template"]["kind"]) == ("template", uri, "csv")
        assert history()[0]["note"] == "export heureka template set"

        assert "succeeded" in feedhub("project", "run", "1", "--wait", *OWNER)

        published = (tmp_path / "out" / "products.csv").read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(published), delimiter=";"))
        assert rows[0][:3] == ["shop-sku", "ean", "title"]
        assert len(rows) == 1 + SAMPLE.read_text(encoding="utf-8").count("<SHOPITEM>")
        served = web.get(served_path("heureka"))
        assert served_path("heureka").endswith("/heureka.csv")
        assert served.headers["content-type"].startswith("text/csv")
        assert served.text == published

    def test_every_problem_is_listed_and_nothing_is_saved(self, tmp_path: Path) -> None:
        template = write_json(tmp_path / "t.json", {"kind": "csv", "columns": [
            {"name": "a", "expr": "upper("}, {"name": "b", "path": "X", "text": "y"}]})
        result = refused("project", "export-template", "1", "heureka", str(template), *OWNER)
        assert result.output.splitlines()[0] == f"error: template {str(template)!r} is not valid:"
        assert len(result.output.splitlines()) == 3 and len(history()) == 1

    def test_what_the_spec_check_refuses_is_named_with_the_export(self, tmp_path: Path) -> None:
        template = write_json(tmp_path / "t.json", {"kind": "csv", "columns": [{"name": "id", "path": "ITEM_ID"}]})
        result = refused("project", "export-template", "1", "heureka", str(template), *OWNER)  # heureka.xml
        assert "export 'heureka': its template writes .csv but its URI ends in .xml" in result.output
        assert refused("project", "export-template", "1", "nope", str(template), *OWNER).output == (
            "error: project 1 has no export 'nope'\n")
        assert len(history()) == 1

    def test_a_reader_may_not_set_a_template(self) -> None:
        result = refused("project", "export-template", "1", "heureka", "preset:marketplace-products", *READER)
        assert len(history()) == 1 and "error:" in result.output


class TestDelete:
    def test_the_owner_deletes_it_its_url_stops_and_its_published_file_stays(
        self, web: httpx.Client, tmp_path: Path  # noqa: F811  (the fixture)
    ) -> None:
        path = served_path()
        assert web.get(path).status_code == 200
        out = feedhub("project", "delete", "1", "--yes", *OWNER)
        assert "project 1 deleted" in out and (tmp_path / "out" / "heureka.xml").as_uri() in out
        assert web.get(path).status_code == 404
        assert (tmp_path / "out" / "heureka.xml").read_bytes() == PUBLISHED
        assert json.loads(feedhub("project", "list", "1", "--json", *OWNER)) == []
        assert "no project 1" in refused("project", "history", "1", *OWNER).output

    @pytest.mark.usefixtures("project")
    def test_it_asks_first_and_only_the_owner_may(self) -> None:
        result = CliRunner().invoke(app, ["project", "delete", "1", *OWNER], input="n\n")
        assert result.exit_code == 1 and "Aborted" in result.output
        refusal = refused("project", "delete", "1", "--yes", *READER).output
        assert "you have read access to project 1; deleting it needs owner access" in refusal
        assert len(history()) == 1
