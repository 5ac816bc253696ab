"""The pages emailed links open: an invitation, a transfer, a held run to confirm, a shop's billing.

Every link Feedhub mails lands on a page (`/verify/<token>` and `/reset-password/<token>` are in
`account`). A page that needs a signed-in user sends the browser to `/login?next=...` and back.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from accounts.access import access_shop
from accounts.billing import list_invoices
from accounts.i18n import LEVEL_NAMES, N_
from accounts.invitations import accept_invitation
from accounts.roles import Action
from accounts.runs import RunStatus, access_run, check_confirmable
from accounts.transfers import accept_transfer
from feedhub.web.caller import Caller, Context, Db, MaybeCaller
from feedhub.web.language import page_translations
from feedhub.web.pages.base import may, message, render, signed_in

router = APIRouter(include_in_schema=False)


Accept = Callable[[Session, Caller, str, Callable[[str], str]], str]
"""(session, caller, token, gettext) -> what happened, in the caller's language."""


def _acceptance_pages(kind: str, title: str, question: str, accept: Accept) -> None:
    """GET and POST `/<kind>/<token>` for an emailed offer: sign in (or up) first, then accept with one click.

    `title` and `question` are msgids (translated per request); `question` may name `{email}`, the
    signed-in account; `accept` does it and says what happened.
    """

    def page(token: str, request: Request, caller: MaybeCaller) -> Response:
        path = f"/{kind}/{quote(token)}"
        _ = page_translations(request, caller).gettext
        return signed_in(request, caller, lambda c: render(
            request, "form.html", caller=c, title=_(title), action=path, fields=[], button=_("Accept"),
            text=_(question).format(email=c.user.email)))

    def act(token: str, request: Request, caller: MaybeCaller, session: Db) -> Response:
        _ = page_translations(request, caller).gettext
        return signed_in(request, caller, lambda c: message(
            request, c, _("{title}: done").format(title=_(title)), accept(session, c, token, _)))

    router.get(f"/{kind}/{{token}}", response_class=HTMLResponse, name=f"{kind}_page")(page)
    router.post(f"/{kind}/{{token}}", response_class=HTMLResponse, name=f"{kind}_accept")(act)


def _join(session: Session, caller: Caller, token: str, _: Callable[[str], str]) -> str:
    membership = accept_invitation(session, caller.user, token)
    level = _(LEVEL_NAMES[membership.level.label])
    return _("You now have {level} access to shop {shop_id}.").format(level=level, shop_id=membership.shop_id)


def _take_over(session: Session, caller: Caller, token: str, _: Callable[[str], str]) -> str:
    return _("You own the shop {name} now.").format(name=repr(accept_transfer(session, caller.user, token).name))


_acceptance_pages("invitations", N_("Accept the invitation"), N_("Accept the invitation as {email}?"), _join)
_acceptance_pages("transfers", N_("Accept the shop"), N_("Become the owner of this shop as {email}? Its invoices"
                                                        " will go to your billing profile."), _take_over)


@router.get("/projects/{project_id}/runs/{run_id}", response_class=HTMLResponse)
def run_page(project_id: int, run_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """A run, and for a held run the button that publishes it (owner or writer)."""
    def act(c: Caller) -> Response:
        run = access_run(session, c.user, run_id, Action.VIEW)
        confirmable = run.status is RunStatus.HELD and may(lambda: check_confirmable(session, c.user, run_id))
        title = page_translations(request, c).gettext("Run {id}").format(id=run.id)
        return render(request, "run.html", caller=c, title=title, run=run, confirmable=confirmable)
    return signed_in(request, caller, act)


@router.post("/projects/{project_id}/runs/{run_id}/confirm", response_class=HTMLResponse)
def confirm_page(project_id: int, run_id: int, request: Request, caller: MaybeCaller, session: Db,
                 context: Context) -> Response:
    from flows.confirm import confirm_held_run

    def act(c: Caller) -> Response:
        session.commit()
        summary = confirm_held_run(context.deps, c.user, run_id)
        _ = page_translations(request, c).gettext
        return message(request, c, _("Run published"), _("Run {id}: {count} products.").format(
            id=summary.run_id, count=summary.products_out))
    return signed_in(request, caller, act)


@router.get("/shops/{shop_id}/billing", response_class=HTMLResponse)
def billing_page(shop_id: int, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """The shop's billing period and invoices (owner)."""
    def act(c: Caller) -> Response:
        invoices = list_invoices(session, c.user, shop_id)
        shop = access_shop(session, c.user, shop_id, Action.BILLING).shop
        title = page_translations(request, c).gettext("Billing of {shop}").format(shop=shop.name)
        return render(request, "billing.html", caller=c, title=title, shop=shop, invoices=invoices)
    return signed_in(request, caller, act)
