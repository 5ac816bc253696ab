"""Signing in: sessions, throttled logins and their audit, password change and reset, verification, API tokens."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from accounts import (
    MemoryMailer,
    User,
    authenticate,
    change_password_and_end_sessions,
    create_api_token,
    end_sessions,
    list_account_audit,
    list_api_tokens,
    log_in,
    log_out,
    request_password_reset,
    resend_verification,
    reset_password,
    resolve_api_token,
    resolve_session,
    revoke_api_token,
    sign_up,
    verify_email,
)
from accounts.auth import RESETS_PER_HOUR
from accounts.errors import (
    AlreadyVerified,
    ApiTokenNotFound,
    InvalidCredentials,
    InvalidName,
    InvalidToken,
    LoginThrottled,
    WeakPassword,
)
from accounts.models import ApiToken, AuditEntry, LoginAttempt, LoginSession, PasswordReset
from accounts.throttle import ATTEMPTS_KEPT, delay_s, prune_attempts
from accounts.tokens import hash_token
from tests.accounts.conftest import BASE_URL, PASSWORD, UserFactory, link_token

IP = "203.0.113.7"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "new password 123"
BLOCK_CHECK_S = 0.3  # how long a contender must stay blocked behind the first one's locks


def seconds(n: float) -> timedelta:
    """Shorthand for the throttle's time steps."""
    return timedelta(seconds=n)


def try_log_in(
    session: Session, *, at: datetime, email: str = "ann@example.com", password: str = PASSWORD, ip: str = IP
) -> str | int:
    """"ok", "wrong", or the seconds a throttled attempt is told to wait."""
    try:
        log_in(session, email=email, password=password, client_ip=ip, now=at)
    except InvalidCredentials:
        return "wrong"
    except LoginThrottled as throttled:
        return throttled.retry_after_s
    return "ok"


@pytest.fixture
def ann(make_user: UserFactory) -> User:
    """The account whose sign-in is under test."""
    return make_user("ann@example.com")


@pytest.fixture
def bob(make_user: UserFactory) -> User:
    """Another account, to prove nothing crosses over."""
    return make_user("bob@example.com")


class TestLogIn:
    def test_every_login_issues_a_new_token_and_both_stay_live(self, session: Session, ann: User) -> None:
        user, first = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)
        _, second = log_in(session, email=" ANN@Example.com", password=PASSWORD, client_ip=IP)
        assert user is ann and first != second
        assert resolve_session(session, first) is ann and resolve_session(session, second) is ann

    def test_only_the_hash_of_the_session_token_is_stored(self, session: Session, ann: User) -> None:
        _, token = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP, user_agent="Firefox")
        row = session.scalars(select(LoginSession)).one()
        assert row.token_hash == hash_token(token) != token
        assert (row.user_id, row.client_ip, row.user_agent) == (ann.id, IP, "Firefox")

    def test_wrong_password_and_unknown_email_raise_the_same_error(self, session: Session, ann: User) -> None:
        messages = []
        for email, password in [("ann@example.com", "wrong password"), ("nobody@example.com", PASSWORD)]:
            with pytest.raises(InvalidCredentials) as wrong:
                log_in(session, email=email, password=password, client_ip=IP)
            messages.append(wrong.value.message)
        assert messages == ["wrong email or password"] * 2
        assert session.scalar(select(func.count()).select_from(LoginSession)) == 0


