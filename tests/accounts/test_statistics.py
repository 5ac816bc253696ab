"""A shop's statistics over real rows: counts per processed run, the last 30 runs only, reasons from the run
report, downloads counted per export and day by the database, and the shop's usual access check."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from accounts import create_project, create_shop
from accounts.errors import NoShopAccess
from accounts.models import Membership, Project, Shop, User
from accounts.published import ExportDownload, ensure_links
from accounts.roles import Level
from accounts.runs import ProjectRun, RunOutcome, RunStatus, finish_run, record_skipped, start_run
from accounts.statistics import (
    RUNS_SHOWN,
    ExportDownloads,
    ExportProblems,
    RunCounts,
    RunDuration,
    describe_statistics,
)
from feeds.project import ProjectSpec
from tests.accounts.conftest import UserFactory
from tests.accounts.test_dashboard import count_statements

NOW = datetime(2025, 3, 31, 15, 0, tzinfo=UTC)


def export_report(name: str, invalid: int, problems: list[str] | None = None) -> dict[str, Any]:
    """One export's entry in a run report, as feeds.pipeline writes it (the fields read here)."""
    return {"name": name, "format": "heureka", "products_out": 0, "invalid": invalid, "problems": problems or []}


def add_run(session: Session, project: Project, status: RunStatus, *, seconds: float = 1.0, products_in: int = 0,
            products_out: int = 0, exports: list[dict[str, Any]] | None = None) -> ProjectRun:
    """A finished run; `exports` None: a run that did not process the feed (its report lists no exports)."""
    run = start_run(session, project, revision=1, spec_sha256="", trigger="test", host="test")
    report = {} if exports is None else {"products_in": products_in, "products_kept": products_out,
                                         "hidden": products_in - products_out, "exports": exports}
    finish_run(session, run, RunOutcome(status, products_in=products_in, products_out=products_out, report=report))
    run.seconds = seconds
    session.flush()
    return run


@pytest.fixture
def project(session: Session, shop: Shop, owner: User) -> Project:
    return create_project(session, owner, shop.id, name="Heureka", spec=ProjectSpec(source="x"))


class TestRuns:
    def test_processed_runs_count_products_and_every_notable_run_its_duration(
        self, session: Session, shop: Shop, owner: User, project: Project
    ) -> None:
        first = add_run(session, project, RunStatus.SUCCEEDED, seconds=12.5, products_in=100, products_out=90,
                        exports=[export_report("heureka", 3), export_report("google", 5)])
        unchanged = add_run(session, project, RunStatus.UNCHANGED, seconds=0.4, products_in=100, products_out=90)
        record_skipped(session, project, trigger="test", reason="busy")  # did not run: neither chart
        failed = add_run(session, project, RunStatus.FAILED, seconds=2.0)  # the source could not be read
        held = add_run(session, project, RunStatus.HELD, seconds=20.0, products_in=120, products_out=100,
                       exports=[export_report("heureka", 7)])
        stats = describe_statistics(session, owner, shop.id, now=NOW)
        [line] = stats.projects
        assert (stats.shop_id, stats.name, line.project_id, line.name) == (shop.id, "Bikes & Co", project.id, "Heureka")
        assert line.runs == [
            RunCounts(first.id, first.started_at, RunStatus.SUCCEEDED, 100, 90, 10, {"heureka": 3, "google": 5}),
            RunCounts(held.id, held.started_at, RunStatus.HELD, 120, 100, 20, {"heureka": 7}),
        ]
        assert line.durations == [
            RunDuration(run.id, run.started_at, run.status, seconds)
            for run, seconds in ((first, 12.5), (unchanged, 0.4), (failed, 2.0), (held, 20.0))
        ]
        assert line.exports == ["google", "heureka"]

    def test_only_the_last_30_notable_runs_of_each_project(
        self, session: Session, shop: Shop, owner: User, project: Project
    ) -> None:
        other = create_project(session, owner, shop.id, name="Google", spec=ProjectSpec(source="x"))
        ids = [add_run(session, project, RunStatus.SUCCEEDED, seconds=n, products_in=n, products_out=n,
                       exports=[]).id for n in range(RUNS_SHOWN + 5)]
        crashed = start_run(session, project, revision=1, spec_sha256="", trigger="test", host="test")
        crashed.status = RunStatus.CRASHED  # says nothing about the feed: not one of the 30
        running = start_run(session, project, revision=1, spec_sha256="", trigger="test", host="test")
        other_ids = [add_run(session, other, RunStatus.SUCCEEDED, exports=[]).id for _ in range(2)]
        session.flush()
        lines = {line.name: line for line in describe_statistics(session, owner, shop.id, now=NOW).projects}
        assert [r.run_id for r in lines["Heureka"].runs] == ids[-RUNS_SHOWN:]
        assert [r.run_id for r in lines["Heureka"].durations] == ids[-RUNS_SHOWN:]
        assert running.id not in [r.run_id for r in lines["Heureka"].durations]
        assert [r.products_in for r in lines["Heureka"].runs] == list(range(5, RUNS_SHOWN + 5))
        assert [r.run_id for r in lines["Google"].runs] == other_ids
        assert list(lines) == ["Google", "Heureka"]  # by name


