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
from accounts.errors import NoShopAccess, ProjectExists, ProjectNotFound, RevisionNotFound
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
    with pytest.raises(ProjectNotFound):
        save_revision(session, reader, project.id, V3)
    with pytest.raises(ProjectNotFound):
        rollback_project(session, reader, project.id, 1)
    with pytest.raises(NoShopAccess):
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
