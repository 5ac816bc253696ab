"""Role profiles through the services: every built-in profile x every area x every permission, in and out
of a project scope; element scope; invitations carrying profiles; the audit log naming the profile.

The expectations come from the matrix below, written from the issue (PrestaShop-like rows), never from
`accounts.profiles`: a wrong entry in the code's table fails here.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import (
    Level,
    MemoryMailer,
    Shop,
    User,
    accept_invitation,
    add_profile,
    create_project,
    create_shop,
    delete_profile,
    invite_member,
    list_profiles,
    list_projects,
    save_revision,
    set_member_profiles,
    update_profile,
)
from accounts.access import access_project, access_shop, authorize, member_in
from accounts.errors import (
    ElementNotAllowed,
    LevelTooLow,
    NoShopAccess,
    ProfileExists,
    ProfileInUse,
    ProfileNotGrantable,
    ProfileRefused,
    ProjectNotFound,
    UnknownProfile,
)
from accounts.invitations import resend_invitation
from accounts.members import change_member_level, remove_member
from accounts.models import AuditEntry, Membership, Project
from accounts.profiles import Area, Perm, grants
from accounts.projects import set_paused
from accounts.published import rotate_token
from accounts.roles import PERMISSIONS, Action, allows
from accounts.spec_access import FIELD_AREAS
from feeds.project import ExportSpec, ProjectSpec
from tests.accounts.conftest import BASE_URL, UserFactory

# What each built-in profile may do per area: v(iew) a(dd) e(dit) d(elete), "-" nothing. From the issue:
# write and read as today, administrator all but billing and deleting the shop, support views all and runs.
MATRIX = """
                  sources rules exports runs members billing settings tokens audit
