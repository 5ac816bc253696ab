"""The shop's API tokens on the shop page, as the server renders them: creating one shows its string once and
it works on the API; who sees the list, the form and the Revoke buttons; refusals named next to the form;
revoking ends the token. (tests/e2e/test_profiles.py creates one in Chromium.)"""

from __future__ import annotations

import httpx
from lxml import html as lxml_html

from accounts.db import make_session_factory
from accounts.shop_tokens import ShopTokenView, list_shop_tokens
from tests.feedhub.api.conftest import Api, World, page, post

MIRAKL = {"name": "Mirakl", "profile:channel_manager": "on"}
SECTION = "API tokens of this shop"
ONCE = "Copy it now: it is not shown again."




def tokens_of(api: Api, world: World) -> dict[str, ShopTokenView]:
    """The shop's live tokens by name (profile_world may hold some of its own)."""
    with make_session_factory(api.engine)() as session:
        return {t.name: t for t in list_shop_tokens(session, world.users["owner"], world.shop_id)}


def secret_in(answer: httpx.Response) -> str:
    """The token string of the one-time box."""
    (code,) = lxml_html.fromstring(answer.text).xpath("//*[@role='status']//code")
    return str(code.text)


def create(api: Api, world: World, data: dict[str, str] = MIRAKL) -> str:
    """The owner creates a token through the form; its string."""
    created = post(api, world, "owner", f"/shops/{world.shop_id}/tokens/add", data)
    assert created.status_code == 200, created.text
    return secret_in(created)


def token_form(answer: httpx.Response, world: World) -> lxml_html.HtmlElement:
    """The new-token form of the shop page in `answer`."""
    action = f"/shops/{world.shop_id}/tokens/add#shop-tokens"
    (form,) = lxml_html.fromstring(answer.text).xpath("//form[@action=$a]", a=action)
    return form


def projects_with(api: Api, world: World, secret: str) -> httpx.Response:
    with api.client() as client:
        return client.get(f"/api/v1/shops/{world.shop_id}/projects", headers={"Authorization": f"Bearer {secret}"})


class TestCreating:
    def test_the_answer_shows_the_token_once_and_it_works_on_the_api(self, api: Api, world: World) -> None:
        created = post(api, world, "owner", f"/shops/{world.shop_id}/tokens/add",
                       {**MIRAKL, f"project:{world.project_id}": "on"})

        assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
        assert ONCE in created.text
        secret = secret_in(created)
        (token,) = tokens_of(api, world).values()
        assert (token.name, token.profiles, token.project_ids) == ("Mirakl", ["channel_manager"], [world.project_id])
        again = page(api, world, "owner", f"/shops/{world.shop_id}").text
        assert secret not in again and ONCE not in again
        row = lxml_html.fromstring(again).xpath("//section[@aria-labelledby='shop-tokens']//tr[td]")[0]
        cells = [cell.text_content() for cell in row.xpath("td")]
        assert cells[:2] == ["Mirakl", "channel_manager · projects: Heureka"]

        listed = projects_with(api, world, secret)
        assert listed.status_code == 200
        assert [p["name"] for p in listed.json()["items"]] == ["Heureka"]
        assert "never" not in page(api, world, "owner", f"/shops/{world.shop_id}").text  # last used: just now

    def test_a_refusal_is_named_next_to_the_form_with_what_was_typed(self, api: Api, world: World) -> None:
        refused = post(api, world, "owner", f"/shops/{world.shop_id}/tokens/add",
                       {"name": "  ", "profile:support": "on", f"project:{world.project_id}": "on"})

        assert refused.status_code == 422
        form = token_form(refused, world)
        assert form.xpath("string(p[@role='alert'])") == "an API token name must have 1 to 60 characters, not ''"
        checked = [box.get("name") for box in form.xpath(".//input[@type='checkbox'][@checked]")]
        assert checked == ["profile:support", f"project:{world.project_id}"]
        assert ONCE not in refused.text and tokens_of(api, world) == {}

    def test_no_profile_ticked_is_refused(self, api: Api, world: World) -> None:
        refused = post(api, world, "owner", f"/shops/{world.shop_id}/tokens/add", {"name": "Mirakl"})
        assert refused.status_code == 422
        form = token_form(refused, world)
        assert form.xpath("string(p[@role='alert'])").startswith("unknown profile ''; known: ")
        assert form.xpath("string(.//input[@name='name']/@value)") == "Mirakl"

    def test_an_administrator_cannot_give_a_token_more_than_they_may_do(self, api: Api, profile_world: World) -> None:
        world = profile_world
        refused = post(api, world, "administrator", f"/shops/{world.shop_id}/tokens/add",
                       {"name": "Books", "profile:accountant": "on"})  # billing: not the administrator's
        assert refused.status_code == 403
        form = token_form(refused, world)
        assert form.xpath("string(p[@role='alert'])") == (
            "you cannot grant the profile 'accountant': it allows more than you may do")
        assert "Books" not in tokens_of(api, world)


