"""Every API route, called by every kind of caller, answers as the access rules say.

The rows are checked against the app's own route table (its OpenAPI paths): a new route without a
row fails `test_every_route_has_a_row`, so no route ships without its expectations. Each call runs
in a fresh world, and a refused call must leave the database exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

import accounts.run_queue  # noqa: F401 - its tables join Base's now, not when a request first imports it
from accounts.db import make_session_factory
from accounts.models import Base
from accounts.profiles import BUILTIN_PROFILES, PROJECT_AREAS, Area, Perm
from tests.feedhub.api.conftest import (
    CUSTOM_PROFILE,
    KINDS,
    PASSWORD,
    PROFILE_KINDS,
    PROFILE_OF,
    SCOPED,
    Api,
    World,
)

OUTSIDE = ("anonymous", "revoked_token", "expired_session")
MEMBERS = ("owner", "write", "read", *PROFILE_KINDS)
CALLERS = (*KINDS, *PROFILE_KINDS)
SPEC = {"source": "https://shop.example.com/feed.xml", "exports": []}
OWNERSHIP = "ownership"  # no profile grants it: only the owner
SHOP_VIEW = "settings:view"
PROJECT_VIEW = "sources|rules|exports|runs:view"  # seeing a project: a view of any of its areas
FEEDS_EDIT = "sources|rules|exports:edit"  # the door to saving a project: an edit of any feed area


@dataclass(frozen=True)
class Row:
    """What each kind of caller gets from one route, and the body it sends."""

    expect: dict[str, int]
    body: Callable[[str, World], Any] | Any = None

    def body_for(self, kind: str, world: World) -> Any:
        return self.body(kind, world) if callable(self.body) else self.body


def may(kind: str, needs: str, *, project: bool) -> bool:
    """Whether the kind's built-in profile has every need: space-separated "area|area:perm" items, any
    one area of an item will do. A scoped member has project areas only on a project (in scope)."""
    if needs == OWNERSHIP:
        return kind == "owner"
    granted = BUILTIN_PROFILES[PROFILE_OF[kind]].grants
    if kind in SCOPED and not project:
        granted = frozenset(grant for grant in granted if grant[0] not in PROJECT_AREAS)
    return all(any((Area(area), Perm(perm)) in granted for area in areas.split("|"))
               for areas, perm in (item.split(":") for item in needs.split()))


def member_route(ok: int, needs: str, *, project: bool, body: Any, owner: int | None,
                 every_project: bool) -> Row:
    expect = {kind: ok if may(kind, needs, project=project) else 403 for kind in MEMBERS}
    if every_project:  # it grants access to every project, which a scoped member has not
        expect.update(dict.fromkeys(SCOPED, 403))
    if project:  # the world's project is outside their scope: exactly like a missing project
        expect.update(dict.fromkeys(SCOPED, 404))
    if owner is not None:
        expect["owner"] = owner
    return Row({**expect, "outsider": 404, **dict.fromkeys(OUTSIDE, 401)}, body)


def shop_route(ok: int, needs: str = SHOP_VIEW, *, body: Any = None, owner: int | None = None,
               every_project: bool = False) -> Row:
    """Members whose profile has `needs` get `ok` (the owner `owner` if given), other members 403,
    outsiders 404; `every_project`: the route grants access to every project, so scoped members get 403."""
    return member_route(ok, needs, project=False, body=body, owner=owner, every_project=every_project)


def project_route(ok: int, needs: str = PROJECT_VIEW, *, body: Any = None) -> Row:
    """As shop_route, on the world's project: members scoped to another project get 404, as outsiders do."""
    return member_route(ok, needs, project=True, body=body, owner=None, every_project=False)


def account_route(ok: int, *, body: Any = None, **special: int) -> Row:
    """Any signed-in caller gets `ok` (or its entry in `special`); nobody else gets in."""
    signed_in = {kind: special.get(kind, ok) for kind in (*MEMBERS, "outsider")}
    return Row({**signed_in, **dict.fromkeys(OUTSIDE, 401)}, body)


def public_route(ok: int, *, body: Any = None, **special: int) -> Row:
    """The same answer for everybody: the route does not depend on who calls."""
    return Row({kind: special.get(kind, ok) for kind in CALLERS}, body)


