"""Role profiles through the API: define, list, change and delete a shop's own profiles, give members
profiles and a project scope, invite with them; refusals keep the API's error shape.

Who may call each route is test_authorization_matrix.py's; here is what the routes do. Expected grants
are written out literally, never computed with accounts.profiles.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.feedhub.api.conftest import Api, World, ok, refused

P = "/api/v1"
BUILT_IN = ["owner", "administrator", "write", "read", "catalogue_editor", "channel_manager", "accountant", "support"]
A_RULE = {"rule": {"type": "hiding", "query": "AVAILABILITY = \"out of stock\""}}


def call(api: Api, world: World, method: str, path: str, kind: str = "owner", **kwargs: Any) -> httpx.Response:
    """One API call as a world caller (bearer token)."""
    with api.client() as client:
        return client.request(method, P + path, headers=world.as_(kind), **kwargs)




def add_profile(api: Api, world: World, name: str, allow: list[str], elements: list[str] | None = None,
                kind: str = "owner") -> httpx.Response:
    return call(api, world, "POST", f"/shops/{world.shop_id}/profiles", kind,
                json={"name": name, "allow": allow, "elements": elements})


def give(api: Api, world: World, member: str, profiles: list[str], projects: list[int] | None = None,
         kind: str = "owner") -> httpx.Response:
    """Give the world's `member` exactly `profiles` on `projects` (None: every project), as `kind`."""
    return call(api, world, "PUT", f"/shops/{world.shop_id}/members/{world.users[member].id}/profiles", kind,
                json={"profiles": profiles, "projects": projects})


def members(api: Api, world: World) -> dict[str, dict[str, Any]]:
    """The shop's members by email, as the owner sees them."""
    return {m["email"]: m for m in ok(call(api, world, "GET", f"/shops/{world.shop_id}/members"))["items"]}


def invite(api: Api, world: World, email: str, **grant: Any) -> httpx.Response:
    return call(api, world, "POST", f"/shops/{world.shop_id}/invitations", json={"email": email, **grant})


def accept_link(api: Api) -> str:
    """The token of the one invitation emailed since the test began."""
    (message,) = api.mailer.messages
    found = re.search(r"/invitations/(\S+)", message.get_content())
    assert found
    return found.group(1)


def project_revisions(api: Api, world: World, project_id: int) -> int:
    return len(ok(call(api, world, "GET", f"/projects/{project_id}/revisions"))["items"])