class TestWhoSeesWhat:
    def test_support_sees_the_list_but_no_form_and_no_revoke_and_is_refused(self, api: Api,
                                                                             profile_world: World) -> None:
        world = profile_world
        create(api, world)
        token = tokens_of(api, world)["Mirakl"]

        shown = page(api, world, "support", f"/shops/{world.shop_id}").text
        assert SECTION in shown and "Mirakl" in shown
        assert "/tokens/add" not in shown and "Create the token" not in shown and "/revoke\"" not in shown

        added = post(api, world, "support", f"/shops/{world.shop_id}/tokens/add", {**MIRAKL, "name": "Mine"})
        assert added.status_code == 403
        assert f"your profiles (support) on shop {world.shop_id} do not allow tokens:add" in added.text
        revoked = post(api, world, "support", f"/shops/{world.shop_id}/tokens/{token.id}/revoke")
        assert revoked.status_code == 403
        assert f"your profiles (support) on shop {world.shop_id} do not allow tokens:delete" in revoked.text
        assert "Mirakl" in tokens_of(api, world) and "Mine" not in tokens_of(api, world)

    def test_a_reader_sees_no_tokens_section_and_is_refused_at_the_top(self, api: Api, world: World) -> None:
        create(api, world)
        shown = page(api, world, "read", f"/shops/{world.shop_id}").text
        assert SECTION not in shown and "Mirakl" not in shown and "/tokens/" not in shown

        refused = post(api, world, "read", f"/shops/{world.shop_id}/tokens/add", {**MIRAKL, "name": "Mine"})
        assert refused.status_code == 403
        alert = lxml_html.fromstring(refused.text).xpath("string(//main/p[@role='alert'])")
        assert alert == f"your profiles (read) on shop {world.shop_id} do not allow tokens:add"

    def test_an_outsider_gets_a_missing_shop(self, api: Api, world: World) -> None:
        refused = post(api, world, "outsider", f"/shops/{world.shop_id}/tokens/add", MIRAKL)
        assert refused.status_code == 404 and tokens_of(api, world) == {}


class TestRevoking:
    def test_a_revoked_token_answers_401_at_once(self, api: Api, world: World) -> None:
        secret = create(api, world)
        token = tokens_of(api, world)["Mirakl"]
        assert projects_with(api, world, secret).status_code == 200

        revoked = post(api, world, "owner", f"/shops/{world.shop_id}/tokens/{token.id}/revoke")

        assert (revoked.status_code, revoked.headers["location"]) == (303, f"/shops/{world.shop_id}#shop-tokens")
        assert projects_with(api, world, secret).status_code == 401
        assert tokens_of(api, world) == {}
        assert "No tokens yet." in page(api, world, "owner", f"/shops/{world.shop_id}").text

    def test_revoking_an_unknown_token_says_so_in_the_section(self, api: Api, world: World) -> None:
        refused = post(api, world, "owner", f"/shops/{world.shop_id}/tokens/999999/revoke")
        assert refused.status_code == 404
        alert = lxml_html.fromstring(refused.text).xpath(
            "string(//section[@aria-labelledby='shop-tokens']/p[@role='alert'])")
        assert alert == "you have no API token 999999"
