"""The API under a real uvicorn server on SQLite and PostgreSQL, and a shop with people at every level
(and, in `profile_world`, a member per built-in profile and one limited to another project).

One server per database for the session (started once: ~0.3 s), every accounts table emptied after
each test. Emails go to a MemoryMailer; "run now" is recorded instead of starting a run (runs have
tests of their own under tests/flows).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from accounts import create_api_token, create_project, create_shop, register_user, verify_email
from accounts.api_tokens import revoke_api_token
from accounts.auth import log_in
from accounts.db import make_session_factory
from accounts.invitations import invite_member
from accounts.mail import MemoryMailer
from accounts.models import Membership, ShopProfile, User
from accounts.profiles import BUILTIN_PROFILES
from accounts.published import ensure_links
from accounts.roles import Level
from accounts.runs import RunOutcome, RunStatus, finish_run, start_run
from accounts.shop_profiles import level_for
from accounts.shop_tokens import create_shop_token
from accounts.types import utcnow
from feedhub.settings import Settings
from feedhub.web import create_app
from feeds.project import ExportSpec, ProjectSpec
from tests.accounts.conftest import PASSWORD, db_url, empty_tables, engine, fast_password_hashing  # noqa: F401
from tests.smtp import free_port

SAMPLE = Path(__file__).resolve().parents[3] / "sample_feeds" / "heureka_cz_params_delivery.xml"
KINDS = ("owner", "write", "read", "outsider", "anonymous", "revoked_token", "expired_session")
# profile_world's members beyond write and read: each built-in profile but owner, and an administrator
# whose project scope is only the world's other project
PROFILE_KINDS = ("administrator", "catalogue_editor", "channel_manager", "accountant", "support", "scoped")
PROFILE_OF = {"owner": "owner", "write": "write", "read": "read", "scoped": "administrator",
              **{kind: kind for kind in PROFILE_KINDS if kind in BUILTIN_PROFILES}}
SCOPED = frozenset({"scoped"})
CUSTOM_PROFILE = "lister"  # profile_world's own profile, held by nobody
RULES = [
    {"id": "r1", "type": "rewriting", "element": "PRODUCTNAME", "value": "%MANUFACTURER% %PRODUCTNAME%"},
    {"id": "r2", "type": "hiding", "query": "[PRICE_VAT] > 10000"},
]


@dataclass
class Api:
    """The running app: its URL, settings, outgoing mail and the runs it was asked to start."""

    url: str
    settings: Settings
    mailer: MemoryMailer
    engine: Engine
    launched: list[int] = field(default_factory=list)

    def client(self, **kwargs: object) -> httpx.Client:
        """A new HTTP client (its own cookie jar) on the app."""
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def api_server(db_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:  # noqa: F811
    """One server per database; links in emails point at it."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("api")
    settings = Settings(
        data_dir=data_dir, database_url=db_url, base_url=f"http://127.0.0.1:{port}", allow_local_sources=True,
    )
    api = Api(f"http://127.0.0.1:{port}", settings, MemoryMailer(), engine)

    def launch(project_id: int, requested_by: int) -> str:
        api.launched.append(project_id)
        return "recorded by the test"

    with serving(create_app(settings, mailer=api.mailer, launch_run=launch), port):
        yield api