P = "/api/v1"
ROWS: dict[tuple[str, str], Row] = {
    ("POST", f"{P}/auth/signup"): public_route(201, body=lambda kind, w: {"email": f"new-{kind}@example.com",
                                                                          "password": PASSWORD}),
    ("POST", f"{P}/auth/login"): public_route(200, body={"email": "owner@example.com", "password": PASSWORD}),
    # a bad bearer token is refused wherever it is sent; an expired cookie is no caller at all
    ("POST", f"{P}/auth/logout"): public_route(204, revoked_token=401),
    ("POST", f"{P}/auth/verify"): public_route(400, body={"token": "not-a-token"}),
    ("POST", f"{P}/auth/verify/resend"): account_route(409),  # every caller here is verified already
    ("POST", f"{P}/auth/password-reset"): public_route(202, body={"email": "owner@example.com"}),
    ("POST", f"{P}/auth/password-reset/confirm"): public_route(400, body={"token": "x", "password": "long enough"}),
    ("GET", f"{P}/me"): account_route(200),
    ("PUT", f"{P}/me/password"): account_route(200, body={"old_password": PASSWORD, "new_password": "a new secret"}),
    ("GET", f"{P}/me/tokens"): account_route(200),
    ("POST", f"{P}/me/tokens"): account_route(201, body={"name": "ci"}),
    # the owner's token: nobody else may even see that it exists
    ("DELETE", f"{P}/me/tokens/{{token_id}}"): account_route(404, owner=204),
    ("GET", f"{P}/me/billing-profile"): account_route(200),
    ("PUT", f"{P}/me/billing-profile"): account_route(200, body={"name": "Kola s.r.o.", "vat_id": "cz12345678"}),
    ("GET", f"{P}/me/invitations"): account_route(200),
    ("GET", f"{P}/me/transfers"): account_route(200),
    ("GET", f"{P}/me/audit"): account_route(200),
    ("GET", f"{P}/shops"): account_route(200),
    ("POST", f"{P}/shops"): account_route(201, body={"name": "Another shop"}),
    ("GET", f"{P}/shops/{{shop_id}}"): shop_route(200),
    ("PATCH", f"{P}/shops/{{shop_id}}"): shop_route(200, "settings:edit", body={"name": "Renamed"}),
    ("DELETE", f"{P}/shops/{{shop_id}}"): shop_route(200, "settings:delete"),
    ("POST", f"{P}/shops/{{shop_id}}/restore"): shop_route(409, "settings:delete"),  # it is not deleted
    ("GET", f"{P}/shops/{{shop_id}}/audit"): shop_route(200, "audit:view"),
    ("GET", f"{P}/shops/{{shop_id}}/statistics"): shop_route(200),
    ("GET", f"{P}/shops/{{shop_id}}/members"): shop_route(200, "members:view"),
    # a member limited to some projects changes or removes only members within them (the writer has every one)
    ("PATCH", f"{P}/shops/{{shop_id}}/members/{{user_id}}"): shop_route(200, "members:edit", body={"level": "read"},
                                                                       every_project=True),
    ("PUT", f"{P}/shops/{{shop_id}}/members/{{user_id}}/profiles"): shop_route(
        200, "members:edit", body={"profiles": ["read"], "projects": None}, every_project=True
    ),
    ("DELETE", f"{P}/shops/{{shop_id}}/members/{{user_id}}"): shop_route(204, "members:delete", every_project=True),
    ("POST", f"{P}/shops/{{shop_id}}/leave"): shop_route(204, owner=409),  # the owner must transfer first
    ("GET", f"{P}/shops/{{shop_id}}/profiles"): shop_route(200, "members:view"),
    ("POST", f"{P}/shops/{{shop_id}}/profiles"): shop_route(
        201, "members:edit", body={"name": "checker", "allow": ["rules:view", "exports:view"]}
    ),
    ("PUT", f"{P}/shops/{{shop_id}}/profiles/{{name}}"): shop_route(
        200, "members:edit", body={"name": "reader", "allow": ["sources:view"], "elements": ["PRODUCTNAME"]}
    ),
    ("DELETE", f"{P}/shops/{{shop_id}}/profiles/{{name}}"): shop_route(204, "members:edit members:delete"),
    ("GET", f"{P}/shops/{{shop_id}}/tokens"): shop_route(200, "tokens:view"),
    # a token for every project: a member limited to some projects gives it only within them
    ("POST", f"{P}/shops/{{shop_id}}/tokens"): shop_route(201, "tokens:add", every_project=True,
                                                       body={"name": "ci", "profiles": ["read"], "projects": None}),
    # profile_world's token, for every project: revoked only by members who reach every project
    ("DELETE", f"{P}/shops/{{shop_id}}/tokens/{{token_id}}"): shop_route(204, "tokens:delete", every_project=True),
    ("GET", f"{P}/shops/{{shop_id}}/invitations"): shop_route(200, "members:edit"),
    ("POST", f"{P}/shops/{{shop_id}}/invitations"): shop_route(
        201, "members:add", body={"email": "outsider@example.com", "level": "read"}, every_project=True
    ),
    ("DELETE", f"{P}/shops/{{shop_id}}/invitations/{{invitation_id}}"): shop_route(204, "members:edit"),
    # re-sending grants again: within the sender's projects (the invitation is for every project)
    ("POST", f"{P}/shops/{{shop_id}}/invitations/{{invitation_id}}/resend"): shop_route(202, "members:edit",
                                                                                        every_project=True),
    ("POST", f"{P}/invitations/accept"): account_route(400, body={"token": "not-a-token"}),
    ("POST", f"{P}/shops/{{shop_id}}/transfer"): shop_route(201, OWNERSHIP, body={"email": "write@example.com"}),
    ("DELETE", f"{P}/shops/{{shop_id}}/transfer"): shop_route(400, OWNERSHIP),  # none is pending
    ("POST", f"{P}/transfers/accept"): account_route(400, body={"token": "not-a-token"}),
    ("GET", f"{P}/shops/{{shop_id}}/billing"): shop_route(200, "billing:view"),
    ("PUT", f"{P}/shops/{{shop_id}}/billing/period"): shop_route(200, "billing:edit", body={"period": "yearly"}),
    # the world has no invoice 1: who may see invoices gets past the access check to the 404 (test_payments
    # downloads one)
    ("GET", f"{P}/shops/{{shop_id}}/invoices/{{number}}.pdf"): shop_route(404, "billing:view"),
    ("GET", f"{P}/shops/{{shop_id}}/projects"): shop_route(200),  # a scoped member sees their projects only
    ("POST", f"{P}/shops/{{shop_id}}/projects"): shop_route(201, f"{FEEDS_EDIT} sources:add",
                                                         body={"name": "New", "spec": SPEC}),
    ("GET", f"{P}/projects/{{project_id}}"): project_route(200),
    # SPEC replaces the source, the rules and queries, and the exports
    ("PUT", f"{P}/projects/{{project_id}}"): project_route(200, "sources:edit rules:edit exports:edit",
                                                          body={"spec": SPEC}),
    ("GET", f"{P}/projects/{{project_id}}/revisions"): project_route(200),
    ("GET", f"{P}/projects/{{project_id}}/revisions/{{number}}"): project_route(200),
    # revision 1 is the current one: nothing changes, so only the door to saving is checked
    ("POST", f"{P}/projects/{{project_id}}/rollback"): project_route(200, FEEDS_EDIT, body={"revision": 1}),
    ("DELETE", f"{P}/projects/{{project_id}}"): project_route(204, "settings:delete"),  # as deleting the shop
    # pausing and resuming are edits of runs, as running and confirming are: support may
    ("POST", f"{P}/projects/{{project_id}}/pause"): project_route(200, "runs:edit"),
    ("POST", f"{P}/projects/{{project_id}}/resume"): project_route(200, "runs:edit"),  # it is not paused
    ("GET", f"{P}/projects/{{project_id}}/rules"): project_route(200),
    ("POST", f"{P}/projects/{{project_id}}/rules"): project_route(
        201, "rules:edit", body={"rule": {"type": "hiding", "query": "AVAILABILITY = \"out of stock\""}}
    ),
    ("PUT", f"{P}/projects/{{project_id}}/rules/{{rule_id}}"): project_route(
        200, "rules:edit", body={"rule": {"type": "rewriting", "element": "PRODUCTNAME", "value": "x"}}
    ),
    ("PATCH", f"{P}/projects/{{project_id}}/rules/{{rule_id}}"): project_route(200, "rules:edit",
                                                                              body={"enabled": False}),
    ("DELETE", f"{P}/projects/{{project_id}}/rules/{{rule_id}}"): project_route(204, "rules:edit"),
    ("PUT", f"{P}/projects/{{project_id}}/rules-order"): project_route(200, "rules:edit", body={"ids": ["r2", "r1"]}),
    ("GET", f"{P}/projects/{{project_id}}/queries"): project_route(200),
    ("GET", f"{P}/projects/{{project_id}}/products"): project_route(200),
    ("GET", f"{P}/projects/{{project_id}}/products/{{product}}/trace"): project_route(200),
    ("POST", f"{P}/projects/{{project_id}}/preview"): project_route(200, body={"rules": []}),
    ("POST", f"{P}/projects/{{project_id}}/runs"): project_route(202, "runs:edit"),
    ("GET", f"{P}/projects/{{project_id}}/runs"): project_route(200),
    ("GET", f"{P}/runs/{{run_id}}"): project_route(200),
    ("POST", f"{P}/runs/{{run_id}}/confirm"): project_route(409, "runs:edit"),  # the run is not held
    ("GET", f"{P}/projects/{{project_id}}/links"): project_route(200),
    ("POST", f"{P}/projects/{{project_id}}/exports/{{export}}/rotate-token"): project_route(200, "exports:edit"),
    ("PUT", f"{P}/projects/{{project_id}}/exports/{{export}}/basic-auth"): project_route(
        200, "exports:edit", body={"user": "google", "password": "s3cret"}
    ),
    ("GET", f"{P}/projects/{{project_id}}/exports/{{export}}/downloads"): project_route(200),
    # nobody in the world is a site administrator (the administrator profile is a shop's):
    # see test_an_administrator_sees_every_account_and_shop
    ("GET", f"{P}/admin/users"): account_route(403),
    ("GET", f"{P}/admin/shops"): account_route(403),
    ("POST", f"{P}/invoices/{{number}}/payments"): account_route(403, body={"amount": "10"}),
    # no webhook secret is configured in this world: the route is not there for anybody
    ("POST", f"{P}/payments/webhook"): public_route(404, body={"invoice": "1", "amount": "10"}),
}


