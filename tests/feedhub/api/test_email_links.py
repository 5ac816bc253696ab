"""Every kind of email Feedhub sends, delivered through a real SMTP server, its link followed as a browser would.

A second app (the conftest one keeps mail in memory) sends through aiosmtpd on localhost, and its base
URL is its own address, so the links in the messages lead back to it. A `Browser` keeps cookies,
follows redirects, reads the forms of a page and submits them with their hidden fields (the CSRF
token among them), exactly what a person clicking the link does; nothing is posted that a page did
not offer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from accounts.db import make_session_factory
from accounts.lifecycle import send_trial_reminders
from accounts.mail import SmtpMailer
from accounts.models import Shop
from feedhub.runtime import deps_from_settings
from feedhub.settings import Settings
from feedhub.web import create_app
from flows.runner import run_project_inline
from tests.feedhub.api.conftest import PASSWORD, SAMPLE, Api, World, make_user, serving
from tests.smtp import Inbox, free_port, running_inbox

SENDER = "Feedhub <noreply@feedhub.test>"
P = "/api/v1"


@dataclass
class Site:
    """The app that mails through SMTP: its URL, settings and the server's inbox."""

    url: str
    settings: Settings
    inbox: Inbox
    engine: Engine

    def only_message(self, to: str) -> EmailMessage:
        """The one message received, checked to be addressed to `to`."""
        (message,) = self.inbox.messages()
        assert message["To"] == to
        return message

    def link(self, message: EmailMessage, kind: str) -> str:
        """The `<url>/<kind>/...` link in the message, the way a mail client shows it."""
        body = message.get_content()
        found = re.search(rf"{re.escape(self.url)}/{kind}/\S+", body)
        assert found, f"no {self.url}/{kind}/ link in: {body}"
        return found.group(0)

    def api(self, method: str, path: str, world: World, kind: str, **kwargs: Any) -> httpx.Response:
        """One API call with a world caller's bearer token."""
        with httpx.Client(base_url=self.url, timeout=30) as client:
            return client.request(method, P + path, headers=world.as_(kind), **kwargs)


