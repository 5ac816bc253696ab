"""My shops (the agency view) and a shop's page: projects, members (their profiles and project scope) and
invitations, the shop's API tokens (their forms are in `shop_tokens`), transfer, history, delete and restore.
Each form posts to the same services as the API; controls a level may not use are not shown, and the services
refuse them anyway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from accounts.access import access_shop, require
from accounts.audit import list_audit
from accounts.billing import change_billing_period
from accounts.dashboard import list_dashboard
from accounts.errors import AccountsError, NoShopAccess
from accounts.invitations import invite_member, list_my_invitations, resend_invitation, revoke_invitation
from accounts.members import change_member_level, leave_shop, remove_member
from accounts.overview import ShopOverview, describe_shop
from accounts.profiles import Area, Perm
from accounts.projects import list_projects
from accounts.roles import Action, Level
from accounts.shop_profiles import list_profiles, set_member_profiles
from accounts.shop_tokens import MAX_NAME_LENGTH, ShopTokenView, list_shop_tokens
from accounts.shops import create_shop, delete_shop, rename_shop, restorable_until, restore_shop
from accounts.transfers import cancel_transfer, start_transfer
from feedhub.web.caller import Caller, Context, Db, MaybeCaller, Posted
from feedhub.web.language import page_translations
from feedhub.web.pages.base import form_data, go, may, render, signed_in, to_login
from feedhub.web.pages.profiles import ticked, ticked_projects
from feedhub.web.shop_name import shop_name_from_feed

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def my_shops(request: Request, caller: MaybeCaller, session: Db, q: str = "", attention: bool = False) -> Response:
    """Every shop I can reach, with my level, its status and its projects' last runs; `q` searches names,
    `attention` keeps the shops with a failed or held run."""
    if caller is None:
        return to_login("/")
    lines = list_dashboard(session, caller.user, search=q.strip())
    shown = [line for line in lines if line.needs_attention] if attention else lines
    return render(request, "shops.html", caller=caller, title=page_translations(request, caller).gettext("My shops"),
                  lines=shown, q=q, only_attention=attention,
                  attention=sum(line.needs_attention for line in lines),
                  invitations=list_my_invitations(session, caller.user))


@router.get("/shops/new", response_class=HTMLResponse)
def new_shop_form(request: Request, caller: MaybeCaller) -> Response:
    return signed_in(request, caller, lambda c: render(
        request, "shop_new.html", caller=c, title=page_translations(request, c).gettext("New shop")))


@router.post("/shops/new", response_class=HTMLResponse)
def new_shop(request: Request, posted: Posted, caller: MaybeCaller, session: Db, context: Context) -> Response:
    form = form_data(posted)

    def act(c: Caller) -> Response:
        name = form.get("name", "").strip() or shop_name_from_feed(form.get("feed_url", "").strip(),
                                                                    context.deps.fetch_policy)
        return go(f"/shops/{create_shop(session, c.user, name=name).id}")
    return signed_in(request, caller, act, back="/shops/new")


@router.get("/shops/{shop_id}", response_class=HTMLResponse)
def shop_page(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """A shop as my level may see it."""
    def act(c: Caller) -> Response:
        try:
            overview = describe_shop(session, c.user, shop_id)
        except NoShopAccess:  # a deleted shop is gone for everyone but its owner, who may restore it
            shop = access_shop(session, c.user, shop_id, Action.RESTORE).shop
            return render(request, "shop_deleted.html", caller=c, title=shop.name, shop=shop,
                          until=restorable_until(shop).date())
        return shop_view(request, c, session, overview)
    return signed_in(request, caller, act)


def shop_view(request: Request, c: Caller, session: Session, overview: ShopOverview, *, status: int = 200,
              **values: Any) -> Response:
    """The shop's page; `values` add to it (a new token to show once, a refused form's reason and input)."""
    shop_id = overview.shop_id
    projects = list_projects(session, c.user, shop_id)
    can_manage = may(lambda: access_shop(session, c.user, shop_id, Action.MANAGE_MEMBERS))
    tokens = _shop_tokens(session, c, shop_id)
    can_add_token = tokens is not None and may(lambda: require(session, c.user, shop_id, Area.TOKENS, Perm.ADD))
    grantable = ([p.name for p in list_profiles(session, c.user, shop_id) if p.name != "owner"]
                 if can_manage or can_add_token else [])
    return render(request, "shop.html", caller=c, title=overview.name, shop=overview, projects=projects,
                  can_add_project=may(lambda: require(session, c.user, shop_id, Area.SOURCES, Perm.ADD)),
                  is_owner=overview.level is Level.OWNER,
                  can_manage=can_manage, grantable=grantable,
                  invitations=overview.invitations,
                  project_names=_names_of({p.id: p.name for p in projects}),
                  tokens=tokens, can_add_token=can_add_token, token_name_max=MAX_NAME_LENGTH,
                  can_revoke_token=tokens is not None and may(
                      lambda: require(session, c.user, shop_id, Area.TOKENS, Perm.DELETE)),
                  error="" if tokens is not None else values.get("token_error", ""),  # no section to show it in
                  status=status, **values)


def _shop_tokens(session: Session, c: Caller, shop_id: int) -> list[ShopTokenView] | None:
    """The shop's tokens, or None for those whose profiles do not allow tokens:view (no section then)."""
    try:
        return list_shop_tokens(session, c.user, shop_id)
    except AccountsError:
        return None


