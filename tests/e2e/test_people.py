"""The ways people go through Feedhub, in a real browser: each step checks what the person sees on the
page and what the API says afterwards (asked with the same person's session cookie, as a script on
the page would). Each main page is photographed at both widths and checked for accessibility once."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from accounts.db import make_session_factory
from tests.e2e.conftest import PASSWORD, Person, Site, check_page, settled
from tests.feedhub.api.conftest import make_user

OWNER = "owner@example.com"
INVITEE = "invitee@example.com"
SHOP = "example-obchod.cz"  # the host the sample feed's product links point to
PROJECT = "Heureka CZ"
KASTROL_TO_HRNEC = {"element": "PRODUCTNAME", "find": "Kastrol", "replace": "Hrnec"}  # 3 of the 23 products
RUN_WAIT_S = 60


def api(page: Page, method: str, path: str, **data: Any) -> Any:
    """An API call as the person signed in on `page` (the CSRF token from /me, as a script's would)."""
    settled(page)  # the person has seen the page whole before we look behind it
    headers = {}
    if method != "GET":
        headers["X-CSRF-Token"] = api(page, "GET", "/me")["csrf_token"]
    response = page.request.fetch(f"/api/v1{path}", method=method, headers=headers, data=data or None)
    assert response.ok, f"{method} {path}: {response.status} {response.text()}"
    return response.json() if response.status != 204 else None


def members(page: Page, shop_id: int) -> dict[str, str]:
    """Email -> level of the shop's members, as the API tells the person on `page`."""
    return {m["email"]: m["level"] for m in api(page, "GET", f"/shops/{shop_id}")["members"]}


def rules(page: Page, project_id: int) -> list[dict[str, Any]]:
    """The project's rules as the API has them, without their ids."""
    items = api(page, "GET", f"/projects/{project_id}/rules")["items"]
    return [{k: v for k, v in item["rule"].items() if k != "id"} for item in items]


def registered(site: Site, *emails: str) -> None:
    """Accounts made and verified behind the scenes, for journeys that start after signing up."""
    with make_session_factory(site.engine)() as session:
        for email in emails:
            make_user(session, email)
        session.commit()


def log_in(page: Page, email: str) -> Page:
    """Log in on the login page the browser is on (or opens)."""
    if "/login" not in page.url:
        page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def sign_up(page: Page, site: Site, email: str, *, check: bool = False) -> None:
    """Fill in the sign-up form, look around signed in, then confirm the address by the emailed link."""
    page.goto("/signup")
    if check:
        check_page(page, "signup")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("New password (8 characters or more)").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    sent = f"We sent a link to {email}. Open it to confirm your address, then log in."
    expect(page.get_by_text(sent)).to_be_visible()
    if check:
        check_page(page, "signup-sent")
    log_in(page, email)
    assert api(page, "GET", "/me")["verified"] is False

    page.goto(site.link(email, "verify"))

    expect(page.get_by_role("heading", name="Email confirmed")).to_be_visible()
    expect(page.get_by_text(f"{email} is confirmed. You can accept invitations now.")).to_be_visible()
    if check:
        check_page(page, "verified")
    assert api(page, "GET", "/me")["verified"] is True


def create_shop(page: Page, feed_url: str, *, check: bool = False) -> int:
    """From My shops, a new shop named after the feed's product links; its id."""
    page.goto("/")
    page.get_by_role("link", name="New shop").click()
    if check:
        check_page(page, "shop-new")
    page.get_by_label("Or a feed URL to name it from").fill(feed_url)
    page.get_by_role("button", name="Create the shop").click()
    expect(page.get_by_role("heading", name=SHOP)).to_be_visible()
    return int(re.findall(r"/shops/(\d+)$", page.url)[0])


def create_project(page: Page, shop_id: int, feed_url: str, *, check: bool = False) -> int:
    """From the shop's page, a project over the feed exporting for Heureka; its id."""
    page.goto(f"/shops/{shop_id}")
    page.get_by_role("link", name="New project").click()
    if check:
        check_page(page, "project-new")
    page.get_by_label("Project name").fill(PROJECT)
    page.get_by_label("Feed URL").fill(feed_url)
    page.get_by_label("Export format").select_option("heureka")
    page.get_by_role("button", name="Create the project").click()
    expect(page.get_by_role("heading", name=PROJECT)).to_be_visible()
    return int(re.findall(r"/projects/(\d+)$", page.url)[0])


def write_rule(page: Page, rule_type: str, fields: dict[str, Any], changed: int, *, back_to: str = PROJECT) -> None:
    """In the rule editor, choose the type, type the fields, wait for the preview's count, save."""
    page.get_by_label("Rule type").select_option(rule_type)
    page.get_by_label("Rule (JSON)").fill(json.dumps(fields, ensure_ascii=False))
    expect(page.get_by_role("region", name="Preview")).to_contain_text(f"{changed} products change")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("heading", name=back_to)).to_be_visible()


