"""Schedules over a real database (no Prefect): which are active, and the ticker that queues their runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import Shop, User, delete_shop, restore_shop, save_revision
from accounts.models import ShopStatus
from accounts.run_queue import QueuedRun
from feeds.project import ProjectSpec, ScheduleSpec
from flows.schedules import Ticker, project_schedules
from tests.flows.conftest import ProjectFactory


def activity(session: Session) -> dict[int, bool]:
    """Each project's schedule: active or not."""
    return {schedule.project_id: schedule.active for schedule in project_schedules(session)}


class TestProjectSchedules:
    def test_a_deleted_shops_schedules_stop_and_come_back_on_restore(
        self, session: Session, people: dict[str, User], shop: Shop, make_project: ProjectFactory
    ) -> None:
        project_id = make_project("http://example.invalid/feed.xml")
        assert activity(session) == {project_id: True}
        delete_shop(session, people["owner"], shop.id)
        assert activity(session) == {project_id: False}  # kept, inactive: nothing to recreate on restore
        restore_shop(session, people["owner"], shop.id)
        assert activity(session) == {project_id: True}

    def test_a_suspended_shop_stays_scheduled_so_its_runs_are_recorded_as_skipped(
        self, session: Session, shop: Shop, make_project: ProjectFactory
    ) -> None:
        project_id = make_project("http://example.invalid/feed.xml")
        shop.status = ShopStatus.SUSPENDED  # an invoice unpaid long past its due date
        assert activity(session) == {project_id: True}


def at(text: str) -> datetime:
    """A moment in UTC, as `2026-12-03 12:00:55`."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def queued(session: Session) -> list[tuple[int, datetime, str]]:
    rows = session.execute(select(QueuedRun.project_id, QueuedRun.due_at, QueuedRun.trigger).order_by(QueuedRun.id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


class TestTicker:
    def test_queues_each_fire_time_once_just_before_it_comes(
        self, session: Session, make_project: ProjectFactory
    ) -> None:
        every_minute = make_project("http://example.invalid/a.xml", name="a", schedule=ScheduleSpec(cron="* * * * *"))
        make_project("http://example.invalid/b.xml", name="b", schedule=ScheduleSpec(cron="* * * * *", paused=True))
        ticker = Ticker(big_feed_products=1000, started=at("2026-12-03 12:00:40"))
        assert ticker.tick(session, now=at("2026-12-03 12:00:45")) == 0  # 12:01 is more than LOOKAHEAD_S away
        assert ticker.tick(session, now=at("2026-12-03 12:00:52")) == 1
        assert ticker.tick(session, now=at("2026-12-03 12:00:57")) == 0  # the same fire time is not queued twice
        assert ticker.tick(session, now=at("2026-12-03 12:01:51")) == 1
        assert queued(session) == [(every_minute, at("2026-12-03 12:01:00"), "schedule"),
                                   (every_minute, at("2026-12-03 12:02:00"), "schedule")]

    def test_fire_times_missed_while_nothing_ticked_make_one_run(
        self, session: Session, make_project: ProjectFactory
    ) -> None:
        project_id = make_project("http://example.invalid/a.xml", schedule=ScheduleSpec(cron="* * * * *"))
        ticker = Ticker(big_feed_products=1000, started=at("2026-12-03 12:00:00"))
        assert ticker.tick(session, now=at("2026-12-03 12:00:00")) == 1
        assert ticker.tick(session, now=at("2026-12-03 12:09:30")) == 1  # 8 missed minutes: one run, late since 12:01
        assert ticker.tick(session, now=at("2026-12-03 12:09:55")) == 1
        assert [due for _, due, _ in queued(session)] == [
            at("2026-12-03 12:00:00"), at("2026-12-03 12:01:00"), at("2026-12-03 12:10:00")]
        assert all(pid == project_id for pid, _, _ in queued(session))

    def test_follows_schedule_changes_in_the_zone_of_the_project(
        self, session: Session, people: dict[str, User], make_project: ProjectFactory
    ) -> None:
        project_id = make_project("http://example.invalid/a.xml", schedule=ScheduleSpec(cron="0 3 * * *"))
        ticker = Ticker(big_feed_products=1000, started=at("2026-12-03 01:00:00"))
        assert ticker.tick(session, now=at("2026-12-03 01:00:00")) == 0
        spec = ProjectSpec(source="http://example.invalid/a.xml",
                           schedule=ScheduleSpec(cron="30 2 * * *", timezone="Europe/Prague"))
        save_revision(session, people["owner"], project_id, spec)  # 02:30 in Prague is 01:30 UTC in December
        session.commit()
        assert ticker.tick(session, now=at("2026-12-03 01:29:55")) == 1
        assert queued(session) == [(project_id, at("2026-12-03 01:30:00"), "schedule")]

    def test_two_tickers_queue_a_fire_time_once(self, session: Session, make_project: ProjectFactory) -> None:
        make_project("http://example.invalid/a.xml", schedule=ScheduleSpec(cron="* * * * *"))
        first, second = (Ticker(big_feed_products=1000, started=at("2026-12-03 12:00:50")) for _ in range(2))
        assert first.tick(session, now=at("2026-12-03 12:00:55")) == 1
        assert second.tick(session, now=at("2026-12-03 12:00:56")) == 0
        assert len(queued(session)) == 1

    def test_a_deleted_shop_queues_nothing(
        self, session: Session, people: dict[str, User], shop: Shop, make_project: ProjectFactory
    ) -> None:
        make_project("http://example.invalid/a.xml", schedule=ScheduleSpec(cron="* * * * *"))
        delete_shop(session, people["owner"], shop.id)
        assert Ticker(big_feed_products=1000, started=at("2026-12-03 12:00:50")).tick(
            session, now=at("2026-12-03 12:00:55")) == 0
