"""`feedhub project show / update / history / rollback`, through the real command line and database.

The project fixture (tests/feedhub/test_cli_projects.py) is a shop with an owner and a reader and
one project over the Heureka sample that hides nothing, publishing Heureka and Google under tmp/out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.feedhub.test_cli_projects import SAMPLE, data_dir, feedhub, project, refused  # noqa: F401

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
        assert "invalid rules" in result.output and "no_such_rule" in result.output
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