def invite(page: Page, shop_id: int, email: str, level: str) -> None:
    """On the shop's page, invite by email at a level."""
    page.goto(f"/shops/{shop_id}")
    page.get_by_label("Invite by email").fill(email)
    page.get_by_label("Access", exact=True).select_option(level)
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_role("listitem").filter(has_text=f"{email} ({level}, until")).to_be_visible()


def accept_offer(page: Page, link: str, question: str, answer: str, *, name: str = "") -> None:
    """Open an emailed invitation or transfer link signed in, and press Accept."""
    page.goto(link)
    expect(page.get_by_text(question)).to_be_visible()
    if name:
        check_page(page, name)
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text(answer)).to_be_visible()
    if name:
        check_page(page, f"{name}-accepted")


def a_writer(site: Site, owner: Page, invitee: Page, shop_id: int) -> None:
    """The invitee, invited with write access, accepts."""
    invite(owner, shop_id, INVITEE, "write")
    accept_offer(invitee, site.link(INVITEE, "invitations"), f"Accept write access to the shop “{SHOP}” as {INVITEE}?",
                 f"You now have write access to the shop “{SHOP}”.")


def wait_for_run(page: Page, project_id: int) -> str:
    """Reload the project's page until its newest run has finished; that run's status."""
    deadline = time.monotonic() + RUN_WAIT_S
    while True:
        page.goto(f"/projects/{project_id}")
        status = page.get_by_role("region", name="Runs").get_by_role("row").nth(1).get_by_role("cell").nth(2)
        text = status.inner_text() if status.count() else ""
        if text not in ("", "queued", "running") or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


class TestSigningUp:
    def test_two_people_sign_up_and_confirm_their_address_by_the_emailed_link(self, site: Site,
                                                                           person: Person) -> None:
        sign_up(person(), site, OWNER, check=True)
        sign_up(person(), site, INVITEE)

        assert sorted(m["To"] for m in site.inbox.messages()) == [INVITEE, OWNER]

    def test_a_wrong_password_is_refused_with_a_message(self, site: Site, person: Person) -> None:
        registered(site, OWNER)
        page = person()
        page.goto("/login")
        check_page(page, "login")
        page.get_by_label("Email", exact=True).fill(OWNER)
        page.get_by_label("Password", exact=True).fill("not the password")
        page.get_by_role("button", name="Log in").click()

        expect(page.get_by_role("alert")).to_be_visible()
        check_page(page, "login-refused")
        assert page.request.get("/api/v1/me").status == 401


