"""Registration, verification, passwords, billing profile."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from accounts import BillingProfile, MemoryMailer, authenticate, change_password, register_user, verify_email
from accounts.errors import EmailTaken, InvalidCredentials, InvalidEmail, InvalidToken, UserNotFound, WeakPassword
from accounts.users import get_user, update_billing_profile
from tests.accounts.conftest import BASE_URL, PASSWORD, link_token


class TestRegister:
    def test_email_is_stored_lower_case_and_password_hashed(self, session: Session) -> None:
        user, _ = register_user(session, email="  Ann@Example.COM ", password=PASSWORD)
        assert user.email == "ann@example.com"
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert user.verified is False

    def test_same_email_in_other_case_is_taken(self, session: Session) -> None:
        register_user(session, email="ann@example.com", password=PASSWORD)
        with pytest.raises(EmailTaken) as taken:
            register_user(session, email="ANN@example.com", password=PASSWORD)
        assert taken.value.email == "ann@example.com"

    @pytest.mark.parametrize("email", ["", "ann", "@example.com", "ann@", "a@b@c"])
    def test_rejects_non_email(self, session: Session, email: str) -> None:
        with pytest.raises(InvalidEmail):
            register_user(session, email=email, password=PASSWORD)

    def test_rejects_short_password(self, session: Session) -> None:
        with pytest.raises(WeakPassword) as weak:
            register_user(session, email="ann@example.com", password="short")
        assert weak.value.min_length == 8

    def test_mails_a_verification_link_that_verifies_once(self, session: Session, mailer: MemoryMailer) -> None:
        user, _ = register_user(session, email="ann@example.com", password=PASSWORD, mailer=mailer, base_url=BASE_URL)
        (message,) = mailer.messages
        assert message["To"] == "ann@example.com"
        token = link_token(message, "verify")
        assert verify_email(session, token) is user and user.verified
        with pytest.raises(InvalidToken):
            verify_email(session, token)

    def test_unknown_verification_token(self, session: Session) -> None:
        with pytest.raises(InvalidToken):
            verify_email(session, "nope")


class TestPasswords:
    def test_authenticate(self, session: Session) -> None:
        user, _ = register_user(session, email="ann@example.com", password=PASSWORD)
        assert authenticate(session, "ANN@example.com", PASSWORD) is user

    @pytest.mark.parametrize(
        ("email", "password"), [("ann@example.com", "wrong password"), ("bob@example.com", PASSWORD)]
    )
    def test_wrong_password_and_unknown_email_look_the_same(self, session: Session, email: str, password: str) -> None:
        register_user(session, email="ann@example.com", password=PASSWORD)
        with pytest.raises(InvalidCredentials, match="wrong email or password"):
            authenticate(session, email, password)

    def test_change_password_needs_the_old_one(self, session: Session) -> None:
        user, _ = register_user(session, email="ann@example.com", password=PASSWORD)
        with pytest.raises(InvalidCredentials):
            change_password(session, user, old_password="guess guess", new_password="new password 1")
        change_password(session, user, old_password=PASSWORD, new_password="new password 1")
        assert authenticate(session, "ann@example.com", "new password 1") is user
        with pytest.raises(InvalidCredentials):
            authenticate(session, "ann@example.com", PASSWORD)


def test_billing_profile_round_trip(session: Session) -> None:
    user, _ = register_user(session, email="ann@example.com", password=PASSWORD)
    profile = BillingProfile("Ann s.r.o.", "Main 1, Praha", "12345678", "cz12345678", "Billing@Example.com")
    update_billing_profile(session, user, profile)
    session.commit()
    assert BillingProfile.of(get_user(session, "ann@example.com")) == BillingProfile(
        "Ann s.r.o.", "Main 1, Praha", "12345678", "CZ12345678", "billing@example.com"
    )


def test_get_user_unknown_suggests_sign_up(session: Session) -> None:
    with pytest.raises(UserNotFound, match="sign up"):
        get_user(session, "nobody@example.com")
