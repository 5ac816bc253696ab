"""access_shop on a real database: every action for owner, write, read, outsider and a missing shop."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from accounts import Level, Shop, User, delete_shop
from accounts.access import access_shop
from accounts.errors import LevelTooLow, NoShopAccess
from accounts.models import Membership
from accounts.roles import PERMISSIONS, Action
from tests.accounts.conftest import UserFactory

WHO = ["owner", "write", "read", "outsider"]


@pytest.fixture
def people(session: Session, make_user: UserFactory, owner: User, shop: Shop) -> dict[str, User]:
    """The shop's owner, a write member, a read member and an outsider."""
    people = {"owner": owner}
    for who in ("write", "read", "outsider"):
        people[who] = make_user(f"{who}@example.com")
    session.add(Membership(shop_id=shop.id, user_id=people["write"].id, level=Level.WRITE))
    session.add(Membership(shop_id=shop.id, user_id=people["read"].id, level=Level.READ))
    session.flush()
    return people


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", [a for a in Action if a is not Action.RESTORE])
def test_access_follows_the_permission_table(
    session: Session, people: dict[str, User], shop: Shop, action: Action, who: str
) -> None:
    levels = {"owner": Level.OWNER, "write": Level.WRITE, "read": Level.READ}
    if who in levels and levels[who] >= PERMISSIONS[action]:
        access = access_shop(session, people[who], shop.id, action)
        assert access == (shop, levels[who])
    else:
        with pytest.raises(NoShopAccess) as refused:
            access_shop(session, people[who], shop.id, action)
        assert (refused.value.shop_id, refused.value.action) == (shop.id, action.value)
        assert isinstance(refused.value, LevelTooLow) is (who in levels)  # members are told their level


def test_missing_shop_and_forbidden_shop_raise_the_same_error(
    session: Session, people: dict[str, User], shop: Shop
) -> None:
    with pytest.raises(NoShopAccess) as missing:
        access_shop(session, people["outsider"], shop.id + 1000, Action.VIEW)
    with pytest.raises(NoShopAccess) as forbidden:
        access_shop(session, people["outsider"], shop.id, Action.VIEW)
    assert str(missing.value).replace(str(shop.id + 1000), "N") == str(forbidden.value).replace(str(shop.id), "N")


@pytest.mark.parametrize("who", WHO)
def test_deleted_shop_is_invisible_except_for_restore_by_owner(
    session: Session, people: dict[str, User], shop: Shop, who: str
) -> None:
    delete_shop(session, people["owner"], shop.id)
    with pytest.raises(NoShopAccess):
        access_shop(session, people[who], shop.id, Action.VIEW)
    if who == "owner":
        assert access_shop(session, people[who], shop.id, Action.RESTORE).level is Level.OWNER
    else:
        with pytest.raises(NoShopAccess):
            access_shop(session, people[who], shop.id, Action.RESTORE)


class TestRefusalMessages:
    def test_outsider_is_told_the_action_in_plain_words(
        self, session: Session, people: dict[str, User], shop: Shop
    ) -> None:
        with pytest.raises(NoShopAccess) as refused:
            access_shop(session, people["outsider"], shop.id, Action.MANAGE_MEMBERS)
        assert type(refused.value) is NoShopAccess
        assert refused.value.message == f"no shop {shop.id}, or you may not manage its members"

    @pytest.mark.parametrize(
        ("who", "action", "message"),
        [
            ("read", Action.RUN_FEEDS, "you have read access to shop N; running its projects needs write access"),
            ("read", Action.EDIT_FEEDS, "you have read access to shop N; editing its projects needs write access"),
            ("write", Action.BILLING, "you have write access to shop N; managing its billing needs owner access"),
            ("write", Action.DELETE, "you have write access to shop N; deleting it needs owner access"),
        ],
    )
    def test_member_is_told_which_level_the_action_needs(
        self, session: Session, people: dict[str, User], shop: Shop, who: str, action: Action, message: str
    ) -> None:
        with pytest.raises(LevelTooLow) as refused:
            access_shop(session, people[who], shop.id, action)
        assert refused.value.message == message.replace("shop N", f"shop {shop.id}")
        assert (refused.value.level, refused.value.needed) == (Level[who.upper()], PERMISSIONS[action])

    @pytest.mark.parametrize("who", ["write", "read"])
    def test_member_of_a_deleted_shop_learns_nothing_more_than_an_outsider(
        self, session: Session, people: dict[str, User], shop: Shop, who: str
    ) -> None:
        delete_shop(session, people["owner"], shop.id)
        with pytest.raises(NoShopAccess) as refused:
            access_shop(session, people[who], shop.id, Action.EDIT_FEEDS)
        assert type(refused.value) is NoShopAccess
        assert refused.value.message == f"no shop {shop.id}, or you may not edit its projects"
