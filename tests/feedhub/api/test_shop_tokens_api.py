"""A shop's own API tokens through the API: created with exactly some profiles and projects, acting as
those allow with `Authorization: Bearer`, no person (no sign-in, no shops, no more tokens), outliving
their creator, and ending for good when revoked.

Who may call each route is test_authorization_matrix.py's; here is what the routes and the token do.
"""

from __future__ import annotations

from typing import Any

import httpx

from accounts import create_project
from accounts.db import make_session_factory
from accounts.models import User
from feeds.project import ProjectSpec
from tests.feedhub.api.conftest import SAMPLE, Api, World, ok, refused

P = "/api/v1"
A_RULE = {"rule": {"type": "hiding", "query": "AVAILABILITY = \"out of stock\""}}
BASIC_AUTH = {"user": "google", "password": "s3cret"}


def call(api: Api, headers: dict[str, str], method: str, path: str, **kwargs: Any) -> httpx.Response:
    with api.client() as client:
        return client.request(method, P + path, headers=headers, **kwargs)




def add_token(api: Api, world: World, kind: str = "owner", **body: Any) -> httpx.Response:
    return call(api, world.as_(kind), "POST", f"/shops/{world.shop_id}/tokens", json=body)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def second_project(api: Api, world: World) -> int:
    with make_session_factory(api.engine)() as session:
        owner = session.get_one(User, world.users["owner"].id)
        project = create_project(session, owner, world.shop_id, name="Other", spec=ProjectSpec(source=str(SAMPLE)))
        session.commit()
        return project.id


def test_a_token_acts_with_its_profiles_on_its_projects_only(api: Api, world: World) -> None:
    other = second_project(api, world)
    created = ok(add_token(api, world, name="CI rules", profiles=["catalogue_editor"], projects=[world.project_id]),
                 201)
    secret, project = bearer(created.pop("token")), f"/projects/{world.project_id}"

    assert created | {"id": 0, "account": "", "created_at": ""} == {
        "id": 0, "name": "CI rules", "account": "", "profiles": ["catalogue_editor"], "projects": [world.project_id],
        "created_at": "", "last_used_at": None,
    }
    ok(call(api, secret, "POST", f"{project}/rules", json=A_RULE), 201)
    refused(call(api, secret, "PUT", f"{project}/exports/heureka/basic-auth", json=BASIC_AUTH), 403,
            "profile_refused")
    refused(call(api, secret, "GET", f"/projects/{other}"), 404, "project_not_found")
    listed = ok(call(api, world.as_("owner"), "GET", f"/shops/{world.shop_id}/tokens"))
    assert listed["next_cursor"] is None
    (token,) = listed["items"]
    assert token["last_used_at"] is not None and "token" not in token
    assert token | {"last_used_at": None} == created
    audit = ok(call(api, world.as_("owner"), "GET", f"/shops/{world.shop_id}/audit?limit=200"))["items"]
    assert [e["actor"] for e in audit if e["action"] == "project.revision"][-1] == created["account"]


def test_a_token_is_no_person(api: Api, world: World) -> None:
    created = ok(add_token(api, world, name="bot", profiles=["write"]), 201)
    secret = bearer(created["token"])

    shop = refused(call(api, secret, "POST", "/shops", json={"name": "Its own"}), 403, "not_for_shop_tokens")
    token = refused(call(api, secret, "POST", "/me/tokens", json={"name": "spare"}), 403, "not_for_shop_tokens")
    assert "create shops" in shop and "create API tokens" in token
    as_token = call(api, {}, "POST", "/auth/login", json={"email": created["account"], "password": "!"})
    wrong = call(api, {}, "POST", "/auth/login", json={"email": "owner@example.com", "password": "not it at all"})
    assert refused(as_token, 401, "invalid_credentials") == refused(wrong, 401, "invalid_credentials")
    members = ok(call(api, world.as_("owner"), "GET", f"/shops/{world.shop_id}/members"))["items"]
    assert created["account"] not in {m["email"] for m in members}


def test_revoking_ends_the_token_at_once(api: Api, world: World) -> None:
    created = ok(add_token(api, world, name="sync", profiles=["read"]), 201)
    secret, tokens = bearer(created["token"]), f"/shops/{world.shop_id}/tokens"
    ok(call(api, secret, "GET", f"/shops/{world.shop_id}"))

    ok(call(api, world.as_("owner"), "DELETE", f"{tokens}/{created['id']}"), 204)

    refused(call(api, secret, "GET", f"/shops/{world.shop_id}"), 401, "unauthenticated")
    assert ok(call(api, world.as_("owner"), "GET", tokens))["items"] == []
    refused(call(api, world.as_("owner"), "DELETE", f"{tokens}/{created['id']}"), 404, "api_token_not_found")
    # a person's own token is no token of the shop: it is theirs to revoke
    refused(call(api, world.as_("owner"), "DELETE", f"{tokens}/{world.owner_token_id}"), 404, "api_token_not_found")
    ok(call(api, world.as_("owner"), "GET", "/me"))


def test_a_token_outlives_the_member_who_created_it(api: Api, profile_world: World) -> None:
    world = profile_world
    created = ok(add_token(api, world, "administrator", name="sync", profiles=["write"]), 201)

    ok(call(api, world.as_("administrator"), "POST", f"/shops/{world.shop_id}/leave"), 204)

    refused(call(api, world.as_("administrator"), "GET", f"/shops/{world.shop_id}/tokens"), 404, "no_shop_access")
    ok(call(api, bearer(created["token"]), "POST", f"/projects/{world.project_id}/rules", json=A_RULE), 201)


def test_support_lists_tokens_but_creates_none(api: Api, profile_world: World) -> None:
    world = profile_world

    message = refused(add_token(api, world, "support", name="mine", profiles=["read"]), 403, "grant_refused")

    assert "tokens:add" in message
    listed = ok(call(api, world.as_("support"), "GET", f"/shops/{world.shop_id}/tokens"))["items"]
    assert [t["id"] for t in listed] == [world.shop_token_id]


def test_a_body_gives_a_name_and_profiles_and_nothing_else(api: Api, world: World) -> None:
    for body in ({"name": "x"}, {"name": "x", "profiles": []}, {"name": "x", "profiles": ["read"], "level": "write"}):
        refused(add_token(api, world, **body), 422, "invalid_request")
    refused(add_token(api, world, name="x", profiles=["nope"]), 422, "unknown_profile")
    refused(add_token(api, world, name="x", profiles=["owner"]), 422, "unknown_profile")
    assert ok(call(api, world.as_("owner"), "GET", f"/shops/{world.shop_id}/tokens"))["items"] == []
