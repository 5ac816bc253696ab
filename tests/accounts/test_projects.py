"""Projects: append-only revisions with author and time, history, rollback, access levels."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import (
    Level,
    Shop,
    User,
    create_project,
    get_current_spec,
    list_history,
    list_projects,
    rollback_project,
    save_revision,
)
from accounts.audit import list_audit
from accounts.errors import LevelTooLow, ProjectExists, ProjectNotFound, RevisionNotFound
from accounts.models import Membership, ProjectRevision
from feeds.project import ExportSpec, ProjectSpec
from tests.accounts.conftest import UserFactory

V1 = ProjectSpec(source="https://shop.test/feed.xml")
V2 = ProjectSpec(
    source="https://shop.test/feed.xml",
    rules=[{"type": "set", "path": "PRICE_VAT", "value": "1"}],
    exports=[ExportSpec(name="google", format="google")],
)
V3 = ProjectSpec(source="https://shop.test/other.xml", queries={"cheap": "PRICE_VAT < 100"})


@pytest.fixture
def member(session: Session, make_user: UserFactory, shop: Shop):  # type: ignore[no-untyped-def]
    """Make a member of `shop` at a level."""

    def make(email: str, level: Level) -> User:
        user = make_user(email)
        session.add(Membership(shop_id=shop.id, user_id=user.id, level=level))
        session.flush()
        return user

    return make


def test_history_rollback_and_current(session: Session, owner: User, shop: Shop, member) -> None:  # type: ignore[no-untyped-def]
    writer = member("writer@example.com", Level.WRITE)
    project = create_project(session, owner, shop.id, name="Main feed", spec=V1)
    assert save_revision(session, writer, project.id, V2, note="google export") == 2
    assert save_revision(session, owner, project.id, V3) == 3
    assert rollback_project(session, writer, project.id, 2) == 4
    assert get_current_spec(session, owner, project.id) == V2
    history = list_history(session, owner, project.id)
    assert [(r.number, r.author_email, r.note, r.spec) for r in history] == [
        (4, "writer@example.com", "rollback to revision 2", V2),
        (3, "owner@example.com", "", V3),
        (2, "writer@example.com", "google export", V2),
        (1, "owner@example.com", "created", V1),
    ]
    assert history[0].created_at >= history[-1].created_at
    session.commit()
    stored = session.scalars(select(ProjectRevision.spec).where(ProjectRevision.number == 2)).one()
    assert stored == V2.model_dump(mode="json")


def test_read_sees_history_but_changes_nothing(session: Session, owner: User, shop: Shop, member) -> None:  # type: ignore[no-untyped-def]
    reader = member("reader@example.com", Level.READ)
    project = create_project(session, owner, shop.id, name="Main", spec=V1)
    save_revision(session, owner, project.id, V2)
    assert [r.number for r in list_history(session, reader, project.id)] == [2, 1]
    assert get_current_spec(session, reader, project.id) == V2
    assert [p.name for p in list_projects(session, reader, shop.id)] == ["Main"]
    # The reader sees the project, so hiding it helps nobody: they are told what their level lacks.
    with pytest.raises(LevelTooLow, match=f"^you have read access to project {project.id}; editing it needs write"):
        save_revision(session, reader, project.id, V3)
    with pytest.raises(LevelTooLow):
        rollback_project(session, reader, project.id, 1)
    with pytest.raises(LevelTooLow, match=f"^you have read access to shop {shop.id}; editing its projects needs write"):
        create_project(session, reader, shop.id, name="Mine", spec=V1)
    assert get_current_spec(session, owner, project.id) == V2


def test_outsider_cannot_tell_a_project_exists(
    session: Session, owner: User, shop: Shop, make_user: UserFactory
) -> None:
    project = create_project(session, owner, shop.id, name="Main", spec=V1)
    outsider = make_user("outsider@example.com")
    with pytest.raises(ProjectNotFound) as hidden:
        get_current_spec(session, outsider, project.id)
    with pytest.raises(ProjectNotFound) as missing:
        get_current_spec(session, outsider, project.id + 999)
    assert type(hidden.value) is type(missing.value)


def test_names_are_unique_per_shop(session: Session, owner: User, shop: Shop) -> None:
    create_project(session, owner, shop.id, name="Main", spec=V1)
    with pytest.raises(ProjectExists):
        create_project(session, owner, shop.id, name=" Main ", spec=V1)
    assert [p.name for p in list_projects(session, owner, shop.id)] == ["Main"]  # the session is still usable


def test_rollback_to_missing_revision(session: Session, owner: User, shop: Shop) -> None:
    project = create_project(session, owner, shop.id, name="Main", spec=V1)
    with pytest.raises(RevisionNotFound):
        rollback_project(session, owner, project.id, 7)


def test_revisions_are_audited(session: Session, owner: User, shop: Shop) -> None:
    project = create_project(session, owner, shop.id, name="Main", spec=V1)
    save_revision(session, owner, project.id, V2, note="prices")
    entries = [e for e in list_audit(session, owner, shop.id) if e.action == "project.revision"]
    assert [e.details for e in entries] == [
        {"project": "Main", "number": 1, "note": "created"},
        {"project": "Main", "number": 2, "note": "prices"},
    ]


def test_a_publish_target_belongs_to_one_project_across_shops(
    session: Session, owner: User, shop: Shop, make_user: UserFactory, tmp_path
) -> None:
    from accounts import create_shop
    from accounts.errors import ExportTargetTaken

    def spec(*uris: str) -> ProjectSpec:
        exports = [ExportSpec(name=f"e{i}", format="google", uri=uri) for i, uri in enumerate(uris)]
        return ProjectSpec(source="https://shop.test/feed.xml", exports=exports)

    mine = (tmp_path / "pub" / "google.xml").as_uri()
    first = create_project(session, owner, shop.id, name="Main", spec=spec(mine, "s3://feeds/bikes/google.xml"))
    assert save_revision(session, owner, first.id, spec(mine)) == 2  # its own target stays its own
    rival = make_user("rival@example.com")
    other_shop = create_shop(session, rival, name="Rival")
    same_file_spelled_otherwise = f"file://{tmp_path}/pub/../pub/google.xml"
    for uri in (mine, same_file_spelled_otherwise, "S3://FEEDS/bikes/google.xml"):
        if uri.startswith("S3"):  # the S3 target is free again: revision 2 dropped it
            assert create_project(session, rival, other_shop.id, name="S3", spec=spec(uri)).head == 1
            continue
        with pytest.raises(ExportTargetTaken, match="another project already publishes"):
            create_project(session, rival, other_shop.id, name="Copy", spec=spec(uri))
    with pytest.raises(ExportTargetTaken):
        save_revision(session, owner, first.id, spec(mine, "s3://feeds/bikes/google.xml"))  # now the rival's


class TestDelete:
    def test_the_owner_deletes_a_project_with_everything_that_names_it(
        self, session: Session, owner: User, shop: Shop, make_user: UserFactory
    ) -> None:
        from accounts import create_shop, delete_project
        from accounts.published import ensure_links, resolve_link
        from accounts.runs import start_run

        spec = ProjectSpec(
            source="https://shop.test/feed.xml", exports=[ExportSpec(name="g", format="google", uri="s3://f/g.xml")]
        )
        project = create_project(session, owner, shop.id, name="Main", spec=spec)
        save_revision(session, owner, project.id, spec.model_copy(update={"source": "https://shop.test/2.xml"}))
        token = ensure_links(session, project, ["g"])["g"].token
        start_run(session, project, revision=2, spec_sha256="0" * 64, trigger="manual", host="test").workspace = "/w/1"
        session.flush()
        deleted = delete_project(session, owner, project.id)
        assert (deleted.spec.source, deleted.workspaces) == ("https://shop.test/2.xml", ["/w/1"])
        session.commit()
        assert list_projects(session, owner, shop.id) == []
        assert resolve_link(session, token) is None  # the served URL stops at once
        assert session.scalars(select(ProjectRevision).where(ProjectRevision.project_id == project.id)).all() == []
        with pytest.raises(ProjectNotFound):
            get_current_spec(session, owner, project.id)
        rival = make_user("next@example.com")
        other = create_shop(session, rival, name="Next")
        assert create_project(session, rival, other.id, name="Takes over", spec=spec).head == 1  # target free
        assert [e.action for e in list_audit(session, owner, shop.id)][-1] == "project.deleted"

    def test_only_the_owner_may_delete(self, session: Session, owner: User, shop: Shop, member) -> None:  # type: ignore[no-untyped-def]
        from accounts import delete_project

        project = create_project(session, owner, shop.id, name="Main", spec=V1)
        for level in (Level.WRITE, Level.READ):
            expected = f"^you have {level.label} access to project {project.id}; deleting it needs owner access$"
            with pytest.raises(LevelTooLow, match=expected):
                delete_project(session, member(f"{level.label}@example.com", level), project.id)
        assert get_current_spec(session, owner, project.id) == V1

    def test_a_running_project_is_not_deleted(self, session: Session, owner: User, shop: Shop) -> None:
        from accounts import delete_project
        from accounts.errors import ProjectBusy
        from accounts.run_lock import project_run_lock

        project = create_project(session, owner, shop.id, name="Main", spec=V1)
        session.commit()
        bind = session.get_bind()
        with project_run_lock(bind.engine if hasattr(bind, "engine") else bind, project.id) as lock:  # type: ignore[arg-type]
            assert lock.taken
            with pytest.raises(ProjectBusy, match="in progress"):
                delete_project(session, owner, project.id)
        session.rollback()
        assert get_current_spec(session, owner, project.id) == V1


def test_an_edit_that_changes_nothing_saves_nothing(session: Session, owner: User, shop: Shop) -> None:
    from accounts import edit_project

    project = create_project(session, owner, shop.id, name="Main", spec=V1)
    assert edit_project(session, owner, project.id, lambda spec: spec.model_copy()) is None
    assert edit_project(session, owner, project.id, lambda spec: V3, note="other source") == 2
    assert [r.note for r in list_history(session, owner, project.id)] == ["other source", "created"]


def test_a_rollback_keeps_the_pause_switch(session: Session, owner: User, shop: Shop) -> None:
    project = create_project(session, owner, shop.id, name="Main", spec=V1)
    paused = V3.model_copy(update={"schedule": V3.schedule.model_copy(update={"paused": True})})
    save_revision(session, owner, project.id, paused)
    rollback_project(session, owner, project.id, 1)
    current = get_current_spec(session, owner, project.id)
    assert current.source == V1.source and current.schedule.paused


def test_every_save_gives_each_export_its_served_url(session: Session, owner: User, shop: Shop) -> None:
    # Done by the save itself, so the command line, the API and the pages cannot forget it.
    from accounts import edit_project
    from accounts.published import list_links

    def links() -> dict[str, str]:
        return {link.export_name: link.token for link in list_links(session, owner, project.id)}

    project = create_project(session, owner, shop.id, name="Main", spec=V2)
    created = links()
    assert list(created) == ["google"]
    with_heureka = V2.exports + [ExportSpec(name="heureka", format="heureka")]
    edit_project(session, owner, project.id, lambda spec: spec.model_copy(update={"exports": with_heureka}))
    assert list(links()) == ["google", "heureka"] and links()["google"] == created["google"]  # kept, not renewed
    save_revision(session, owner, project.id, V1)  # no exports: the links stay, a rollback brings them back
    rollback_project(session, owner, project.id, 2)
    assert links() == {**created, "heureka": links()["heureka"]}
