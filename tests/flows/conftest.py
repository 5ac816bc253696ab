"""Flow fixtures: a migrated database, a shop with an owner, a writer and a reader, run dependencies
over a temporary data folder, feeds served by a real local HTTP server, and Prefect kept quiet and
local (no telemetry, its home inside the test's folder).
"""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import accounts.users
from accounts import (
    MemoryMailer,
    Shop,
    User,
    accept_invitation,
    create_project,
    create_shop,
    invite_member,
    register_user,
    verify_email,
)
from accounts.db import make_engine, make_session_factory, upgrade
from accounts.models import Base
from accounts.roles import Level
from feeds.fetch import FetchPolicy
from feeds.project import ExportSpec, ProjectSpec
from flows.deps import RetryPolicy, RunDeps
from tests.feeds.conftest import http_server, s3_server  # noqa: F401 - shared fixtures, used by name

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
PREFECT_ENV = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def _make_feed_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_make_feed", ROOT / "bench" / "make_feed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE_FEED = _make_feed_module()


def heureka_feed(n: int, *, seed: int = 42) -> bytes:
    """A synthetic Heureka feed of `n` products (bench/make_feed.py), deterministic per n and seed."""
    out = io.BytesIO()
    MAKE_FEED.write_feed(n, out, seed)
    return out.getvalue()


@pytest.fixture(scope="session", autouse=True)
def quiet_local_prefect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No telemetry, and Prefect's home (its database, profiles) inside this session's temp folder."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in PREFECT_ENV.items():
            env.setenv(name, value)
        env.setenv("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at minimum cost: production settings are slow on purpose."""
    monkeypatch.setattr(accounts.users, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; tests get copies (migrating costs about a second)."""
    path = tmp_path_factory.mktemp("template") / "feedhub.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def db_url(tmp_path: Path, migrated_sqlite: Path) -> str:
    """A SQLite database at head, one per test (PostgreSQL tests ask for `pg_db_url`)."""
    path = tmp_path / "feedhub.db"
    shutil.copyfile(migrated_sqlite, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_migrated(postgres_url: str) -> str:
    """The session's PostgreSQL schema, migrated to head once."""
    upgrade(postgres_url)
    return postgres_url


@pytest.fixture
def pg_db_url(pg_migrated: str) -> Iterator[str]:
    """PostgreSQL, emptied after the test."""
    yield pg_migrated
    engine = make_engine(pg_migrated)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "billing_settings":  # configuration the migrations put there, not test data
                connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """The test database's engine."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def mailer() -> MemoryMailer:
    """Collects every email the runs send."""
    return MemoryMailer()


@pytest.fixture
def deps(engine: Engine, tmp_path: Path, mailer: MemoryMailer, s3_env: None) -> RunDeps:
    """Run dependencies: loopback sources allowed (tests only), short timeouts, near-instant retries."""
    return RunDeps(
        engine=engine,
        data_dir=tmp_path / "data",
        mailer=mailer,
        fetch_policy=FetchPolicy(timeout_s=1.0, deadline_s=5.0, allow_private=True),
        retry=RetryPolicy(attempts=3, backoff_s=(0.05,), max_retry_after_s=0.2),
        base_url="https://feedhub.test",
    )


@pytest.fixture
def s3_env() -> None:
    """Placeholder overridden where S3 is needed (the S3 tests request `s3_server` themselves)."""


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database."""
    with make_session_factory(engine)() as session:
        yield session


def make_user(session: Session, email: str) -> User:
    """A verified account."""
    user, token = register_user(session, email=email, password=PASSWORD)
    verify_email(session, token)
    return user


@pytest.fixture
def people(session: Session) -> dict[str, User]:
    """owner, writer, reader of `shop`, committed."""
    owner = make_user(session, "owner@example.com")
    shop = create_shop(session, owner, name="Bikes & Co")
    users = {"owner": owner}
    for level, role in ((Level.WRITE, "writer"), (Level.READ, "reader")):
        user = make_user(session, f"{role}@example.com")
        _, token = invite_member(session, owner, shop.id, email=user.email, level=level, mailer=MemoryMailer(),
                              base_url="https://feedhub.test")
        accept_invitation(session, user, token)
        users[role] = user
    session.commit()
    return users


@pytest.fixture
def shop(session: Session, people: dict[str, User]) -> Shop:
    """The shop of `people`."""
    from sqlalchemy import select

    shop = session.scalars(select(Shop)).one()
    session.commit()  # SQLite: every transaction takes the write lock (BEGIN IMMEDIATE); runs need it
    return shop


ProjectFactory = Callable[..., int]


@pytest.fixture
def make_project(session: Session, people: dict[str, User], shop: Shop, tmp_path: Path) -> ProjectFactory:
    """A committed project over `source`, publishing Heureka and Google exports under tmp/published.

    Projects other than "main" publish under tmp/published-NAME: a publish target belongs to one project.
    """

    def make(source: str, *, name: str = "main", exports: list[ExportSpec] | None = None, **spec: object) -> int:
        published = tmp_path / ("published" if name == "main" else f"published-{name}")
        exports = exports or [
            ExportSpec(name="heureka", format="heureka", uri=(published / "heureka.xml").as_uri()),
            ExportSpec(name="google", format="google", uri=(published / "google.xml").as_uri()),
        ]
        project_spec = ProjectSpec(source=source, exports=exports, **spec)  # type: ignore[arg-type]
        project = create_project(session, people["owner"], shop.id, name=name, spec=project_spec)
        session.commit()
        return project.id

    return make


def environ_for_subprocess(**extra: str) -> dict[str, str]:
    """The environment of a child process: ours plus Prefect's quiet settings plus `extra`."""
    return {**os.environ, **PREFECT_ENV, **extra}
