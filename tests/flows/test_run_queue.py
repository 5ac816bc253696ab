"""The queue of due runs over a real database: what workers take, in which lane, and what happens to the
runs of a worker that stops or dies. PostgreSQL: two workers claiming at once never take the same run."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts import Shop, User, create_project, create_shop
from accounts.db import make_engine, make_session_factory
from accounts.run_queue import (
    BIG,
    SMALL,
    QueuedRun,
    RunWorker,
    claim,
    drop_dead_workers,
    enqueue,
    forget_worker,
    heartbeat,
    live_workers,
    mark_done,
    prune_done,
    run_now,
)
from accounts.runs import ProjectRun, RunStatus
from accounts.types import utcnow
from feeds.project import ProjectSpec
from tests.flows.conftest import ProjectFactory

BIG_FEED = 50_000


def ago(seconds: float) -> object:
    return utcnow() - timedelta(seconds=seconds)


def had_a_feed_of(session: Session, project_id: int, shop: Shop, products: int) -> None:
    session.add(ProjectRun(project_id=project_id, shop_id=shop.id, status=RunStatus.SUCCEEDED, products_in=products))
    session.flush()


def claimed(runs: list) -> list[int]:  # type: ignore[type-arg]
    return [run.project_id for run in runs]


class TestClaiming:
    def test_takes_due_runs_oldest_first_and_never_twice(self, session: Session, make_project: ProjectFactory) -> None:
        a, b, c = (make_project(f"http://example.invalid/{n}.xml", name=n) for n in "abc")
        enqueue(session, [(b, ago(5)), (a, ago(10)), (c, ago(-30))], trigger="schedule", big_feed_products=BIG_FEED)
        first = claim(session, "host:1", [SMALL], limit=15)
        assert claimed(first) == [a, b]  # c is due in 30 s
        assert claim(session, "host:2", [SMALL], limit=15) == []
        assert [run.trigger for run in first] == ["schedule", "schedule"]

    def test_a_batch_is_at_most_the_limit(self, session: Session, make_project: ProjectFactory) -> None:
        ids = [make_project(f"http://example.invalid/{n}.xml", name=n) for n in "abcde"]
        enqueue(session, [(pid, ago(60 - i)) for i, pid in enumerate(ids)], trigger="schedule",
                big_feed_products=BIG_FEED)
        assert claimed(claim(session, "host:1", [SMALL], limit=2)) == ids[:2]
        assert claimed(claim(session, "host:2", [SMALL], limit=2)) == ids[2:4]

    def test_big_feeds_queue_in_their_own_lane_that_small_workers_never_take(
        self, session: Session, shop: Shop, make_project: ProjectFactory
    ) -> None:
        big, other_big, small = (make_project(f"http://example.invalid/{n}.xml", name=n) for n in ("b", "o", "s"))
        had_a_feed_of(session, big, shop, BIG_FEED)
        had_a_feed_of(session, other_big, shop, 10 * BIG_FEED)
        had_a_feed_of(session, small, shop, BIG_FEED - 1)
        enqueue(session, [(big, ago(30)), (other_big, ago(20)), (small, ago(10))], trigger="schedule",
                big_feed_products=BIG_FEED)
        lanes = dict(session.execute(select(QueuedRun.project_id, QueuedRun.lane)).tuples().all())
        assert lanes == {big: BIG, other_big: BIG, small: SMALL}
        assert claimed(claim(session, "small-worker", [SMALL], limit=15)) == [small]
        assert claim(session, "small-worker", [SMALL], limit=15) == []
        assert claimed(claim(session, "big-worker", [BIG, SMALL], limit=15)) == [big]  # one big run at a time
        assert claimed(claim(session, "big-worker", [BIG, SMALL], limit=15)) == [other_big]

    def test_a_worker_for_both_lanes_takes_small_runs_while_no_big_one_waits(
        self, session: Session, make_project: ProjectFactory
    ) -> None:
        a = make_project("http://example.invalid/a.xml")
        run_now(session, a, trigger="manual", big_feed_products=BIG_FEED, requested_by=7)
        (taken,) = claim(session, "big-worker", [BIG, SMALL], limit=15)
        assert (taken.project_id, taken.trigger, taken.requested_by_id) == (a, "manual", 7)  # checked again later

    def test_two_run_nows_of_a_project_are_two_runs(self, session: Session, make_project: ProjectFactory) -> None:
        a = make_project("http://example.invalid/a.xml")
        for _ in range(2):  # the second is recorded as skipped if the first still runs, as before
            run_now(session, a, trigger="manual", big_feed_products=BIG_FEED)
        assert claimed(claim(session, "host:1", [SMALL], limit=15)) == [a, a]

    def test_a_shop_at_its_limit_waits_while_other_shops_runs_are_taken(
        self, session: Session, people: dict[str, User], make_project: ProjectFactory
    ) -> None:
        busy = [make_project(f"http://example.invalid/{n}.xml", name=n) for n in "abcd"]
        other_shop = create_shop(session, people["owner"], name="Other")
        other = [create_project(session, people["owner"], other_shop.id, name=n,
                                spec=ProjectSpec(source="http://example.invalid/o.xml")).id for n in "xy"]
        enqueue(session, [(pid, ago(60 - i)) for i, pid in enumerate(busy + other)], trigger="schedule",
                big_feed_products=BIG_FEED)
        first = claim(session, "host:1", [SMALL], limit=15, per_shop=2)
        assert claimed(first) == busy[:2] + other  # the busy shop's oldest two, then the other shop's
        assert claim(session, "host:2", [SMALL], limit=15, per_shop=2) == []  # both shops at their limit
        mark_done(session, [run.queue_id for run in first if run.project_id == busy[0]])
        assert claimed(claim(session, "host:2", [SMALL], limit=15, per_shop=2)) == [busy[2]]  # one place came free
        assert claimed(claim(session, "host:3", [SMALL], limit=15)) == [busy[3]]  # no limit: everything due


class TestWorkers:
    def test_a_worker_is_live_while_it_beats(self, session: Session) -> None:
        heartbeat(session, "host:1", [BIG, SMALL])
        heartbeat(session, "host:2", [SMALL])
        assert sorted(live_workers(session)) == ["host:1", "host:2"]
        assert live_workers(session, lane=BIG) == ["host:1"]
        session.execute(update(RunWorker).where(RunWorker.name == "host:2").values(seen_at=ago(120)))
        assert live_workers(session) == ["host:1"]

    def test_a_dead_workers_unfinished_runs_go_back_to_the_queue(
        self, session: Session, make_project: ProjectFactory
    ) -> None:
        a, b = (make_project(f"http://example.invalid/{n}.xml", name=n) for n in "ab")
        heartbeat(session, "dead:1", [SMALL])
        enqueue(session, [(a, ago(20)), (b, ago(10))], trigger="schedule", big_feed_products=BIG_FEED)
        done, unfinished = claim(session, "dead:1", [SMALL], limit=15)
        mark_done(session, [done.queue_id])
        assert drop_dead_workers(session) == []  # still beating
        session.execute(update(RunWorker).values(seen_at=ago(120)))
        assert drop_dead_workers(session) == ["dead:1"]
        assert claimed(claim(session, "alive:2", [SMALL], limit=15)) == [b]
        assert live_workers(session) == []

    def test_a_worker_that_stops_gives_back_what_it_did_not_make(
        self, session: Session, make_project: ProjectFactory
    ) -> None:
        a = make_project("http://example.invalid/a.xml")
        heartbeat(session, "host:1", [SMALL])
        run_now(session, a, trigger="manual", big_feed_products=BIG_FEED)
        claim(session, "host:1", [SMALL], limit=15)
        forget_worker(session, "host:1")
        assert claimed(claim(session, "host:2", [SMALL], limit=15)) == [a]

    def test_done_runs_are_kept_a_day_so_no_ticker_queues_them_again(
        self, session: Session, make_project: ProjectFactory
    ) -> None:
        a = make_project("http://example.invalid/a.xml")
        due = utcnow().replace(second=0, microsecond=0)
        enqueue(session, [(a, due)], trigger="schedule", big_feed_products=BIG_FEED)
        mark_done(session, [run.queue_id for run in claim(session, "host:1", [SMALL], limit=15)])
        assert enqueue(session, [(a, due)], trigger="schedule", big_feed_products=BIG_FEED) == 0
        assert prune_done(session) == 0
        assert prune_done(session, now=utcnow() + timedelta(days=1, minutes=1)) == 1


@pytest.mark.postgres
def test_two_workers_claiming_at_once_take_different_runs(
    pg_db_url: str, make_project_on: ProjectFactory
) -> None:
    """The first worker's claim is not committed yet when the second claims: SKIP LOCKED passes its rows by."""
    ids = [make_project_on(f"http://example.invalid/{n}.xml", name=n) for n in "abcd"]
    engine = make_engine(pg_db_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        enqueue(session, [(pid, ago(10)) for pid in ids], trigger="schedule", big_feed_products=BIG_FEED)
    with sessions() as first, sessions() as second:
        taken_first = claimed(claim(first, "host:1", [SMALL], limit=2))
        taken_second = claimed(claim(second, "host:2", [SMALL], limit=15))  # would block without SKIP LOCKED
        first.commit()
        second.commit()
    engine.dispose()
    assert taken_first == ids[:2]
    assert taken_second == ids[2:]


@pytest.mark.postgres
def test_two_workers_claiming_at_once_never_take_a_shop_past_its_limit(
    pg_db_url: str, make_project_on: ProjectFactory
) -> None:
    """Without claims taking turns, the second worker would see none of the shop's runs taken (the first has
    not committed) and take the two the first passed over: four at once for a limit of two."""
    ids = [make_project_on(f"http://example.invalid/{n}.xml", name=n) for n in "abcd"]
    engine = make_engine(pg_db_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        enqueue(session, [(pid, ago(10)) for pid in ids], trigger="schedule", big_feed_products=BIG_FEED)
    second_took: list[list[int]] = []

    def second_worker() -> None:
        with sessions.begin() as second:
            second_took.append(claimed(claim(second, "host:2", [SMALL], limit=15, per_shop=2)))

    with sessions() as first:
        assert claimed(claim(first, "host:1", [SMALL], limit=15, per_shop=2)) == ids[:2]
        worker = threading.Thread(target=second_worker)
        worker.start()
        worker.join(0.5)
        assert worker.is_alive(), "the second claim waits for the first to commit"
        first.commit()
    worker.join(10)
    engine.dispose()
    assert second_took == [[]]


@pytest.fixture
def make_project_on(pg_db_url: str, tmp_path: object) -> ProjectFactory:
    """Projects of one shop on PostgreSQL."""
    from accounts import create_project, create_shop
    from feeds.project import ProjectSpec
    from tests.flows.conftest import make_user

    engine = make_engine(pg_db_url)
    session = make_session_factory(engine)()
    owner = make_user(session, "owner@example.com")
    shop = create_shop(session, owner, name="Kola")
    session.commit()

    def make(source: str, *, name: str = "main", **spec: object) -> int:
        project = create_project(session, owner, shop.id, name=name, spec=ProjectSpec(source=source))
        session.commit()
        return project.id

    yield make  # type: ignore[misc]
    session.close()
    engine.dispose()