def _names_of(names: dict[int, str]) -> Callable[[list[int]], str]:
    """How a member's project scope is shown: the names of the projects the viewer sees, others by number."""
    return lambda ids: ", ".join(sorted(names.get(i, f"#{i}") for i in ids))


@router.get("/shops/{shop_id}/history", response_class=HTMLResponse)
def history_page(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """Who did what to the shop, and when (owner)."""
    def act(c: Caller) -> Response:
        entries = list(reversed(list_audit(session, c.user, shop_id)))
        return render(request, "history.html", caller=c, title=page_translations(request, c).gettext("History"),
                      shop_id=shop_id, entries=entries)
    return signed_in(request, caller, act, back=f"/shops/{shop_id}")


ShopAction = Callable[[Any, Caller, int, dict[str, str], Any], str | None]
"""(session, caller, shop id, form, context) -> where to go afterwards (None: back to the shop)."""


def _invite(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    """With profiles ticked, the invitee gets those; with none, the level chosen (as before profiles)."""
    invite_member(session, c.user, shop_id, email=form.get("email", ""), level=Level.parse(form.get("level", "read")),
                  mailer=context.mailer, base_url=context.base_url, limits=context.settings.invite_limits,
                  profiles=ticked(form, "profile") or None, project_ids=ticked_projects(form))


def _member_profiles(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    set_member_profiles(session, c.user, shop_id, int(form["user_id"]), ticked(form, "profile"),
                        project_ids=ticked_projects(form))


def _level(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    change_member_level(session, c.user, shop_id, int(form["user_id"]), Level.parse(form.get("level", "read")))


def _remove(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    remove_member(session, c.user, shop_id, int(form["user_id"]))


def _revoke(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    revoke_invitation(session, c.user, shop_id, int(form["invitation_id"]))


def _resend(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    resend_invitation(session, c.user, shop_id, int(form["invitation_id"]), mailer=context.mailer,
                      base_url=context.base_url, limits=context.settings.invite_limits)


def _leave(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> str:
    leave_shop(session, c.user, shop_id)
    return "/"


def _transfer(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    start_transfer(session, c.user, shop_id, to_email=form.get("email", ""), mailer=context.mailer,
                   base_url=context.base_url)


def _cancel_transfer(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    cancel_transfer(session, c.user, shop_id)


def _rename(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    rename_shop(session, c.user, shop_id, form.get("name", ""))


def _period(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> str:
    change_billing_period(session, c.user, shop_id, form.get("period", ""))
    return f"/shops/{shop_id}/billing"


def _restore(session: Any, c: Caller, shop_id: int, form: dict[str, str], context: Any) -> None:
    restore_shop(session, c.user, shop_id)


SHOP_ACTIONS: dict[str, ShopAction] = {
    "invite": _invite,
    "level": _level,
    "member-profiles": _member_profiles,
    "remove": _remove,
    "revoke": _revoke,
    "resend": _resend,
    "leave": _leave,
    "transfer": _transfer,
    "cancel-transfer": _cancel_transfer,
    "rename": _rename,
    "restore": _restore,
    "period": _period,
}
"""Every form a shop page posts, by the name in its URL (`POST /shops/<id>/<name>`)."""


@router.get("/shops/{shop_id}/delete", response_class=HTMLResponse)
def delete_form(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """Deleting stops the shop's feeds at once, so the owner confirms by typing its name."""
    return signed_in(request, caller, lambda c: _delete_page(
        request, c, access_shop(session, c.user, shop_id, Action.DELETE).shop), back=f"/shops/{shop_id}")


@router.post("/shops/{shop_id}/delete", response_class=HTMLResponse)
def delete(shop_id: int, request: Request, posted: Posted, caller: MaybeCaller, session: Db) -> Response:
    """Delete the shop if the name typed is its name; otherwise ask again, saying why next to the field."""
    typed = form_data(posted).get("name", "").strip()

    def act(c: Caller) -> Response:
        shop = access_shop(session, c.user, shop_id, Action.DELETE).shop
        if typed != shop.name:
            error = page_translations(request, c).gettext("Type the shop's name exactly as it is shown.")
            return _delete_page(request, c, shop, error=error, typed=typed)
        delete_shop(session, c.user, shop_id)
        return go("/")
    return signed_in(request, caller, act, back=f"/shops/{shop_id}")


def _delete_page(request: Request, c: Caller, shop: Any, *, error: str = "", typed: str = "") -> Response:
    title = page_translations(request, c).gettext("Delete the shop {name}").format(name=shop.name)
    return render(request, "shop_delete.html", caller=c, title=title, shop=shop, field_error=error, typed=typed,
                  status=422 if error else 200)


@router.post("/shops/{shop_id}/{action}", response_class=HTMLResponse)
def shop_action(shop_id: int, action: str, request: Request, posted: Posted, caller: MaybeCaller, session: Db,
                      context: Context) -> Response:
    """One of SHOP_ACTIONS, then back to the shop's page (or to my shops, after leaving or deleting)."""
    handler = SHOP_ACTIONS.get(action)
    if handler is None:
        title = page_translations(request, caller).gettext("Not found")
        return render(request, "base.html", caller=caller, title=title, text="", status=404)
    form = form_data(posted)
    return signed_in(request, caller, lambda c: go(handler(session, c, shop_id, form, context)
                                                   or f"/shops/{shop_id}"), back=f"/shops/{shop_id}")