def api_routes(api: Api) -> set[tuple[str, str]]:
    """(method, path) of every route the app documents under /api/v1."""
    import httpx

    schema = httpx.get(f"{api.url}/api/openapi.json").json()
    return {(method.upper(), path) for path, methods in schema["paths"].items() for method in methods}


def test_every_route_has_a_row(api: Api) -> None:
    assert api_routes(api) == set(ROWS)


def path_of(template: str, world: World) -> str:
    shop_token = template.startswith(f"{P}/shops/") and world.shop_token_id is not None
    values = {
        "shop_id": world.shop_id, "project_id": world.project_id, "run_id": world.run_id,
        "invitation_id": world.invitation_id, "user_id": world.users["write"].id,
        "token_id": world.shop_token_id if shop_token else world.owner_token_id,
        "export": "heureka", "number": 1, "rule_id": "r1", "product": "HRN24-CER", "name": CUSTOM_PROFILE,
    }
    return template.format(**values)


def database_rows(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (timestamps of sessions seen aside), to prove a refusal changed nothing."""
    changing = {"login_sessions", "api_tokens", "idempotency_keys"}  # last-seen and last-used times move
    with make_session_factory(api.engine)() as session:
        names = set(inspect(session.get_bind()).get_table_names()) - changing
        return {name: sorted(map(tuple, session.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
                for name in sorted(names) if name in Base.metadata.tables or name.startswith(("project_", "export_"))}


REFUSED = (401, 403, 404)


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1].removeprefix(P)}"


@pytest.mark.parametrize("route", sorted(ROWS), ids=route_id)
def test_each_kind_of_caller_gets_the_expected_answer(api: Api, profile_world: World, route: tuple[str, str]) -> None:
    """Every refused caller in one world, then the allowed ones: all of them for a read, the first (the
    owner, mostly) for a change; test_each_member_allowed_a_change_gets_it does the others."""
    method, template = route
    row, world = ROWS[route], profile_world
    path = path_of(template, world)
    refused = [kind for kind in CALLERS if row.expect[kind] in REFUSED]
    allowed = [kind for kind in CALLERS if kind not in refused]
    before = database_rows(api)
    with api.client() as client:
        for kind in refused:  # all in one world: a refusal must change nothing
            response = client.request(method, path, json=row.body_for(kind, world), headers=world.as_(kind))
            assert response.status_code == row.expect[kind], (kind, response.text)
            assert set(response.json()) == {"code", "message", "problems"}
    assert database_rows(api) == before, "a refused request changed the database"
    for kind in allowed if method == "GET" else allowed[:1]:
        with api.client() as client:
            response = client.request(method, path, json=row.body_for(kind, world), headers=world.as_(kind))
        assert response.status_code == row.expect[kind], (kind, response.text)


def allowed_changes() -> list[tuple[tuple[str, str], str]]:
    """(route, member kind) of each change a member other than the owner may make in the shop."""
    return [(route, kind) for route, row in sorted(ROWS.items()) if route[0] != "GET" and row.expect["outsider"] == 404
            for kind in MEMBERS if kind != "owner" and row.expect[kind] not in REFUSED]


@pytest.mark.parametrize(("route", "kind"), allowed_changes(), ids=lambda v: v if isinstance(v, str) else route_id(v))
def test_each_member_allowed_a_change_gets_it(api: Api, profile_world: World, route: tuple[str, str],
                                             kind: str) -> None:
    """Each in a fresh world: a change alters what the next caller would see."""
    method, template = route
    row, world = ROWS[route], profile_world
    with api.client() as client:
        response = client.request(method, path_of(template, world), json=row.body_for(kind, world),
                                  headers=world.as_(kind))
    assert response.status_code == row.expect[kind], response.text


def test_someone_elses_shop_answers_exactly_like_no_shop(api: Api, world: World) -> None:
    with api.client() as client:
        theirs = client.get(f"{P}/shops/{world.shop_id}", headers=world.as_("outsider"))
        missing = client.get(f"{P}/shops/999999", headers=world.as_("outsider"))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["code"] == missing.json()["code"]
    assert theirs.json()["message"].replace(str(world.shop_id), "N") == missing.json()["message"].replace("999999", "N")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/shops", {"name": "Mine", "owner_id": 1}),
        ("POST", "/shops", {"name": "Mine", "status": "active"}),
        ("PATCH", "/shops/{shop_id}", {"name": "x", "owner_id": 1}),
        ("PUT", "/shops/{shop_id}/billing/period", {"period": "yearly", "price": "0"}),
        ("POST", "/shops/{shop_id}/projects", {"name": "p", "spec": SPEC, "shop_id": 1}),
        ("PUT", "/me/billing-profile", {"name": "x", "verified": True}),
        ("POST", "/shops/{shop_id}/invitations", {"email": "x@example.com", "level": "owner"}),
    ],
)
def test_a_body_cannot_set_what_its_caller_may_not(
    api: Api, world: World, method: str, path: str, body: dict[str, Any]
) -> None:
    with api.client() as client:
        response = client.request(method, P + path_of(path, world), json=body, headers=world.as_("owner"))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"
    with make_session_factory(api.engine)() as session:
        from accounts.models import Shop

        shop = session.scalars(select(Shop).where(Shop.id == world.shop_id)).one()
        assert (shop.owner_id, shop.status.value, shop.name) == (world.users["owner"].id, "trial", "Kola s.r.o.")


def test_an_administrator_sees_every_account_and_shop(api: Api, world: World) -> None:
    from accounts.admin import set_admin

    with make_session_factory(api.engine)() as session:
        set_admin(session, "outsider@example.com")
        session.commit()
    with api.client() as client:
        users = client.get(f"{P}/admin/users", headers=world.as_("outsider")).json()["items"]
        shops = client.get(f"{P}/admin/shops", headers=world.as_("outsider")).json()["items"]
    assert {u["email"] for u in users} >= {f"{kind}@example.com" for kind in ("owner", "write", "read", "outsider")}
    assert [(s["id"], s["owner_email"]) for s in shops] == [(world.shop_id, "owner@example.com")]
