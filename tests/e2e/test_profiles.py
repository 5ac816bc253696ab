"""Role profiles in a real browser: the owner defines a profile of the shop's own on the profiles page, invites
someone with it on one project only, and the invitee works within it: rules on the titles of that project,
nothing else; and the owner gives an integration a shop token with a profile. Each step checks what the person
sees and what the API says afterwards."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Person, Site, check_page
from tests.e2e.test_people import (
    INVITEE,
    KASTROL_TO_HRNEC,
    OWNER,
    PROJECT,
    SHOP,
    accept_offer,
    api,
    create_project,
    create_shop,
    log_in,
    registered,
    rules,
    sign_up,
    write_rule,
)

OTHER_PROJECT = "Google"
COPYWRITER_GRANTS = ("settings: view", "members: view", "rules: view", "rules: add", "rules: edit")
TITLES = "PRODUCTNAME, DESCRIPTION, g:title, g:description"


def another_project(page: Page, shop_id: int, feed_url: str, name: str) -> int:
    """A second project of the shop over the same feed; its id."""
    page.goto(f"/shops/{shop_id}")
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Project name").fill(name)
    page.get_by_label("Feed URL").fill(feed_url)
    page.get_by_role("button", name="Create the project").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    return int(re.findall(r"/projects/(\d+)$", page.url)[0])


def add_copywriter(owner: Page, shop_id: int) -> None:
    """On the profiles page, reached from the shop's members, a profile for titles and descriptions."""
    owner.goto(f"/shops/{shop_id}")
    owner.get_by_role("region", name="Members").get_by_role("link", name="Role profiles: what each allows").click()
    expect(owner.get_by_role("heading", name=f"Role profiles of {SHOP}")).to_be_visible()
    adding = owner.get_by_role("region", name="Add a profile")
    adding.get_by_label("Profile name").fill("Copywriter")
    for grant in COPYWRITER_GRANTS:
        adding.get_by_label(grant, exact=True).check()
    adding.get_by_label("Elements (comma-separated; empty: any element)").fill(TITLES)
    adding.get_by_role("button", name="Add the profile").click()