class TestStartingAProject:
    def test_the_owner_creates_a_shop_and_a_project_and_adds_a_rule_watching_the_preview(
        self, site: Site, person: Person, feed_url: str
    ) -> None:
        registered(site, OWNER)
        owner = log_in(person(), OWNER)
        expect(owner.get_by_role("heading", name="My shops")).to_be_visible()
        expect(owner.get_by_text("No shops yet.")).to_be_visible()

        shop_id = create_shop(owner, feed_url, check=True)
        check_page(owner, "shop")
        owner.goto("/")
        expect(owner.get_by_role("link", name=SHOP, exact=True)).to_be_visible()
        owner.get_by_label("Search shops").fill("obchod")
        owner.get_by_role("button", name="Search").click()
        expect(owner.get_by_role("link", name=SHOP, exact=True)).to_be_visible()
        check_page(owner, "home")
        assert api(owner, "GET", f"/shops/{shop_id}")["name"] == SHOP

        project_id = create_project(owner, shop_id, feed_url, check=True)
        expect(owner.get_by_text("No rules: products are exported as the feed has them.")).to_be_visible()
        spec = api(owner, "GET", f"/projects/{project_id}")["spec"]
        assert (spec["source"], [e["format"] for e in spec["exports"]]) == (feed_url, ["heureka"])

        owner.get_by_role("link", name="Add a rule").click()
        expect(owner.get_by_role("heading", name="Add a rule")).to_be_visible()
        owner.get_by_label("Rule type").select_option("replacing")
        owner.get_by_label("Rule (JSON)").fill(json.dumps(KASTROL_TO_HRNEC))
        preview = owner.get_by_role("region", name="Preview")
        expect(preview).to_contain_text("3 products change of 23; 0 newly hidden, 0 newly shown.")
        expect(preview).to_contain_text("Železná kuchyně Kastrol 24 cm červená")
        expect(preview).to_contain_text("Železná kuchyně Hrnec 24 cm červená")
        check_page(owner, "rule-new")
        draft = [{"type": "replacing", **KASTROL_TO_HRNEC}]
        assert api(owner, "POST", f"/projects/{project_id}/preview", rules=draft)["changed_products"] == 3
        assert rules(owner, project_id) == []  # the preview saved nothing

        owner.get_by_role("button", name="Save the rule").click()

        expect(owner.get_by_role("region", name="Rules")).to_contain_text("find: Kastrol")
        check_page(owner, "project")
        assert rules(owner, project_id) == [{"type": "replacing", **KASTROL_TO_HRNEC}]


class TestInviting:
    def test_a_logged_out_invitee_logs_in_from_the_emailed_link_and_accepts(
        self, site: Site, person: Person, feed_url: str
    ) -> None:
        registered(site, OWNER, INVITEE)
        owner = log_in(person(), OWNER)
        shop_id = create_shop(owner, feed_url)
        invite(owner, shop_id, INVITEE, "write")
        assert [i["email"] for i in api(owner, "GET", f"/shops/{shop_id}")["invitations"]] == [INVITEE]
        invitee = person()

        invitee.goto(site.link(INVITEE, "invitations"))
        expect(invitee.get_by_role("heading", name="Log in")).to_be_visible()
        log_in(invitee, INVITEE)
        accept_offer(invitee, invitee.url, f"Accept write access to the shop “{SHOP}” as {INVITEE}?",
                     f"You now have write access to the shop “{SHOP}”.", name="invitation")

        assert members(invitee, shop_id) == {OWNER: "owner", INVITEE: "write"}
        owner.reload()
        expect(owner.get_by_role("cell", name=INVITEE, exact=True)).to_be_visible()
        expect(owner.get_by_role("listitem").filter(has_text=INVITEE)).to_have_count(0)  # no longer pending


