"""The catalogues behind every text Feedhub shows or mails, and emails in the recipient's language.

The catalogue tests re-extract the texts from the sources (babel.cfg, as `make i18n` does), so a new
text without a Czech and a Slovak translation, or a .po edited without compiling its .mo, fails here.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy.orm import Session

from accounts import Level, Shop, User, invite_member
from accounts.emails import invitation_email, password_reset_email, verification_email
from accounts.errors import UnknownLanguage
from accounts.i18n import LANGUAGES, LOCALE_DIR, translations
from accounts.mail import MemoryMailer
from accounts.runs import RunStatus
from accounts.transfers import start_transfer
from accounts.users import language_of_address, set_language
from flows.notify import run_notice
from tests.accounts.conftest import BASE_URL, UserFactory

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [language for language in LANGUAGES if language != "en"]
EXPIRES = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)


def _po(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


def _extracted() -> dict[str, str]:
    """Every msgid in the sources (plural entries by their singular), with where it is."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


class TestCatalogues:
    @pytest.mark.parametrize("language", TRANSLATED)
    def test_every_text_in_the_sources_is_translated(self, language: str) -> None:
        catalogue = _po(language)
        untranslated = {
            msgid: where for msgid, where in _extracted().items()
            if (entry := catalogue.get(msgid)) is None or "fuzzy" in entry.flags
            or not all(entry.string if isinstance(entry.string, tuple) else [entry.string])
        }
        assert untranslated == {}, f"translate these in {language} (make i18n, then edit the .po)"

    @pytest.mark.parametrize("language", TRANSLATED)
    def test_translations_keep_their_placeholders(self, language: str) -> None:
        problems = [(entry.id, errors) for entry, errors in _po(language).check()]
        assert problems == []

    @pytest.mark.parametrize("language", TRANSLATED)
    def test_the_compiled_mo_is_the_po(self, language: str) -> None:
        compiled = io.BytesIO()
        write_mo(compiled, _po(language))
        mo = LOCALE_DIR / language / "LC_MESSAGES" / "messages.mo"
        assert mo.read_bytes() == compiled.getvalue(), "run `make i18n` (pybabel compile) and commit the .mo"

    def test_the_plural_forms_are_the_languages_own(self) -> None:
        # Czech and Slovak: 1 obchod, 2-4 obchody, 5+ obchodů / obchodov
        for language, many in (("cs", "obchodů"), ("sk", "obchodov")):
            ngettext = translations(language).ngettext
            forms = [ngettext("%(count)s shop with a failed or held run.",
                              "%(count)s shops with a failed or held run.", n) % {"count": n} for n in (1, 3, 5)]
            assert [form.split()[1] for form in forms] == ["obchod", "obchody", many]

    def test_english_and_unknown_languages_translate_nothing(self) -> None:
        for language in ("en", None, "de"):
            assert translations(language).gettext("Log in") == "Log in"


class TestEmailTexts:
    def test_an_invitation_reads_in_the_language_asked_for(self) -> None:
        texts = {language: invitation_email(to="a@example.com", shop_name="Kola", inviter="o@example.com",
                                            level="read", link="L", expires_at=EXPIRES, language=language)
                 for language in ("sk", "cs", None)}
        assert texts["sk"]["Subject"] == "Pozvánka do obchodu Kola vo Feedhube"
        assert "s prístupom na čítanie" in texts["sk"].get_content()
        assert texts["cs"]["Subject"] == "Pozvánka do obchodu Kola ve Feedhubu"
        assert "s přístupem pro čtení" in texts["cs"].get_content()
        assert texts[None]["Subject"] == "Invitation to Kola on Feedhub"
        assert "with read access" in texts[None].get_content()
        assert "until 2026-12-24 18:00 UTC" in texts[None].get_content()
        assert [texts[language]["Content-Language"] for language in ("sk", "cs", None)] == ["sk", "cs", "en"]

    @pytest.mark.parametrize(("language", "subject"), [
        ("cs", "Potvrďte svůj e-mail pro Feedhub"), ("sk", "Potvrďte svoj e-mail pre Feedhub"),
        (None, "Confirm your email for Feedhub"),
    ])
    def test_verification(self, language: str | None, subject: str) -> None:
        assert verification_email(to="a@example.com", link="L", language=language)["Subject"] == subject

    def test_password_reset_in_slovak(self) -> None:
        message = password_reset_email(to="a@example.com", link="L", expires_at=EXPIRES, language="sk")
        assert message["Subject"] == "Obnovenie hesla do Feedhubu"
        assert "Nastavte nové heslo:\nL\n" in message.get_content()

    @pytest.mark.parametrize(("kind", "status", "subject"), [
        ("alert", RunStatus.FAILED, "[Feedhub] Kola / Heureka: spuštění selhalo, nic nezveřejněno"),
        ("alert", RunStatus.HELD, "[Feedhub] Kola / Heureka: spuštění zadrženo, nic nezveřejněno"),
        ("recovered", RunStatus.SUCCEEDED, "[Feedhub] Kola / Heureka: feedy jsou znovu zveřejněné"),
    ])
    def test_run_alerts_in_czech(self, kind: str, status: RunStatus, subject: str) -> None:
        message = run_notice(kind, to="a@example.com", shop_name="Kola", project_name="Heureka", status=status,
                             error="{not a placeholder}", link="L", language="cs")
        assert message["Subject"] == subject
        assert "L\n" in message.get_content()
        assert kind == "recovered" or "{not a placeholder}" in message.get_content()


class TestRecipientLanguage:
    def test_an_invitation_goes_out_in_the_invitees_language(self, session: Session, owner: User, shop: Shop,
                                                             make_user: UserFactory, mailer: MemoryMailer) -> None:
        set_language(session, make_user("zuzana@example.sk"), "sk")
        invite_member(session, owner, shop.id, email="Zuzana@example.sk", level=Level.WRITE, mailer=mailer,
                      base_url=BASE_URL)
        (sent,) = mailer.messages
        assert sent["Subject"] == f"Pozvánka do obchodu {shop.name} vo Feedhube"
        assert "s prístupom na zápis" in sent.get_content()

    def test_no_choice_means_english(self, session: Session, owner: User, shop: Shop, make_user: UserFactory,
                                     mailer: MemoryMailer) -> None:
        make_user("jan@example.cz")
        invite_member(session, owner, shop.id, email="jan@example.cz", level=Level.READ, mailer=mailer,
                      base_url=BASE_URL)
        assert mailer.messages[0]["Subject"] == f"Invitation to {shop.name} on Feedhub"
        assert language_of_address(session, "nobody@example.com") is None

    def test_a_transfer_goes_out_in_the_new_owners_language(self, session: Session, owner: User, shop: Shop,
                                                            make_user: UserFactory, mailer: MemoryMailer) -> None:
        set_language(session, make_user("petr@example.cz"), "cs")
        start_transfer(session, owner, shop.id, to_email="petr@example.cz", mailer=mailer, base_url=BASE_URL)
        assert mailer.messages[0]["Subject"] == f"Převod obchodu {shop.name} ve Feedhubu"

    def test_only_known_languages_are_saved(self, session: Session, owner: User) -> None:
        with pytest.raises(UnknownLanguage) as refused:
            set_language(session, owner, "de")
        assert (refused.value.value, refused.value.known) == ("de", LANGUAGES)
        assert owner.language is None
