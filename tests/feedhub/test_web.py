"""The web app: published feeds at unguessable URLs, basic auth, the download log, /healthz."""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from feeds.storage import FileStorage, S3Storage
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


BIG = b"<SHOP>" + b"<SHOPITEM><ITEM_ID>1</ITEM_ID><PRODUCTNAME>Hrnec</PRODUCTNAME></SHOPITEM>" * 5000 + b"</SHOP>"
IDENTITY = {"Accept-Encoding": "identity"}  # httpx asks for gzip unless told otherwise
GZIP = {"Accept-Encoding": "gzip"}


def _publish(site: Site, content: bytes, *, name: str = "heureka.xml", gzip: bool = False) -> FileStorage:
    """Publish `content` as a run would, to the file the site's export names (its gzip copy included)."""
    storage = FileStorage(site.settings.exports_dir / name)
    source = site.settings.data_dir / f"run-{uuid.uuid4().hex[:8]}.xml"
    source.write_bytes(content)
    storage.publish(source, gzip=gzip)
    return storage


def _log(site: Site, export: str = "heureka") -> list[tuple[int, int]]:
    """(status, bytes) of every logged request, oldest first."""
    return [(d.status, d.bytes) for d in reversed(list_downloads(site.session, site.owner, site.project_id, export))]