class TestAccessLevels:
    def test_a_writer_edits_a_rule_and_as_a_reader_is_refused(self, site: Site, person: Person,
                                                              feed_url: str) -> None:
        registered(site, OWNER, INVITEE)
        owner, invitee = log_in(person(), OWNER), log_in(person(), INVITEE)
        shop_id = create_shop(owner, feed_url)
        project_id = create_project(owner, shop_id, feed_url)
        owner.get_by_role("link", name="Add a rule").click()
        write_rule(owner, "replacing", KASTROL_TO_HRNEC, changed=3)
        a_writer(site, owner, invitee, shop_id)

        invitee.goto(f"/projects/{project_id}")
        invitee.get_by_role("region", name="Rules").get_by_role("link", name="Edit").click()
        expect(invitee.get_by_role("heading", name="Edit the rule")).to_be_visible()
        rule_url = invitee.url
        write_rule(invitee, "replacing", {**KASTROL_TO_HRNEC, "replace": "Hrnec litinový"}, changed=3)
        assert rules(invitee, project_id) == [{"type": "replacing", **KASTROL_TO_HRNEC, "replace": "Hrnec litinový"}]

        owner.goto(f"/shops/{shop_id}")
        access = owner.get_by_label(f"Access of {INVITEE}")
        access.select_option("read")
        owner.locator("form", has=access).get_by_role("button", name="Change").click()
        expect(access).to_have_value("read")
        assert members(owner, shop_id)[INVITEE] == "read"

        invitee.goto(f"/projects/{project_id}")
        read_only = "You have read access: you can see this project, not change or run it."
        expect(invitee.get_by_text(read_only)).to_be_visible()
        for control in ("Run now", "Disable", "Move up", "Move down", "Delete"):
            expect(invitee.get_by_role("button", name=control)).to_have_count(0)
        for link in ("Edit", "Add a rule"):
            expect(invitee.get_by_role("link", name=link)).to_have_count(0)
        check_page(invitee, "project-read")
        invitee.get_by_role("region", name="Rules").get_by_role("link", name="View").click()
        expect(invitee.get_by_text("You have read access: you can see this rule, not change it.")).to_be_visible()
        expect(invitee.get_by_role("button", name="Save the rule")).to_have_count(0)
        expect(invitee.get_by_label("Rule (JSON)")).to_have_count(0)
        check_page(invitee, "rule-read")

        csrf = invitee.locator("input[name=csrf_token]").first.input_value()  # his own session's token
        forced = invitee.request.post(f"/projects/{project_id}/rules/save", form={
            "csrf_token": csrf, "rule_id": rule_url.rsplit("/", 1)[1], "type": "hiding",
            "rule": json.dumps({"query": "[PRICE_VAT] > 0"})})

        assert forced.status == 403, forced.text()
        assert "read access" in forced.text()
        assert rules(owner, project_id) == [{"type": "replacing", **KASTROL_TO_HRNEC, "replace": "Hrnec litinový"}]


class TestPublishing:
    def test_run_now_publishes_the_export_at_the_public_url_shown(self, site: Site, person: Person,
                                                                  feed_url: str) -> None:
        registered(site, OWNER)
        owner = log_in(person(), OWNER)
        project_id = create_project(owner, create_shop(owner, feed_url), feed_url)
        owner.get_by_role("link", name="Add a rule").click()
        write_rule(owner, "replacing", KASTROL_TO_HRNEC, changed=3)
        expect(owner.get_by_role("region", name="Runs")).to_contain_text("No runs yet.")

        owner.get_by_role("button", name="Run now").click()

        assert wait_for_run(owner, project_id) == "succeeded"
        runs = owner.get_by_role("region", name="Runs")
        expect(runs.get_by_role("row").nth(1)).to_contain_text("23 / 23")
        check_page(owner, "project-published")
        (run,) = api(owner, "GET", f"/projects/{project_id}/runs")["items"]
        assert (run["status"], run["products_in"], run["products_out"]) == ("succeeded", 23, 23)
        url = owner.get_by_role("region", name="Exports").locator('a[href*="/f/"]').get_attribute("href")
        assert url and url.startswith(f"{site.url}/f/")
        feed = httpx.get(url, timeout=30)
        assert (feed.status_code, feed.headers["content-type"]) == (200, "application/xml")
        assert feed.text.count("<SHOPITEM>") == 23
        assert "<PRODUCTNAME>Železná kuchyně Hrnec 24 cm červená</PRODUCTNAME>" in feed.text
        assert "<PRODUCTNAME>Železná kuchyně Kastrol" not in feed.text

        runs.get_by_role("link", name=str(run["id"])).click()
        expect(owner.get_by_role("heading", name=f"Run {run['id']}")).to_be_visible()
        check_page(owner, "run")
        owner.set_viewport_size({"width": 390, "height": 844})
        assert too_wide(owner) == []  # the rules table stacks: one block per rule, each count named
        changed = owner.get_by_role("region", name="Rules").locator("td[data-label=Changed]").first
        assert "Changed: " in changed.evaluate("td => getComputedStyle(td, '::before').content")
        assert changed.inner_text() == "3"


