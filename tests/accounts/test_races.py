"""Races on PostgreSQL with real concurrent sessions (SQLite ignores FOR UPDATE, so PostgreSQL only).

Each scenario runs the first operation in session A and keeps A's transaction open, so it holds its
locks; the second runs in a thread on session B. B must block (proof that it waits on A's lock rather
than reading stale state), A commits, B finishes. Then the invariants are checked on fresh sessions:
one owner, one membership, one outcome.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from accounts import (
    Level,
    MemoryMailer,
    accept_invitation,
    accept_transfer,
    cancel_transfer,
    create_project,
    create_shop,
    delete_project,
    edit_project,
    invite_member,
    issue_invoice,
    register_user,
    save_revision,
    start_transfer,
    verify_email,
)
from accounts.db import make_engine, make_session_factory, upgrade
from accounts.errors import (
    AccountsError,
    ExportTargetTaken,
    InvitationInvalid,
    InvitationsThrottled,
    ProjectNotFound,
    TransferInvalid,
    TransferPending,
)
from accounts.models import (
    Invitation,
    Invoice,
    Membership,
    Project,
    ProjectRevision,
    PublishTarget,
    Shop,
    Transfer,
    TransferStatus,
    User,
)
from accounts.throttle import InviteLimits
from feeds.project import ProjectSpec
from tests.accounts.conftest import BASE_URL, PASSWORD, empty_tables

pytestmark = pytest.mark.postgres
BLOCK_CHECK_S = 0.3  # how long B must stay blocked behind A's locks
Op = Callable[[Session], object]


@pytest.fixture(scope="module")
def pg_engine(postgres_url: str) -> Iterator[Engine]:
    """An engine on the session's PostgreSQL schema (migrated; a no-op if already done)."""
    upgrade(postgres_url)
    engine = make_engine(postgres_url, pool_size=4)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(pg_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions for the two contenders; tables are emptied afterwards."""
    yield make_session_factory(pg_engine)
    empty_tables(pg_engine)


def attempt(op: Op, session: Session) -> object:
    """The result of `op`, or the AccountsError it raised (rolled back)."""
    try:
        return op(session)
    except AccountsError as exc:
        session.rollback()
        return exc


def race(factory: sessionmaker[Session], first: Op, second: Op) -> tuple[object, object]:
    """Run `first` holding its transaction open, then `second` concurrently; assert `second` waited."""

    def run_second() -> object:
        with factory() as b:
            outcome = attempt(second, b)
            b.commit()
            return outcome

    with factory() as a, ThreadPoolExecutor(max_workers=1) as pool:
        outcome_a = attempt(first, a)
        future = pool.submit(run_second)
        time.sleep(BLOCK_CHECK_S)
        assert not future.done(), "the second transaction did not wait for the first one's locks"
        a.commit()
        outcome_b = future.result(timeout=20)
    return outcome_a, outcome_b


def setup(factory: sessionmaker[Session], *emails: str) -> tuple[dict[str, int], int]:
    """Verified users and a shop owned by the first one, committed; returns their ids."""
    with factory() as session:
        ids = {}
        for email in emails:
            user, token = register_user(session, email=email, password=PASSWORD)
            verify_email(session, token)
            session.flush()
            ids[email] = user.id
        shop = create_shop(session, session.get_one(User, ids[emails[0]]), name="Raced shop")
        session.commit()
        return ids, shop.id


def as_user(session: Session, user_id: int) -> User:
    return session.get_one(User, user_id)


def test_two_accepts_of_one_invitation(factory: sessionmaker[Session]) -> None:
    ids, shop_id = setup(factory, "owner@example.com", "ivan@example.com")
    with factory() as session:
        _, token = invite_member(
            session,
            as_user(session, ids["owner@example.com"]),
            shop_id,
            email="ivan@example.com",
            level=Level.WRITE,
            mailer=MemoryMailer(),
            base_url=BASE_URL,
        )
        session.commit()

    def accept(s: Session) -> object:
        return accept_invitation(s, as_user(s, ids["ivan@example.com"]), token)

    outcomes = race(factory, accept, accept)
    assert isinstance(outcomes[0], Membership) and isinstance(outcomes[1], InvitationInvalid)
    with factory() as session:
        levels = session.scalars(select(Membership.level).where(Membership.user_id == ids["ivan@example.com"]))
        assert list(levels) == [Level.WRITE]


@pytest.mark.parametrize("accept_first", [True, False], ids=["accept-first", "cancel-first"])
def test_accept_versus_cancel_of_a_transfer(factory: sessionmaker[Session], accept_first: bool) -> None:
    ids, shop_id = setup(factory, "owner@example.com", "heir@example.com")
    old, heir = ids["owner@example.com"], ids["heir@example.com"]
    with factory() as session:
        _, token = start_transfer(
            session,
            as_user(session, old),
            shop_id,
            to_email="heir@example.com",
            mailer=MemoryMailer(),
            base_url=BASE_URL,
        )
        session.commit()

    def accept(s: Session) -> object:
        return accept_transfer(s, as_user(s, heir), token)

    def cancel(s: Session) -> object:
        return cancel_transfer(s, as_user(s, old), shop_id)

    first, second = (accept, cancel) if accept_first else (cancel, accept)
    outcomes = race(factory, first, second)
    assert [isinstance(o, AccountsError) for o in outcomes] == [False, True]  # exactly one outcome
    with factory() as session:
        shop = session.get_one(Shop, shop_id)
        (transfer,) = session.scalars(select(Transfer).where(Transfer.shop_id == shop_id))
        members = dict(session.execute(select(Membership.user_id, Membership.level)).tuples().all())
        if accept_first:
            assert (shop.owner_id, transfer.status, members) == (heir, TransferStatus.ACCEPTED, {old: Level.WRITE})
        else:
            assert isinstance(outcomes[1], TransferInvalid)
            assert (shop.owner_id, transfer.status, members) == (old, TransferStatus.CANCELLED, {})


def test_two_transfers_at_once(factory: sessionmaker[Session]) -> None:
    ids, shop_id = setup(factory, "owner@example.com", "b@example.com", "c@example.com")

    def offer_to(email: str) -> Op:
        def offer(s: Session) -> object:
            return start_transfer(
                s,
                as_user(s, ids["owner@example.com"]),
                shop_id,
                to_email=email,
                mailer=MemoryMailer(),
                base_url=BASE_URL,
            )

        return offer

    outcomes = race(factory, offer_to("b@example.com"), offer_to("c@example.com"))
    assert isinstance(outcomes[1], TransferPending)
    with factory() as session:
        pending = session.scalars(select(Transfer.to_user_id).where(Transfer.status == TransferStatus.PENDING))
        assert list(pending) == [ids["b@example.com"]]


def test_one_owner_inviting_into_two_shops_at_once_is_counted_in_turn(factory: sessionmaker[Session]) -> None:
    """The limit per user counts over all their shops, whose row locks do not serialize each other."""
    ids, shop_id = setup(factory, "owner@example.com", "b@example.com", "c@example.com")
    with factory() as session:
        other_shop_id = create_shop(session, as_user(session, ids["owner@example.com"]), name="Second shop").id
        session.commit()
    limits = InviteLimits(per_shop_hour=50, per_user_hour=1)

    def invite_into(shop: int, email: str) -> Op:
        def invite(s: Session) -> object:
            return invite_member(s, as_user(s, ids["owner@example.com"]), shop, email=email, level=Level.READ,
                                 mailer=MemoryMailer(), base_url=BASE_URL, limits=limits)

        return invite

    outcomes = race(factory, invite_into(shop_id, "b@example.com"), invite_into(other_shop_id, "c@example.com"))
    assert isinstance(outcomes[1], InvitationsThrottled) and outcomes[1].scope == "user"
    with factory() as session:
        assert list(session.scalars(select(Invitation.email))) == ["b@example.com"]


def one_project(factory: sessionmaker[Session]) -> tuple[int, int]:
    """An owner and a project of theirs, committed; returns (owner id, project id)."""
    ids, shop_id = setup(factory, "owner@example.com")
    with factory() as session:
        owner = as_user(session, ids["owner@example.com"])
        project = create_project(session, owner, shop_id, name="Main", spec=ProjectSpec(source="https://a.test/0.xml"))
        session.commit()
        return owner.id, project.id


def test_two_saves_of_one_project_get_consecutive_revisions(factory: sessionmaker[Session]) -> None:
    owner_id, project_id = one_project(factory)

    def save(url: str) -> Op:
        return lambda s: save_revision(s, as_user(s, owner_id), project_id, ProjectSpec(source=url))

    assert race(factory, save("https://a.test/1.xml"), save("https://a.test/2.xml")) == (2, 3)
    with factory() as session:
        rows = session.execute(select(ProjectRevision.number, ProjectRevision.spec).order_by(ProjectRevision.number))
        assert [(n, spec["source"]) for n, spec in rows] == [
            (1, "https://a.test/0.xml"),
            (2, "https://a.test/1.xml"),
            (3, "https://a.test/2.xml"),
        ]


def test_two_edits_at_once_keep_both_changes(factory: sessionmaker[Session]) -> None:
    """Each edit changes one part of the current spec: the second must edit what the first saved."""
    owner_id, project_id = one_project(factory)

    def edit(change: Callable[[ProjectSpec], ProjectSpec]) -> Op:
        return lambda s: edit_project(s, as_user(s, owner_id), project_id, change)

    def new_source(spec: ProjectSpec) -> ProjectSpec:
        return spec.model_copy(update={"source": "https://a.test/1.xml"})

    def new_cron(spec: ProjectSpec) -> ProjectSpec:
        return spec.model_copy(update={"schedule": spec.schedule.model_copy(update={"cron": "15 3 * * *"})})

    assert race(factory, edit(new_source), edit(new_cron)) == (2, 3)
    with factory() as session:
        head = session.scalars(select(ProjectRevision.spec).order_by(ProjectRevision.number.desc())).first()
        assert head is not None and (head["source"], head["schedule"]["cron"]) == ("https://a.test/1.xml", "15 3 * * *")


def test_an_edit_waiting_for_a_delete_finds_no_project(factory: sessionmaker[Session]) -> None:
    owner_id, project_id = one_project(factory)

    def delete(s: Session) -> object:
        return delete_project(s, as_user(s, owner_id), project_id)

    def edit(s: Session) -> object:
        return edit_project(s, as_user(s, owner_id), project_id, lambda spec: spec)

    _, waited = race(factory, delete, edit)
    assert isinstance(waited, ProjectNotFound)


def test_two_shops_racing_for_one_publish_target(factory: sessionmaker[Session]) -> None:
    ids, shop_id = setup(factory, "owner@example.com", "rival@example.com")
    with factory() as session:
        rival_shop = create_shop(session, as_user(session, ids["rival@example.com"]), name="Rival").id
        session.commit()
    target = ProjectSpec(source="https://a.test/feed.xml", exports=[{"name": "g", "format": "google", "uri": "s3://feeds/g.xml"}])

    def create(email: str, shop: int) -> Op:
        return lambda s: create_project(s, as_user(s, ids[email]), shop, name="Main", spec=target)

    outcomes = race(factory, create("owner@example.com", shop_id), create("rival@example.com", rival_shop))
    assert isinstance(outcomes[1], ExportTargetTaken) and outcomes[1].uri == "s3://feeds/g.xml"
    with factory() as session:
        assert session.scalars(select(Project.shop_id)).all() == [shop_id]  # the refused project left nothing
        assert session.scalars(select(PublishTarget.project_id)).all() == [outcomes[0].id]  # type: ignore[attr-defined]


def test_a_save_that_loses_a_target_race_keeps_its_old_claims_even_if_committed(
    factory: sessionmaker[Session],
) -> None:
    ids, shop_id = setup(factory, "owner@example.com")

    def spec(*uris: str) -> ProjectSpec:
        exports = [{"name": f"e{i}", "format": "google", "uri": uri} for i, uri in enumerate(uris)]
        return ProjectSpec(source="https://a.test/feed.xml", exports=exports)  # type: ignore[arg-type]

    with factory() as session:
        owner = as_user(session, ids["owner@example.com"])
        loser = create_project(session, owner, shop_id, name="Old", spec=spec("s3://feeds/old.xml"))
        session.commit()

    def take(s: Session) -> object:
        return create_project(s, as_user(s, ids["owner@example.com"]), shop_id, name="New", spec=spec("s3://feeds/t.xml"))

    def save_and_commit_anyway(s: Session) -> object:
        try:
            return save_revision(s, as_user(s, ids["owner@example.com"]), loser.id, spec("s3://feeds/t.xml"))
        except ExportTargetTaken as exc:
            return exc  # no rollback: the caller commits whatever is left

    def create_and_commit_anyway(s: Session) -> object:
        try:
            return create_project(s, as_user(s, ids["owner@example.com"]), shop_id, name="Late", spec=spec("s3://feeds/u.xml"))
        except ExportTargetTaken as exc:
            return exc

    outcomes = race(factory, take, save_and_commit_anyway)
    assert isinstance(outcomes[1], ExportTargetTaken)
    with factory() as session:
        project = session.get_one(Project, loser.id)
        claims = session.scalars(select(PublishTarget.uri).where(PublishTarget.project_id == loser.id)).all()
        assert (project.head, claims) == (1, ["s3://feeds/old.xml"])

    def take_u(s: Session) -> object:
        return save_revision(s, as_user(s, ids["owner@example.com"]), loser.id, spec("s3://feeds/u.xml"))

    outcomes = race(factory, take_u, create_and_commit_anyway)
    assert isinstance(outcomes[1], ExportTargetTaken)
    with factory() as session:
        assert session.scalars(select(Project.name).order_by(Project.id)).all() == ["Old", "New"]  # no "Late"


TODAY = datetime.now(UTC).date()


def test_concurrent_invoices_never_share_a_number(factory: sessionmaker[Session]) -> None:
    shops = 6
    ids, first_shop = setup(factory, "owner@example.com")
    with factory() as session:
        owner = as_user(session, ids["owner@example.com"])
        shop_ids = [first_shop] + [create_shop(session, owner, name=f"Shop {i}").id for i in range(shops - 1)]
        session.commit()
    start = threading.Barrier(shops)

    def issue(shop_id: int) -> str:
        with factory() as session:
            start.wait()
            number = issue_invoice(
                session, shop_id, period_start=TODAY, now=datetime.now(UTC)  # the shops were created today
            ).number
            session.commit()
            return number

    with ThreadPoolExecutor(max_workers=shops) as pool:
        numbers = sorted(pool.map(issue, shop_ids))
    assert numbers == [f"{TODAY.year}-{n:06d}" for n in range(1, shops + 1)]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == shops
