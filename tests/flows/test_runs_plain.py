"""One project run through the plain step functions (no Prefect): sources served by a real local
HTTP server, exports published to file:// (and S3 through moto's server), history in SQLite.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts import MemoryMailer, Shop, User
from accounts.errors import LevelTooLow
from accounts.members import remove_member
from accounts.models import ShopStatus
from accounts.published import ExportLink
from accounts.run_lock import project_run_lock
from accounts.runs import ProjectRun, RunNotConfirmable, RunNotFound, RunStatus, list_runs, list_shop_runs
from feeds.atomic import TEMP_PREFIX
from feeds.project import ExportSpec
from flows.confirm import confirm_held_run
from flows.deps import RetryPolicy, RunDeps
from flows.runner import run_project_inline
from tests.feeds.conftest import LocalServer, respond
from tests.flows.conftest import ProjectFactory, heureka_feed, make_user

HIDE_CHEAP = [{"type": "hiding", "query": "PRICE_VAT < 0"}]
SOLD_OUT = b'<?xml version="1.0" encoding="utf-8"?>\n<SHOP>\n</SHOP>\n'  # a shop's feed with nothing left to sell


def published(tmp_path: Path, name: str = "heureka.xml") -> bytes:
    """The bytes currently published under tmp/published."""
    return (tmp_path / "published" / name).read_bytes()


def runs_of(session: Session, project_id: int) -> list[ProjectRun]:
    """Every run row of the project, oldest first, fresh from the database."""
    query = select(ProjectRun).where(ProjectRun.project_id == project_id).order_by(ProjectRun.id)
    rows = list(session.scalars(query.execution_options(populate_existing=True)))
    session.commit()  # SQLite: end the transaction, which holds the write lock the runs need
    return rows


def etag_responder(body: bytes, etag: str) -> object:
    """Serves `body` with an ETag and answers 304 when the client already has it."""

    def send(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        respond(body, 200, {"ETag": etag, "Content-Type": "application/xml"})(handler, server)

    return send


class TestSucceededRun:
    def test_run_publishes_every_export_and_records_counts(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session, tmp_path: Path
    ) -> None:
        url = http_server.serve("/feed.xml", heureka_feed(30))
        project_id = make_project(url, rules=HIDE_CHEAP)
        summary = run_project_inline(project_id, deps)
        assert summary.status == "succeeded", summary.error
        assert published(tmp_path).startswith(b"<?xml") and b"<rss" in published(tmp_path, "google.xml")
        (run,) = runs_of(session, project_id)
        assert (run.products_in, run.products_out, run.status) == (30, 30, RunStatus.SUCCEEDED)
        assert set(run.stages) == {"fetch", "process", "publish"}
        assert run.bytes_in > 0 and run.bytes_out == sum(p["bytes"] for p in run.report["published"])
        assert [r["type"] for r in run.report["rules"]] == ["hiding"] and run.report["hidden"] == 0
        assert {e["name"] for e in run.report["exports"]} == {"heureka", "google"}
        links = session.scalars(select(ExportLink).where(ExportLink.project_id == project_id)).all()
        assert {link.export_name for link in links} == {"heureka", "google"}
        assert not (deps.runs_dir / f"project-{project_id}" / f"run-{run.id}").exists()  # workspace removed

    def test_unchanged_feed_with_the_same_spec_is_not_processed_again(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session
    ) -> None:
        http_server.routes["/feed.xml"] = etag_responder(heureka_feed(10), '"v1"')
        project_id = make_project(http_server.url("/feed.xml"))
        assert run_project_inline(project_id, deps).status == "succeeded"
        second = run_project_inline(project_id, deps)
        assert second.status == "unchanged" and second.products_out == 10
        assert http_server.requests[-1][1].get("if-none-match") == '"v1"'  # a conditional GET
        assert "process" not in runs_of(session, project_id)[-1].stages

    def test_same_bytes_without_validators_are_unchanged_by_content_hash(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(10)))
        assert [run_project_inline(project_id, deps).status for _ in range(2)] == ["succeeded", "unchanged"]

    def test_feed_that_changes_between_runs_is_published_again(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path
    ) -> None:
        url = http_server.serve("/feed.xml", heureka_feed(10, seed=1))
        project_id = make_project(url)
        run_project_inline(project_id, deps)
        first = published(tmp_path)
        http_server.serve("/feed.xml", heureka_feed(12, seed=2))
        summary = run_project_inline(project_id, deps)
        assert (summary.status, summary.products_out) == ("succeeded", 12)
        assert published(tmp_path) != first

    def test_each_csv_export_escapes_formulas_unless_its_spec_says_not_to(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path
    ) -> None:
        import csv

        feed = heureka_feed(3).replace(b"<PRODUCTNAME>", b"<PRODUCTNAME>=", 1)  # one name a spreadsheet would run
        exports = [ExportSpec(name="sheet", format="csv", uri=(tmp_path / "out" / "sheet.csv").as_uri()),
                   ExportSpec(name="raw", format="csv", uri=(tmp_path / "out" / "raw.csv").as_uri(),
                              escape_formulas=False)]
        project_id = make_project(http_server.serve("/feed.xml", feed), exports=exports)
        assert run_project_inline(project_id, deps).status == "succeeded"
        names = {name: [row["PRODUCTNAME"] for row in csv.DictReader(
                    (tmp_path / "out" / f"{name}.csv").read_text(encoding="utf-8").splitlines())]
                 for name in ("sheet", "raw")}
        assert names["sheet"][0].startswith("'=") and names["raw"][0].startswith("=")
        assert names["sheet"][1:] == names["raw"][1:]

    def test_an_exports_delivery_table_and_default_category_make_a_bare_feed_valid_for_heureka(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path
    ) -> None:
        from pydantic import ValidationError

        bare = b"".join(  # a generic CSV: no delivery, no category
            [b"id,title,description,link,image_link,price,stock\n"]
            + [f"{n},Kolo {n},Kolo,https://kola.example/{n},https://kola.example/{n}.jpg,990,3\n".encode()
               for n in range(1, 4)])
        target = tmp_path / "published" / "heureka.xml"
        plain = ExportSpec(name="heureka", format="heureka", uri=target.as_uri())
        project_id = make_project(http_server.serve("/feed.csv", bare), exports=[plain])
        assert run_project_inline(project_id, deps).status == "held"  # every product invalid: nothing published
        filled_uri = (tmp_path / "published-filled" / "heureka.xml").as_uri()
        filled = ExportSpec(name="heureka", format="heureka", uri=filled_uri,
                            delivery=[{"id": "CESKA_POSTA", "price": "99", "price_cod": "129"}],  # type: ignore[list-item]
                            default_category="Sport | Kola")
        other = make_project(http_server.url("/feed.csv"), name="filled", exports=[filled])
        assert run_project_inline(other, deps).status == "succeeded"
        written = (tmp_path / "published-filled" / "heureka.xml").read_text(encoding="utf-8")
        assert written.count("<DELIVERY_ID>CESKA_POSTA</DELIVERY_ID>") == 3
        assert written.count("<CATEGORYTEXT>Sport | Kola</CATEGORYTEXT>") == 3
        with pytest.raises(ValidationError, match="delivery.0.id"):
            ExportSpec(name="h", format="heureka", delivery=[{"id": "česká pošta", "price": "99"}])

    def test_each_export_runs_its_own_rules_after_the_shared_ones_and_only_for_itself(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path,
        session: Session,
    ) -> None:
        from lxml import etree

        out = tmp_path / "published"
        exports = [
            ExportSpec(name="heureka", format="heureka", uri=(out / "heureka.xml").as_uri(), rules=[
                {"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME% [H]"},
                {"type": "hiding", "query": "cheap"},  # the project's saved query
            ]),
            ExportSpec(name="google", format="google", uri=(out / "google.xml").as_uri()),
        ]
        shared = [{"type": "rewriting", "element": "PRODUCTNAME", "value": "Arche %PRODUCTNAME%"}]
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(30)), exports=exports, rules=shared,
                                  queries={"cheap": "PRICE_VAT < 500"})
        assert run_project_inline(project_id, deps).status == "succeeded"
        heureka = [n.text for n in etree.parse(str(out / "heureka.xml")).iter("PRODUCTNAME")]
        google = [n.text for n in etree.parse(str(out / "google.xml")).iter("{http://base.google.com/ns/1.0}title")]
        assert len(google) == 30 and all(t.startswith("Arche ") and "[H]" not in t for t in google)
        assert 0 < len(heureka) < 30 and all(t.startswith("Arche ") and t.endswith(" [H]") for t in heureka)
        report = runs_of(session, project_id)[-1].report
        assert [r["type"] for r in report["rules"]] == ["rewriting"]
        own = {e["name"]: e.get("rules") for e in report["exports"]}
        assert own["google"] is None and [(r["type"], r["selected"]) for r in own["heureka"]] == [
            ("rewriting", 30), ("hiding", 30 - len(heureka))]

    def test_s3_export_is_uploaded_through_boto3(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, s3_server: str
    ) -> None:
        import boto3

        s3 = boto3.client("s3", endpoint_url=s3_server)
        s3.create_bucket(Bucket="flows-run", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        exports = [ExportSpec(name="google", format="google", uri="s3://flows-run/shop/google.xml.gz", gzip=True)]
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)), exports=exports)
        summary = run_project_inline(project_id, dataclasses.replace(deps, s3_endpoint_url=s3_server))
        assert summary.status == "succeeded", summary.error
        body = s3.get_object(Bucket="flows-run", Key="shop/google.xml.gz")["Body"].read()
        assert body[:2] == b"\x1f\x8b"

    def test_s3_exports_stay_under_the_shops_own_prefix(
        self,
        http_server: LocalServer,
        make_project: ProjectFactory,
        deps: RunDeps,
        s3_server: str,
        shop: Shop,
        tmp_path: Path,
    ) -> None:
        import boto3

        s3 = boto3.client("s3", endpoint_url=s3_server)
        s3.create_bucket(Bucket="shared", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        other_key = f"shops/{shop.id + 1}/google.xml"
        s3.put_object(Bucket="shared", Key=other_key, Body=b"another shop's feed")
        confined = dataclasses.replace(deps, s3_endpoint_url=s3_server, s3_prefixes=("s3://shared/shops/{shop}/",))
        url = http_server.serve("/feed.xml", heureka_feed(5))
        own = [ExportSpec(name="google", format="google", uri=f"s3://shared/shops/{shop.id}/google.xml")]
        assert run_project_inline(make_project(url, name="own", exports=own), confined).status == "succeeded"
        assert s3.get_object(Bucket="shared", Key=f"shops/{shop.id}/google.xml")["Body"].read().startswith(b"<?xml")
        theirs = [
            ExportSpec(name="heureka", format="heureka", uri=(tmp_path / "out" / "heureka.xml").as_uri()),
            ExportSpec(name="google", format="google", uri=f"s3://shared/{other_key}"),
        ]
        summary = run_project_inline(make_project(url, name="theirs", exports=theirs), confined)
        assert summary.status == "failed"
        assert f"s3://shared/{other_key}" in summary.error and "S3 publish prefixes" in summary.error
        assert s3.get_object(Bucket="shared", Key=other_key)["Body"].read() == b"another shop's feed"
        assert not (tmp_path / "out" / "heureka.xml").exists()  # checked before any export was replaced


def test_a_shop_folder_in_the_publish_folder_confines_each_shops_files(deps: RunDeps, tmp_path: Path) -> None:
    from feeds.errors import ExportError
    from feeds.storage import FileStorage

    confined = dataclasses.replace(deps, file_exports_dir=tmp_path / "feeds" / "{shop}")
    own = confined.storage((tmp_path / "feeds" / "7" / "google.xml").as_uri(), 7)
    assert isinstance(own, FileStorage) and own.path == tmp_path / "feeds" / "7" / "google.xml"
    for other in ("feeds/8/google.xml", "feeds/7/../8/google.xml", "feeds/77/google.xml", "feeds/google.xml"):
        with pytest.raises(ExportError, match=f"outside this server's publish folder '{tmp_path}/feeds/7'"):
            confined.storage((tmp_path / other).as_uri(), 7)


class TestFailedRun:
    @pytest.fixture
    def good_first(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path
    ) -> tuple[int, bytes]:
        """A project whose first run published a good feed; returns its id and the published bytes."""
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(20)))
        assert run_project_inline(project_id, deps).status == "succeeded"
        return project_id, published(tmp_path)

    def test_server_error_then_success_is_retried(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session
    ) -> None:
        answers = [respond(b"oops", 500), respond(heureka_feed(5), 200)]
        http_server.routes["/flaky.xml"] = lambda handler, server: answers.pop(0)(handler, server)
        project_id = make_project(http_server.url("/flaky.xml"))
        assert run_project_inline(project_id, deps).status == "succeeded"
        assert any("retried" in w for w in runs_of(session, project_id)[0].warnings)

    def test_html_instead_of_a_feed_fails_without_retry(
        self, good_first: tuple[int, bytes], http_server: LocalServer, deps: RunDeps, tmp_path: Path, session: Session
    ) -> None:
        project_id, before = good_first
        http_server.serve("/feed.xml", b"<!DOCTYPE html><html><body><p>Maintenance</p></body></html>",
                          headers={"Content-Type": "text/html"})
        summary = run_project_inline(project_id, deps)
        assert summary.status == "failed" and summary.error
        assert published(tmp_path) == before
        assert len([r for r in http_server.requests if r[0] == "/feed.xml"]) == 2  # one per run: terminal

    def test_truncated_feed_fails_and_the_last_good_export_stays(
        self, good_first: tuple[int, bytes], http_server: LocalServer, deps: RunDeps, tmp_path: Path
    ) -> None:
        project_id, before = good_first
        http_server.serve("/feed.xml", heureka_feed(40)[:-3000])
        summary = run_project_inline(project_id, deps)
        assert summary.status == "failed"
        assert published(tmp_path) == before

    def test_stalling_source_fails_after_retries_with_a_readable_reason(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
    ) -> None:
        def stall(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            server.stop.wait(10)

        http_server.routes["/stall.xml"] = stall
        project_id = make_project(http_server.url("/stall.xml"))
        fast = dataclasses.replace(deps, retry=RetryPolicy(attempts=2, backoff_s=(0.01,)))
        started = time.monotonic()
        summary = run_project_inline(project_id, fast)
        assert summary.status == "failed" and "after retries" in summary.error
        assert time.monotonic() - started < 6

    def test_the_fetch_deadline_covers_every_attempt(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
    ) -> None:
        def drip(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            handler.send_response(200)
            handler.send_header("Content-Length", "1000")
            handler.end_headers()
            for _ in range(1000):  # a byte every 0.3 s: never a read timeout (1 s), always too slow
                handler.wfile.write(b"<")
                handler.wfile.flush()
                if server.stop.wait(0.3):
                    return

        http_server.routes["/drip.xml"] = drip
        project_id = make_project(http_server.url("/drip.xml"))
        two_seconds = dataclasses.replace(deps, fetch_policy=dataclasses.replace(deps.fetch_policy, deadline_s=2.0),
                                          retry=RetryPolicy(attempts=4, backoff_s=(0.05,)))
        summary = run_project_inline(project_id, two_seconds)
        assert summary.status == "failed" and "took longer than the fetch deadline" in summary.error
        assert len([r for r in http_server.requests if r[0] == "/drip.xml"]) == 1  # no retry past the deadline

    def test_a_run_of_a_deleted_project_is_refused_by_name(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
    ) -> None:
        from accounts import delete_project
        from accounts.errors import ProjectNotFound
        from accounts.models import Project

        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
        with deps.sessions.begin() as session:  # a queued run starts after its project was deleted
            owner = session.get_one(Shop, session.get_one(Project, project_id).shop_id).owner_id
            delete_project(session, session.get_one(User, owner), project_id)
        with pytest.raises(ProjectNotFound, match=f"no project {project_id}"):
            run_project_inline(project_id, deps)
        with deps.sessions() as session:
            assert session.scalars(select(ProjectRun)).all() == []

    def test_invalid_rules_fail_as_a_settings_problem(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)), rules=[{"type": "no-such-rule"}])
        summary = run_project_inline(project_id, deps)
        assert summary.status == "failed" and "rules are invalid" in summary.error


class TestWhoAskedForTheRun:
    """A run asked for by a person checks, when it starts and again before it publishes, that they still may
    run the project; a scheduled run (nobody asked) acts for the shop."""

    def test_a_writer_removed_before_the_run_starts_gets_it_skipped_with_the_reason(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path,
        people: dict[str, User], session: Session, shop: Shop,
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)))
        remove_member(session, people["owner"], shop.id, people["writer"].id)  # after "run now", before the run
        session.commit()
        summary = run_project_inline(project_id, deps, requested_by=people["writer"].id)
        assert summary.status == "skipped" and summary.error.startswith(
            "asked for by writer@example.com, who may no longer run this project (")
        assert not (tmp_path / "published" / "heureka.xml").exists()
        assert run_project_inline(project_id, deps, trigger="schedule").status == "succeeded"  # for the shop

    def test_a_writer_removed_while_the_run_works_stops_it_before_it_publishes(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path,
        people: dict[str, User], shop: Shop,
    ) -> None:
        feed = heureka_feed(5)

        def removed_meanwhile(handler: BaseHTTPRequestHandler, server: LocalServer) -> None:
            with deps.sessions.begin() as session:  # the owner removes the writer while the source downloads
                remove_member(session, session.get_one(User, people["owner"].id), shop.id, people["writer"].id)
            respond(feed)(handler, server)

        http_server.routes["/feed.xml"] = removed_meanwhile
        project_id = make_project(http_server.url("/feed.xml"))
        summary = run_project_inline(project_id, deps, requested_by=people["writer"].id)
        assert summary.status == "failed" and "asked for by writer@example.com" in summary.error
        assert "nothing was published" in summary.error
        assert not (tmp_path / "published" / "heureka.xml").exists()

    def test_a_reader_can_never_have_asked(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, people: dict[str, User]
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)))
        summary = run_project_inline(project_id, deps, requested_by=people["reader"].id)
        assert summary.status == "skipped" and "read access" in summary.error


class TestQualityGate:
    def test_feed_shrinking_by_80_percent_is_held_and_a_writer_confirms_it(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path,
        people: dict[str, User], session: Session,
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(50)))
        run_project_inline(project_id, deps)
        before = published(tmp_path)
        http_server.serve("/feed.xml", heureka_feed(10))
        held = run_project_inline(project_id, deps)
        assert held.status == "held" and "80%" in held.error
        assert published(tmp_path) == before
        # the reader lists this run, so hiding it helps nobody: they are told what their level lacks
        with pytest.raises(LevelTooLow, match=f"^you have read access to project {project_id}; running it needs write"):
            confirm_held_run(deps, people["reader"], held.run_id)
        stranger = make_user(session, "stranger@example.com")
        session.commit()  # SQLite: release the write lock the confirmation needs
        with pytest.raises(RunNotFound):  # an outsider cannot tell the run exists
            confirm_held_run(deps, stranger, held.run_id)
        confirmed = confirm_held_run(deps, people["writer"], held.run_id)
        assert confirmed.status == "succeeded" and published(tmp_path) != before
        assert runs_of(session, project_id)[-1].confirmed_by_id == people["writer"].id
        with pytest.raises(RunNotConfirmable):
            confirm_held_run(deps, people["owner"], held.run_id)

    def test_too_many_invalid_products_hold_the_run_and_the_last_good_export_stays(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path
    ) -> None:
        from tests.feeds.exports.test_invalid_policy import feed

        target = (tmp_path / "published" / "heureka.xml")
        strict = [ExportSpec(name="heureka", format="heureka", uri=target.as_uri(), invalid="fail",
                             max_invalid_percent=10)]
        project_id = make_project(http_server.serve("/feed.xml", feed(tmp_path, 10, 1).read_bytes()), exports=strict)
        assert run_project_inline(project_id, deps).status == "succeeded"  # 1 of 11 is 9 %: allowed, left out
        before = target.read_bytes()
        assert before.count(b"<SHOPITEM>") == 10
        http_server.serve("/feed.xml", feed(tmp_path, 10, 3).read_bytes())
        held = run_project_inline(project_id, deps)
        assert held.status == "held" and held.error == (
            "export 'heureka': 3 of 13 products (23%) are invalid for heureka, more than its 10 % limit; they were "
            "left out; confirm the run to publish it anyway")
        assert target.read_bytes() == before

    def test_an_export_every_product_of_which_is_invalid_is_held_not_published_empty(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path
    ) -> None:
        from tests.feeds.exports.test_invalid_policy import feed

        project_id = make_project(http_server.serve("/feed.xml", feed(tmp_path, 0, 2).read_bytes()))
        held = run_project_inline(project_id, deps)
        assert held.status == "held" and "all 2 products are invalid for heureka and were left out" in held.error
        assert not (tmp_path / "published" / "heureka.xml").exists()

    def test_zero_products_after_rules_is_held(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
    ) -> None:
        hide_all = [{"type": "hiding", "query": "ITEM_ID != \"\""}]
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(5)), rules=hide_all)
        assert run_project_inline(project_id, deps).status == "held"

    def test_a_sold_out_feed_after_a_good_run_is_held_and_a_writer_publishes_it_empty(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path,
        people: dict[str, User], session: Session,
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(20)))
        assert run_project_inline(project_id, deps).status == "succeeded"
        before = published(tmp_path), published(tmp_path, "google.xml")
        http_server.serve("/feed.xml", SOLD_OUT)
        held = run_project_inline(project_id, deps)
        assert (held.status, held.products_in, held.products_out) == ("held", 0, 0)
        assert held.error == (
            "the feed contains no products (no <SHOPITEM> elements); the last good run had 20 products. The last good "
            "exports stay published; if the shop really has nothing to offer, confirm the run to publish empty exports")
        assert (published(tmp_path), published(tmp_path, "google.xml")) == before
        confirmed = confirm_held_run(deps, people["writer"], held.run_id)
        assert (confirmed.status, confirmed.products_out) == ("succeeded", 0)
        assert published(tmp_path) == b'<?xml version="1.0" encoding="UTF-8"?>\n<SHOP>\n</SHOP>\n'
        assert b"<channel>" in published(tmp_path, "google.xml") and b"<item>" not in published(tmp_path, "google.xml")
        assert runs_of(session, project_id)[-1].confirmed_by_id == people["writer"].id

    def test_a_csv_header_without_rows_after_a_good_run_is_held_and_publishes_the_header(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path,
        people: dict[str, User],
    ) -> None:
        target = tmp_path / "published" / "all.csv"
        project_id = make_project(http_server.serve("/feed.csv", b"id,title,price\n1,Kolo,100\n2,Lampa,200\n"),
                                  exports=[ExportSpec(name="all", format="csv", uri=target.as_uri())])
        assert run_project_inline(project_id, deps).status == "succeeded"
        http_server.serve("/feed.csv", b"id,title,price\n")
        held = run_project_inline(project_id, deps)
        assert held.status == "held" and held.error.startswith("the CSV has a header but no product rows; the last")
        assert target.read_bytes().count(b"\n") == 3
        confirm_held_run(deps, people["owner"], held.run_id)
        assert target.read_bytes() == b"id,title,price\n"

    def test_once_empty_exports_are_published_a_run_still_without_products_publishes_by_itself(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, tmp_path: Path,
        people: dict[str, User],
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(20)))
        run_project_inline(project_id, deps)
        http_server.serve("/feed.xml", SOLD_OUT)
        confirm_held_run(deps, people["owner"], run_project_inline(project_id, deps).run_id)
        http_server.serve("/feed.xml", SOLD_OUT.replace(b"<SHOP>", b"<SHOP><!-- generated again -->"))
        assert run_project_inline(project_id, deps).status == "succeeded"  # no fall against an empty baseline
        http_server.serve("/feed.xml", heureka_feed(5))
        assert run_project_inline(project_id, deps).status == "succeeded"  # back in stock

    def test_the_first_run_of_a_feed_without_products_fails_as_a_wrong_source_would(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, people: dict[str, User],
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", SOLD_OUT))
        failed = run_project_inline(project_id, deps)
        assert (failed.status, failed.error) == ("failed", "the feed contains no products (no <SHOPITEM> elements)")
        with pytest.raises(RunNotConfirmable, match="it is failed, not held"):
            confirm_held_run(deps, people["owner"], failed.run_id)

    def test_held_run_cannot_be_confirmed_after_a_newer_publish(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, people: dict[str, User]
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(50)))
        run_project_inline(project_id, deps)
        http_server.serve("/feed.xml", heureka_feed(5))
        held = run_project_inline(project_id, deps)
        http_server.serve("/feed.xml", heureka_feed(49, seed=7))
        assert run_project_inline(project_id, deps).status == "succeeded"
        with pytest.raises(RunNotConfirmable, match="newer"):
            confirm_held_run(deps, people["owner"], held.run_id)


class TestNotifications:
    def test_owner_and_writer_get_one_alert_per_failure_streak_and_one_recovery(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, mailer: MemoryMailer
    ) -> None:
        url = http_server.serve("/feed.xml", heureka_feed(5))
        project_id = make_project(url)
        run_project_inline(project_id, deps)
        http_server.serve("/feed.xml", b"not a feed at all", status=200)
        run_project_inline(project_id, deps)
        run_project_inline(project_id, deps)
        http_server.serve("/feed.xml", heureka_feed(5, seed=3))
        run_project_inline(project_id, deps)
        sent = [(m["To"], m["Subject"].split(": ", 1)[1]) for m in mailer.messages]
        assert sent == [
            ("owner@example.com", "run failed, nothing published"),
            ("writer@example.com", "run failed, nothing published"),
            ("owner@example.com", "feeds published again"),
            ("writer@example.com", "feeds published again"),
        ]


class TestWhenNotToRun:
    def test_suspended_shop_does_not_run_and_says_why(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session, shop: Shop
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
        shop.status = ShopStatus.SUSPENDED
        session.commit()
        summary = run_project_inline(project_id, deps)
        assert summary.status == "skipped" and "suspended" in summary.error
        assert http_server.requests == []

    def test_second_trigger_while_a_run_holds_the_lock_is_skipped_and_recorded(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps
    ) -> None:
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
        with project_run_lock(deps.engine, project_id) as lock:
            assert lock.taken
            summary = run_project_inline(project_id, deps)
        assert summary.status == "skipped" and "in progress" in summary.error

    def test_lock_is_per_project_and_released_after_the_run(self, deps: RunDeps) -> None:
        got: list[bool] = []
        with project_run_lock(deps.engine, 1) as first:
            thread = threading.Thread(target=lambda: got.append(_try(deps, 2)))
            thread.start()
            thread.join()
            assert first.taken and got == [True]
        assert _try(deps, 1)


def _try(deps: RunDeps, project_id: int) -> bool:
    with project_run_lock(deps.engine, project_id) as lock:
        return lock.taken


class TestHistory:
    def test_reader_lists_runs_of_project_and_shop_but_an_outsider_cannot(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session,
        people: dict[str, User], shop: Shop,
    ) -> None:
        from accounts.errors import ProjectNotFound
        from tests.flows.conftest import make_user

        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
        run_project_inline(project_id, deps)
        run_project_inline(project_id, deps)
        assert [r.status for r in list_runs(session, people["reader"], project_id)] == [
            RunStatus.UNCHANGED, RunStatus.SUCCEEDED,
        ]
        assert len(list_shop_runs(session, people["reader"], shop.id)) == 2
        stranger = make_user(session, "stranger@example.com")
        with pytest.raises(ProjectNotFound):
            list_runs(session, stranger, project_id)

    def test_crashed_run_is_recorded_by_the_next_run_which_cleans_up(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session
    ) -> None:
        from flows.steps import begin_run

        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
        dead = begin_run(deps, project_id, trigger="test", locked=True)  # a run whose process then died
        (dead.workspace / "out").mkdir(parents=True)  # type: ignore[union-attr]
        assert run_project_inline(project_id, deps).status == "succeeded"
        crashed = runs_of(session, project_id)[0]
        assert crashed.status == RunStatus.CRASHED and "killed" in crashed.error
        assert not dead.workspace.exists()  # type: ignore[union-attr]

    def test_a_temp_file_left_by_a_run_killed_before_its_rename_is_removed_when_the_next_run_starts(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session, tmp_path: Path
    ) -> None:
        """The killed run may already be marked crashed by another process (`feedhub serve` stopping its
        worker), and the next run may publish nothing (unchanged): it still removes the half-written file."""
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)))
        assert run_project_inline(project_id, deps).status == "succeeded"
        leftover = tmp_path / "published" / f"{TEMP_PREFIX}heureka.xml.{'0' * 16}"
        leftover.write_bytes(b'<?xml version="1.0"?><SHOP><SHOPITEM>')
        assert run_project_inline(project_id, deps).status == "unchanged"
        assert not leftover.exists()
        assert "cleaned up after an earlier run that was stopped: 1 leftover publish object(s) removed" in (
            runs_of(session, project_id)[-1].warnings
        )

    def test_a_crash_cleanup_that_cannot_reach_a_target_is_a_warning_and_the_run_is_recorded(
        self, http_server: LocalServer, make_project: ProjectFactory, deps: RunDeps, session: Session
    ) -> None:
        """The operator confined S3 exports after a crash: the next run says why it cannot clean up,
        fails where it publishes, and leaves no run stuck in `running`."""
        from flows.steps import begin_run

        exports = [ExportSpec(name="google", format="google", uri="s3://elsewhere/google.xml")]
        project_id = make_project(http_server.serve("/feed.xml", heureka_feed(3)), exports=exports)
        begin_run(deps, project_id, trigger="test", locked=True)  # a run whose process then died
        confined = dataclasses.replace(deps, s3_prefixes=("s3://feeds/shops/{shop}/",))
        summary = run_project_inline(project_id, confined)
        assert summary.status == "failed" and "S3 publish prefixes" in summary.error
        statuses = [run.status for run in runs_of(session, project_id)]
        assert statuses == [RunStatus.CRASHED, RunStatus.FAILED]
        (last,) = [run for run in runs_of(session, project_id) if run.status == RunStatus.FAILED]
        assert any("could not clean up" in warning for warning in last.warnings)