class TestAnExportOfItsOwn:
    def test_the_owner_gives_the_export_a_rule_in_the_same_editor_and_a_default_category(
        self, site: Site, person: Person, feed_url: str
    ) -> None:
        registered(site, OWNER)
        owner = log_in(person(), OWNER)
        project_id = create_project(owner, create_shop(owner, feed_url), feed_url)
        owner.get_by_role("region", name="Exports").get_by_role("link", name="heureka", exact=True).click()
        own_rules = owner.get_by_role("region", name="Rules of this export")
        own_rules.get_by_role("link", name="Add a rule").click()
        write_rule(owner, "replacing", KASTROL_TO_HRNEC, changed=3, back_to="Export heureka")
        expect(own_rules).to_contain_text("find: Kastrol")

        owner.get_by_label("Default category").fill("Heureka.cz | Dům a zahrada")
        owner.get_by_role("button", name="Save the settings").click()

        expect(owner.get_by_label("Default category")).to_have_value("Heureka.cz | Dům a zahrada")
        check_page(owner, "export")
        (export,) = api(owner, "GET", f"/projects/{project_id}")["spec"]["exports"]
        assert [{k: v for k, v in rule.items() if k != "id"} for rule in export["rules"]] == [
            {"type": "replacing", **KASTROL_TO_HRNEC}]
        assert export["default_category"] == "Heureka.cz | Dům a zahrada"
        assert rules(owner, project_id) == []  # the shared rules are not the export's


class TestTransferring:
    def test_the_new_owner_accepts_the_shop_from_the_emailed_link(self, site: Site, person: Person,
                                                                 feed_url: str) -> None:
        registered(site, OWNER, INVITEE)
        owner, invitee = log_in(person(), OWNER), log_in(person(), INVITEE)
        shop_id = create_shop(owner, feed_url)
        a_writer(site, owner, invitee, shop_id)
        owner.goto(f"/shops/{shop_id}")

        owner.get_by_label("New owner's email").fill(INVITEE)
        owner.get_by_role("button", name="Transfer the shop").click()

        expect(owner.get_by_text(f"Offered to {INVITEE} until")).to_be_visible()
        assert api(owner, "GET", f"/shops/{shop_id}")["transfer"]["to_email"] == INVITEE
        accept_offer(invitee, site.link(INVITEE, "transfers"),
                     f"Become the owner of the shop “{SHOP}”, offered by {OWNER}, as {INVITEE}? Its invoices will go"
                     " to your billing profile.", f"You own the shop “{SHOP}” now.", name="transfer")
        assert members(invitee, shop_id) == {INVITEE: "owner", OWNER: "write"}
        owner.goto(f"/shops/{shop_id}")
        expect(owner.get_by_text("your access: write")).to_be_visible()
        expect(owner.get_by_role("button", name="Transfer the shop")).to_have_count(0)


FOCUSED = """() => {
    const el = document.activeElement;
    const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
    return {name: (el.getAttribute('aria-label') || label || el.innerText || el.value || '').trim(),
            outline: getComputedStyle(el).outlineStyle};
}"""