class TestThrottling:
    def test_five_failures_then_each_further_failure_doubles_the_wait(self, session: Session, ann: User) -> None:
        for _ in range(5):
            assert try_log_in(session, at=T0, password="wrong password") == "wrong"
        steps = [  # (seconds after T0, password, outcome)
            (0, PASSWORD, 1),  # even the right password waits: it is not checked at all
            (0.4, "wrong password", 1),  # rounded up, never 0
            (1, "wrong password", "wrong"),  # 6th failure, 1 s after the 5th
            (1, "wrong password", 2),
            (3, "wrong password", "wrong"),  # 7th
            (3, "wrong password", 4),
            (6, PASSWORD, 1),
            (7, "wrong password", "wrong"),  # 8th
            (7, PASSWORD, 8),
            (15, PASSWORD, "ok"),
        ]
        assert [(at, pw, try_log_in(session, at=T0 + seconds(at), password=pw)) for at, pw, _ in steps] == steps

    @pytest.mark.parametrize(
        ("failures", "delay"),
        [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (14, 512), (15, 900), (1000, 900)],  # 15: 1024 s capped at 15 min
    )
    def test_delay_doubles_up_to_fifteen_minutes(self, failures: int, delay: int) -> None:
        assert delay_s(failures) == delay

    def test_throttled_attempts_do_not_lengthen_the_wait(self, session: Session, ann: User) -> None:
        for _ in range(5):
            try_log_in(session, at=T0, password="wrong password")
        assert [try_log_in(session, at=T0 + seconds(0.5), password="wrong password") for _ in range(3)] == [1, 1, 1]
        assert try_log_in(session, at=T0 + seconds(1)) == "ok"

    def test_failures_older_than_fifteen_minutes_do_not_count(self, session: Session, ann: User) -> None:
        for _ in range(5):
            try_log_in(session, at=T0, password="wrong password")
        almost = T0 + timedelta(minutes=15) - seconds(1)
        assert try_log_in(session, at=almost, password="wrong password") == "wrong"  # the 6th within the window
        assert try_log_in(session, at=almost) == 2
        assert try_log_in(session, at=T0 + timedelta(minutes=15)) == "ok"  # the first five aged out: one failure left

    def test_pruning_old_attempts_deletes_them_and_changes_no_decision(self, session: Session, ann: User) -> None:
        day_before = T0 - ATTEMPTS_KEPT - seconds(1)
        assert try_log_in(session, at=day_before) == "ok"  # the account's last success, pruned below
        for _ in range(5):
            try_log_in(session, at=T0, password="wrong password")
        assert prune_attempts(session, now=T0) == 1
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 5
        assert try_log_in(session, at=T0 + seconds(0.5)) == 1  # still throttled: the five failures count
        assert try_log_in(session, at=T0 + seconds(1)) == "ok"

    def test_unknown_email_is_refused_exactly_like_a_real_one(self, session: Session, ann: User) -> None:
        refusals = []
        for email, ip in [("ann@example.com", "198.51.100.1"), ("ghost@example.com", "198.51.100.2")]:
            for _ in range(5):
                try_log_in(session, at=T0, email=email, password="wrong password", ip=ip)
            with pytest.raises(LoginThrottled) as throttled:
                log_in(session, email=email, password="wrong password", client_ip=ip, now=T0)
            refusals.append((throttled.value.retry_after_s, throttled.value.message))
        assert refusals == [(1, "too many failed logins; try again in 1 seconds")] * 2

    def test_success_ends_the_accounts_run_of_failures(self, session: Session, ann: User) -> None:
        def fail_four(start: int) -> None:  # each from another address: only the account's counter grows
            for i in range(start, start + 4):
                assert try_log_in(session, at=T0, password="wrong password", ip=f"198.51.100.{i}") == "wrong"

        fail_four(0)
        assert try_log_in(session, at=T0, ip="198.51.100.50") == "ok"
        fail_four(4)
        assert try_log_in(session, at=T0, password="wrong password", ip="198.51.100.51") == "wrong"  # 5th since
        assert try_log_in(session, at=T0, ip="198.51.100.52") == 1

    def test_an_address_is_throttled_across_emails(self, session: Session, ann: User) -> None:
        for i in range(5):
            assert try_log_in(session, at=T0, email=f"guess{i}@example.com") == "wrong"
        assert try_log_in(session, at=T0) == 1  # ann's own account has no failures, the address has
        assert try_log_in(session, at=T0, ip="198.51.100.9") == "ok"

    def test_a_success_does_not_clear_the_addresss_failures(self, session: Session, ann: User) -> None:
        for i in range(4):
            try_log_in(session, at=T0, email=f"guess{i}@example.com")
        assert try_log_in(session, at=T0) == "ok"  # e.g. the attacker's own account
        try_log_in(session, at=T0, email="guess5@example.com")
        assert try_log_in(session, at=T0, email="guess6@example.com") == 1

    def test_failures_count_across_sessions_once_committed(
        self, session: Session, session_factory: sessionmaker[Session], ann: User
    ) -> None:
        session.commit()
        for _ in range(5):  # one session per request, as a web worker would use; committed despite the error
            with session_factory() as request:
                assert try_log_in(request, at=T0, password="wrong password") == "wrong"
                request.commit()
        with session_factory() as request:
            assert try_log_in(request, at=T0) == 1

    def test_a_concurrent_attempt_waits_for_the_failure_before_it(
        self, session: Session, session_factory: sessionmaker[Session], ann: User
    ) -> None:
        """Without the lock both would read four failures and both check a password."""
        session.commit()
        with session_factory() as setup:
            for _ in range(4):
                try_log_in(setup, at=T0, password="wrong password")
            setup.commit()
        outcome: list[str | int] = []
        with session_factory() as first, session_factory() as second:
            assert try_log_in(first, at=T0, password="wrong password") == "wrong"  # 5th, not committed yet

            def contend() -> None:
                outcome.append(try_log_in(second, at=T0, password="wrong password"))
                second.commit()

            thread = threading.Thread(target=contend)
            thread.start()
            time.sleep(BLOCK_CHECK_S)
            assert outcome == []  # blocked behind the first attempt
            first.commit()
            thread.join(timeout=20)
        assert outcome == [1]