class TestDefiningProfiles:
    def test_a_new_profile_is_listed_after_the_built_in_ones_with_its_grants(self, api: Api, world: World) -> None:
        created = ok(add_profile(api, world, " Checker ", ["rules:*", "exports:view"], ["PRODUCTNAME", "g:title"]),
                     201)

        listed = ok(call(api, world, "GET", f"/shops/{world.shop_id}/profiles", "read"))["items"]
        checker = {"name": "checker", "grants": ["rules:view", "rules:add", "rules:edit", "rules:delete",
                                                 "exports:view"],
                   "elements": ["PRODUCTNAME", "g:title"], "kind": "shop"}
        assert created == checker
        assert [p["name"] for p in listed] == [*BUILT_IN, "checker"]
        assert listed[-1] == checker
        assert {p["name"]: (p["kind"], p["elements"]) for p in listed}["write"] == ("built-in", None)
        assert "rules:edit" in listed[BUILT_IN.index("catalogue_editor")]["grants"]

    def test_the_owner_defines_one_for_every_shop_they_own(self, api: Api, world: World) -> None:
        other_shop = ok(call(api, world, "POST", "/shops", json={"name": "Second shop"}), 201)["id"]

        created = ok(call(api, world, "POST", f"/shops/{world.shop_id}/profiles",
                          json={"name": "agency", "allow": ["all:view"], "all_owned_shops": True}), 201)

        assert created["kind"] == "owner"
        listed = ok(call(api, world, "GET", f"/shops/{other_shop}/profiles"))["items"]
        assert [(p["name"], p["kind"]) for p in listed][-1] == ("agency", "owner")

    def test_an_unknown_area_or_permission_is_refused_naming_it(self, api: Api, world: World) -> None:
        area = refused(add_profile(api, world, "x", ["rules:edit", "rulez:view"]), 422, "invalid_request")
        perm = refused(add_profile(api, world, "x", ["rules:fly"]), 422, "invalid_request")
        empty = refused(add_profile(api, world, "x", [""]), 422, "invalid_request")

        assert "unknown area 'rulez' in 'rulez:view'" in area and area.startswith("allow: ")
        assert "unknown perm 'fly' in 'rules:fly'" in perm
        assert "allow at least one area:perm" in empty
        assert [p["name"] for p in ok(call(api, world, "GET", f"/shops/{world.shop_id}/profiles"))["items"]] == BUILT_IN

    def test_a_taken_name_is_a_conflict(self, api: Api, world: World) -> None:
        ok(add_profile(api, world, "checker", ["rules:view"]), 201)

        for name in ("checker", "write"):
            assert repr(name) in refused(add_profile(api, world, name, ["rules:view"]), 409, "profile_exists")

    def test_renaming_a_held_profile_keeps_its_holders_access(self, api: Api, world: World) -> None:
        ok(add_profile(api, world, "editor", ["rules:*"]), 201)
        assert ok(give(api, world, "write", ["editor"])) == {
            "user_id": world.users["write"].id, "level": "write", "profiles": ["editor"], "projects": None,
        }

        changed = ok(call(api, world, "PUT", f"/shops/{world.shop_id}/profiles/editor",
                          json={"name": "rule_editor", "allow": ["rules:view", "rules:edit"], "elements": None}))

        assert changed == {"name": "rule_editor", "grants": ["rules:view", "rules:edit"], "elements": None,
                           "kind": "shop"}
        assert members(api, world)["write@example.com"]["profiles"] == ["rule_editor"]
        ok(call(api, world, "POST", f"/projects/{world.project_id}/rules", "write", json=A_RULE), 201)
        rotate = call(api, world, "POST", f"/projects/{world.project_id}/exports/heureka/rotate-token", "write")
        assert "rule_editor" in refused(rotate, 403, "profile_refused")

    def test_a_held_profile_is_deleted_only_once_nobody_holds_it(self, api: Api, world: World) -> None:
        ok(add_profile(api, world, "editor", ["rules:*"]), 201)
        ok(give(api, world, "write", ["editor"]))
        invitation = ok(invite(api, world, "outsider@example.com", profiles=["editor"]), 201)
        path = f"/shops/{world.shop_id}/profiles/editor"

        message = refused(call(api, world, "DELETE", path), 409, "profile_in_use")

        assert "outsider@example.com (invited)" in message and "write@example.com" in message
        ok(give(api, world, "write", ["read"]))
        ok(call(api, world, "DELETE", f"/shops/{world.shop_id}/invitations/{invitation['id']}"), 204)
        ok(call(api, world, "DELETE", path), 204)
        assert [p["name"] for p in ok(call(api, world, "GET", f"/shops/{world.shop_id}/profiles"))["items"]] == BUILT_IN
        refused(call(api, world, "DELETE", path), 404, "unknown_profile")

    def test_deleting_a_profile_needs_the_members_delete_permission(self, api: Api, world: World) -> None:
        ok(add_profile(api, world, "manager", ["members:view", "members:edit", "settings:view"]), 201)
        ok(add_profile(api, world, "unused", ["settings:view"]), 201)
        ok(give(api, world, "write", ["manager"]))
        path = f"/shops/{world.shop_id}/profiles/unused"

        assert "members:delete" in refused(call(api, world, "DELETE", path, "write"), 403, "grant_refused")
        ok(call(api, world, "PUT", path, "write", json={"name": "unused", "allow": ["members:view"]}))
        ok(call(api, world, "DELETE", path), 204)

    def test_built_in_and_unknown_profiles_cannot_be_changed(self, api: Api, world: World) -> None:
        body = {"name": "write", "allow": ["all:*"], "elements": None}
        for name in ("write", "nope"):
            message = refused(call(api, world, "PUT", f"/shops/{world.shop_id}/profiles/{name}", json=body), 404,
                              "unknown_profile")
            assert repr(name) in message
        refused(call(api, world, "DELETE", f"/shops/{world.shop_id}/profiles/read"), 404, "unknown_profile")
        assert members(api, world)["write@example.com"]["profiles"] == ["write"]