@pytest.fixture(scope="module")
def smtp_inbox() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 for the whole module (tests/accounts/test_mail.py's handler)."""
    with running_inbox() as inbox:
        yield inbox


@pytest.fixture(scope="module")
def site_server(db_url: str, engine: Engine, smtp_inbox: Inbox,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on the conftest database, mailing through `smtp_inbox`, links pointing at itself."""
    port = free_port()
    smtp_url = f"smtp://127.0.0.1:{smtp_inbox.port}"
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("site"), database_url=db_url, base_url=f"http://127.0.0.1:{port}",
        allow_local_sources=True, smtp_url=smtp_url, mail_from=SENDER,  # runs and confirmations mail too
    )
    site = Site(settings.base_url, settings, smtp_inbox, engine)
    app = create_app(settings, mailer=SmtpMailer(smtp_url, SENDER),
                     launch_run=lambda project_id, requested_by: "not started")
    with serving(app, port):
        yield site


@pytest.fixture
def site(site_server: Site, api: Api) -> Site:
    """The SMTP app with an empty inbox; `api` empties every table after the test."""
    site_server.inbox.envelopes.clear()
    return site_server


@dataclass(frozen=True)
class Form:
    """A form of a page: where it posts, its prefilled fields (hidden ones included) and its button."""

    action: str
    fields: dict[str, str]
    button: str


class _PageParser(HTMLParser):
    """The forms of a page and the paragraphs of its <main>."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.paragraphs: list[str] = []
        self._form: tuple[str, dict[str, str], list[str]] | None = None
        self._paragraph: list[str] | None = None
        self._in_main = self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "main":
            self._in_main = True
        elif tag == "p" and self._in_main:
            self._paragraph = []
        elif tag == "form":
            self._form = (values.get("action", ""), {}, [])
        elif tag == "input" and self._form is not None:
            self._form[1][values["name"]] = values.get("value", "")
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self._in_main = False
        elif tag == "p" and self._paragraph is not None:
            self.paragraphs.append(" ".join("".join(self._paragraph).split()))
            self._paragraph = None
        elif tag == "button":
            self._in_button = False
        elif tag == "form" and self._form is not None:
            action, fields, button = self._form
            self.forms.append(Form(action, fields, " ".join("".join(button).split())))
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._in_button and self._form is not None:
            self._form[2].append(data)
        elif self._paragraph is not None:
            self._paragraph.append(data)


def parse_page(response: httpx.Response) -> _PageParser:
    parser = _PageParser()
    parser.feed(response.text)
    return parser


def said(response: httpx.Response) -> list[str]:
    """What the page says: each paragraph of <main> (an error first), whitespace collapsed; not the title."""
    return parse_page(response).paragraphs


def buttons(response: httpx.Response) -> list[str]:
    """The buttons of the page's forms, in page order (the signed-in layout has "Log out" first)."""
    return [form.button for form in parse_page(response).forms]


class Browser:
    """An HTTP client that behaves like a browser: one cookie jar, redirects followed, forms submitted."""

    def __init__(self, site: Site) -> None:
        self.client = httpx.Client(base_url=site.url, timeout=30, follow_redirects=True)

    def open(self, url: str) -> httpx.Response:
        """Follow a link."""
        return self.client.get(url)

    def submit(self, page: httpx.Response, button: str, **typed: str) -> httpx.Response:
        """Fill in the fields of the form with this button and press it."""
        (form,) = [form for form in parse_page(page).forms if form.button == button]
        return self.client.post(form.action, data={**form.fields, **typed})

    def log_in(self, page: httpx.Response, email: str, password: str = PASSWORD) -> httpx.Response:
        """On a login page, log in."""
        assert page.url.path == "/login", page.url
        return self.submit(page, "Log in", email=email, password=password)

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def browser(site: Site) -> Iterator[Browser]:
    """A fresh browser: no cookies."""
    opened = Browser(site)
    yield opened
    opened.close()


def redirects(response: httpx.Response) -> list[str]:
    """The Location of each redirect the browser followed to get `response`."""
    return [r.headers["location"] for r in response.history]


def api_login(site: Site, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        return client.post(f"{P}/auth/login", json={"email": email, "password": password})


def members_of(site: Site, world: World, kind: str) -> dict[str, str]:
    response = site.api("GET", f"/shops/{world.shop_id}/members", world, kind)
    assert response.status_code == 200, response.text
    return {member["email"]: member["level"] for member in response.json()["items"]}


class TestVerificationEmail:
    def test_signing_up_mails_a_link_that_verifies_the_account(self, site: Site, browser: Browser) -> None:
        signed_up = browser.submit(browser.open("/signup"), "Create my account", email="nova@example.com",
                                   password=PASSWORD)
        assert said(signed_up) == ["We sent a link to nova@example.com. Open it to confirm your address, then log in."]
        link = site.link(site.only_message("nova@example.com"), "verify")
        assert api_login(site, "nova@example.com", PASSWORD).json()["verified"] is False

        confirmed = browser.open(link)

        assert (confirmed.status_code, said(confirmed)) == (
            200, ["nova@example.com is confirmed. You can accept invitations now."])
        assert api_login(site, "nova@example.com", PASSWORD).json()["verified"] is True

    def test_the_verification_link_works_once(self, site: Site, browser: Browser) -> None:
        browser.submit(browser.open("/signup"), "Create my account", email="nova@example.com", password=PASSWORD)
        link = site.link(site.only_message("nova@example.com"), "verify")
        browser.open(link)

        again = browser.open(link)

        assert (again.status_code, said(again)) == (
            400, ["this verification link is not valid (used, expired or unknown): the link is unknown or used."])


def field_error(response: httpx.Response, name: str) -> str:
    """The error shown next to the input `name`: the paragraph its aria-describedby points at, if invalid."""
    (tag,) = re.findall(rf'<input[^>]*\bname="{name}"[^>]*>', response.text)
    if 'aria-invalid="true"' not in tag:
        return ""
    (described_by,) = re.findall(r'aria-describedby="([^"]+)"', tag)
    (text,) = re.findall(rf'<p id="{described_by}" class="error" role="alert">([^<]*)</p>', response.text)
    return html.unescape(text)


class TestErrorsNextToTheirField:
    def test_sign_up_names_the_field_and_keeps_the_email_typed(self, site: Site, world: World,
                                                               browser: Browser) -> None:
        short = browser.submit(browser.open("/signup"), "Create my account", email="nova@example.com",
                               password="short")
        assert short.status_code == 422
        assert field_error(short, "password") == "the password must have at least 8 characters"
        assert field_error(short, "email") == ""
        assert parse_page(short).forms[-1].fields["email"] == "nova@example.com"

        taken = browser.submit(short, "Create my account", email="read@example.com", password=PASSWORD)
        assert taken.status_code == 409
        assert field_error(taken, "email") == "an account with email read@example.com already exists"
        assert site.inbox.messages() == []  # no account was made, no verification was mailed

    def test_a_weak_new_password_is_refused_beside_it_and_the_link_still_works(self, site: Site, world: World,
                                                                               browser: Browser) -> None:
        browser.submit(browser.open("/reset-password"), "Email me a link", email="read@example.com")
        link = site.link(site.only_message("read@example.com"), "reset-password")

        weak = browser.submit(browser.open(link), "Save the password", password="short")

        assert weak.status_code == 400
        assert field_error(weak, "password") == "the password must have at least 8 characters"
        changed = browser.submit(weak, "Save the password", password="a brand new secret")
        assert said(changed) == ["Log in with your new password."]

    def test_the_account_page_shows_each_refusal_beside_its_field(self, site: Site, world: World,
                                                                  browser: Browser) -> None:
        account = browser.log_in(browser.open("/login?next=/account"), "read@example.com")
        wrong = browser.submit(account, "Change the password", old_password="not it", new_password="long enough 1")
        assert wrong.status_code == 422
        assert field_error(wrong, "old_password") == "wrong email or password"
        assert api_login(site, "read@example.com", PASSWORD).status_code == 200

        bad = browser.submit(account, "Save the billing profile", name="Kola s.r.o.", invoice_email="not-an-email")
        assert bad.status_code == 422
        assert field_error(bad, "invoice_email") == "not an email address: 'not-an-email'"
        assert parse_page(bad).forms[-1].fields["name"] == "Kola s.r.o."  # what was typed stays
        profile = site.api("GET", "/me/billing-profile", world, "read").json()
        assert profile["name"] == ""  # and nothing of it was saved


class TestPasswordResetEmail:
    def test_the_link_sets_a_new_password_once(self, site: Site, world: World, browser: Browser) -> None:
        requested = browser.submit(browser.open("/reset-password"), "Email me a link", email="read@example.com")
        assert said(requested) == ["If an account has this address, a link is on its way."]
        link = site.link(site.only_message("read@example.com"), "reset-password")

        changed = browser.submit(browser.open(link), "Save the password", password="a brand new secret")

        assert (changed.status_code, said(changed)) == (200, ["Log in with your new password."])
        assert api_login(site, "read@example.com", "a brand new secret").status_code == 200
        assert api_login(site, "read@example.com", PASSWORD).status_code == 401
        reused = browser.submit(browser.open(link), "Save the password", password="yet another secret")
        assert (reused.status_code, said(reused)) == (
            400, ["this password reset link is not valid (used, expired or unknown)"])
        assert api_login(site, "read@example.com", "yet another secret").status_code == 401

    def test_the_reset_form_refuses_a_post_without_its_cookie(self, site: Site, world: World,
                                                              browser: Browser) -> None:
        browser.submit(browser.open("/reset-password"), "Email me a link", email="read@example.com")
        link = site.link(site.only_message("read@example.com"), "reset-password")
        form = browser.open(link)

        with httpx.Client(base_url=site.url, timeout=30) as other:  # a page elsewhere posting the same fields
            forged = other.post(link, data={**parse_page(form).forms[0].fields, "password": "attacker's choice"})

        assert (forged.status_code, said(forged)) == (400, ["the form expired; open it again"])
        assert api_login(site, "read@example.com", PASSWORD).status_code == 200


class TestInvitationEmail:
    def invite(self, site: Site, world: World, email: str, level: str) -> str:
        response = site.api("POST", f"/shops/{world.shop_id}/invitations", world, "owner",
                            json={"email": email, "level": level})
        assert response.status_code == 201, response.text
        return site.link(site.only_message(email), "invitations")

    def test_a_logged_out_invitee_logs_in_and_accepts(self, site: Site, world: World, browser: Browser) -> None:
        link = self.invite(site, world, "invitee@example.com", "write")
        path = httpx.URL(link).path

        login = browser.open(link)
        assert (redirects(login), login.url.path) == ([f"/login?next={path}"], "/login")
        offer = browser.log_in(login, "invitee@example.com")
        assert (redirects(offer), offer.url.path) == ([path], path)
        assert said(offer) == ["Accept write access to the shop “Kola s.r.o.” as invitee@example.com?"]
        accepted = browser.submit(offer, "Accept")

        assert (accepted.status_code, said(accepted)) == (
            200, ["You now have write access to the shop “Kola s.r.o.”."])
        assert members_of(site, world, "owner") == {
            "owner@example.com": "owner", "write@example.com": "write", "read@example.com": "read",
            "invitee@example.com": "write",
        }

    def test_another_account_sees_the_invited_address_masked(self, site: Site, world: World,
                                                             browser: Browser) -> None:
        with make_session_factory(site.engine)() as session:
            make_user(session, "bara@agency.cz")
            session.commit()
        link = self.invite(site, world, "bara@agency.cz", "read")
        offer = browser.log_in(browser.open(link), "outsider@example.com")

        refused = browser.submit(offer, "Accept")

        assert (refused.status_code, said(refused)) == (
            400, ["this invitation was sent to another email; sign in as b***@agency.cz"])
        assert "bara@agency.cz" not in refused.text
        assert "bara@agency.cz" not in members_of(site, world, "owner")

    def test_a_refusal_on_the_page_is_in_the_shops_audit_log(self, site: Site, world: World,
                                                            browser: Browser) -> None:
        link = self.invite(site, world, "invitee@example.com", "read")
        offer = browser.log_in(browser.open(link), "outsider@example.com")

        assert browser.submit(offer, "Accept").status_code == 400

        entries = site.api("GET", f"/shops/{world.shop_id}/audit", world, "owner").json()["items"]
        assert [(e["actor"], e["action"], e["details"]["reason"]) for e in entries[-1:]] == [
            ("outsider@example.com", "invitation.refused", "wrong account")]


class TestTransferEmail:
    def test_the_new_owner_logs_in_and_accepts(self, site: Site, world: World, browser: Browser) -> None:
        started = site.api("POST", f"/shops/{world.shop_id}/transfer", world, "owner",
                           json={"email": "write@example.com"})
        assert started.status_code == 201, started.text
        link = site.link(site.only_message("write@example.com"), "transfers")

        offer = browser.log_in(browser.open(link), "write@example.com")
        assert said(offer) == ["Become the owner of the shop “Kola s.r.o.”, offered by owner@example.com, as"
                               " write@example.com? Its invoices will go to your billing profile."]
        accepted = browser.submit(offer, "Accept")

        assert (accepted.status_code, said(accepted)) == (200, ["You own the shop “Kola s.r.o.” now."])
        assert members_of(site, world, "write") == {
            "write@example.com": "owner", "owner@example.com": "write", "read@example.com": "read",
        }


class TestTrialReminderEmail:
    def send_reminder(self, site: Site, world: World) -> str:
        with make_session_factory(site.engine)() as session:
            shop = session.scalars(select(Shop).where(Shop.id == world.shop_id)).one()
            mailer = SmtpMailer(site.settings.smtp_url or "", SENDER)
            sent = send_trial_reminders(session, mailer, base_url=site.url, now=shop.trial_ends_at - timedelta(days=2))
            session.commit()
        assert sent == [world.shop_id]
        return site.link(site.only_message("owner@example.com"), "shops")

    def test_the_billing_link_opens_the_billing_page_for_the_owner(self, site: Site, world: World,
                                                                  browser: Browser) -> None:
        link = self.send_reminder(site, world)
        assert link == f"{site.url}/shops/{world.shop_id}/billing"

        billing = browser.log_in(browser.open(link), "owner@example.com")

        assert (billing.status_code, billing.url.path) == (200, f"/shops/{world.shop_id}/billing")
        assert "Status: trial; billing period: monthly." in said(billing) and "No invoices yet." in said(billing)
        assert "Change the billing period" in buttons(billing)

    def test_a_reader_following_the_link_is_refused(self, site: Site, world: World, browser: Browser) -> None:
        link = self.send_reminder(site, world)

        refused = browser.log_in(browser.open(link), "read@example.com")

        assert (refused.status_code, said(refused)) == (
            403, [f"you have read access to shop {world.shop_id}; managing its billing needs owner access"])


class TestHeldRunEmail:
    """A real run whose rules hide every product is held by the quality gate and mailed about."""

    @pytest.fixture
    def held(self, site: Site, world: World) -> tuple[str, Path]:
        """The link of the held-run alert, and where the project publishes."""
        export = site.settings.exports_dir.resolve() / f"held-{world.shop_id}.xml"  # ids are never reused
        spec = {"source": str(SAMPLE), "rules": [{"type": "hiding", "query": "[PRICE_VAT] > 0"}],
                "exports": [{"name": "heureka", "format": "heureka", "uri": export.as_uri()}]}
        created = site.api("POST", f"/shops/{world.shop_id}/projects", world, "owner",
                           json={"name": "Everything hidden", "spec": spec})
        assert created.status_code == 201, created.text
        summary = run_project_inline(created.json()["id"], deps_from_settings(site.settings, engine=site.engine))
        assert summary.status == "held"
        messages = site.inbox.messages()
        assert sorted(m["To"] for m in messages) == ["owner@example.com", "write@example.com"]  # not the reader
        # a folded Subject comes back with a leading space from Python's email parser: compare the words
        subjects = {" ".join(m["Subject"].split()) for m in messages}
        assert subjects == {"[Feedhub] Kola s.r.o. / Everything hidden: run held, nothing published"}
        link = site.link(messages[0], "projects")
        assert link == f"{site.url}/projects/{created.json()['id']}/runs/{summary.run_id}"
        return link, export

    def test_the_owner_sees_the_run_and_publishes_it(self, site: Site, world: World, browser: Browser,
                                                     held: tuple[str, Path]) -> None:
        link, export = held
        page = browser.log_in(browser.open(link), "owner@example.com")
        run_id = int(link.rsplit("/", 1)[1])
        assert page.status_code == 200
        assert said(page)[1:3] == [
            f"Project {link.split('/')[-3]}, revision 1: held, 23 products in, 0 out.",
            "the feed yielded 0 products after rules; the last good exports stay published",
        ]
        assert buttons(page) == ["Log out", "Publish this run anyway"]
        assert not export.exists()

        published = browser.submit(page, "Publish this run anyway")

        assert (published.status_code, said(published)) == (200, [f"Run {run_id}: 0 products."])
        assert export.is_file()
        assert site.api("GET", f"/runs/{run_id}", world, "owner").json()["status"] == "succeeded"

    def test_a_reader_sees_the_run_without_the_publish_form(self, site: Site, world: World, browser: Browser,
                                                           held: tuple[str, Path]) -> None:
        link, _ = held

        page = browser.log_in(browser.open(link), "read@example.com")

        assert (page.status_code, said(page)[1]) == (200, f"Project {link.split('/')[-3]}, revision 1: held, 23"
                                                          " products in, 0 out.")
        assert buttons(page) == ["Log out"]


class TestSoldOutRunEmail:
    """A shop that sold out: its feed, good at the last run, has no products now. The run is held, mailed about,
    and published empty by a person, on the page the email links to or through the API."""

    @pytest.fixture
    def held(self, site: Site, world: World, tmp_path: Path) -> tuple[str, Path]:
        """The link of the held-run alert, and where the project publishes."""
        source = tmp_path / "feed.xml"
        source.write_bytes(SAMPLE.read_bytes())
        export = site.settings.exports_dir.resolve() / f"sold-out-{world.shop_id}.xml"  # ids are never reused
        spec = {"source": str(source), "exports": [{"name": "heureka", "format": "heureka", "uri": export.as_uri()}]}
        created = site.api("POST", f"/shops/{world.shop_id}/projects", world, "owner",
                           json={"name": "Sold out", "spec": spec})
        assert created.status_code == 201, created.text
        deps = deps_from_settings(site.settings, engine=site.engine)
        assert run_project_inline(created.json()["id"], deps).status == "succeeded"
        source.write_bytes(b'<?xml version="1.0" encoding="utf-8"?>\n<SHOP>\n</SHOP>\n')
        summary = run_project_inline(created.json()["id"], deps)
        assert summary.status == "held"
        messages = site.inbox.messages()
        assert {" ".join(m["Subject"].split()) for m in messages} == {
            "[Feedhub] Kola s.r.o. / Sold out: run held, nothing published"}
        assert "the feed contains no products (no <SHOPITEM> elements)" in messages[0].get_content()
        return site.link(messages[0], "projects"), export

    def test_the_owner_sees_why_and_publishes_the_empty_export(self, site: Site, world: World, browser: Browser,
                                                               held: tuple[str, Path]) -> None:
        link, export = held
        page = browser.log_in(browser.open(link), "owner@example.com")
        run_id = int(link.rsplit("/", 1)[1])
        assert said(page)[1:3] == [
            f"Project {link.split('/')[-3]}, revision 1: held, 0 products in, 0 out.",
            "the feed contains no products (no <SHOPITEM> elements); the last good run had 23 products. The last "
            "good exports stay published; if the shop really has nothing to offer, confirm the run to publish empty "
            "exports",
        ]
        assert export.read_bytes().count(b"<SHOPITEM>") == 23

        published = browser.submit(page, "Publish this run anyway")

        assert (published.status_code, said(published)) == (200, [f"Run {run_id}: 0 products."])
        assert export.read_bytes() == b'<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>\n</SHOP>\n'

    def test_a_writer_publishes_it_through_the_api(self, site: Site, world: World, held: tuple[str, Path]) -> None:
        link, export = held
        run_id = int(link.rsplit("/", 1)[1])

        confirmed = site.api("POST", f"/runs/{run_id}/confirm", world, "write")

        assert confirmed.status_code == 200, confirmed.text
        assert (confirmed.json()["status"], confirmed.json()["products_out"]) == ("succeeded", 0)
        assert export.read_bytes() == b'<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>\n</SHOP>\n'

