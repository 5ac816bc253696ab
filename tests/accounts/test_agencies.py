"""Both agency models, and ending the cooperation without losing anything."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts import (
    Level,
    MemoryMailer,
    User,
    accept_invitation,
    accept_transfer,
    create_project,
    create_shop,
    get_current_spec,
    invite_member,
    list_history,
    list_my_shops,
    remove_member,
    save_revision,
    start_transfer,
)
from accounts.access import level_in
from feeds.project import ProjectSpec
from tests.accounts.conftest import BASE_URL, UserFactory

SPEC_1 = ProjectSpec(source="https://client.test/feed.xml")
SPEC_2 = ProjectSpec(source="https://client.test/feed.xml", queries={"cheap": "PRICE_VAT < 100"})


def invite(session: Session, owner: User, shop_id: int, invitee: User, level: Level, mailer: MemoryMailer) -> None:
    _, token = invite_member(
        session, owner, shop_id, email=invitee.email, level=level, mailer=mailer, base_url=BASE_URL
    )
    accept_invitation(session, invitee, token)


def test_client_owns_and_removes_the_agency(session: Session, make_user: UserFactory, mailer: MemoryMailer) -> None:
    client, agency = make_user("client@example.com"), make_user("agency@example.com")
    shop = create_shop(session, client, name="Client shop")
    invite(session, client, shop.id, agency, Level.WRITE, mailer)
    project = create_project(session, agency, shop.id, name="Heureka", spec=SPEC_1)
    save_revision(session, agency, project.id, SPEC_2)
    remove_member(session, client, shop.id, agency.id)
    assert level_in(session, agency, shop) is None
    assert get_current_spec(session, client, project.id) == SPEC_2
    assert [(r.number, r.author_email) for r in list_history(session, client, project.id)] == [
        (2, "agency@example.com"),
        (1, "agency@example.com"),
    ]


def test_agency_owns_then_hands_the_shop_back(session: Session, make_user: UserFactory, mailer: MemoryMailer) -> None:
    agency, client = make_user("agency@example.com"), make_user("client@example.com")
    shops = [create_shop(session, agency, name=f"Client {n}") for n in "AB"]
    invite(session, agency, shops[0].id, client, Level.READ, mailer)
    project = create_project(session, agency, shops[0].id, name="Google", spec=SPEC_1)
    assert [(s.name, s.level) for s in list_my_shops(session, agency)] == [
        ("Client A", Level.OWNER),
        ("Client B", Level.OWNER),
    ]
    assert [(s.name, s.level) for s in list_my_shops(session, client)] == [("Client A", Level.READ)]
    _, token = start_transfer(session, agency, shops[0].id, to_email=client.email, mailer=mailer, base_url=BASE_URL)
    accept_transfer(session, client, token)
    remove_member(session, client, shops[0].id, agency.id)
    assert [(s.name, s.level) for s in list_my_shops(session, client)] == [("Client A", Level.OWNER)]
    assert [s.name for s in list_my_shops(session, agency)] == ["Client B"]
    assert get_current_spec(session, client, project.id) == SPEC_1