class TestLoginAudit:
    def test_every_attempt_is_logged_on_the_account(self, session: Session, ann: User, bob: User) -> None:
        try_log_in(session, at=T0)
        for _ in range(5):
            try_log_in(session, at=T0, password="wrong password")
        try_log_in(session, at=T0)
        entries = list_account_audit(session, ann)
        assert [entry.action for entry in entries] == ["login.throttled"] + ["login.failed"] * 5 + ["login.succeeded"]
        assert [(entry.actor_email, entry.details) for entry in entries] == [
            ("ann@example.com", {"email": "ann@example.com", "ip": IP})
        ] * 7
        assert list_account_audit(session, bob) == []

    def test_attempts_on_unknown_emails_are_logged_without_an_account(self, session: Session) -> None:
        try_log_in(session, at=T0, email="Ghost@Example.com")
        entry = session.scalars(select(AuditEntry)).one()
        assert (entry.shop_id, entry.actor_id, entry.action) == (None, None, "login.failed")
        assert entry.details == {"email": "ghost@example.com", "ip": IP}


class TestSessions:
    def test_a_session_idle_for_14_days_ends(self, session: Session, ann: User) -> None:
        _, used = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP, now=T0)
        _, idle = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP, now=T0)
        assert resolve_session(session, used, now=T0 + timedelta(days=10)) is ann
        assert resolve_session(session, idle, now=T0 + timedelta(days=14) - seconds(1)) is ann
        assert resolve_session(session, idle, now=T0 + timedelta(days=28) - seconds(1)) is None  # idle since day 14
        assert resolve_session(session, used, now=T0 + timedelta(days=24) - seconds(1)) is ann  # seen on day 10

    def test_last_seen_is_written_at_most_once_a_minute(self, session: Session, ann: User) -> None:
        _, token = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP, now=T0)
        row = session.scalars(select(LoginSession)).one()
        resolve_session(session, token, now=T0 + seconds(59))
        assert row.last_seen_at == T0
        resolve_session(session, token, now=T0 + seconds(60))
        assert row.last_seen_at == T0 + seconds(60)

    def test_a_session_ends_30_days_after_login_however_active(self, session: Session, ann: User) -> None:
        _, token = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP, now=T0)
        for day in range(1, 30):
            assert resolve_session(session, token, now=T0 + timedelta(days=day)) is ann
        assert resolve_session(session, token, now=T0 + timedelta(days=30)) is None
        assert session.scalar(select(func.count()).select_from(LoginSession)) == 0  # the expired row is gone

    def test_unknown_token_resolves_to_nobody(self, session: Session, ann: User) -> None:
        log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)
        assert resolve_session(session, "not-a-session") is None

    def test_log_out_ends_only_that_session(self, session: Session, ann: User) -> None:
        _, phone = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)
        _, laptop = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)
        log_out(session, phone)
        assert resolve_session(session, phone) is None and resolve_session(session, laptop) is ann

    def test_end_sessions_keeps_one_and_spares_other_users(self, session: Session, ann: User, bob: User) -> None:
        tokens = [log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)[1] for _ in range(3)]
        _, bobs = log_in(session, email="bob@example.com", password=PASSWORD, client_ip=IP)
        assert end_sessions(session, ann, keep_token=tokens[0]) == 2
        assert [resolve_session(session, token) for token in tokens] == [ann, None, None]
        assert resolve_session(session, bobs) is bob
        assert end_sessions(session, ann) == 1 and resolve_session(session, tokens[0]) is None


