"""The role profiles on the pages, as the server renders them: the profiles page's permission tables and its
forms, the shop page's profiles and project scope per member, and what a member limited to one project sees.
(tests/e2e/test_profiles.py goes through the same in Chromium.)"""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from accounts import create_project
from accounts.db import make_session_factory
from accounts.invitations import list_shop_invitations
from accounts.members import list_members
from accounts.profiles import BUILTIN_PROFILES, Area, Perm, grant_labels
from accounts.shop_profiles import ProfileView, list_profiles, set_member_profiles
from feeds.project import ExportSpec, ProjectSpec
from tests.feedhub.api.conftest import SAMPLE, Api, World, page, post

COPYWRITER = {"name": "Copywriter", "grant:settings:view": "on", "grant:members:view": "on", "grant:rules:view": "on",
              "grant:rules:add": "on", "grant:rules:edit": "on", "elements": "PRODUCTNAME, DESCRIPTION"}




def profiles_of(api: Api, world: World) -> dict[str, ProfileView]:
    with make_session_factory(api.engine)() as session:
        return {p.name: p for p in list_profiles(session, world.users["owner"], world.shop_id)}


def ticks(shown: str, profile: str) -> dict[str, list[str]]:
    """Area -> the text alternatives of its view/add/edit/delete cells, from the profile's table on the page."""
    tree = lxml_html.fromstring(shown)
    (table,) = tree.xpath(f'//section[h3="{profile}"]/table')
    rows = table.xpath("tr[th[@scope='row']]")
    return {row.xpath("string(th)"): [cell.xpath("string(span[2])") for cell in row.xpath("td")] for row in rows}


def an_administrator(api: Api, world: World) -> None:
    """The writer becomes an administrator: manages members, but no billing."""
    with make_session_factory(api.engine)() as session:
        set_member_profiles(session, world.users["owner"], world.shop_id, world.users["write"].id, ["administrator"])
        session.commit()


def second_project(api: Api, world: World) -> int:
    """A project "Google" next to "Heureka"; its id."""
    with make_session_factory(api.engine)() as session:
        target = api.settings.exports_dir / "google.xml"
        spec = ProjectSpec(source=str(SAMPLE), exports=[ExportSpec(name="google", format="heureka",
                                                                   uri=target.as_uri())])
        project = create_project(session, world.users["owner"], world.shop_id, name="Google", spec=spec)
        session.commit()
        return project.id


class TestProfilesPage:
    @pytest.mark.parametrize("name", ["read", "accountant", "support"])
    def test_built_in_profiles_are_tables_of_ticks_with_text_alternatives(self, api: Api, world: World,
                                                                          name: str) -> None:
        shown = page(api, world, "read", f"/shops/{world.shop_id}/profiles")
        assert shown.status_code == 200
        profile = BUILTIN_PROFILES[name]
        expected = {area.value: ["allowed" if profile.allows(area, perm) else "not allowed" for perm in Perm]
                    for area in Area}
        assert ticks(shown.text, name) == expected
        assert f"Permissions of {name}" in shown.text  # the table's caption

    def test_every_built_in_is_listed_with_its_kind(self, api: Api, world: World) -> None:
        tree = lxml_html.fromstring(page(api, world, "read", f"/shops/{world.shop_id}/profiles").text)
        listed = {s.xpath("string(h3)"): s.xpath("string(p)") for s in tree.xpath("//section[@class='profile']")}
        assert set(listed) == set(BUILTIN_PROFILES)
        assert listed["accountant"] == "built-in · any element"

    def test_a_reader_sees_no_form_and_the_server_refuses_one_anyway(self, api: Api, world: World) -> None:
        shown = page(api, world, "read", f"/shops/{world.shop_id}/profiles").text
        assert "Add a profile" not in shown and "<form method=\"post\" action=\"/shops/" not in shown
        refused = post(api, world, "read", f"/shops/{world.shop_id}/profiles/add", COPYWRITER)
        assert refused.status_code == 403 and 'role="alert"' in refused.text
        assert "copywriter" not in profiles_of(api, world)

    def test_an_outsider_gets_a_missing_page(self, api: Api, world: World) -> None:
        assert page(api, world, "outsider", f"/shops/{world.shop_id}/profiles").status_code == 404