def _raw(site: Site, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent (httpx would unpack gzip)."""
    with site.client.stream("GET", url, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def _export_to(site: Site, uri: str, *, name: str = "heureka", gzip: bool = False) -> None:
    from accounts import save_revision

    spec = ProjectSpec(source="x", exports=[ExportSpec(name=name, format="heureka", uri=uri, gzip=gzip)])
    save_revision(site.session, site.owner, site.project_id, spec)
    site.session.commit()


class TestConditionalRequests:
    def test_a_matching_if_none_match_answers_304_and_is_logged(self, site: Site) -> None:
        url = site.url()
        first = site.client.get(url, headers=IDENTITY)

        again = site.client.get(url, headers=IDENTITY | {"If-None-Match": first.headers["etag"]})

        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == first.headers["etag"]
        assert _log(site) == [(200, len(FEED)), (304, 0)]

    @pytest.mark.parametrize(
        "tags",
        ['"x", {etag}', "W/{etag}", "*"],  # a list; weak comparison; any version at all
    )
    def test_if_none_match_forms(self, site: Site, tags: str) -> None:
        url = site.url()
        etag = site.client.get(url, headers=IDENTITY).headers["etag"]
        assert site.client.get(url, headers=IDENTITY | {"If-None-Match": tags.format(etag=etag)}).status_code == 304

    def test_if_modified_since_answers_304_unless_published_later(self, site: Site) -> None:
        url = site.url()
        last_modified = site.client.get(url, headers=IDENTITY).headers["last-modified"]
        assert site.client.get(url, headers=IDENTITY | {"If-Modified-Since": last_modified}).status_code == 304
        earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
        assert site.client.get(url, headers=IDENTITY | {"If-Modified-Since": earlier}).content == FEED

    def test_a_new_publish_is_sent_again(self, site: Site) -> None:
        url = site.url()
        etag = site.client.get(url, headers=IDENTITY).headers["etag"]
        _publish(site, FEED.replace(b"<ITEM_ID>1<", b"<ITEM_ID>2<"))

        response = site.client.get(url, headers=IDENTITY | {"If-None-Match": etag})

        assert response.status_code == 200 and b"<ITEM_ID>2<" in response.content
        assert response.headers["etag"] != etag

    def test_basic_auth_comes_before_anything_about_the_file(self, site: Site) -> None:
        url = site.url()
        etag = site.client.get(url, headers=IDENTITY).headers["etag"]
        set_basic_auth(site.session, site.owner, site.project_id, "heureka", user="google", password="s3cret")
        site.session.commit()

        refused = site.client.get(url, headers={"If-None-Match": etag})

        assert refused.status_code == 401
        assert not {"etag", "last-modified", "vary"} & set(refused.headers)


class TestHead:
    def test_head_answers_the_headers_of_a_get_without_a_body(self, site: Site) -> None:
        url = site.url()
        got = site.client.get(url, headers=IDENTITY)

        head = site.client.head(url, headers=IDENTITY)

        assert (head.status_code, head.content) == (200, b"")
        for name in ("content-length", "content-type", "etag", "last-modified", "vary"):
            assert head.headers[name] == got.headers[name], name
        assert _log(site) == [(200, len(FEED)), (200, 0)]

    def test_head_is_refused_and_hidden_as_a_get_is(self, site: Site) -> None:
        url = site.url()
        assert site.client.head(url.replace("heureka.xml", "other.xml")).status_code == 404
        assert site.client.head("/f/not-a-token/heureka.xml").status_code == 404
        set_basic_auth(site.session, site.owner, site.project_id, "heureka", user="google", password="s3cret")
        site.session.commit()
        refused = site.client.head(url)
        assert refused.status_code == 401 and "etag" not in refused.headers
        assert site.client.head(url, auth=("google", "s3cret")).headers["content-length"] == str(len(FEED))


class TestGzip:
    def test_clients_that_accept_gzip_get_the_copy_made_at_publish(self, site: Site) -> None:
        _publish(site, BIG)
        url = site.url()

        response, sent = _raw(site, url, GZIP)
        plain, _ = _raw(site, url, IDENTITY)

        assert response.headers["content-encoding"] == "gzip" and gzip.decompress(sent) == BIG
        assert response.headers["content-length"] == str(len(sent)) and len(sent) < len(BIG) // 20
        assert response.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
        assert "content-encoding" not in plain.headers
        assert response.headers["etag"] != plain.headers["etag"]  # two representations, two tags
        assert response.headers["content-type"].startswith("application/xml")
        assert _log(site) == [(200, len(sent)), (200, len(BIG))]

    def test_each_representation_revalidates_with_its_own_tag(self, site: Site) -> None:
        _publish(site, BIG)
        url = site.url()
        packed_tag = site.client.get(url, headers=GZIP).headers["etag"]

        assert site.client.get(url, headers=GZIP | {"If-None-Match": packed_tag}).status_code == 304
        assert site.client.get(url, headers=IDENTITY | {"If-None-Match": packed_tag}).status_code == 200

    @pytest.mark.parametrize("accept", ["identity", "gzip;q=0", "br, deflate"])
    def test_clients_that_do_not_take_gzip_get_the_export(self, site: Site, accept: str) -> None:
        _publish(site, BIG)
        response, sent = _raw(site, site.url(), {"Accept-Encoding": accept})
        assert "content-encoding" not in response.headers and sent == BIG

    def test_a_rolled_back_export_is_never_sent_as_the_newer_gzip_copy(self, site: Site) -> None:
        _publish(site, BIG)
        storage = _publish(site, BIG.replace(b"Hrnec", "Pánev".encode()))
        os.replace(storage.previous_path, storage.path)  # the operator restores the export, not its copy

        response, sent = _raw(site, site.url(), GZIP)

        assert "content-encoding" not in response.headers and sent == BIG

    def test_an_export_published_as_gz_is_sent_as_it_is(self, site: Site) -> None:
        storage = _publish(site, BIG, name="google.xml.gz", gzip=True)
        _export_to(site, storage.uri, name="google", gzip=True)

        response, sent = _raw(site, site.url("google", ".xml.gz"), GZIP)

        assert sent == storage.path.read_bytes() and gzip.decompress(sent) == BIG
        assert response.headers["content-type"] == "application/gzip"
        assert not {"content-encoding", "vary"} & set(response.headers)


class TestRanges:
    def test_one_range_is_sent_and_logged_with_its_length(self, site: Site) -> None:
        response = site.client.get(site.url(), headers=IDENTITY | {"Range": "bytes=0-9"})
        assert (response.status_code, response.content) == (206, FEED[:10])
        assert response.headers["content-range"] == f"bytes 0-9/{len(FEED)}"
        assert _log(site) == [(206, 10)]

    def test_a_range_past_the_end_is_416(self, site: Site) -> None:
        response = site.client.get(site.url(), headers=IDENTITY | {"Range": f"bytes={len(FEED)}-"})
        assert (response.status_code, response.headers["content-range"]) == (416, f"bytes */{len(FEED)}")


class TestServedFromS3:
    """Through boto3 to moto's server over HTTP; nothing is downloaded to a temporary folder first."""

    @pytest.fixture
    def bucket(self, site: Site, s3_server: str) -> str:  # noqa: F811
        import boto3

        name = f"serve-{uuid.uuid4().hex[:10]}"
        boto3.client("s3", endpoint_url=s3_server).create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )
        site.settings.s3_endpoint_url = s3_server
        return name

    def _publish(self, site: Site, bucket: str, content: bytes) -> None:
        storage = S3Storage(bucket, "shop/heureka.xml", endpoint_url=site.settings.s3_endpoint_url)
        source = site.settings.data_dir / "run-export.xml"
        source.write_bytes(content)
        storage.publish(source)
        _export_to(site, storage.uri)

    def test_the_object_is_streamed_without_a_temporary_folder(
        self, site: Site, bucket: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        content = os.urandom(3 * 1024 * 1024)  # incompressible: the copy is no smaller, the bytes are exact
        self._publish(site, bucket, content)
        made: list[str] = []  # what the server (a thread of this process) asks tempfile for

        def recording(name: str) -> Any:
            real = getattr(tempfile, name)
            return lambda *args, **kwargs: made.append(name) or real(*args, **kwargs)

        for name in ("mkdtemp", "mkstemp"):
            monkeypatch.setattr(tempfile, name, recording(name))
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "empty-tmp"))
        (tmp_path / "empty-tmp").mkdir()

        response, sent = _raw(site, site.url(), IDENTITY)

        assert response.status_code == 200 and sent == content
        assert made == [] and list((tmp_path / "empty-tmp").iterdir()) == []
        head = site.client.head(site.url(), headers=IDENTITY)
        assert head.headers["content-length"] == response.headers["content-length"] == str(len(content))
        assert _log(site) == [(200, len(content)), (200, 0)]

    def test_conditional_requests_use_the_objects_etag(self, site: Site, bucket: str) -> None:
        self._publish(site, bucket, BIG)
        url = site.url()
        first = site.client.get(url, headers=IDENTITY)

        assert site.client.get(url, headers=IDENTITY | {"If-None-Match": first.headers["etag"]}).status_code == 304
        last_modified = first.headers["last-modified"]
        assert site.client.get(url, headers=IDENTITY | {"If-Modified-Since": last_modified}).status_code == 304
        self._publish(site, bucket, BIG + b"<!-- next -->")
        assert site.client.get(url, headers=IDENTITY | {"If-None-Match": first.headers["etag"]}).status_code == 200

    def test_the_gzip_copy_is_streamed_to_clients_that_accept_it(self, site: Site, bucket: str) -> None:
        self._publish(site, bucket, BIG)

        response, sent = _raw(site, site.url(), GZIP)

        assert response.headers["content-encoding"] == "gzip" and gzip.decompress(sent) == BIG
        assert response.headers["vary"] == "Accept-Encoding"

    def test_a_range_is_asked_of_s3(self, site: Site, bucket: str) -> None:
        self._publish(site, bucket, BIG)
        response = site.client.get(site.url(), headers=IDENTITY | {"Range": "bytes=-7"})
        assert (response.status_code, response.content) == (206, BIG[-7:])

    def test_an_object_replaced_between_head_and_get_is_looked_up_again(
        self, site: Site, bucket: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self._publish(site, bucket, BIG)
        real_open = S3Storage.open_current
        calls: list[int] = []

        def open_then_publish(storage: S3Storage, **kwargs: Any) -> Any:
            current = real_open(storage, **kwargs)
            calls.append(1)
            if len(calls) == 1:  # a run publishes after the HEAD, before the GET
                self._publish(site, bucket, b"<SHOP>new</SHOP>")
            return current

        monkeypatch.setattr(S3Storage, "open_current", open_then_publish)
        response = site.client.get(site.url(), headers=IDENTITY)

        assert (response.status_code, response.content, len(calls)) == (200, b"<SHOP>new</SHOP>", 2)

    def test_presigned_redirect_when_the_setting_allows(self, site: Site, bucket: str) -> None:
        self._publish(site, bucket, BIG)
        site.settings.serve_s3_redirect = "presigned"
        url = site.url()

        redirect = site.client.get(url, headers=IDENTITY)
        head = site.client.head(url, headers=IDENTITY)
        packed = site.client.get(url, headers=GZIP)

        assert redirect.status_code == 307 and redirect.headers["cache-control"] == "no-store"
        assert redirect.headers["location"].startswith(site.settings.s3_endpoint_url or "?")
        assert "Expires=60" in redirect.headers["location"] or "X-Amz-Expires=60" in redirect.headers["location"]
        assert httpx.get(redirect.headers["location"], headers=IDENTITY).content == BIG
        assert httpx.head(head.headers["location"]).headers["content-length"] == str(len(BIG))  # a presigned HEAD
        assert ".feedhub.gz" in packed.headers["location"]  # the copy, sent with Content-Encoding: gzip by S3
        assert httpx.get(packed.headers["location"]).content == BIG
        assert site.client.get(url, headers=IDENTITY | {"If-None-Match": redirect.headers["etag"]}).status_code == 304
        assert _log(site) == [(307, 0), (307, 0), (307, 0), (304, 0)]


def test_file_name_keeps_the_publish_suffixes() -> None:
    assert export_file_name(ExportSpec(name="g", format="google", uri="s3://b/k/feed.xml.gz", gzip=True)) == "g.xml.gz"
    assert export_file_name(ExportSpec(name="m", format="meta-csv", uri="file:///srv/m.csv")) == "m.csv"


def test_healthz(site: Site) -> None:
    assert site.client.get("/healthz").json() == {"status": "ok"}