class TestGivingProfiles:
    def test_new_profiles_and_scope_apply_at_the_next_request_with_the_same_token(
        self, api: Api, profile_world: World
    ) -> None:
        world, other = profile_world, profile_world.other_project_id
        assert other is not None
        project = f"/projects/{world.project_id}"

        assert ok(give(api, world, "write", ["read"], [other]))["projects"] == [other]

        outside = refused(call(api, world, "GET", project, "write"), 404, "project_not_found")
        missing = refused(call(api, world, "GET", "/projects/999999", "write"), 404, "project_not_found")
        assert outside.replace(str(world.project_id), "N") == missing.replace("999999", "N")
        ok(call(api, world, "GET", f"/projects/{other}", "write"))
        listed = ok(call(api, world, "GET", f"/shops/{world.shop_id}/projects", "write"))["items"]
        assert [p["id"] for p in listed] == [other]

        assert ok(give(api, world, "write", ["catalogue_editor"])) == {
            "user_id": world.users["write"].id, "level": "write", "profiles": ["catalogue_editor"], "projects": None,
        }

        ok(call(api, world, "POST", f"{project}/rules", "write", json=A_RULE), 201)
        refused(call(api, world, "POST", f"{project}/exports/heureka/rotate-token", "write"), 403, "profile_refused")
        basic_auth = {"user": "google", "password": "s3cret"}
        refused(call(api, world, "PUT", f"{project}/exports/heureka/basic-auth", "write", json=basic_auth), 403,
                "profile_refused")
        assert members(api, world)["write@example.com"] | {"user_id": 0} == {
            "user_id": 0, "email": "write@example.com", "level": "write", "profiles": ["catalogue_editor"],
            "projects": None,
        }

    def test_an_unknown_profile_is_refused_listing_the_known_ones(self, api: Api, world: World) -> None:
        message = refused(give(api, world, "write", ["nope"]), 422, "unknown_profile")

        assert "'nope'" in message and "catalogue_editor" in message and "owner," not in message
        refused(give(api, world, "write", ["owner"]), 422, "unknown_profile")  # ownership moves only by transfer
        assert members(api, world)["write@example.com"]["profiles"] == ["write"]

    def test_an_invitation_with_profiles_gives_exactly_them_on_accepting(self, api: Api, profile_world: World) -> None:
        world, other = profile_world, profile_world.other_project_id

        sent = ok(invite(api, world, "outsider@example.com", profiles=["channel_manager"], projects=[other]), 201)

        assert (sent["profiles"], sent["projects"], sent["level"]) == (["channel_manager"], [other], "write")
        pending = ok(call(api, world, "GET", f"/shops/{world.shop_id}/invitations"))["items"]
        assert {(i["email"], tuple(i["profiles"]), str(i["projects"])) for i in pending} == {
            ("invitee@example.com", ("read",), "None"), ("outsider@example.com", ("channel_manager",), f"[{other}]"),
        }
        joined = ok(call(api, world, "POST", "/invitations/accept", "outsider", json={"token": accept_link(api)}))
        assert (joined["shop_id"], joined["profiles"], joined["projects"]) == (world.shop_id, ["channel_manager"],
                                                                             [other])
        member = members(api, world)["outsider@example.com"]
        assert (member["profiles"], member["projects"], member["level"]) == (["channel_manager"], [other], "write")
        refused(call(api, world, "GET", f"/projects/{world.project_id}", "outsider"), 404, "project_not_found")
        ok(call(api, world, "GET", f"/projects/{other}/links", "outsider"))
        refused(call(api, world, "POST", f"/projects/{other}/rules", "outsider", json=A_RULE), 403, "profile_refused")

    def test_an_invitation_takes_a_level_or_profiles_not_both(self, api: Api, world: World) -> None:
        for grant in ({"level": "read", "profiles": ["read"]}, {}, {"level": "read", "projects": [world.project_id]}):
            refused(invite(api, world, "outsider@example.com", **grant), 422, "invalid_request")
        assert api.mailer.messages == []