class TestAddingAProfile:
    def test_the_form_adds_a_profile_of_the_shops_own(self, api: Api, world: World) -> None:
        added = post(api, world, "owner", f"/shops/{world.shop_id}/profiles/add", COPYWRITER)

        assert (added.status_code, added.headers["location"]) == (303, f"/shops/{world.shop_id}/profiles")
        copywriter = profiles_of(api, world)["copywriter"]
        assert copywriter.grants == ["rules:view", "rules:add", "rules:edit", "members:view", "settings:view"]
        assert (copywriter.elements, copywriter.kind) == (["DESCRIPTION", "PRODUCTNAME"], "shop")
        shown = page(api, world, "owner", f"/shops/{world.shop_id}/profiles").text
        assert ticks(shown, "copywriter")["rules"] == ["allowed", "allowed", "allowed", "not allowed"]
        assert "this shop · elements: DESCRIPTION, PRODUCTNAME" in shown
        assert "Change copywriter" in shown and "Delete copywriter" in shown

    def test_the_owner_may_add_one_for_all_their_shops(self, api: Api, world: World) -> None:
        post(api, world, "owner", f"/shops/{world.shop_id}/profiles/add", {**COPYWRITER, "all_owned_shops": "on"})
        assert profiles_of(api, world)["copywriter"].kind == "owner"
        assert "all the owner&#39;s shops" in page(api, world, "owner", f"/shops/{world.shop_id}/profiles").text

    def test_a_taken_name_is_refused_next_to_the_form_with_what_was_typed(self, api: Api, world: World) -> None:
        refused = post(api, world, "owner", f"/shops/{world.shop_id}/profiles/add", {**COPYWRITER, "name": "read"})

        assert refused.status_code == 409
        tree = lxml_html.fromstring(refused.text)
        (form,) = tree.xpath("//form[@action=$a]", a=f"/shops/{world.shop_id}/profiles/add")
        assert form.xpath("string(p[@role='alert'])") == f"shop {world.shop_id} already has a profile 'read'"
        assert form.xpath("string(.//input[@name='name']/@value)") == "read"
        assert form.xpath(".//input[@name='grant:rules:edit']/@checked") and not form.xpath(
            ".//input[@name='grant:billing:view']/@checked")
        assert set(profiles_of(api, world)) == set(BUILTIN_PROFILES)

    def test_an_administrator_cannot_add_a_profile_allowing_billing(self, api: Api, world: World) -> None:
        an_administrator(api, world)
        shown = page(api, world, "write", f"/shops/{world.shop_id}/profiles").text
        assert "Add a profile" in shown and "For all shops I own" not in shown  # only the owner speaks for all

        refused = post(api, world, "write", f"/shops/{world.shop_id}/profiles/add",
                       {**COPYWRITER, "grant:billing:view": "on"})

        assert refused.status_code == 403
        assert "you cannot grant the profile &#39;copywriter&#39;: it allows more than you may do" in refused.text
        assert "copywriter" not in profiles_of(api, world)


class TestChangingAndDeletingAProfile:
    def test_a_rename_and_new_permissions_apply_to_its_holders(self, api: Api, world: World) -> None:
        post(api, world, "owner", f"/shops/{world.shop_id}/profiles/add", COPYWRITER)
        with make_session_factory(api.engine)() as session:
            set_member_profiles(session, world.users["owner"], world.shop_id, world.users["read"].id, ["copywriter"])
            session.commit()

        changed = post(api, world, "owner", f"/shops/{world.shop_id}/profiles/change", {
            "profile": "copywriter", "name": "editor", "grant:settings:view": "on", "grant:rules:view": "on",
            "elements": ""})

        assert changed.status_code == 303
        editor = profiles_of(api, world)["editor"]
        assert (editor.grants, editor.elements) == (["rules:view", "settings:view"], None)
        with make_session_factory(api.engine)() as session:
            held = {m.email: m.profiles for m in list_members(session, world.users["owner"], world.shop_id)}
        assert held["read@example.com"] == ["editor"]

    def test_a_held_profile_is_not_deleted_and_the_page_names_who_holds_it(self, api: Api, world: World) -> None:
        post(api, world, "owner", f"/shops/{world.shop_id}/profiles/add", COPYWRITER)
        with make_session_factory(api.engine)() as session:
            set_member_profiles(session, world.users["owner"], world.shop_id, world.users["read"].id, ["copywriter"])
            session.commit()

        refused = post(api, world, "owner", f"/shops/{world.shop_id}/profiles/delete", {"profile": "copywriter"})

        assert refused.status_code == 409
        tree = lxml_html.fromstring(refused.text)
        alert = tree.xpath("string(//section[h3='copywriter']/p[@role='alert'])")
        assert alert == "the profile 'copywriter' is held by read@example.com; give them other profiles first"
        assert "copywriter" in profiles_of(api, world)

        with make_session_factory(api.engine)() as session:
            set_member_profiles(session, world.users["owner"], world.shop_id, world.users["read"].id, ["read"])
            session.commit()
        deleted = post(api, world, "owner", f"/shops/{world.shop_id}/profiles/delete", {"profile": "copywriter"})
        assert deleted.status_code == 303 and "copywriter" not in profiles_of(api, world)

    def test_built_in_profiles_have_no_change_form_and_cannot_be_changed(self, api: Api, world: World) -> None:
        shown = page(api, world, "owner", f"/shops/{world.shop_id}/profiles").text
        assert "/profiles/change" not in shown and "/profiles/delete" not in shown
        refused = post(api, world, "owner", f"/shops/{world.shop_id}/profiles/change",
                       {"profile": "read", "name": "read", "grant:billing:edit": "on"})
        assert refused.status_code == 422 and "unknown profile &#39;read&#39;" in refused.text
        assert profiles_of(api, world)["read"].grants == grant_labels(BUILTIN_PROFILES["read"].grants)


