"""A shop's own API tokens (the `tokens` area): given profiles and scope by those who may, acting only
inside the shop, outliving their creator, and ending for good when revoked."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import (
    Level,
    MemoryMailer,
    Shop,
    User,
    create_api_token,
    create_project,
    create_shop,
    get_user,
    invite_member,
    leave_shop,
    list_members,
    request_password_reset,
    resolve_api_token,
    revoke_api_token,
    save_revision,
    set_member_profiles,
)
from accounts.access import access_project
from accounts.errors import (
    ApiTokenNotFound,
    InvalidCredentials,
    LevelTooLow,
    MemberNotFound,
    NotForShopTokens,
    ProfileNotGrantable,
    ProjectNotFound,
    UserNotFound,
)
from accounts.members import remove_member
from accounts.models import ApiToken, AuditEntry, Membership, Project
from accounts.roles import Action
from accounts.runs import alert_recipients
from accounts.shop_tokens import create_shop_token, list_shop_tokens, revoke_shop_token
from accounts.users import authenticate
from feeds.project import ExportSpec, ProjectSpec
from tests.accounts.conftest import BASE_URL, UserFactory


def _spec(rules: list[dict[str, str]] | None = None, name: str = "google") -> ProjectSpec:
    return ProjectSpec(source="https://shop.example.com/feed.xml", rules=rules or [],
                       exports=[ExportSpec(name="google", format="google", uri=f"file:///tmp/{name}.xml")])


@pytest.fixture
def projects(session: Session, owner: User, shop: Shop) -> tuple[Project, Project]:
    return (create_project(session, owner, shop.id, name="Google", spec=_spec()),
            create_project(session, owner, shop.id, name="Heureka", spec=_spec(name="heureka")))


def _member(session: Session, make_user: UserFactory, shop: Shop, profiles: list[str]) -> User:
    user = make_user(f"{'-'.join(profiles)}@example.com")
    session.add(Membership(shop_id=shop.id, user_id=user.id, level=Level.READ, profiles=profiles))
    session.flush()
    return user


def test_a_token_acts_with_its_profiles_on_its_projects_only(
    session: Session, owner: User, shop: Shop, projects: tuple[Project, Project]
) -> None:
    view, secret = create_shop_token(session, owner, shop.id, name="CI rules deploy",
                                     profiles=["catalogue_editor"], project_ids=[projects[0].id])
    account = resolve_api_token(session, secret)
    assert account is not None and account.email == view.account
    assert view.account.startswith("ci-rules-deploy.") and view.account.endswith(f"@shop-{shop.id}.tokens.invalid")
    save_revision(session, account, projects[0].id, _spec([{"type": "rewriting", "element": "PRODUCTNAME",
                                                            "value": "x"}]))
    with pytest.raises(ProjectNotFound):
        access_project(session, account, projects[1].id, Action.VIEW)
    with pytest.raises(LevelTooLow):  # a catalogue editor changes rules, not exports
        save_revision(session, account, projects[0].id, ProjectSpec(source="https://shop.example.com/feed.xml",
                                                                    exports=[]))
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "project.revision",
                                                     AuditEntry.actor_id == account.id)).one()
    assert entry.profile == "catalogue_editor"
    assert [(t.name, t.profiles, t.project_ids) for t in list_shop_tokens(session, owner, shop.id)] == [
        ("CI rules deploy", ["catalogue_editor"], [projects[0].id])]


def test_who_may_create_list_and_revoke(session: Session, make_user: UserFactory, owner: User, shop: Shop) -> None:
    admin = _member(session, make_user, shop, ["administrator"])
    support = _member(session, make_user, shop, ["support"])
    writer = _member(session, make_user, shop, ["write"])
    view, _ = create_shop_token(session, admin, shop.id, name="feed monitor", profiles=["read"])
    with pytest.raises(ProfileNotGrantable):  # billing is not the administrator's to give
        create_shop_token(session, admin, shop.id, name="invoices", profiles=["accountant"])
    with pytest.raises(LevelTooLow, match=r"your profiles \(support\) on shop \d+ do not allow tokens:add"):
        create_shop_token(session, support, shop.id, name="x", profiles=["read"])
    assert [t.id for t in list_shop_tokens(session, support, shop.id)] == [view.id]  # support views everything
    with pytest.raises(LevelTooLow):
        list_shop_tokens(session, writer, shop.id)  # write is today's write: no tokens area
    with pytest.raises(LevelTooLow):
        revoke_shop_token(session, support, shop.id, view.id)
    revoke_shop_token(session, admin, shop.id, view.id)
    with pytest.raises(ApiTokenNotFound):
        revoke_shop_token(session, owner, shop.id, view.id)


def test_a_token_outlives_its_creator_and_revoking_ends_everything(
    session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project]
) -> None:
    admin = _member(session, make_user, shop, ["administrator"])
    view, secret = create_shop_token(session, admin, shop.id, name="sync", profiles=["write"])
    leave_shop(session, admin, shop.id)
    account = resolve_api_token(session, secret)
    assert account is not None
    assert access_project(session, account, projects[0].id, Action.EDIT_FEEDS) is projects[0]
    revoke_shop_token(session, owner, shop.id, view.id)
    assert resolve_api_token(session, secret) is None
    assert session.scalars(select(Membership).where(Membership.user_id == account.id)).all() == []
    assert list_shop_tokens(session, owner, shop.id) == []
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "shop_token.revoked")).one()
    assert entry.details["account"] == view.account  # the account row stays so the log keeps its name


def test_a_token_is_no_person(session: Session, owner: User, shop: Shop, mailer: MemoryMailer) -> None:
    view, secret = create_shop_token(session, owner, shop.id, name="bot", profiles=["write"])
    account = resolve_api_token(session, secret)
    assert account is not None
    with pytest.raises(InvalidCredentials):
        authenticate(session, view.account, "!")
    with pytest.raises(UserNotFound):
        get_user(session, view.account)
    with pytest.raises(UserNotFound):  # so nobody invites it, or transfers a shop to it
        invite_member(session, owner, shop.id, email=view.account, level=Level.READ, mailer=mailer,
                      base_url=BASE_URL)
    with pytest.raises(NotForShopTokens, match="create shops"):
        create_shop(session, account, name="Its own")
    with pytest.raises(NotForShopTokens, match="create API tokens"):  # revoking its one token ends it all
        create_api_token(session, account, name="spare")
    request_password_reset(session, email=view.account, mailer=mailer, base_url=BASE_URL)
    assert mailer.messages == []
    assert [m.email for m in list_members(session, owner, shop.id)] == [owner.email]
    assert alert_recipients(session, shop.id) == [owner.email]  # write level, but no mailbox


def test_a_tokens_membership_changes_only_through_the_tokens_area(
    session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project]
) -> None:
    view, secret = create_shop_token(session, owner, shop.id, name="bot", profiles=["read"])
    account = resolve_api_token(session, secret)
    assert account is not None
    for change in (lambda: leave_shop(session, account, shop.id),
                   lambda: remove_member(session, owner, shop.id, account.id),
                   lambda: set_member_profiles(session, owner, shop.id, account.id, ["administrator"])):
        with pytest.raises(MemberNotFound):
            change()
    own_token = session.scalars(select(ApiToken.id).where(ApiToken.user_id == account.id)).one()
    with pytest.raises(NotForShopTokens, match="revoke itself"):
        revoke_api_token(session, account, own_token)
    admin = _member(session, make_user, shop, ["support"])
    set_member_profiles(session, owner, shop.id, admin.id, ["administrator"], project_ids=[projects[0].id])
    with pytest.raises(ProfileNotGrantable, match="every project"):  # the token reaches every project
        revoke_shop_token(session, admin, shop.id, view.id)
    assert [t.name for t in list_shop_tokens(session, owner, shop.id)] == ["bot"]