class TestProblems:
    def test_reasons_of_the_newest_run_that_wrote_each_export(
        self, session: Session, shop: Shop, owner: User, project: Project
    ) -> None:
        gone = add_run(session, project, RunStatus.SUCCEEDED, exports=[
            export_report("zbozi", 1, ["9: missing PRODUCTNAME"]), export_report("heureka", 99, [])])
        newest = add_run(session, project, RunStatus.SUCCEEDED, exports=[export_report("heureka", 60, [
            "1: missing PRODUCTNAME; PRICE_VAT 'abc' is not a number",
            "2: PRICE_VAT 'x; y' is not a number",  # a value with the reasons' separator stays one reason
            "product #3: missing PRODUCTNAME",
            "4: duplicate ITEM_ID '4'",
        ]), export_report("google", 0)])
        [line] = describe_statistics(session, owner, shop.id, now=NOW).projects
        assert line.problems == [
            ExportProblems("google", newest.id, 0, [], 0),
            ExportProblems("heureka", newest.id, 60, [
                ("PRICE_VAT is not a number", 2), ("missing PRODUCTNAME", 2), ("duplicate ITEM_ID", 1)], 56),
            ExportProblems("zbozi", gone.id, 1, [("missing PRODUCTNAME", 1)], 0),  # no newer run wrote it
        ]


class TestDownloads:
    def test_counted_per_export_and_day_over_the_last_30_days(
        self, session: Session, shop: Shop, owner: User, project: Project
    ) -> None:
        links = ensure_links(session, project, ["heureka", "google", "zbozi"])
        other_shop = create_shop(session, owner, name="Other")
        elsewhere = create_project(session, owner, other_shop.id, name="Heureka", spec=ProjectSpec(source="x"))
        foreign = ensure_links(session, elsewhere, ["heureka"])["heureka"]
        today, first_day = NOW.replace(hour=0), NOW.replace(hour=0) - timedelta(days=29)
        for link, at, status in [
            (links["heureka"], NOW, 200), (links["heureka"], today, 304),  # "not modified" is a fetch too
            (links["heureka"], today - timedelta(seconds=1), 200),  # 23:59:59 yesterday
            (links["heureka"], first_day, 200), (links["heureka"], first_day - timedelta(seconds=1), 200),  # too old
            (links["heureka"], NOW, 401),  # refused: no download
            (links["google"], today - timedelta(days=3, hours=-5), 200),
            (foreign, NOW, 200),  # another shop's feed
        ]:
            session.add(ExportDownload(link_id=link.id, at=at, status=status))
        session.flush()
        stats = describe_statistics(session, owner, shop.id, now=NOW)
        assert stats.days == [date(2025, 3, 2) + timedelta(days=n) for n in range(30)]
        heureka, google, zbozi = [0] * 30, [0] * 30, [0] * 30
        heureka[29], heureka[28], heureka[0], google[26] = 2, 1, 1, 1
        assert stats.projects[0].downloads == [
            ExportDownloads("google", google), ExportDownloads("heureka", heureka), ExportDownloads("zbozi", zbozi)]

    def test_the_database_counts_them_in_the_same_few_statements(
        self, session: Session, engine: Engine, shop: Shop, owner: User, project: Project
    ) -> None:
        link = ensure_links(session, project, ["heureka"])["heureka"]
        add_run(session, project, RunStatus.SUCCEEDED, exports=[export_report("heureka", 0)])
        session.commit()
        few = count_statements(engine, lambda: describe_statistics(session, owner, shop.id, now=NOW))
        session.add_all(ExportDownload(link_id=link.id, at=NOW - timedelta(hours=n), status=200) for n in range(500))
        for _ in range(40):
            add_run(session, project, RunStatus.SUCCEEDED, exports=[export_report("heureka", 0)])
        session.commit()
        many = count_statements(engine, lambda: describe_statistics(session, owner, shop.id, now=NOW))
        assert many == few <= 6
        assert sum(describe_statistics(session, owner, shop.id, now=NOW).projects[0].downloads[0].per_day) == 500


class TestAccess:
    @pytest.mark.parametrize("level", [Level.READ, Level.WRITE])
    def test_every_member_may_look(self, session: Session, shop: Shop, make_user: UserFactory, project: Project,
                                   level: Level) -> None:
        member = make_user("member@example.com")
        session.add(Membership(shop_id=shop.id, user_id=member.id, level=level))
        add_run(session, project, RunStatus.SUCCEEDED, products_in=5, products_out=4, exports=[])
        assert [r.products_in for r in describe_statistics(session, member, shop.id).projects[0].runs] == [5]

    def test_an_outsider_is_told_what_a_missing_shop_tells(
        self, session: Session, shop: Shop, make_user: UserFactory
    ) -> None:
        outsider = make_user("outsider@example.com")
        with pytest.raises(NoShopAccess) as refused:
            describe_statistics(session, outsider, shop.id)
        with pytest.raises(NoShopAccess) as missing:
            describe_statistics(session, outsider, shop.id + 1000)
        assert refused.value.message == missing.value.message.replace(str(shop.id + 1000), str(shop.id))
