"""Pages in English, Czech and Slovak: the account's saved language, then the switcher's cookie, then the
browser's Accept-Language, then English; the switcher; and emails a page sends in the recipient's language."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from accounts.db import make_session_factory
from accounts.models import User
from accounts.users import set_language
from feedhub.web.language import choose_language, parse_accept_language
from tests.feedhub.api.conftest import PASSWORD, Api, World

CZECH_BROWSER = "cs-CZ,cs;q=0.9,en;q=0.5"
SLOVAK_BROWSER = "sk-SK,sk;q=0.9,cs;q=0.8,en;q=0.5"


def html_lang(response: httpx.Response) -> str:
    found = re.search(r'<html lang="([^"]+)">', response.text)
    assert found is not None
    return found.group(1)


def save_language(api: Api, user: User, language: str) -> None:
    with make_session_factory(api.engine)() as session:
        set_language(session, session.get_one(User, user.id), language)
        session.commit()


def language_of(api: Api, user: User) -> str | None:
    with make_session_factory(api.engine)() as session:
        return session.get_one(User, user.id).language


class TestAcceptLanguage:
    @pytest.mark.parametrize(("header", "languages"), [
        (CZECH_BROWSER, ["cs-CZ", "cs", "en"]),
        ("en;q=0.5, sk", ["sk", "en"]),  # no q means 1
        ("de, cs;q=0.8, sk;q=0.9", ["de", "sk", "cs"]),
        ("cs;q=0, en", ["en"]),  # q=0: "not this one"
        ("sk;q=abc, cs ; Q=0.3", ["cs"]),  # a malformed weight drops its entry; names and spaces are lenient
        ("sk;q=nan, cs;q=7", ["cs"]),  # out of range: NaN is no weight, above 1 counts as 1
        ("cs;q=0.5, sk;q=0.5", ["cs", "sk"]),  # a tie keeps the header's order
        ("", []),
    ])
    def test_parsed_best_first(self, header: str, languages: list[str]) -> None:
        assert parse_accept_language(header) == languages

    @pytest.mark.parametrize(("account", "cookie", "header", "chosen"), [
        (None, None, CZECH_BROWSER, "cs"),
        (None, None, "de-AT, sk;q=0.4, en;q=0.3", "sk"),  # the first language Feedhub speaks
        (None, None, "de, fr", "en"),
        (None, None, "*, cs;q=0.5", "en"),  # anything: the default
        (None, "sk", CZECH_BROWSER, "sk"),  # the switcher's cookie beats the browser
        ("cs", "sk", "en", "cs"),  # the account's choice beats both (its emails use it too)
        (None, "xx", SLOVAK_BROWSER, "sk"),  # a cookie naming no language we have is ignored
    ])
    def test_choice(self, account: str | None, cookie: str | None, header: str, chosen: str) -> None:
        assert choose_language(account=account, cookie=cookie, accept_language=header) == chosen


class TestPagesFollowTheChoice:
    @pytest.mark.parametrize(("header", "lang", "button"), [
        (CZECH_BROWSER, "cs", "Přihlásit se"),
        (SLOVAK_BROWSER, "sk", "Prihlásiť sa"),
        ("de-DE,de;q=0.9", "en", "Log in"),
    ])
    def test_the_browsers_language(self, api: Api, header: str, lang: str, button: str) -> None:
        with api.client(headers={"Accept-Language": header}) as client:
            shown = client.get("/login")
        assert html_lang(shown) == lang
        assert f'<button type="submit">{button}</button>' in shown.text

    def test_a_czech_page_is_czech_throughout(self, api: Api, world: World) -> None:
        with api.client(headers={**world.as_("owner"), "Accept-Language": CZECH_BROWSER}) as client:
            shown = client.get(f"/shops/{world.shop_id}").text
        assert "<h2 id=\"members\">Členové</h2>" in shown and "<button>Pozvat</button>" in shown
        assert "váš přístup: vlastník" in shown and '<td data-label="Přístup">čtení</td>' in shown  # levels too
        assert '<option value="read" selected>čtení</option>' in shown  # what the form posts is not
        assert "<title>Kola s.r.o. · Feedhub</title>" in shown

    def test_a_slovak_project_page(self, api: Api, world: World) -> None:
        with api.client(headers={**world.as_("write"), "Accept-Language": SLOVAK_BROWSER}) as client:
            shown = client.get(f"/projects/{world.project_id}").text
        assert "<button>Spustiť teraz</button>" in shown and "<h2 id=\"rules\">Pravidlá</h2>" in shown
        assert "<td>úspešný</td>" in shown  # the run's status

    def test_concurrent_requests_keep_their_own_language(self, api: Api) -> None:
        # one Jinja2 environment renders every page: the language must come from each render's own context
        def lang_of(header: str) -> tuple[str, str]:
            with api.client(headers={"Accept-Language": header}) as client:
                return header[:2], html_lang(client.get("/login"))

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lang_of, [CZECH_BROWSER, SLOVAK_BROWSER, "en"] * 8))
        assert all(asked == got for asked, got in answers)

    def test_the_cookie_beats_the_browser(self, api: Api, world: World) -> None:
        with api.client(headers={"Accept-Language": CZECH_BROWSER}, cookies={"feedhub_lang": "sk"}) as client:
            shown = client.get("/signup")
        assert html_lang(shown) == "sk" and "Vytvoriť účet" in shown.text

    def test_the_accounts_language_beats_cookie_and_browser(self, api: Api, world: World) -> None:
        save_language(api, world.users["read"], "cs")
        with api.client(headers={**world.as_("read"), "Accept-Language": SLOVAK_BROWSER},
                        cookies={"feedhub_lang": "en"}) as client:
            shown = client.get("/")
        assert html_lang(shown) == "cs" and "<h1>Moje obchody</h1>" in shown.text

    def test_messages_built_in_python_are_translated(self, api: Api, world: World) -> None:
        with api.client(headers={**world.as_("outsider"), "Accept-Language": SLOVAK_BROWSER}) as client:
            refused = client.get(f"/shops/{world.shop_id}/history")
        assert refused.status_code == 404 and "<h1>Nedá sa vykonať</h1>" in refused.text


class TestSwitcher:
    def test_every_page_links_each_language_back_to_itself(self, api: Api) -> None:
        with api.client() as client:
            shown = client.get("/login?next=/shops/7")
        links = re.findall(r'href="(/language\?[^"]+)"', shown.text)
        asked = [parse_qs(urlsplit(link.replace("&amp;", "&")).query) for link in links]
        assert [(q["lang"], q["next"]) for q in asked] == [
            ([lang], ["/login?next=/shops/7"]) for lang in ("en", "cs", "sk")]

    def test_anonymous_choice_sets_the_cookie_only(self, api: Api) -> None:
        with api.client(headers={"Accept-Language": CZECH_BROWSER}) as client:
            switched = client.get("/language", params={"lang": "sk", "next": "/login"})
            assert switched.status_code == 303 and switched.headers["location"] == "/login"
            assert 'feedhub_lang=sk' in switched.headers["set-cookie"]
            assert html_lang(client.get("/login")) == "sk"

    def test_a_signed_in_choice_is_saved_on_the_account(self, api: Api, world: World) -> None:
        with api.client() as client:
            client.post("/api/v1/auth/login", json={"email": "write@example.com", "password": PASSWORD})
            shown = client.get("/").text
            (slovak,) = re.findall(r'href="(/language\?[^"]*lang=sk[^"]*)"', shown)
            assert client.get(slovak.replace("&amp;", "&")).status_code == 303
        assert language_of(api, world.users["write"]) == "sk"
        with api.client(headers=world.as_("write")) as elsewhere:  # another browser, no cookie
            assert html_lang(elsewhere.get("/")) == "sk"

    def test_a_link_without_the_csrf_token_does_not_change_the_account(self, api: Api, world: World) -> None:
        with api.client() as client:
            client.post("/api/v1/auth/login", json={"email": "write@example.com", "password": PASSWORD})
            forged = client.get("/language", params={"lang": "sk", "next": "/", "csrf_token": "guessed"})
        assert forged.status_code == 303 and language_of(api, world.users["write"]) is None

    @pytest.mark.parametrize("next_", ["//evil.example/", "https://evil.example/", ""])
    def test_next_stays_on_this_site(self, api: Api, next_: str) -> None:
        with api.client() as client:
            assert client.get("/language", params={"lang": "cs", "next": next_}).headers["location"] == "/"

    def test_an_unknown_language_is_refused(self, api: Api) -> None:
        with api.client() as client:
            refused = client.get("/language", params={"lang": "de", "next": "/"})
        assert refused.status_code == 400 and "set-cookie" not in refused.headers


class TestEmailsFromPages:
    def test_signing_up_in_czech_keeps_czech_for_the_account_and_its_email(self, api: Api) -> None:
        with api.client(headers={"Accept-Language": CZECH_BROWSER}) as client:
            form = client.get("/signup")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            done = client.post("/signup", data={"email": "nova@example.cz", "password": PASSWORD,
                                                "csrf_token": token.group(1)})
        assert "Poslali jsme odkaz na nova@example.cz." in done.text
        (sent,) = api.mailer.messages
        assert sent["Subject"] == "Potvrďte svůj e-mail pro Feedhub"
        with make_session_factory(api.engine)() as session:
            assert session.query(User).filter_by(email="nova@example.cz").one().language == "cs"

    def test_an_invitation_to_a_slovak_user_is_slovak_whatever_the_inviters_page(self, api: Api,
                                                                                 world: World) -> None:
        save_language(api, world.users["outsider"], "sk")
        with api.client(headers={**world.as_("owner"), "Accept-Language": CZECH_BROWSER}) as client:
            invited = client.post(f"/shops/{world.shop_id}/invite",
                                  data={"email": "outsider@example.com", "level": "write"})
        assert invited.status_code == 303
        (sent,) = api.mailer.messages
        assert sent["Subject"] == "Pozvánka do obchodu Kola s.r.o. vo Feedhube"
        assert "owner@example.com vás pozval(a) do obchodu „Kola s.r.o.“ vo Feedhube s prístupom na zápis." \
            in sent.get_content()

    def test_logging_in_keeps_the_language_chosen_before(self, api: Api, world: World) -> None:
        with api.client(cookies={"feedhub_lang": "cs"}) as client:
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None
            client.post("/login", data={"email": "read@example.com", "password": PASSWORD,
                                        "csrf_token": token.group(1), "next": "/"})
        assert language_of(api, world.users["read"]) == "cs"

