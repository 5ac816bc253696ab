"""Role profiles of a shop: list the built-in and custom ones, define, change and delete custom ones.

Grants are written as the CLI takes them ("rules:*", "exports:view"). Nobody defines a profile allowing
more than they may do themselves (403); members' changes of profiles are under `members`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter

from accounts.errors import UnknownProfile
from accounts.shop_profiles import add_profile, delete_profile, list_profiles, update_profile
from feedhub.web.api.schemas import NewProfile, ProfileBody
from feedhub.web.api.views import profile_view, saved_profile_view
from feedhub.web.caller import Db, Me
from feedhub.web.errors import ApiError

router = APIRouter(tags=["profiles"])


@router.get("/shops/{shop_id}/profiles")
def profiles(shop_id: int, user: Me, session: Db) -> dict[str, Any]:
    """The built-in profiles, then the shop's own and its owner's by name (any member).

    Not paged: a shop has a handful of profiles, and they have no id a cursor could name.
    """
    return {"items": [profile_view(profile) for profile in list_profiles(session, user, shop_id)]}


@router.post("/shops/{shop_id}/profiles", status_code=201)
def add(shop_id: int, body: NewProfile, user: Me, session: Db) -> dict[str, Any]:
    """Define a profile of the shop's own, or (the owner, `all_owned_shops`) of every shop they own."""
    row = add_profile(session, user, shop_id, name=body.name, grants=body.granted(), elements=body.elements,
                      all_owned_shops=body.all_owned_shops)
    return saved_profile_view(row)


@router.put("/shops/{shop_id}/profiles/{name}")
def change(shop_id: int, name: str, body: ProfileBody, user: Me, session: Db) -> dict[str, Any]:
    """Replace a custom profile's name, grants and elements; members and invitations holding it follow."""
    with _path_names_profile():
        row = update_profile(session, user, shop_id, name, new_name=body.name, grants=body.granted(),
                             elements=body.elements)
    return saved_profile_view(row)


@router.delete("/shops/{shop_id}/profiles/{name}", status_code=204)
def delete(shop_id: int, name: str, user: Me, session: Db) -> None:
    """Delete a custom profile nobody holds (409 naming the holders otherwise)."""
    with _path_names_profile():
        delete_profile(session, user, shop_id, name)


@contextmanager
def _path_names_profile() -> Iterator[None]:
    """A profile the path names and the shop lacks is a missing resource (404), not a bad body (422)."""
    try:
        yield
    except UnknownProfile as exc:
        raise ApiError(404, "unknown_profile", exc.message) from exc