class TestChangePassword:
    def test_ends_every_session_but_keeps_api_tokens(self, session: Session, ann: User) -> None:
        old = [log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)[1] for _ in range(2)]
        _, api_token = create_api_token(session, ann, name="ci")
        fresh = change_password_and_end_sessions(session, ann, old_password=PASSWORD, new_password=NEW_PASSWORD)
        assert [resolve_session(session, token) for token in old] == [None, None]
        assert resolve_session(session, fresh) is ann and resolve_api_token(session, api_token) is ann
        assert authenticate(session, "ann@example.com", NEW_PASSWORD) is ann
        assert list_account_audit(session, ann)[0].action == "password.changed"

    def test_wrong_old_password_changes_nothing(self, session: Session, ann: User) -> None:
        _, token = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)
        with pytest.raises(InvalidCredentials):
            change_password_and_end_sessions(session, ann, old_password="guess guess", new_password=NEW_PASSWORD)
        assert resolve_session(session, token) is ann
        assert authenticate(session, "ann@example.com", PASSWORD) is ann


class TestSignUpAndVerification:
    def test_sign_up_mails_a_verification_link(self, session: Session, mailer: MemoryMailer) -> None:
        user = sign_up(session, email="Ann@Example.com", password=PASSWORD, mailer=mailer, base_url=BASE_URL)
        assert (user.email, user.verified) == ("ann@example.com", False)
        (message,) = mailer.messages
        assert verify_email(session, link_token(message, "verify")) is user and user.verified

    def test_resend_replaces_the_link(self, session: Session, mailer: MemoryMailer) -> None:
        user = sign_up(session, email="ann@example.com", password=PASSWORD, mailer=mailer, base_url=BASE_URL)
        resend_verification(session, user, mailer=mailer, base_url=BASE_URL)
        first, second = (link_token(message, "verify") for message in mailer.messages)
        assert mailer.messages[1]["To"] == "ann@example.com" and first != second
        with pytest.raises(InvalidToken):
            verify_email(session, first)
        assert verify_email(session, second) is user and user.verified

    def test_resend_refuses_a_verified_user(self, session: Session, mailer: MemoryMailer, ann: User) -> None:
        with pytest.raises(AlreadyVerified) as verified:
            resend_verification(session, ann, mailer=mailer, base_url=BASE_URL)
        assert verified.value.email == "ann@example.com" and mailer.messages == []