class TestACopywriter:
    def test_the_owner_invites_a_copywriter_for_one_project_who_edits_titles_there_only(
        self, site: Site, person: Person, feed_url: str
    ) -> None:
        registered(site, INVITEE)
        owner = person()
        sign_up(owner, site, OWNER)
        shop_id = create_shop(owner, feed_url)
        heureka = create_project(owner, shop_id, feed_url)
        owner.get_by_role("link", name="Add a rule").click()
        write_rule(owner, "replacing", KASTROL_TO_HRNEC, changed=3)
        google = another_project(owner, shop_id, feed_url, OTHER_PROJECT)

        add_copywriter(owner, shop_id)

        copywriter = owner.get_by_role("region", name="copywriter", exact=True)
        expect(copywriter).to_contain_text("this shop · elements: DESCRIPTION, PRODUCTNAME, g:description, g:title")
        rules_row = copywriter.get_by_role("row", name=re.compile("^rules"))
        for cell, said in enumerate(["allowed", "allowed", "allowed", "not allowed"]):  # view, add, edit, delete
            expect(rules_row.get_by_role("cell").nth(cell)).to_have_accessible_name(said)
        check_page(owner, "profiles")
        (added,) = [p for p in api(owner, "GET", f"/shops/{shop_id}/profiles")["items"] if p["name"] == "copywriter"]
        assert added["grants"] == ["rules:view", "rules:add", "rules:edit", "members:view", "settings:view"]

        add_copywriter(owner, shop_id)  # once more: the name is taken
        adding = owner.get_by_role("region", name="Add a profile")
        expect(adding.get_by_role("alert")).to_have_text(f"shop {shop_id} already has a profile 'copywriter'")
        expect(adding.get_by_label("Profile name")).to_have_value("Copywriter")
        check_page(owner, "profiles-refused")
        copywriter.get_by_text("Change copywriter").click()
        expect(copywriter.get_by_label("rules: edit")).to_be_checked()
        expect(copywriter.get_by_label("rules: delete")).not_to_be_checked()
        check_page(owner, "profile-change")  # the change form open in its card

        owner.goto(f"/shops/{shop_id}")
        owner.get_by_label("Invite by email").fill(INVITEE)
        inviting = owner.locator("form", has=owner.get_by_label("Invite by email"))
        inviting.get_by_role("group", name="Profiles (none ticked: the access above)").get_by_label(
            "copywriter").check()
        inviting.get_by_role("group", name="Projects (none ticked: every project)").get_by_label(PROJECT).check()
        inviting.get_by_role("button", name="Invite", exact=True).click()
        expect(owner.get_by_role("listitem").filter(
            has_text=f"{INVITEE} (copywriter · projects: {PROJECT}, until")).to_be_visible()
        mail = site.message(INVITEE).get_content()
        assert "with the profiles: copywriter." in mail and f"Only on the projects: {PROJECT}." in mail

        invitee = log_in(person(), INVITEE)
        accept_offer(invitee, site.link(INVITEE, "invitations"),
                     f"Accept copywriter access to the shop “{SHOP}” as {INVITEE}?",
                     f"You now have copywriter access to the shop “{SHOP}”.")
        owner.reload()
        member_row = owner.get_by_role("row").filter(has=owner.get_by_role("cell", name=INVITEE, exact=True))
        expect(member_row.get_by_role("cell", name=f"copywriter · projects: {PROJECT}")).to_be_visible()
        member_row.get_by_text(f"Profiles of {INVITEE}", exact=True).click()
        check_page(owner, "shop-members")

        invitee.goto(f"/shops/{shop_id}")
        projects = invitee.get_by_role("region", name="Projects")
        expect(projects.get_by_role("link")).to_have_text([PROJECT])
        missing = invitee.goto(f"/projects/{google}")
        assert missing is not None and missing.status == 404
        unseen = invitee.locator("main").inner_text().replace(str(google), "N")
        assert invitee.goto("/projects/999999").status == 404  # type: ignore[union-attr]
        assert unseen == invitee.locator("main").inner_text().replace("999999", "N")

        invitee.goto(f"/projects/{heureka}")
        invitee.get_by_role("region", name="Rules").get_by_role("link", name="Edit rule 1").click()
        invitee.get_by_label("Rule (JSON)").fill('{"element": "PRODUCTNAME", "find": "Kastrol", "replace": "Rendlík"}')
        preview = invitee.get_by_role("region", name="Preview")
        expect(preview).to_contain_text("3 products change of 23")
        expect(preview).to_contain_text("Železná kuchyně Rendlík 24 cm červená")
        invitee.get_by_role("button", name="Save the rule").click()
        expect(invitee.get_by_role("heading", name=PROJECT)).to_be_visible()
        renamed = {"type": "replacing", **KASTROL_TO_HRNEC, "replace": "Rendlík"}
        assert rules(invitee, heureka) == [renamed]

        invitee.get_by_role("link", name="Add a rule").click()
        invitee.get_by_label("Rule type").select_option("rewriting")
        invitee.get_by_label("Rule (JSON)").fill('{"element": "PRICE_VAT", "value": "1"}')
        invitee.get_by_role("button", name="Save the rule").click()

        expect(invitee.get_by_role("alert")).to_have_text(
            f"your profiles (copywriter) do not allow rules writing 'PRICE_VAT' in project {heureka}")
        assert rules(invitee, heureka) == [renamed]


class TestAShopToken:
    def test_the_owner_gives_an_integration_a_token_shown_once_that_works_until_revoked(
        self, site: Site, person: Person, feed_url: str
    ) -> None:
        registered(site, OWNER)
        owner = log_in(person(), OWNER)
        shop_id = create_shop(owner, feed_url)
        create_project(owner, shop_id, feed_url)
        owner.goto(f"/shops/{shop_id}")
        tokens = owner.get_by_role("region", name="API tokens of this shop")
        expect(tokens).to_contain_text("No tokens yet.")

        tokens.get_by_label("Token name").fill("Mirakl")
        tokens.get_by_role("group", name="The token's profiles").get_by_label("channel_manager").check()
        tokens.get_by_role("group", name="Projects (none ticked: every project)").get_by_label(PROJECT).check()
        tokens.get_by_role("button", name="Create the token").click()

        once = tokens.get_by_role("status")
        expect(once).to_contain_text("The token “Mirakl” is created. Copy it now: it is not shown again.")
        secret = once.locator("code").inner_text()
        assert secret.startswith("fh_")
        expect(tokens.get_by_role("row").filter(has_text="Mirakl")).to_contain_text(
            f"channel_manager · projects: {PROJECT}")
        check_page(owner, "tokens")
        as_token = {"Authorization": f"Bearer {secret}"}
        listed = httpx.get(f"{site.url}/api/v1/shops/{shop_id}/projects", headers=as_token)
        assert [p["name"] for p in listed.json()["items"]] == [PROJECT]

        owner.goto(f"/shops/{shop_id}")
        expect(tokens.get_by_role("status")).to_have_count(0)
        assert secret not in owner.content()
        tokens.get_by_role("button", name="Revoke the token Mirakl").click()
        expect(tokens).to_contain_text("No tokens yet.")
        assert httpx.get(f"{site.url}/api/v1/shops/{shop_id}/projects", headers=as_token).status_code == 401