class TestElementScope:
    def test_a_rule_writing_an_element_outside_the_profile_is_refused_naming_it(self, api: Api, world: World) -> None:
        ok(add_profile(api, world, "names_only", ["rules:*"], ["PRODUCTNAME"]), 201)
        ok(give(api, world, "write", ["names_only"]))
        rules = f"/projects/{world.project_id}/rules"
        before = project_revisions(api, world, world.project_id)

        described = call(api, world, "POST", rules, "write",
                         json={"rule": {"type": "rewriting", "element": "DESCRIPTION", "value": "x"}})
        moved = call(api, world, "PUT", f"{rules}/r1", "write",
                     json={"rule": {"type": "rewriting", "element": "MANUFACTURER", "value": "x"}})
        hiding = call(api, world, "PATCH", f"{rules}/r2", "write", json={"enabled": False})

        assert "'DESCRIPTION'" in refused(described, 403, "element_not_allowed")
        assert "'MANUFACTURER'" in refused(moved, 403, "element_not_allowed")  # r1 would write it instead
        assert "hiding rule (its default element)" in refused(hiding, 403, "element_not_allowed")
        assert project_revisions(api, world, world.project_id) == before
        ok(call(api, world, "PUT", f"{rules}/r1", "write",
                json={"rule": {"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME%!"}}))
        assert project_revisions(api, world, world.project_id) == before + 1


class TestNobodyGrantsMoreThanTheyHold:
    def test_an_administrator_grants_what_they_hold_and_nothing_more(self, api: Api, profile_world: World) -> None:
        world = profile_world

        billing = refused(add_profile(api, world, "payer", ["billing:view"], kind="administrator"), 403,
                          "profile_not_grantable")
        accountant = refused(give(api, world, "write", ["accountant"], kind="administrator"), 403,
                             "profile_not_grantable")
        everywhere = call(api, world, "POST", f"/shops/{world.shop_id}/profiles", "administrator",
                          json={"name": "agency", "allow": ["rules:view"], "all_owned_shops": True})

        assert "'payer'" in billing and "'accountant'" in accountant
        refused(everywhere, 403, "profile_not_grantable")
        assert members(api, world)["write@example.com"]["profiles"] == ["write"]
        ok(add_profile(api, world, "editor", ["rules:*"], kind="administrator"), 201)
        assert ok(give(api, world, "write", ["editor", "channel_manager"], kind="administrator"))["profiles"] == [
            "editor", "channel_manager",
        ]

    def test_an_element_limited_member_grants_no_wider_elements(self, api: Api, world: World) -> None:
        ok(add_profile(api, world, "names_only", ["rules:*", "members:*", "settings:view"], ["PRODUCTNAME"]), 201)
        ok(give(api, world, "write", ["names_only"]))

        wider = refused(add_profile(api, world, "anything", ["rules:edit"], kind="write"), 403,
                        "profile_not_grantable")

        assert "'anything'" in wider
        ok(add_profile(api, world, "same_names", ["rules:edit"], ["PRODUCTNAME"], kind="write"), 201)

    def test_a_scoped_member_grants_only_projects_in_their_scope(self, api: Api, profile_world: World) -> None:
        world, other = profile_world, profile_world.other_project_id

        every = refused(give(api, world, "write", ["read"], kind="scoped"), 403, "profile_not_grantable")
        outside = refused(give(api, world, "write", ["read"], [world.project_id], kind="scoped"), 404,
                          "project_not_found")
        invited = call(api, world, "POST", f"/shops/{world.shop_id}/invitations", "scoped",
                       json={"email": "outsider@example.com", "profiles": ["read"]})

        assert "'every project'" in every and str(world.project_id) in outside
        refused(invited, 403, "profile_not_grantable")
        assert ok(give(api, world, "write", ["read"], [other], kind="scoped"))["projects"] == [other]