def tab_to(page: Page, name: str, *, presses: int = 80) -> None:
    """Press Tab until the focused control is called `name`; each control passed shows a focus outline."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["name"] == name:
            assert focused["outline"] != "none", f"{name}: no visible focus"
            return
    raise AssertionError(f"Tab never reached {name!r} on {page.url}")


WIDER_THAN_THE_WINDOW = """() => [...document.querySelectorAll('main *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-wrap'))
    .map(el => el.tagName + ': ' + (el.innerText || '').slice(0, 60))"""


def too_wide(page: Page) -> list[str]:
    """What sticks out of the window sideways (a wide table may scroll inside its own box)."""
    return list(page.evaluate(WIDER_THAN_THE_WINDOW))


class TestUsableWithoutAMouse:
    def test_the_owner_logs_in_reorders_rules_changes_billing_and_deletes_by_keyboard(
        self, site: Site, person: Person, feed_url: str
    ) -> None:
        registered(site, OWNER)
        owner = person()
        owner.goto("/login")
        tab_to(owner, "Email")
        owner.keyboard.type(OWNER)
        owner.keyboard.press("Tab")
        owner.keyboard.type(PASSWORD)
        owner.keyboard.press("Enter")
        expect(owner.get_by_role("heading", name="My shops")).to_be_visible()

        shop_id = create_shop(owner, feed_url)
        project_id = create_project(owner, shop_id, feed_url)
        for rule in ({"type": "hiding", "query": "[PRICE_VAT] > 100000"}, {"type": "replacing", **KASTROL_TO_HRNEC}):
            api(owner, "POST", f"/projects/{project_id}/rules", rule=rule)
        owner.goto(f"/projects/{project_id}")
        expect(owner.get_by_role("button", name="Move up rule 1")).to_have_count(0)
        expect(owner.get_by_role("button", name="Move down rule 2")).to_have_count(0)
        tab_to(owner, "Move down rule 1")
        owner.keyboard.press("Enter")
        expect(owner.get_by_role("region", name="Rules").get_by_role("listitem").first).to_contain_text("replacing")
        assert [r["type"] for r in rules(owner, project_id)] == ["replacing", "hiding"]

        owner.goto(f"/shops/{shop_id}")
        tab_to(owner, "Billing")
        owner.keyboard.press("Enter")
        expect(owner.get_by_role("heading", name=f"Billing of {SHOP}")).to_be_visible()
        check_page(owner, "billing")
        tab_to(owner, "monthly: 350.90 CZK")  # a radio group is one stop; arrows choose within it
        owner.keyboard.press("ArrowDown")
        owner.keyboard.press("ArrowDown")
        tab_to(owner, "Change the billing period")
        owner.keyboard.press("Enter")
        expect(owner.get_by_text("Status: trial; billing period: yearly.")).to_be_visible()
        expect(owner.get_by_role("radio", name=re.compile("^yearly"))).to_be_checked()
        assert api(owner, "GET", f"/shops/{shop_id}/billing")["billing_period"] == "yearly"

        owner.goto(f"/shops/{shop_id}")
        tab_to(owner, "Delete the shop")
        owner.keyboard.press("Enter")
        expect(owner.get_by_role("heading", name=f"Delete the shop {SHOP}")).to_be_visible()
        name = owner.get_by_label(f"Type the shop's name, {SHOP}, to confirm")
        check_page(owner, "shop-delete")
        tab_to(owner, f"Type the shop's name, {SHOP}, to confirm")
        expect(name).to_be_focused()
        owner.keyboard.type("example")
        owner.keyboard.press("Enter")
        expect(owner.get_by_role("alert")).to_have_text("Type the shop's name exactly as it is shown.")
        expect(name).to_have_attribute("aria-invalid", "true")
        check_page(owner, "shop-delete-refused")
        name.fill(SHOP)
        owner.keyboard.press("Enter")
        expect(owner.get_by_role("heading", name="My shops")).to_be_visible()
        expect(owner.get_by_role("row").filter(has_text=SHOP)).to_contain_text("deleted (restorable)")

    def test_pages_fit_a_phone_and_wide_tables_stack(self, site: Site, person: Person, feed_url: str) -> None:
        registered(site, OWNER)
        owner = log_in(person(), OWNER)
        owner.set_viewport_size({"width": 390, "height": 844})
        project_id = create_project(owner, create_shop(owner, feed_url), feed_url)
        assert too_wide(owner) == []

        owner.get_by_role("link", name="Add a rule").click()
        owner.get_by_label("Rule type").select_option("replacing")
        owner.get_by_label("Rule (JSON)").fill(json.dumps(KASTROL_TO_HRNEC))
        preview = owner.get_by_role("region", name="Preview")
        expect(preview).to_contain_text("3 products change")
        assert too_wide(owner) == []
        before = preview.locator("td[data-label=Before]").first
        assert before.evaluate("td => getComputedStyle(td).display") == "block"  # one block per cell
        assert "Before: " in before.evaluate("td => getComputedStyle(td, '::before').content")

        owner.goto(f"/projects/{project_id}/products")
        expect(owner.get_by_text("23 of 23 products.")).to_be_visible()
        assert too_wide(owner) == []
        check_page(owner, "products")
