"""Member list visibility, level changes, removal and leaving."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from accounts import Level, Shop, User, change_member_level, leave_shop, list_members, remove_member
from accounts.access import level_in
from accounts.errors import LevelNotGrantable, MemberNotFound, NoShopAccess, OwnerCannotLeave
from accounts.members import MemberView
from accounts.models import Membership
from tests.accounts.conftest import UserFactory


@pytest.fixture
def team(session: Session, make_user: UserFactory, owner: User, shop: Shop) -> dict[str, User]:
    """owner, two writers and a reader."""
    team = {"owner": owner}
    for name, level in [("w1", Level.WRITE), ("w2", Level.WRITE), ("r1", Level.READ)]:
        team[name] = make_user(f"{name}@example.com")
        session.add(Membership(shop_id=shop.id, user_id=team[name].id, level=level))
    session.flush()
    return team


def test_owner_sees_everyone(session: Session, team: dict[str, User], shop: Shop) -> None:
    assert list_members(session, team["owner"], shop.id) == [
        MemberView(team["owner"].id, "owner@example.com", Level.OWNER, ["owner"]),
        MemberView(team["r1"].id, "r1@example.com", Level.READ, ["read"]),
        MemberView(team["w1"].id, "w1@example.com", Level.WRITE, ["write"]),
        MemberView(team["w2"].id, "w2@example.com", Level.WRITE, ["write"]),
    ]


@pytest.mark.parametrize("who", ["w1", "r1"])
def test_members_see_only_themselves_and_the_owner(
    session: Session, team: dict[str, User], shop: Shop, who: str
) -> None:
    assert [m.email for m in list_members(session, team[who], shop.id)] == ["owner@example.com", f"{who}@example.com"]


def test_change_level(session: Session, team: dict[str, User], shop: Shop) -> None:
    change_member_level(session, team["owner"], shop.id, team["r1"].id, Level.WRITE)
    assert level_in(session, team["r1"], shop) is Level.WRITE


def test_owner_level_is_never_granted(session: Session, team: dict[str, User], shop: Shop) -> None:
    with pytest.raises(LevelNotGrantable):
        change_member_level(session, team["owner"], shop.id, team["w1"].id, Level.OWNER)


@pytest.mark.parametrize("who", ["w1", "r1"])
def test_members_cannot_manage_members(session: Session, team: dict[str, User], shop: Shop, who: str) -> None:
    with pytest.raises(NoShopAccess):
        change_member_level(session, team[who], shop.id, team["w2"].id, Level.READ)
    with pytest.raises(NoShopAccess):
        remove_member(session, team[who], shop.id, team["w2"].id)


def test_remove_member(session: Session, team: dict[str, User], shop: Shop) -> None:
    remove_member(session, team["owner"], shop.id, team["w1"].id)
    assert level_in(session, team["w1"], shop) is None
    with pytest.raises(MemberNotFound):
        remove_member(session, team["owner"], shop.id, team["w1"].id)


def test_leave(session: Session, team: dict[str, User], shop: Shop) -> None:
    leave_shop(session, team["r1"], shop.id)
    assert level_in(session, team["r1"], shop) is None
    with pytest.raises(NoShopAccess):
        leave_shop(session, team["r1"], shop.id)


def test_owner_cannot_leave_or_be_removed(session: Session, team: dict[str, User], shop: Shop) -> None:
    with pytest.raises(OwnerCannotLeave):
        leave_shop(session, team["owner"], shop.id)
    with pytest.raises(OwnerCannotLeave):
        remove_member(session, team["owner"], shop.id, team["owner"].id)
    assert shop.owner_id == team["owner"].id
