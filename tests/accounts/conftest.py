"""Accounts fixtures: a migrated database per engine (SQLite file and PostgreSQL schema), emptied
between tests; fast password hashing; users and a shop to act on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import accounts.users
from accounts import MemoryMailer, Shop, User, create_shop, register_user, verify_email
from accounts.db import make_engine, make_session_factory, upgrade
from accounts.models import Base

BASE_URL = "https://feedhub.test"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head, once per test session and engine."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('accounts') / 'accounts.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """One engine per database for the whole session."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on the test database; every accounts table is emptied after the test."""
    yield make_session_factory(engine)
    empty_tables(engine)


def empty_tables(engine: Engine) -> None:
    """Delete every accounts row, children first: much faster than migrating again."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "billing_settings":  # configuration the migrations put there, not test data
                connection.execute(table.delete())


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """The test's own session (it commits when it wants committed state)."""
    with session_factory() as session:
        yield session


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at minimum cost: the suite hashes hundreds of passwords, production settings are slow."""
    monkeypatch.setattr(accounts.users, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def mailer() -> MemoryMailer:
    """Collects the messages services send."""
    return MemoryMailer()


UserFactory = Callable[..., User]


@pytest.fixture
def make_user(session: Session) -> UserFactory:
    """Register (and by default verify) an account."""

    def make(email: str, *, verified: bool = True) -> User:
        user, token = register_user(session, email=email, password=PASSWORD)
        if verified:
            verify_email(session, token)
        session.flush()
        return user

    return make


@pytest.fixture
def owner(make_user: UserFactory) -> User:
    """The owner of `shop`."""
    return make_user("owner@example.com")


@pytest.fixture
def shop(session: Session, owner: User) -> Shop:
    """A fresh shop in trial."""
    return create_shop(session, owner, name="Bikes & Co")


def link_token(message: EmailMessage, kind: str) -> str:
    """The token of the `{BASE_URL}/{kind}/{token}` link in a message body."""
    body = message.get_content()
    match = re.search(rf"{re.escape(BASE_URL)}/{kind}/(\S+)", body)
    assert match, f"no /{kind}/ link in: {body}"
    return match.group(1)
