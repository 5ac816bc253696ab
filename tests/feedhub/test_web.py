"""The web app: published feeds at unguessable URLs, basic auth, the download log, /healthz."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

import accounts.published
import accounts.users
from accounts import User, create_project, create_shop
from accounts.db import make_engine, make_session_factory, upgrade
from accounts.errors import ProjectNotFound
from accounts.models import Project
from accounts.published import ensure_links, list_downloads, rotate_token, set_basic_auth
from feedhub.settings import Settings
from feedhub.web import create_app, export_file_name
from feeds.project import ExportSpec, ProjectSpec
from tests.feeds.conftest import s3_server  # noqa: F401 - shared fixture, used by name
from tests.flows.conftest import make_user

FEED = b"<?xml version='1.0' encoding='utf-8'?><SHOP><SHOPITEM><ITEM_ID>1</ITEM_ID></SHOPITEM></SHOP>"


@dataclass
class Site:
    """A running app over one project with a published Heureka export."""

    client: httpx.Client
    session: Session
    owner: User
    project_id: int
    settings: Settings

    def url(self, export: str = "heureka", suffix: str = ".xml") -> str:
        link = ensure_links(self.session, self.session.get_one(Project, self.project_id), [export])[export]
        self.session.commit()
        return f"/f/{link.token}/{export}{suffix}"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at minimum cost for accounts and feed passwords alike."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(accounts.users, "PASSWORD_HASHER", cheap)
    monkeypatch.setattr(accounts.published, "AUTH_HASHER", cheap)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web") / "feedhub.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def site(tmp_path: Path, template_db: Path) -> Iterator[Site]:
    shutil.copyfile(template_db, tmp_path / "feedhub.db")
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'feedhub.db'}")
    engine = make_engine(settings.effective_database_url)
    published = tmp_path / "exports" / "heureka.xml"  # the default publish folder: data folder/exports
    published.parent.mkdir()
    published.write_bytes(FEED)
    with make_session_factory(engine)() as session:
        owner = make_user(session, "owner@example.com")
        shop = create_shop(session, owner, name="Shop")
        exports = [ExportSpec(name="heureka", format="heureka", uri=published.as_uri())]
        project = create_project(session, owner, shop.id, name="p", spec=ProjectSpec(source="x", exports=exports))
        session.commit()
        with _running(create_app(settings)) as base_url, httpx.Client(base_url=base_url) as client:
            yield Site(client, session, owner, project.id, settings)
    engine.dispose()


@contextlib.contextmanager
def _running(app: object) -> Iterator[str]:
    """The app under a real uvicorn server on a free loopback port (no ASGI test transport)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class TestPublishedFeed:
    def test_feed_is_served_and_every_download_is_logged(self, site: Site) -> None:
        url = site.url()
        response = site.client.get(url, headers={"User-Agent": "Googlebot/2.1"})
        assert response.status_code == 200 and response.content == FEED
        assert response.headers["content-type"].startswith("application/xml")
        site.client.get(url.replace("heureka.xml", "other.xml"))
        log = list_downloads(site.session, site.owner, site.project_id, "heureka")
        assert [(d.status, d.bytes) for d in log] == [(404, 0), (200, len(FEED))]
        assert log[1].user_agent == "Googlebot/2.1" and log[1].ip == "127.0.0.1"

    def test_unknown_token_is_404(self, site: Site) -> None:
        assert site.client.get("/f/not-a-token/heureka.xml").status_code == 404

    def test_rotated_token_stops_the_old_url(self, site: Site) -> None:
        old = site.url()
        rotate_token(site.session, site.owner, site.project_id, "heureka")
        site.session.commit()
        assert site.client.get(old).status_code == 404
        assert site.client.get(site.url()).status_code == 200

    def test_basic_auth_protects_the_export(self, site: Site) -> None:
        url = site.url()  # links exist once a project's exports are known
        set_basic_auth(site.session, site.owner, site.project_id, "heureka", user="google", password="s3cret")
        site.session.commit()
        refused = site.client.get(url)
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Basic")
        assert site.client.get(url, auth=("google", "wrong")).status_code == 401
        assert site.client.get(url, auth=("google", "s3cret")).content == FEED

    def test_a_stranger_cannot_read_the_download_log(self, site: Site) -> None:
        stranger = make_user(site.session, "stranger@example.com")
        with pytest.raises(ProjectNotFound):
            list_downloads(site.session, stranger, site.project_id, "heureka")

    def test_export_published_to_s3_is_served_from_the_bucket(self, site: Site, s3_server: str) -> None:  # noqa: F811
        import boto3

        s3 = boto3.client("s3", endpoint_url=s3_server)
        s3.create_bucket(Bucket="web-serve", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        s3.put_object(Bucket="web-serve", Key="shop/google.xml", Body=FEED)
        from accounts import save_revision

        spec = ProjectSpec(source="x", exports=[ExportSpec(name="google", format="google", uri="s3://web-serve/shop/google.xml")])
        save_revision(site.session, site.owner, site.project_id, spec)
        site.session.commit()
        site.settings.s3_endpoint_url = s3_server
        assert site.client.get(site.url("google")).content == FEED

    def test_only_the_shops_own_folder_and_prefixes_are_served(self, site: Site, tmp_path: Path) -> None:
        """A spec saved before the operator confined exports (or by a service that did not check) must
        not turn the server into a reader of any file or object it can reach."""
        from accounts import save_revision

        outside = tmp_path / "secrets" / "heureka.xml"
        outside.parent.mkdir()
        outside.write_bytes(b"<SHOP>not for you</SHOP>")
        spec = ProjectSpec(source="x", exports=[ExportSpec(name="heureka", format="heureka", uri=outside.as_uri())])
        save_revision(site.session, site.owner, site.project_id, spec)
        site.session.commit()
        assert site.client.get(site.url()).status_code == 404
        site.settings.s3_publish_prefixes = "s3://web-serve/shops/{shop}/"
        spec = ProjectSpec(source="x", exports=[ExportSpec(name="heureka", format="heureka", uri="s3://other/heureka.xml")])
        save_revision(site.session, site.owner, site.project_id, spec)
        site.session.commit()
        assert site.client.get(site.url()).status_code == 404


def test_file_name_keeps_the_publish_suffixes() -> None:
    assert export_file_name(ExportSpec(name="g", format="google", uri="s3://b/k/feed.xml.gz", gzip=True)) == "g.xml.gz"
    assert export_file_name(ExportSpec(name="m", format="meta-csv", uri="file:///srv/m.csv")) == "m.csv"


def test_healthz(site: Site) -> None:
    assert site.client.get("/healthz").json() == {"status": "ok"}
