"""A shop's role profiles page: every profile's permissions as a table, and for those who manage members
forms to add, change and delete the shop's own profiles (`accounts.shop_profiles`, as the CLI uses it).

A refused form shows the page again with the service's reason next to that form, the typed values kept.
Checkboxes post one field each (`grant:rules:edit`, `profile:support`, `project:3`): a posted form is
a plain dict, so a name repeated for several values would keep only the last.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from accounts.access import access_shop, require
from accounts.errors import AccountsError
from accounts.profiles import Area, Grant, Perm
from accounts.roles import Action
from accounts.shop_profiles import add_profile, delete_profile, list_profiles, update_profile
from feedhub.web.caller import Caller, Db, MaybeCaller, Posted
from feedhub.web.errors import status_of
from feedhub.web.language import page_translations
from feedhub.web.pages.base import form_data, go, may, render, signed_in

router = APIRouter(include_in_schema=False)
GRANT_FIELDS: dict[str, Grant] = {f"grant:{area.value}:{perm.value}": (area, perm) for area in Area for perm in Perm}


def ticked(form: dict[str, str], prefix: str) -> list[str]:
    """The values of the checkboxes named `<prefix>:<value>` that were ticked, in form order."""
    return [key.removeprefix(f"{prefix}:") for key in form if key.startswith(f"{prefix}:")]


def ticked_projects(form: dict[str, str]) -> list[int] | None:
    """The project scope a form picked: None (every project) when no project is ticked."""
    return [int(value) for value in ticked(form, "project") if value.isdigit()] or None


def element_names(text: str) -> list[str] | None:
    """The "elements" field: comma-separated names; empty means any element (None)."""
    return [part.strip() for part in text.split(",") if part.strip()] or None


def _grants(form: dict[str, str]) -> frozenset[Grant]:
    return frozenset(grant for field, grant in GRANT_FIELDS.items() if field in form)


def profiles_page(request: Request, c: Caller, session: Session, shop_id: int, *, failed: str = "",
                  error: str = "", typed: dict[str, str] | None = None, status: int = 200) -> Response:
    """The page; `failed` names the form a refusal belongs to ("add" or a profile's name), `typed` what it held."""
    shop = access_shop(session, c.user, shop_id, Action.VIEW).shop
    profiles = list_profiles(session, c.user, shop_id)
    can_manage = may(lambda: access_shop(session, c.user, shop_id, Action.MANAGE_MEMBERS))
    shown_at = {p.name for p in profiles} | ({"add"} if can_manage else set())  # where a form's refusal shows
    _ = page_translations(request, c).gettext
    return render(
        request, "profiles.html", caller=c, title=_("Role profiles of {shop}").format(shop=shop.name),
        shop=shop, profiles=profiles, areas=[area.value for area in Area], perms=[perm.value for perm in Perm],
        can_manage=can_manage, can_delete=may(lambda: require(session, c.user, shop_id, Area.MEMBERS, Perm.DELETE)),
        is_owner=shop.owner_id == c.user.id, failed=failed, form_error=error, typed=typed or {},
        error="" if failed in shown_at else error,
        typed_grants=ticked(typed or {}, "grant"), status=status,
        kinds={"built-in": _("built-in"), "shop": _("this shop"), "owner": _("all the owner's shops")},
    )


@router.get("/shops/{shop_id}/profiles", response_class=HTMLResponse)
def profiles(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """Every profile the shop's members can hold (any member who sees the members)."""
    return signed_in(request, caller, lambda c: profiles_page(request, c, session, shop_id),
                     back=f"/shops/{shop_id}")


ProfileForm = Callable[[Session, Caller, int, dict[str, str]], Any]
"""(session, caller, shop id, form) -> anything: one change of the shop's profiles."""


def _add(session: Session, c: Caller, shop_id: int, form: dict[str, str]) -> None:
    add_profile(session, c.user, shop_id, name=form.get("name", ""), grants=_grants(form),
                elements=element_names(form.get("elements", "")), all_owned_shops="all_owned_shops" in form)


def _change(session: Session, c: Caller, shop_id: int, form: dict[str, str]) -> None:
    update_profile(session, c.user, shop_id, form.get("profile", ""), new_name=form.get("name", ""),
                   grants=_grants(form), elements=element_names(form.get("elements", "")))


def _delete(session: Session, c: Caller, shop_id: int, form: dict[str, str]) -> None:
    delete_profile(session, c.user, shop_id, form.get("profile", ""))


PROFILE_FORMS: dict[str, ProfileForm] = {"add": _add, "change": _change, "delete": _delete}
"""Every form the profiles page posts, by the name in its URL (`POST /shops/<id>/profiles/<name>`)."""


@router.post("/shops/{shop_id}/profiles/{form_name}", response_class=HTMLResponse)
def profile_form(shop_id: int, form_name: str, request: Request, posted: Posted, caller: MaybeCaller,
                 session: Db) -> Response:
    """One of PROFILE_FORMS, then the page again: on a refusal, with the reason next to that form."""
    form = form_data(posted)
    handler = PROFILE_FORMS.get(form_name)

    def act(c: Caller) -> Response:
        if handler is None:
            title = page_translations(request, c).gettext("Not found")
            return render(request, "base.html", caller=c, title=title, text="", status=404)
        try:
            handler(session, c, shop_id, form)
        except AccountsError as exc:
            session.rollback()  # nothing of a refused change is kept
            failed = "add" if form_name == "add" else form.get("profile", "")
            return profiles_page(request, c, session, shop_id, failed=failed, error=exc.message, typed=form,
                                 status=status_of(exc))
        return go(f"/shops/{shop_id}/profiles")
    return signed_in(request, caller, act, back=f"/shops/{shop_id}/profiles")

