"""The agency view: every shop I can reach with its projects' last runs, in a few queries whatever their number."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from accounts import create_project, create_shop
from accounts.dashboard import list_dashboard
from accounts.models import Membership
from accounts.roles import Level
from accounts.runs import RunOutcome, RunStatus, finish_run, start_run
from feeds.project import ProjectSpec
from tests.accounts.conftest import UserFactory


def run(session: Session, project: object, status: RunStatus) -> int:
    started = start_run(session, project, revision=1, spec_sha256="", trigger="test", host="test")  # type: ignore[arg-type]
    finish_run(session, started, RunOutcome(status))
    return started.id


class TestDashboard:
    def test_two_hundred_shops_take_the_same_few_queries_as_two(
        self, session: Session, engine: Engine, make_user: UserFactory
    ) -> None:
        agency, client = make_user("agency@example.com"), make_user("client@example.com")
        for n in range(200):
            owner = agency if n % 2 else client
            shop = create_shop(session, owner, name=f"Shop {n:03}")
            if owner is client:
                session.add(Membership(shop_id=shop.id, user_id=agency.id, level=Level.WRITE))
            for name in ("Heureka", "Google"):
                project = create_project(session, owner, shop.id, name=name, spec=ProjectSpec(source="x"))
                run(session, project, RunStatus.SUCCEEDED)
        session.commit()
        statements = count_statements(engine, lambda: list_dashboard(session, agency))
        lines = list_dashboard(session, agency)
        assert len(lines) == 200 and {len(line.projects) for line in lines} == {2}
        assert {(line.shop.level, line.shop.name[-1] in "13579") for line in lines} == {
            (Level.OWNER, True), (Level.WRITE, False)}
        assert statements <= 4

    def test_the_newest_run_of_each_project_and_what_needs_attention(
        self, session: Session, make_user: UserFactory
    ) -> None:
        owner = make_user("owner@example.com")
        quiet, broken = (create_shop(session, owner, name=name) for name in ("Quiet", "Broken"))
        fine = create_project(session, owner, quiet.id, name="fine", spec=ProjectSpec(source="x"))
        failing = create_project(session, owner, broken.id, name="failing", spec=ProjectSpec(source="x"))
        create_project(session, owner, broken.id, name="new", spec=ProjectSpec(source="x"))
        run(session, fine, RunStatus.FAILED)
        newest_fine = run(session, fine, RunStatus.SUCCEEDED)
        run(session, failing, RunStatus.SUCCEEDED)
        newest_failing = run(session, failing, RunStatus.HELD)
        lines = {line.shop.name: line for line in list_dashboard(session, owner)}
        assert [(p.name, p.run_id, p.run_status) for p in lines["Quiet"].projects] == [
            ("fine", newest_fine, RunStatus.SUCCEEDED)]
        assert [(p.name, p.run_id, p.run_status) for p in lines["Broken"].projects] == [
            ("failing", newest_failing, RunStatus.HELD), ("new", None, None)]
        assert (lines["Quiet"].needs_attention, lines["Broken"].needs_attention) == (False, True)

    def test_search_keeps_the_shops_whose_name_contains_it(self, session: Session, make_user: UserFactory) -> None:
        owner = make_user("owner@example.com")
        for name in ("Kola Praha", "Hrnce", "KOLA Brno"):
            create_shop(session, owner, name=name)
        assert sorted(line.shop.name for line in list_dashboard(session, owner, search="kola")) == [
            "KOLA Brno", "Kola Praha"]

    def test_an_outsider_sees_nothing(self, session: Session, make_user: UserFactory) -> None:
        owner, outsider = make_user("owner@example.com"), make_user("outsider@example.com")
        create_shop(session, owner, name="Private")
        assert list_dashboard(session, outsider) == []


def count_statements(engine: Engine, action: object) -> int:
    """How many SQL statements `action` sends."""
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        action()  # type: ignore[operator]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