class TestPasswordReset:
    def mail_reset_link(self, session: Session, mailer: MemoryMailer, *, at: datetime = T0) -> str:
        request_password_reset(session, email=" ANN@example.com", mailer=mailer, base_url=BASE_URL, now=at)
        assert mailer.messages[-1]["To"] == "ann@example.com"
        return link_token(mailer.messages[-1], "reset-password")

    def test_link_sets_the_password_once(self, session: Session, mailer: MemoryMailer, ann: User) -> None:
        token = self.mail_reset_link(session, mailer)
        assert reset_password(session, token=token, new_password=NEW_PASSWORD, now=T0 + seconds(1)) is ann
        assert authenticate(session, "ann@example.com", NEW_PASSWORD) is ann
        assert session.scalars(select(PasswordReset)).one().token_hash == hash_token(token) != token
        with pytest.raises(InvalidToken, match="password reset link"):
            reset_password(session, token=token, new_password="another password", now=T0 + seconds(2))

    def test_link_expires_after_60_minutes(self, session: Session, mailer: MemoryMailer, ann: User) -> None:
        late, in_time = self.mail_reset_link(session, mailer), self.mail_reset_link(session, mailer)
        with pytest.raises(InvalidToken):
            reset_password(session, token=late, new_password=NEW_PASSWORD, now=T0 + timedelta(minutes=60))
        reset_password(session, token=in_time, new_password=NEW_PASSWORD, now=T0 + timedelta(minutes=60) - seconds(1))
        assert authenticate(session, "ann@example.com", NEW_PASSWORD) is ann

    def test_at_most_five_links_an_hour_and_the_sixth_request_is_answered_alike(
        self, session: Session, mailer: MemoryMailer, ann: User
    ) -> None:
        for minute in range(6):
            at = T0 + timedelta(minutes=minute)
            assert request_password_reset(session, email="ann@example.com", mailer=mailer, base_url=BASE_URL,
                                          now=at) is None
        assert len(mailer.messages) == RESETS_PER_HOUR == 5
        throttled = session.scalars(select(AuditEntry).where(AuditEntry.action == "password.reset_throttled")).all()
        assert len(throttled) == 1
        self.mail_reset_link(session, mailer, at=T0 + timedelta(hours=1))  # the first link left the hour
        assert len(mailer.messages) == 6

    def test_unknown_email_sends_nothing_and_says_nothing(self, session: Session, mailer: MemoryMailer) -> None:
        assert request_password_reset(session, email="nobody@example.com", mailer=mailer, base_url=BASE_URL) is None
        assert mailer.messages == [] and session.scalars(select(PasswordReset)).all() == []

    def test_unknown_token_is_refused(self, session: Session) -> None:
        with pytest.raises(InvalidToken):
            reset_password(session, token="never-issued", new_password=NEW_PASSWORD)

    def test_reset_ends_sessions_and_verifies_the_email(
        self, session: Session, mailer: MemoryMailer, make_user: UserFactory
    ) -> None:
        user = make_user("ann@example.com", verified=False)
        _, browser = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP, now=T0)
        reset_password(session, token=self.mail_reset_link(session, mailer), new_password=NEW_PASSWORD, now=T0)
        assert resolve_session(session, browser, now=T0) is None
        assert user.verified and user.verify_token_hash is None
        assert [entry.action for entry in list_account_audit(session, user)][:2] == [
            "password.reset",
            "password.reset_requested",
        ]

    def test_a_used_link_kills_the_others(self, session: Session, mailer: MemoryMailer, ann: User) -> None:
        older, newer = self.mail_reset_link(session, mailer), self.mail_reset_link(session, mailer)
        reset_password(session, token=newer, new_password=NEW_PASSWORD, now=T0)
        with pytest.raises(InvalidToken):
            reset_password(session, token=older, new_password="another password", now=T0)

    def test_a_weak_password_does_not_spend_the_link(self, session: Session, mailer: MemoryMailer, ann: User) -> None:
        token = self.mail_reset_link(session, mailer)
        with pytest.raises(WeakPassword):
            reset_password(session, token=token, new_password="short", now=T0)
        assert reset_password(session, token=token, new_password=NEW_PASSWORD, now=T0) is ann

    def test_reset_lifts_the_accounts_throttle(self, session: Session, mailer: MemoryMailer, ann: User) -> None:
        for i in range(5):  # from many addresses: only the account is throttled
            try_log_in(session, at=T0, password="wrong password", ip=f"198.51.100.{i}")
        assert try_log_in(session, at=T0, password=NEW_PASSWORD) == 1
        reset_password(session, token=self.mail_reset_link(session, mailer), new_password=NEW_PASSWORD, now=T0)
        assert try_log_in(session, at=T0, password=NEW_PASSWORD) == "ok"