@contextlib.contextmanager
def serving(app: object, port: int) -> Iterator[None]:
    """`app` under a real uvicorn server on 127.0.0.1:`port` until the block ends (its lifespan included)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def api(api_server: Api, engine: Engine) -> Iterator[Api]:  # noqa: F811
    """The server, with no mail and no runs from earlier tests; every table emptied afterwards."""
    api_server.mailer.messages.clear()
    api_server.launched.clear()
    yield api_server
    empty_tables(engine)


@dataclass
class World:
    """A shop with an owner, a writer, a reader, an outsider (each with an API token), a project and a run."""

    shop_id: int
    project_id: int
    run_id: int
    invitation_id: int
    users: dict[str, User]
    headers: dict[str, dict[str, str]]  # caller kind -> request headers (cookies included)
    owner_token_id: int
    other_project_id: int | None = None  # profile_world's second project, the scoped member's only one
    shop_token_id: int | None = None  # profile_world's token of the shop's own (a reader, every project)

    def as_(self, kind: str) -> dict[str, str]:
        """The headers a caller of this kind sends."""
        return self.headers[kind]


def make_user(session: Session, email: str) -> User:
    """A verified account."""
    user, token = register_user(session, email=email, password=PASSWORD)
    verify_email(session, token)
    return user


@pytest.fixture
def world(api: Api) -> World:
    """Everything a route of the API can be asked about, committed."""
    with make_session_factory(api.engine)() as session:
        users = {kind: make_user(session, f"{kind}@example.com") for kind in ("owner", "write", "read", "outsider")}
        make_user(session, "invitee@example.com")
        shop = create_shop(session, users["owner"], name="Kola s.r.o.")
        session.add_all([Membership(shop_id=shop.id, user_id=users["write"].id, level=Level.WRITE),
                         Membership(shop_id=shop.id, user_id=users["read"].id, level=Level.READ)])
        export = api.settings.exports_dir / "heureka.xml"
        spec = ProjectSpec(source=str(SAMPLE), rules=RULES, queries={"expensive": "[PRICE_VAT] > 1000"},
                           exports=[ExportSpec(name="heureka", format="heureka", uri=export.as_uri())])
        project = create_project(session, users["owner"], shop.id, name="Heureka", spec=spec)
        ensure_links(session, project, ["heureka"])
        run = start_run(session, project, revision=1, spec_sha256="", trigger="test", host="test")
        finish_run(session, run, RunOutcome(RunStatus.SUCCEEDED, products_in=10, products_out=9))
        invitation, _ = invite_member(session, users["owner"], shop.id, email="invitee@example.com",
                                      level=Level.READ, mailer=MemoryMailer(), base_url=api.url)
        headers = {}
        token_ids = {}
        for kind, user in users.items():
            view, token = create_api_token(session, user, name="tests")
            headers[kind] = {"Authorization": f"Bearer {token}"}
            token_ids[kind] = view.id
        view, token = create_api_token(session, users["owner"], name="revoked")
        revoke_api_token(session, users["owner"], view.id)
        headers["revoked_token"] = {"Authorization": f"Bearer {token}"}
        _, expired = log_in(session, email="owner@example.com", password=PASSWORD, client_ip="127.0.0.9",
                            now=utcnow() - timedelta(days=40))
        headers["expired_session"] = {"Cookie": f"feedhub_session={expired}"}
        headers["anonymous"] = {}
        session.commit()
        return World(shop.id, project.id, run.id, invitation.id, users, headers, token_ids["owner"])


@pytest.fixture
def profile_world(api: Api, world: World) -> World:
    """The world with a member (and API token) per built-in profile but owner, a member scoped to a second
    project, and a custom profile nobody holds; kept apart so the plain world's lists stay as they are."""
    with make_session_factory(api.engine)() as session:
        owner = session.get_one(User, world.users["owner"].id)
        other = create_project(session, owner, world.shop_id, name="Other", spec=ProjectSpec(source=str(SAMPLE)))
        session.add(ShopProfile(shop_id=world.shop_id, name=CUSTOM_PROFILE, grants=["rules:view"]))
        for kind in PROFILE_KINDS:
            user = make_user(session, f"{kind}@example.com")
            profile = PROFILE_OF[kind]
            scope = [other.id] if kind in SCOPED else None
            session.add(Membership(shop_id=world.shop_id, user_id=user.id, profiles=[profile], project_ids=scope,
                                   level=level_for((BUILTIN_PROFILES[profile],))))
            _, token = create_api_token(session, user, name="tests")
            world.users[kind], world.headers[kind] = user, {"Authorization": f"Bearer {token}"}
        # and a token of the shop's own, for the routes that revoke one
        shop_token, _ = create_shop_token(session, owner, world.shop_id, name="sync", profiles=["read"])
        session.commit()
        world.other_project_id = other.id
        world.shop_token_id = shop_token.id
    return world


def page(api: Api, world: World, kind: str, path: str) -> httpx.Response:
    """A page as a world caller sees it."""
    with api.client() as client:
        return client.get(path, headers=world.as_(kind))


def post(api: Api, world: World, kind: str, path: str, data: dict[str, str] | None = None) -> httpx.Response:
    """A page's form posted as a world caller."""
    with api.client() as client:
        return client.post(path, data=data or {}, headers=world.as_(kind))


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of an answer that must have `status`."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def refused(response: httpx.Response, status: int, code: str) -> str:
    """The message of a refusal with `status` and `code`, in the API's one error shape."""
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert set(response.json()) == {"code", "message", "problems"}
    message: str = response.json()["message"]
    return message
