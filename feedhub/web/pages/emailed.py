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

from accounts import pricing
from accounts.access import access_shop
from accounts.billing import amount_paid, get_invoice, list_invoices
from accounts.billing_settings import load_billing_settings
from accounts.i18n import LEVEL_NAMES, N_
from accounts.invitations import accept_invitation, find_invitation
from accounts.models import Shop, User
from accounts.roles import Action, Level
from accounts.runs import RunStatus, access_run, check_confirmable
from accounts.transfers import accept_transfer, find_transfer
from feedhub.web.api.billing import invoice_download
from feedhub.web.caller import Caller, Context, Db, MaybeCaller
from feedhub.web.language import page_translations
from feedhub.web.pages.base import may, message, render, signed_in

router = APIRouter(include_in_schema=False)


Describe = Callable[[Session, str, Callable[[str], str]], dict[str, str] | None]
"""(session, token, gettext) -> what the offer's question names (shop, level, from), or None if the link
is dead."""
Accept = Callable[[Session, Caller, str, Callable[[str], str]], str]
"""(session, caller, token, gettext) -> what happened, in the caller's language."""


def _acceptance_pages(kind: str, title: str, question: str, describe: Describe, accept: Accept) -> None:
    """GET and POST `/<kind>/<token>` for an emailed offer: sign in (or up) first, then accept with one click.

    `title` and `question` are msgids (translated per request); `question` names `{email}`, the signed-in
    account, and what `describe` found; `accept` does it and says what happened.
    """

    def page(token: str, request: Request, caller: MaybeCaller, session: Db) -> Response:
        path = f"/{kind}/{quote(token)}"
        _ = page_translations(request, caller).gettext

        def show(c: Caller) -> Response:
            names = describe(session, token, _)
            if names is None:
                return message(request, c, _(title), error=_(
                    "This link no longer works: it was used, replaced, withdrawn or it expired."), status=404)
            return render(request, "form.html", caller=c, title=_(title), action=path, fields=[],
                          button=_("Accept"), text=_(question).format(email=c.user.email, **names))
        return signed_in(request, caller, show)

    def act(token: str, request: Request, caller: MaybeCaller, session: Db) -> Response:
        _ = page_translations(request, caller).gettext
        return signed_in(request, caller, lambda c: message(
            request, c, _("{title}: done").format(title=_(title)), accept(session, c, token, _)))

    router.get(f"/{kind}/{{token}}", response_class=HTMLResponse, name=f"{kind}_page")(page)
    router.post(f"/{kind}/{{token}}", response_class=HTMLResponse, name=f"{kind}_accept")(act)


def _access_name(level: Level, profiles: list[str], _: Callable[[str], str]) -> str:
    """The access an invitation gives, as the pages name it: its level, or the role profiles it carries."""
    return _(LEVEL_NAMES[level.label]) if profiles in ([], [level.label]) else ", ".join(profiles)


def _invitation(session: Session, token: str, _: Callable[[str], str]) -> dict[str, str] | None:
    found = find_invitation(session, token)
    return found and {"shop": found.shop_name, "level": _access_name(found.level, found.profiles, _)}


def _join(session: Session, caller: Caller, token: str, _: Callable[[str], str]) -> str:
    membership = accept_invitation(session, caller.user, token)
    level = _access_name(membership.level, membership.profiles, _)
    shop = session.get_one(Shop, membership.shop_id)
    return _("You now have {level} access to the shop “{shop}”.").format(level=level, shop=shop.name)


def _transfer(session: Session, token: str, _: Callable[[str], str]) -> dict[str, str] | None:
    found = find_transfer(session, token)
    return found and {"shop": found.shop_name, "owner": found.from_email}


def _take_over(session: Session, caller: Caller, token: str, _: Callable[[str], str]) -> str:
    return _("You own the shop “{name}” now.").format(name=accept_transfer(session, caller.user, token).name)


_acceptance_pages("invitations", N_("Accept the invitation"),
                  N_("Accept {level} access to the shop “{shop}” as {email}?"), _invitation, _join)
_acceptance_pages("transfers", N_("Accept the shop"),
                  N_("Become the owner of the shop “{shop}”, offered by {owner}, as {email}? Its invoices will go to"
                     " your billing profile."), _transfer, _take_over)


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
    """The shop's billing period, what each period would cost at today's product count, and the invoices
    (owner)."""
    def act(c: Caller) -> Response:
        shop = access_shop(session, c.user, shop_id, Action.BILLING).shop  # the page changes the period
        invoices = list_invoices(session, c.user, shop_id)
        title = page_translations(request, c).gettext("Billing of {shop}").format(shop=shop.name)
        owner, settings = session.get_one(User, shop.owner_id), load_billing_settings(session)
        prices = settings.price_list(owner.billing_currency or "CZK")  # the owner's prices and VAT, as invoiced
        vat = settings.vat_for(owner.billing_country, owner.vat_id)
        quotes = {name: pricing.quote(prices, name, shop.exported_products, vat.rate)
                  for name in pricing.BILLING_PERIODS}
        paid = {invoice.number: amount_paid(session, invoice) for invoice in invoices}
        return render(request, "billing.html", caller=c, title=title, shop=shop, invoices=invoices, quotes=quotes,
                      currency=prices.currency, paid=paid)
    return signed_in(request, caller, act)


@router.get("/shops/{shop_id}/invoices/{number}.pdf")
def invoice_page(shop_id: int, number: str, request: Request, caller: MaybeCaller, session: Db) -> Response:
    """An invoice's PDF, linked from the billing page (owner)."""
    return signed_in(request, caller, lambda c: invoice_download(get_invoice(session, c.user, shop_id, number)))