owner             vaed    vaed  vaed    vaed vaed    vaed    vaed     vaed   vaed
administrator     vaed    vaed  vaed    vaed vaed    -       vae      vaed   vaed
write             vae     vae   vae     ve   v       -       v        -      -
read              v       v     v       v    v       -       v        -      -
catalogue_editor  v       vaed  v       v    v       -       v        -      -
channel_manager   v       v     vaed    v    v       -       v        -      -
accountant        -       -     -       -    v       vaed    v        -      -
support           v       v     v       ve   v       v       v        v      v
"""
LETTERS = {"v": Perm.VIEW, "a": Perm.ADD, "e": Perm.EDIT, "d": Perm.DELETE}
PROJECT_AREAS = {Area.SOURCES, Area.RULES, Area.EXPORTS, Area.RUNS}  # what a project scope limits


def _matrix() -> dict[str, set[tuple[Area, Perm]]]:
    header, *rows = MATRIX.strip().splitlines()
    areas = [Area(name) for name in header.split()]
    table = {}
    for row in rows:
        name, *cells = row.split()
        table[name] = {(area, LETTERS[c]) for area, cell in zip(areas, cells, strict=True) for c in cell if c != "-"}
    return table


EXPECTED = _matrix()
PROFILES = list(EXPECTED)

# What each service action needs, from the issue: (areas, any of which will do; permission). None: only the
# owner (ownership is no area). Running and confirming are edits of runs.
NEEDS: dict[Action, tuple[set[Area], Perm] | None] = {
    Action.VIEW: ({Area.SETTINGS}, Perm.VIEW),
    Action.EDIT_FEEDS: ({Area.SOURCES, Area.RULES, Area.EXPORTS}, Perm.EDIT),
    Action.EDIT_EXPORTS: ({Area.EXPORTS}, Perm.EDIT),
    Action.RUN_FEEDS: ({Area.RUNS}, Perm.EDIT),
    Action.VIEW_MEMBERS: ({Area.MEMBERS}, Perm.VIEW),
    Action.MANAGE_MEMBERS: ({Area.MEMBERS}, Perm.EDIT),
    Action.RENAME: ({Area.SETTINGS}, Perm.EDIT),
    Action.DELETE: ({Area.SETTINGS}, Perm.DELETE),
    Action.TRANSFER: None,
    Action.BILLING: ({Area.BILLING}, Perm.EDIT),
    Action.VIEW_BILLING: ({Area.BILLING}, Perm.VIEW),
    Action.VIEW_AUDIT: ({Area.AUDIT}, Perm.VIEW),
}
PROJECT_ACTIONS = [Action.VIEW, Action.EDIT_FEEDS, Action.EDIT_EXPORTS, Action.RUN_FEEDS, Action.DELETE]


def _spec(**changes: Any) -> ProjectSpec:
    return ProjectSpec(source="https://shop.test/feed.xml", **changes)


@pytest.fixture
def projects(session: Session, owner: User, shop: Shop) -> tuple[Project, Project]:
    """Two projects of the shop: the one a scoped member is given, and one outside their scope."""
    return (create_project(session, owner, shop.id, name="Inside", spec=_spec()),
            create_project(session, owner, shop.id, name="Outside", spec=_spec()))


def _holder(session: Session, make_user: UserFactory, shop: Shop, profiles: list[str],
            scope: list[int] | None = None) -> User:
    user = make_user(f"{'-'.join(profiles)}@example.com")
    level = Level.WRITE if profiles == ["write"] else Level.READ  # as the services keep it (level_for)
    session.add(Membership(shop_id=shop.id, user_id=user.id, level=level, profiles=profiles, project_ids=scope))
    session.flush()
    return user


def _actor(session: Session, make_user: UserFactory, owner: User, shop: Shop, profile: str,
           scope: list[int] | None) -> User:
    return owner if profile == "owner" else _holder(session, make_user, shop, [profile], scope)


CASES = [(p, False) for p in PROFILES] + [(p, True) for p in PROFILES if p != "owner"]  # the owner is never scoped


@pytest.mark.parametrize(("profile", "scoped"), CASES)
def test_every_area_and_permission(session: Session, make_user: UserFactory, owner: User, shop: Shop,
                                   projects: tuple[Project, Project], profile: str, scoped: bool) -> None:
    inside, outside = projects
    actor = _actor(session, make_user, owner, shop, profile, [inside.id] if scoped else None)
    member = member_in(session, actor, shop)
    assert member is not None
    for project, in_scope in ((inside, True), (outside, not scoped)):
        got = {(a, p) for a in Area for p in Perm if authorize(member, a, p, project_id=project.id)}
        want = {(a, p) for a, p in EXPECTED[profile] if in_scope or a not in PROJECT_AREAS}
        assert got == want, project.name


def _outcome(call: Any) -> str:
    try:
        call()
    except LevelTooLow:
        return "refused"
    except (ProjectNotFound, NoShopAccess):
        return "missing"
    return "ok"


def _expected(profile: str, action: Action, *, project_areas: bool) -> str:
    needs = NEEDS[action]
    if needs is None:
        return "ok" if profile == "owner" else "refused"
    areas, perm = needs
    if not project_areas:
        areas = areas - PROJECT_AREAS
    return "ok" if any((area, perm) in EXPECTED[profile] for area in areas) else "refused"


@pytest.mark.parametrize(("profile", "scoped"), CASES)
def test_every_action_through_the_entry_points(session: Session, make_user: UserFactory, owner: User, shop: Shop,
                                               projects: tuple[Project, Project], profile: str, scoped: bool) -> None:
    """access_shop and access_project, which every service starts with; a project outside the scope
    answers like a missing one, and shop-wide edits of project areas need an unscoped membership."""
    inside, outside = projects
    actor = _actor(session, make_user, owner, shop, profile, [inside.id] if scoped else None)
    got = {action: _outcome(partial(access_shop, session, actor, shop.id, action)) for action in NEEDS}
    assert got == {action: _expected(profile, action, project_areas=not scoped) for action in NEEDS}
    for project, in_scope in ((inside, True), (outside, not scoped)):
        got = {a: _outcome(partial(access_project, session, actor, project.id, a)) for a in PROJECT_ACTIONS}
        want = {a: _expected(profile, a, project_areas=True) if in_scope else "missing" for a in PROJECT_ACTIONS}
        if in_scope:  # seeing a project needs a view of one of its areas, not only of the shop
            views = any((area, Perm.VIEW) in EXPECTED[profile] for area in PROJECT_AREAS)
            want[Action.VIEW] = "ok" if views else "refused"
        assert got == want, project.name


@pytest.mark.parametrize("level", [Level.WRITE, Level.READ])
@pytest.mark.parametrize("action", [a for a in Action if a is not Action.RESTORE])
def test_write_and_read_profiles_allow_what_their_levels_did(
    session: Session, make_user: UserFactory, shop: Shop, projects: tuple[Project, Project], level: Level,
    action: Action,
) -> None:
    actor = _holder(session, make_user, shop, [level.label])
    expected = "ok" if allows(level, action) else "refused"
    assert _outcome(lambda: access_shop(session, actor, shop.id, action)) == expected
    assert _outcome(lambda: access_project(session, actor, projects[0].id, action)) == expected
    if expected == "refused":  # and say so in levels, as before profiles
        with pytest.raises(LevelTooLow) as refused:
            access_shop(session, actor, shop.id, action)
        assert type(refused.value) is LevelTooLow and refused.value.needed is PERMISSIONS[action]


def test_union_of_several_profiles(session: Session, make_user: UserFactory, shop: Shop) -> None:
    actor = _holder(session, make_user, shop, ["catalogue_editor", "accountant"])
    assert _outcome(lambda: access_shop(session, actor, shop.id, Action.VIEW_BILLING)) == "ok"
    member = member_in(session, actor, shop)
    assert member is not None and authorize(member, Area.RULES, Perm.DELETE, project_id=1) == "catalogue_editor"
    assert authorize(member, Area.BILLING, Perm.EDIT) == "accountant"


class TestProjectScope:
    def test_outside_projects_answer_exactly_like_missing_ones(
        self, session: Session, make_user: UserFactory, shop: Shop, projects: tuple[Project, Project]
    ) -> None:
        inside, outside = projects
        actor = _holder(session, make_user, shop, ["write"], [inside.id])
        with pytest.raises(ProjectNotFound) as hidden:
            access_project(session, actor, outside.id, Action.VIEW)
        with pytest.raises(ProjectNotFound) as missing:
            access_project(session, actor, outside.id + 1000, Action.VIEW)
        said = str(missing.value).replace(str(outside.id + 1000), "N")
        assert str(hidden.value).replace(str(outside.id), "N") == said
        assert [p.name for p in list_projects(session, actor, shop.id)] == ["Inside"]

    def test_a_scoped_member_cannot_add_projects(
        self, session: Session, make_user: UserFactory, shop: Shop, projects: tuple[Project, Project]
    ) -> None:
        actor = _holder(session, make_user, shop, ["write"], [projects[0].id])
        with pytest.raises(LevelTooLow):
            create_project(session, actor, shop.id, name="New", spec=_spec())


class TestAreasOfASave:
    def test_catalogue_editor_changes_rules_but_not_exports(
        self, session: Session, make_user: UserFactory, shop: Shop, projects: tuple[Project, Project]
    ) -> None:
        actor = _holder(session, make_user, shop, ["catalogue_editor"])
        rule = {"type": "set", "element": "PRICE_VAT", "value": "1"}
        assert save_revision(session, actor, projects[0].id, _spec(rules=[rule])) == 2
        with pytest.raises(ProfileRefused, match="catalogue_editor"):
            exports = [ExportSpec(name="g", format="google")]
            save_revision(session, actor, projects[0].id, _spec(rules=[rule], exports=exports))

    def test_channel_manager_rotates_export_urls(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project]
    ) -> None:
        save_revision(session, owner, projects[0].id, _spec(exports=[ExportSpec(name="g", format="google")]))
        assert rotate_token(session, _holder(session, make_user, shop, ["channel_manager"]), projects[0].id, "g")
        with pytest.raises(LevelTooLow):
            rotate_token(session, _holder(session, make_user, shop, ["catalogue_editor"]), projects[0].id, "g")

    def test_every_spec_field_belongs_to_an_area(self) -> None:
        assert set(FIELD_AREAS) == set(ProjectSpec.model_fields)


class TestElementScope:
    @pytest.fixture
    def editor(self, session: Session, make_user: UserFactory, owner: User, shop: Shop) -> User:
        add_profile(session, owner, shop.id, name="titles", grants=grants("settings:view,rules:*"),
                    elements=["PRODUCTNAME", "DESCRIPTION", "g:title", "g:description"])
        return _holder(session, make_user, shop, ["titles"])

    def test_rules_on_allowed_elements_save(self, session: Session, editor: User,
                                            projects: tuple[Project, Project]) -> None:
        rules = [{"type": "set", "element": "PRODUCTNAME", "value": "x"},
                 {"type": "replace", "rows": [{"element": "g:title", "value": "y"}]}]
        assert save_revision(session, editor, projects[0].id, _spec(rules=rules)) == 2

    def test_a_rule_writing_another_element_is_refused_naming_it(
        self, session: Session, editor: User, projects: tuple[Project, Project]
    ) -> None:
        rules = [{"type": "set", "element": "PRODUCTNAME", "value": "x"},
                 {"type": "set", "element": "PRICE_VAT", "value": "1"}]
        with pytest.raises(ElementNotAllowed, match="'PRICE_VAT'") as refused:
            save_revision(session, editor, projects[0].id, _spec(rules=rules))
        assert refused.value.element == "PRICE_VAT"

    def test_removing_anothers_rule_on_another_element_is_refused(
        self, session: Session, editor: User, owner: User, projects: tuple[Project, Project]
    ) -> None:
        save_revision(session, owner, projects[0].id, _spec(rules=[{"type": "set", "element": "PRICE", "value": "1"}]))
        with pytest.raises(ElementNotAllowed, match="'PRICE'"):
            save_revision(session, editor, projects[0].id, _spec())

    def test_a_rule_naming_no_element_is_refused(self, session: Session, editor: User,
                                                 projects: tuple[Project, Project]) -> None:
        with pytest.raises(ElementNotAllowed, match="hide rule"):
            save_revision(session, editor, projects[0].id, _spec(rules=[{"type": "hide", "query": "x"}]))


class TestGranting:
    def test_profiles_are_listed_built_in_then_own(self, session: Session, owner: User, shop: Shop) -> None:
        add_profile(session, owner, shop.id, name="Seo", grants=grants("rules:edit"), elements=["PRODUCTNAME"])
        listed = list_profiles(session, owner, shop.id)
        assert [p.name for p in listed] == [*EXPECTED, "seo"]
        assert (listed[-1].grants, listed[-1].elements, listed[-1].kind) == (["rules:edit"], ["PRODUCTNAME"], "shop")

    def test_nobody_grants_more_than_they_may(self, session: Session, make_user: UserFactory, shop: Shop) -> None:
        admin = _holder(session, make_user, shop, ["administrator"])
        other = _holder(session, make_user, shop, ["read"])
        set_member_profiles(session, admin, shop.id, other.id, ["catalogue_editor"])
        with pytest.raises(ProfileNotGrantable):
            set_member_profiles(session, admin, shop.id, other.id, ["accountant"])  # billing: not the admin's
        with pytest.raises(UnknownProfile):
            set_member_profiles(session, admin, shop.id, other.id, ["owner"])  # ownership moves by transfer only

    def test_a_change_of_profiles_applies_at_the_next_request(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project]
    ) -> None:
        member = _holder(session, make_user, shop, ["write"])
        set_member_profiles(session, owner, shop.id, member.id, ["accountant"])
        assert _outcome(lambda: access_project(session, member, projects[0].id, Action.VIEW)) == "refused"
        set_member_profiles(session, owner, shop.id, member.id, ["read"], project_ids=[projects[1].id])
        assert _outcome(lambda: access_project(session, member, projects[0].id, Action.VIEW)) == "missing"
        assert _outcome(lambda: access_project(session, member, projects[1].id, Action.VIEW)) == "ok"


def test_invitation_carries_profiles_and_scope(
    session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project],
    mailer: MemoryMailer,
) -> None:
    invitee = make_user("editor@example.com")
    _, token = invite_member(session, owner, shop.id, email=invitee.email, level=Level.READ, mailer=mailer,
                             base_url=BASE_URL, profiles=["catalogue_editor"], project_ids=[projects[0].id])
    membership = accept_invitation(session, invitee, token)
    assert (membership.profiles, membership.project_ids, membership.level) == (
        ["catalogue_editor"], [projects[0].id], Level.WRITE)
    assert [p.name for p in list_projects(session, invitee, shop.id)] == ["Inside"]


def test_audit_names_the_profile_that_allowed_each_action(
    session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project]
) -> None:
    editor = _holder(session, make_user, shop, ["read", "catalogue_editor"])
    save_revision(session, editor, projects[0].id, _spec(rules=[{"type": "set", "element": "PRICE", "value": "1"}]))
    save_revision(session, owner, projects[0].id, _spec())
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "project.revision").order_by(AuditEntry.id))
    assert [(e.actor_id, e.profile) for e in entries][-2:] == [(editor.id, "catalogue_editor"), (owner.id, "owner")]


class TestOwnersProfiles:
    """An agency owning several shops defines a profile once for all of them."""

    def test_a_profile_for_all_owned_shops_applies_in_each(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop
    ) -> None:
        second = create_shop(session, owner, name="Second")
        stranger = make_user("other@example.com")
        others = create_shop(session, stranger, name="Not ours")
        add_profile(session, owner, shop.id, name="billing-only", grants=grants("settings:view,billing:view"),
                    all_owned_shops=True)
        member = _holder(session, make_user, second, ["billing-only"])
        assert _outcome(lambda: access_shop(session, member, second.id, Action.VIEW_BILLING)) == "ok"
        assert [(p.name, p.kind) for p in list_profiles(session, owner, second.id)][-1] == ("billing-only", "owner")
        assert "billing-only" not in [p.name for p in list_profiles(session, stranger, others.id)]

    def test_only_the_owner_defines_profiles_for_all_their_shops(
        self, session: Session, make_user: UserFactory, shop: Shop
    ) -> None:
        admin = _holder(session, make_user, shop, ["administrator"])
        with pytest.raises(ProfileNotGrantable):
            add_profile(session, admin, shop.id, name="x", grants=grants("rules:view"), all_owned_shops=True)
        add_profile(session, admin, shop.id, name="x", grants=grants("rules:view"))  # the shop's own: fine


VIEW_ALL = "settings:view,sources:view,rules:view,exports:view,runs:view"


class TestChangingAndDeleting:
    """A custom profile can be renamed, changed and deleted; its holders never silently lose or gain."""

    def test_a_rename_keeps_its_holders_and_a_narrowing_applies_at_once(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project]
    ) -> None:
        add_profile(session, owner, shop.id, name="seo", grants=grants(f"{VIEW_ALL},rules:*"))
        member = _holder(session, make_user, shop, ["seo"])
        invitee = make_user("later@example.com")
        invitation, _ = invite_member(session, owner, shop.id, email=invitee.email, level=Level.READ,
                                      mailer=MemoryMailer(), base_url=BASE_URL, profiles=["seo"])
        update_profile(session, owner, shop.id, "seo", new_name="Copywriter", grants=grants(VIEW_ALL), elements=None)
        held = session.scalars(select(Membership).where(Membership.user_id == member.id)).one()
        assert (held.profiles, held.level, invitation.profiles) == (["copywriter"], Level.READ, ["copywriter"])
        assert _outcome(lambda: access_project(session, member, projects[0].id, Action.VIEW)) == "ok"
        assert _outcome(lambda: access_project(session, member, projects[0].id, Action.EDIT_FEEDS)) == "refused"
        update_profile(session, owner, shop.id, "copywriter", new_name="copywriter",
                       grants=grants(f"{VIEW_ALL},rules:edit"), elements=["PRODUCTNAME"])
        assert session.scalars(select(Membership.level).where(Membership.user_id == member.id)).one() is Level.WRITE
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "profile.changed")).first()
        assert entry is not None and (entry.details["name"], entry.details["new_name"]) == ("seo", "copywriter")

    def test_a_held_profile_is_not_deleted_and_its_holders_are_named(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop
    ) -> None:
        add_profile(session, owner, shop.id, name="seo", grants=grants("rules:view"))
        member = _holder(session, make_user, shop, ["seo"])
        with pytest.raises(ProfileInUse, match="held by seo@example.com"):
            delete_profile(session, owner, shop.id, "seo")
        set_member_profiles(session, owner, shop.id, member.id, ["read"])
        delete_profile(session, owner, shop.id, "seo")
        assert "seo" not in [p.name for p in list_profiles(session, owner, shop.id)]

    def test_built_in_and_taken_names(self, session: Session, owner: User, shop: Shop) -> None:
        add_profile(session, owner, shop.id, name="seo", grants=grants("rules:view"))
        add_profile(session, owner, shop.id, name="copy", grants=grants("rules:view"))
        with pytest.raises(UnknownProfile):
            delete_profile(session, owner, shop.id, "write")  # built-in: never changed or deleted
        for taken in ("copy", "read"):
            with pytest.raises(ProfileExists):
                update_profile(session, owner, shop.id, "seo", new_name=taken, grants=grants("rules:view"),
                               elements=None)

    def test_members_managers_change_only_within_what_they_may(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop
    ) -> None:
        add_profile(session, owner, shop.id, name="seo", grants=grants("rules:view"))
        add_profile(session, owner, shop.id, name="agency", grants=grants("rules:view"), all_owned_shops=True)
        admin = _holder(session, make_user, shop, ["administrator"])
        with pytest.raises(ProfileNotGrantable):  # billing is not the administrator's to give
            update_profile(session, admin, shop.id, "seo", new_name="seo", grants=grants("billing:view"), elements=None)
        with pytest.raises(ProfileNotGrantable):  # the owner's profile for all their shops: the owner's alone
            delete_profile(session, admin, shop.id, "agency")
        editor = _holder(session, make_user, shop, ["catalogue_editor"])
        with pytest.raises(LevelTooLow):
            delete_profile(session, editor, shop.id, "seo")
        delete_profile(session, admin, shop.id, "seo")


def test_the_invitation_email_names_the_profiles_and_projects(
    session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project],
    mailer: MemoryMailer,
) -> None:
    invitee = make_user("editor@example.com")
    invite_member(session, owner, shop.id, email=invitee.email, level=Level.READ, mailer=mailer, base_url=BASE_URL,
                  profiles=["catalogue_editor", "support"], project_ids=[projects[0].id])
    invite_member(session, owner, shop.id, email=make_user("plain@example.com").email, level=Level.READ,
                  mailer=mailer, base_url=BASE_URL)
    scoped, plain = (message.get_content() for message in mailer.messages[-2:])
    assert "with the profiles: catalogue_editor, support.\nOnly on the projects: Inside.\n" in scoped
    assert "with read access.\n\nAccept the invitation:" in plain and "profiles" not in plain


class TestMembersArea:
    """Inviting is members:add, removing members:delete, and a member limited to some projects gives or takes
    access only within them."""

    def test_add_invites_and_delete_removes(self, session: Session, make_user: UserFactory, owner: User,
                                            shop: Shop, mailer: MemoryMailer) -> None:
        add_profile(session, owner, shop.id, name="recruiter", grants=grants(f"{VIEW_ALL},members:view,members:add"))
        recruiter = _holder(session, make_user, shop, ["recruiter", "read"])
        invite_member(session, recruiter, shop.id, email=make_user("new@example.com").email, level=Level.READ,
                      mailer=mailer, base_url=BASE_URL)
        reader = _holder(session, make_user, shop, ["write"])
        with pytest.raises(LevelTooLow, match="do not allow members:delete"):
            remove_member(session, recruiter, shop.id, reader.id)
        add_profile(session, owner, shop.id, name="offboarding", grants=grants("settings:view,members:view,"
                                                                                 "members:delete"))
        leaver = _holder(session, make_user, shop, ["offboarding"])
        remove_member(session, leaver, shop.id, reader.id)
        with pytest.raises(LevelTooLow, match="do not allow members:add"):
            invite_member(session, leaver, shop.id, email="new@example.com", level=Level.READ, mailer=mailer,
                          base_url=BASE_URL)

    def test_a_scoped_administrator_reaches_only_their_projects(
        self, session: Session, make_user: UserFactory, owner: User, shop: Shop, projects: tuple[Project, Project],
        mailer: MemoryMailer,
    ) -> None:
        admin = _holder(session, make_user, shop, ["support"])
        set_member_profiles(session, owner, shop.id, admin.id, ["administrator"], project_ids=[projects[0].id])
        everywhere = _holder(session, make_user, shop, ["read"])
        with pytest.raises(ProfileNotGrantable, match="every project"):  # a writer on projects they cannot see
            change_member_level(session, admin, shop.id, everywhere.id, Level.WRITE)
        with pytest.raises(ProfileNotGrantable, match="every project"):
            remove_member(session, admin, shop.id, everywhere.id)
        inside = _holder(session, make_user, shop, ["write"], [projects[0].id])
        change_member_level(session, admin, shop.id, inside.id, Level.READ)
        remove_member(session, admin, shop.id, inside.id)
        invitation, _ = invite_member(session, owner, shop.id, email=make_user("later@example.com").email,
                                      level=Level.WRITE, mailer=mailer, base_url=BASE_URL)
        with pytest.raises(ProfileNotGrantable, match="every project"):  # re-sending grants again
            resend_invitation(session, admin, shop.id, invitation.id, mailer=mailer, base_url=BASE_URL)


def test_support_pauses_and_resumes_but_changes_nothing_else(
    session: Session, make_user: UserFactory, shop: Shop, projects: tuple[Project, Project]
) -> None:
    support = _holder(session, make_user, shop, ["support"])
    assert set_paused(session, support, projects[0].id, paused=True) == 2  # running, pausing, confirming: runs:edit
    assert set_paused(session, support, projects[0].id, paused=True) is None  # already paused: no revision
    with pytest.raises(LevelTooLow):
        save_revision(session, support, projects[0].id, ProjectSpec(source="https://other.example.com/feed.xml"))