class TestMembersOnTheShopPage:
    def test_a_member_limited_to_one_project_sees_only_that_one(self, api: Api, world: World) -> None:
        google = second_project(api, world)

        given = post(api, world, "owner", f"/shops/{world.shop_id}/member-profiles", {
            "user_id": str(world.users["read"].id), "profile:catalogue_editor": "on",
            "profile:support": "on", f"project:{world.project_id}": "on"})

        assert given.status_code == 303
        owner_view = page(api, world, "owner", f"/shops/{world.shop_id}").text
        assert "catalogue_editor, support · projects: Heureka" in owner_view
        member_view = page(api, world, "read", f"/shops/{world.shop_id}").text
        assert f'href="/projects/{world.project_id}"' in member_view and f'href="/projects/{google}"' not in member_view
        assert "New project" not in member_view  # adding a project needs sources:add on the whole shop
        assert page(api, world, "read", f"/projects/{world.project_id}").status_code == 200
        missing = page(api, world, "read", f"/projects/{google}")
        assert missing.status_code == 404
        assert missing.text.replace(str(google), "N") == page(api, world, "read", "/projects/999999").text.replace(
            "999999", "N")  # exactly like a project that does not exist

    def test_no_project_ticked_means_every_project(self, api: Api, world: World) -> None:
        google = second_project(api, world)
        post(api, world, "owner", f"/shops/{world.shop_id}/member-profiles",
             {"user_id": str(world.users["read"].id), "profile:catalogue_editor": "on"})
        with make_session_factory(api.engine)() as session:
            (member,) = [m for m in list_members(session, world.users["owner"], world.shop_id)
                         if m.email == "read@example.com"]
        assert (member.profiles, member.project_ids) == (["catalogue_editor"], None)
        assert page(api, world, "read", f"/projects/{google}").status_code == 200

    def test_the_form_ticks_what_a_member_holds(self, api: Api, world: World) -> None:
        with make_session_factory(api.engine)() as session:
            set_member_profiles(session, world.users["owner"], world.shop_id, world.users["read"].id, ["support"],
                                project_ids=[world.project_id])
            session.commit()
        tree = lxml_html.fromstring(page(api, world, "owner", f"/shops/{world.shop_id}").text)
        (form,) = [f for f in tree.xpath("//form[contains(@action, '/member-profiles')]")
                   if f.xpath("string(input[@name='user_id']/@value)") == str(world.users["read"].id)]
        checked = [box.get("name") for box in form.xpath(".//input[@type='checkbox'][@checked]")]
        assert checked == ["profile:support", f"project:{world.project_id}"]
        assert "profile:owner" not in form.xpath(".//input/@name")  # ownership moves only by transfer

    def test_an_invitation_carries_the_profiles_and_projects_ticked(self, api: Api, world: World) -> None:
        second_project(api, world)
        invited = post(api, world, "owner", f"/shops/{world.shop_id}/invite", {
            "email": "invitee@example.com", "level": "read", "profile:catalogue_editor": "on",
            f"project:{world.project_id}": "on"})

        assert invited.status_code == 303
        with make_session_factory(api.engine)() as session:
            (invitation,) = list_shop_invitations(session, world.users["owner"], world.shop_id)
        assert (invitation.profiles, invitation.project_ids) == (["catalogue_editor"], [world.project_id])
        assert "invitee@example.com (catalogue_editor · projects: Heureka, until" in page(
            api, world, "owner", f"/shops/{world.shop_id}").text

    def test_without_a_profile_ticked_the_level_applies_as_before(self, api: Api, world: World) -> None:
        post(api, world, "owner", f"/shops/{world.shop_id}/invite", {"email": "invitee@example.com", "level": "write"})
        with make_session_factory(api.engine)() as session:
            (invitation,) = list_shop_invitations(session, world.users["owner"], world.shop_id)
        assert (invitation.level.label, invitation.profiles, invitation.project_ids) == ("write", ["write"], None)
        assert "invitee@example.com (write, until" in page(api, world, "owner", f"/shops/{world.shop_id}").text

    def test_a_reader_gets_no_member_forms(self, api: Api, world: World) -> None:
        shown = page(api, world, "read", f"/shops/{world.shop_id}").text
        for control in ("member-profiles", "Invite</button>", "Profiles of ", "/invite"):
            assert control not in shown
        assert f'href="/shops/{world.shop_id}/profiles"' in shown
        refused = post(api, world, "read", f"/shops/{world.shop_id}/member-profiles",
                       {"user_id": str(world.users["read"].id), "profile:administrator": "on"})
        assert refused.status_code == 403
        with make_session_factory(api.engine)() as session:
            held = {m.email: m.profiles for m in list_members(session, world.users["owner"], world.shop_id)}
        assert held["read@example.com"] == ["read"]