class TestApiTokens:
    def test_token_is_shown_once_and_only_its_hash_is_stored(self, session: Session, ann: User) -> None:
        view, token = create_api_token(session, ann, name=" CI deploy ")
        assert token.startswith("fh_") and len(token) > 40
        row = session.get_one(ApiToken, view.id)
        assert row.token_hash == hash_token(token)
        assert not [value for value in vars(row).values() if isinstance(value, str) and token in value]
        assert (view.name, view.revoked, view.expires_at, view.last_used_at) == ("CI deploy", False, None, None)
        assert list_api_tokens(session, ann) == [view]
        assert [entry.action for entry in list_account_audit(session, ann)] == ["api_token.created"]

    def test_resolves_to_its_owner_and_records_use_once_a_minute(self, session: Session, ann: User) -> None:
        view, token = create_api_token(session, ann, name="ci")
        assert resolve_api_token(session, token, now=T0) is ann
        resolve_api_token(session, token, now=T0 + seconds(59))
        assert list_api_tokens(session, ann)[0].last_used_at == T0
        resolve_api_token(session, token, now=T0 + seconds(60))
        assert list_api_tokens(session, ann)[0].last_used_at == T0 + seconds(60)

    def test_expired_token_resolves_to_nobody(self, session: Session, ann: User) -> None:
        _, token = create_api_token(session, ann, name="ci", expires_at=T0 + timedelta(days=1))
        assert resolve_api_token(session, token, now=T0 + timedelta(days=1) - seconds(1)) is ann
        assert resolve_api_token(session, token, now=T0 + timedelta(days=1)) is None

    def test_revoked_token_resolves_to_nobody_and_is_listed_revoked(self, session: Session, ann: User) -> None:
        view, token = create_api_token(session, ann, name="ci")
        _, other = create_api_token(session, ann, name="laptop")
        revoke_api_token(session, ann, view.id)
        revoke_api_token(session, ann, view.id)  # twice changes nothing
        assert resolve_api_token(session, token) is None and resolve_api_token(session, other) is ann
        assert [(listed.name, listed.revoked) for listed in list_api_tokens(session, ann)] == [
            ("ci", True),
            ("laptop", False),
        ]
        assert [entry.action for entry in list_account_audit(session, ann)].count("api_token.revoked") == 1

    def test_another_users_token_is_not_found_like_a_missing_one(self, session: Session, ann: User, bob: User) -> None:
        view, token = create_api_token(session, ann, name="ci")
        for token_id in (view.id, view.id + 1000):
            with pytest.raises(ApiTokenNotFound) as missing:
                revoke_api_token(session, bob, token_id)
            assert missing.value.message == f"you have no API token {token_id}"
        assert resolve_api_token(session, token) is ann and list_api_tokens(session, bob) == []

    @pytest.mark.parametrize("token", ["", "fh_", "fh_unknown", "not-prefixed"])
    def test_unknown_tokens_resolve_to_nobody(self, session: Session, ann: User, token: str) -> None:
        create_api_token(session, ann, name="ci")
        assert resolve_api_token(session, token) is None

    def test_a_session_token_is_no_api_token(self, session: Session, ann: User) -> None:
        _, session_token = log_in(session, email="ann@example.com", password=PASSWORD, client_ip=IP)
        assert resolve_api_token(session, session_token) is None
        assert resolve_api_token(session, "fh_" + session_token) is None

    @pytest.mark.parametrize("name", ["", "   ", "x" * 101])
    def test_name_must_be_1_to_100_characters(self, session: Session, ann: User, name: str) -> None:
        with pytest.raises(InvalidName):
            create_api_token(session, ann, name=name)
