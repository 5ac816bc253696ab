"""What the API's resources do, beyond who may call them (test_authorization_matrix.py has that).

Expectations about the sample feed are computed here from the XML with lxml, never read back from
the API: a products page, a query count or a preview must agree with an independent reading.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import httpx
import pytest
from lxml import etree

from accounts.mail import MemoryMailer
from feedhub.settings import Settings
from feedhub.web import create_app
from tests.feedhub.api.conftest import PASSWORD, RULES, SAMPLE, Api, World, ok, serving
from tests.feeds.conftest import LocalServer, http_server  # noqa: F401
from tests.smtp import free_port

P = "/api/v1"


@dataclass(frozen=True)
class SampleProduct:
    """One SHOPITEM of the sample feed, read with lxml."""

    id: str
    name: str
    manufacturer: str
    price: float


def sample_products() -> list[SampleProduct]:
    """The sample feed's products in feed order."""
    return [
        SampleProduct(item.findtext("ITEM_ID") or "", item.findtext("PRODUCTNAME") or "",
                      item.findtext("MANUFACTURER") or "", float(item.findtext("PRICE_VAT") or "nan"))
        for item in etree.parse(str(SAMPLE)).iter("SHOPITEM")
    ]


SAMPLE_PRODUCTS = sample_products()


def call(api: Api, world: World, method: str, path: str, kind: str = "owner", **kwargs: Any) -> httpx.Response:
    """One API call as a world caller (bearer token)."""
    with api.client() as client:
        return client.request(method, P + path, headers={**world.as_(kind), **kwargs.pop("headers", {})}, **kwargs)



@pytest.fixture(scope="module")
def private_sources_api(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app that may fetch from loopback addresses (the conftest one refuses them, as production does)."""
    port = free_port()
    settings = Settings(data_dir=tmp_path_factory.mktemp("private"), database_url=db_url,
                        base_url=f"http://127.0.0.1:{port}", allow_private_sources=True)
    app = create_app(settings, mailer=MemoryMailer(), launch_run=lambda project_id, requested_by: "not started")
    with serving(app, port):
        yield settings.base_url


def heureka_feed(*links: str | None) -> bytes:
    """A Heureka feed with one product per link (None: a product without URL)."""
    items = "".join(
        f"<SHOPITEM><ITEM_ID>P{i}</ITEM_ID><PRODUCTNAME>Kolo {i}</PRODUCTNAME>"
        + (f"<URL>{link}</URL>" if link else "") + "<PRICE_VAT>9990</PRICE_VAT></SHOPITEM>"
        for i, link in enumerate(links)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><SHOP>{items}</SHOP>'.encode()


def shop_names(api: Api, world: World, kind: str) -> list[str]:
    return [shop["name"] for shop in ok(call(api, world, "GET", "/shops?limit=200", kind))["items"]]


class TestCreateShopFromFeedUrl:
    def test_the_shop_is_named_after_the_domain_its_products_link_to(
        self, api: Api, world: World, private_sources_api: str, http_server: LocalServer  # noqa: F811
    ) -> None:
        feed = http_server.serve("/feed.xml", heureka_feed(
            "https://www.kola-obchod.cz/p/horske-kolo", "https://img.example.com/kolo.jpg",
            "https://www.kola-obchod.cz/p/silnicni-kolo",  # the most common host wins, without www.
        ))
        with httpx.Client(base_url=private_sources_api, timeout=30) as client:
            created = client.post(f"{P}/shops", json={"feed_url": feed}, headers=world.as_("outsider"))

        assert (ok(created, 201)["name"], ok(created, 201)["level"]) == ("kola-obchod.cz", "owner")
        assert shop_names(api, world, "outsider") == ["kola-obchod.cz"]

    def test_a_feed_without_links_is_refused_with_a_reason(
        self, api: Api, world: World, private_sources_api: str, http_server: LocalServer  # noqa: F811
    ) -> None:
        feed = http_server.serve("/feed.xml", heureka_feed(None, None))
        with httpx.Client(base_url=private_sources_api, timeout=30) as client:
            refused = client.post(f"{P}/shops", json={"feed_url": feed}, headers=world.as_("outsider"))

        assert (refused.status_code, refused.json()) == (422, {
            "code": "not_a_feed_error",
            "message": "the feed's products link to no web address to name the shop after; give a name",
            "problems": [],
        })
        assert shop_names(api, world, "outsider") == []

    def test_a_loopback_feed_is_refused_where_private_sources_are_off(self, api: Api, world: World,
                                                                      http_server: LocalServer) -> None:  # noqa: F811
        feed = http_server.serve("/feed.xml", heureka_feed("https://www.kola-obchod.cz/p/1"))

        refused = call(api, world, "POST", "/shops", "outsider", json={"feed_url": feed})

        assert (refused.status_code, refused.json()) == (422, {
            "code": "source_error", "problems": [],
            "message": f"{feed} resolves to 127.0.0.1, a private or reserved address; refused (hint: feeds come from"
                       " public addresses; FEEDHUB_ALLOW_PRIVATE_SOURCES=true allows others)"})
        assert http_server.requests == []  # refused before connecting
        assert shop_names(api, world, "outsider") == []


class TestShopList:
    NAMES = ("Kola Praha", "Hrnce Brno", "Kola Brno", "Hrnce Praha", "KOLA Ostrava")

    @pytest.fixture
    def shop_ids(self, api: Api, world: World) -> list[int]:
        """Five shops of the outsider (who had none), in creation order."""
        return [ok(call(api, world, "POST", "/shops", "outsider", json={"name": name}), 201)["id"]
                for name in self.NAMES]

    def pages(self, api: Api, world: World, query: str) -> list[list[str]]:
        """The names on each page, following next_cursor to the end."""
        found, cursor = [], None
        while True:
            page = ok(call(api, world, "GET", f"/shops?limit=2{query}" + (f"&cursor={cursor}" if cursor else ""),
                           "outsider"))
            found.append([shop["name"] for shop in page["items"]])
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    def test_pages_hold_every_shop_once_in_list_order(self, api: Api, world: World, shop_ids: list[int]) -> None:
        pages = self.pages(api, world, "")

        # in the order the shops were created (by id): a cursor stays valid whatever is renamed meanwhile
        whole = [shop["name"] for shop in ok(call(api, world, "GET", "/shops", "outsider"))["items"]]
        assert ([len(page) for page in pages], sum(pages, [])) == ([2, 2, 1], whole)
        assert whole == list(self.NAMES)
        ids = [shop["id"] for shop in ok(call(api, world, "GET", "/shops", "outsider"))["items"]]
        assert ids == sorted(shop_ids)

    def test_q_filters_by_name_ignoring_case(self, api: Api, world: World, shop_ids: list[int]) -> None:
        pages = self.pages(api, world, "&q=kola")

        assert ([len(page) for page in pages], sorted(sum(pages, []))) == (
            [2, 1], ["KOLA Ostrava", "Kola Brno", "Kola Praha"])

    def test_a_cursor_that_is_no_cursor_is_refused(self, api: Api, world: World, shop_ids: list[int]) -> None:
        refused = call(api, world, "GET", "/shops?limit=1&cursor=not-ours", "outsider")

        assert (refused.status_code, refused.json()) == (400, {
            "code": "invalid_cursor", "message": "the cursor is not one this API gave out", "problems": [],
        })

    def test_a_shop_that_left_the_list_between_two_pages_does_not_break_the_next(
        self, api: Api, world: World, shop_ids: list[int]
    ) -> None:
        first = ok(call(api, world, "GET", "/shops?limit=1&q=kola", "outsider"))
        assert [shop["id"] for shop in first["items"]] == shop_ids[:1]
        ok(call(api, world, "PATCH", f"/shops/{shop_ids[0]}", "outsider", json={"name": "Hrnce Plzeň"}))

        second = ok(call(api, world, "GET", f"/shops?limit=5&q=kola&cursor={first['next_cursor']}", "outsider"))

        assert [shop["id"] for shop in second["items"]] == [shop_ids[2], shop_ids[4]]


class TestDeletedShopFeeds:
    @pytest.fixture
    def feed_url(self, api: Api, world: World) -> Iterator[str]:
        """The served URL of the world's export, its file on disk where the project publishes it."""
        export = api.settings.exports_dir / "heureka.xml"
        export.parent.mkdir(parents=True, exist_ok=True)
        export.write_bytes(heureka_feed("https://www.kola-obchod.cz/p/1"))
        (link,) = ok(call(api, world, "GET", f"/projects/{world.project_id}/links"))["items"]
        yield link["url"]
        export.unlink()

    def test_deleting_the_shop_stops_its_feeds_at_once_and_restoring_brings_them_back(
        self, api: Api, world: World, feed_url: str
    ) -> None:
        assert (httpx.get(feed_url).status_code, httpx.get(feed_url).content) == (
            200, heureka_feed("https://www.kola-obchod.cz/p/1"))

        assert ok(call(api, world, "DELETE", f"/shops/{world.shop_id}"))["status"] == "deleted"
        assert httpx.get(feed_url).status_code == 404

        assert ok(call(api, world, "POST", f"/shops/{world.shop_id}/restore"))["status"] == "trial"
        assert (httpx.get(feed_url).status_code, httpx.get(feed_url).content) == (
            200, heureka_feed("https://www.kola-obchod.cz/p/1"))


class TestRules:
    def rules(self, api: Api, world: World) -> list[tuple[str, int, bool]]:
        """(id, position, enabled) of the project's rules."""
        items = ok(call(api, world, "GET", f"/projects/{world.project_id}/rules"))["items"]
        return [(rule["id"], rule["position"], rule["enabled"]) for rule in items]

    def revision_notes(self, api: Api, world: World) -> list[str]:
        """The note of every revision, newest first."""
        return [r["note"] for r in ok(call(api, world, "GET", f"/projects/{world.project_id}/revisions"))["items"]]

    def test_each_change_keeps_ids_and_saves_a_revision(self, api: Api, world: World) -> None:
        path = f"/projects/{world.project_id}/rules"
        cheap = {"type": "hiding", "query": "[PRICE_VAT] < 300"}
        added = ok(call(api, world, "POST", path, json={"rule": cheap}), 201)
        new = added["id"]
        assert re.fullmatch(r"r[0-9a-f]{10}", new)
        assert added == {"id": new, "position": 2, "enabled": True, "rule": {**cheap, "id": new}}

        renamed = {"type": "rewriting", "element": "PRODUCTNAME", "value": "Nové %PRODUCTNAME%"}
        assert ok(call(api, world, "PUT", f"{path}/r1", json={"rule": renamed})) == {
            "id": "r1", "position": 0, "enabled": True, "rule": {**renamed, "id": "r1"}}
        assert ok(call(api, world, "PATCH", f"{path}/r2", json={"enabled": False}))[
            "enabled"] is False
        assert self.rules(api, world) == [("r1", 0, True), ("r2", 1, False), (new, 2, True)]

        reordered = ok(call(api, world, "PUT", f"{path}-order", json={"ids": [new, "r2", "r1"]}))
        assert [(r["id"], r["position"]) for r in reordered["items"]] == [(new, 0), ("r2", 1), ("r1", 2)]
        assert call(api, world, "DELETE", f"{path}/r2").status_code == 204

        assert self.rules(api, world) == [(new, 0, True), ("r1", 1, True)]
        assert self.revision_notes(api, world) == [
            "rule deleted", "rules reordered", "rule disabled", "rule updated", "rule added", "created"]

    @pytest.mark.parametrize("ids", [["r1"], ["r1", "r2", "r2"], ["r1", "r2", "r9"], ["r2", "r1", "r1"]],
                             ids=["missing", "twice", "unknown", "duplicate-instead-of-other"])
    def test_an_order_must_name_every_rule_once(self, api: Api, world: World, ids: list[str]) -> None:
        refused = call(api, world, "PUT", f"/projects/{world.project_id}/rules-order", json={"ids": ids})

        assert (refused.status_code, refused.json()["code"]) == (422, "invalid_rule_order")
        assert self.rules(api, world) == [("r1", 0, True), ("r2", 1, True)]
        assert self.revision_notes(api, world) == ["created"]

    def test_a_rule_of_unknown_type_is_refused_naming_the_rule(self, api: Api, world: World) -> None:
        refused = call(api, world, "POST", f"/projects/{world.project_id}/rules", json={"rule": {"type": "nope"}})

        assert (refused.status_code, refused.json()["code"]) == (422, "config_error")
        (problem,) = refused.json()["problems"]
        assert problem["rule"] == 3
        assert problem["message"].startswith("rule 3 (nope): unknown rule type; known types: rewriting, ")
        assert self.revision_notes(api, world) == ["created"]

    def test_a_broken_query_is_refused_naming_the_rule(self, api: Api, world: World) -> None:
        refused = call(api, world, "PUT", f"/projects/{world.project_id}/rules/r2",
                       json={"rule": {"type": "hiding", "query": "[PRICE_VAT >"}})

        message = ("rule 2 (hiding): query: syntax error at position 13 of '[PRICE_VAT >': expected ']' closing the"
                   " '[' at position 1, found the end of the text")
        assert (refused.status_code, refused.json()) == (
            422, {"code": "config_error", "message": message, "problems": [{"message": message, "rule": 2}]})
        assert self.revision_notes(api, world) == ["created"]

    def test_a_disabled_rule_changes_no_product(self, api: Api, world: World) -> None:
        ok(call(api, world, "PATCH", f"/projects/{world.project_id}/rules/r1", json={"enabled": False}))

        (first,) = ok(call(api, world, "GET", f"/projects/{world.project_id}/products?limit=1"))["items"]

        assert first["output"]["PRODUCTNAME"] == first["input"]["PRODUCTNAME"] == [SAMPLE_PRODUCTS[0].name]


class TestProducts:
    @pytest.mark.parametrize("hide_above", [10000, 1000], ids=["world-rules", "r2-hiding-above-1000"])
    def test_pages_show_every_product_before_and_after_the_rules(
        self, api: Api, world: World, hide_above: int
    ) -> None:
        if hide_above != 10000:
            ok(call(api, world, "PUT", f"/projects/{world.project_id}/rules/r2",
                    json={"rule": {"type": "hiding", "query": f"[PRICE_VAT] > {hide_above}"}}))
        rows, pages, cursor = [], 0, None
        while True:
            page = ok(call(api, world, "GET", f"/projects/{world.project_id}/products?limit=3"
                           + (f"&cursor={cursor}" if cursor else "")))
            pages += 1
            rows += [(item["id"], item["position"], item["input"]["PRODUCTNAME"], item["output"]["PRODUCTNAME"],
                      item["hidden"]) for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break

        assert pages == math.ceil(len(SAMPLE_PRODUCTS) / 3)
        assert rows == [(p.id, i, [p.name], [f"{p.manufacturer} {p.name}"], p.price > hide_above)
                        for i, p in enumerate(SAMPLE_PRODUCTS)]

    def test_a_query_selects_products_on_their_input_values(self, api: Api, world: World) -> None:
        page = ok(call(api, world, "GET", f"/projects/{world.project_id}/products",
                       params={"query": "[PRICE_VAT] < 500", "limit": 200}))

        cheap = [p.id for p in SAMPLE_PRODUCTS if p.price < 500]
        assert ([item["id"] for item in page["items"]], page["matched"], page["products"], page["next_cursor"]) == (
            cheap, len(cheap), len(SAMPLE_PRODUCTS), None)

    def test_the_trace_of_a_product_shows_each_rules_effect(self, api: Api, world: World) -> None:
        product = SAMPLE_PRODUCTS[0]

        trace = ok(call(api, world, "GET", f"/projects/{world.project_id}/products/{product.id}/trace"))

        assert trace == {"id": product.id, "hidden_by": None, "steps": [
            {"rule": 1, "type": "rewriting", "name": "", "query": "all products", "selected": True, "by_else": False,
             "hidden": False, "error": None, "changes": [{"element": "PRODUCTNAME", "before": [product.name],
                                         "after": [f"{product.manufacturer} {product.name}"]}]},
            {"rule": 2, "type": "hiding", "name": "", "query": "([PRICE_VAT] > 10000)", "selected": False,
             "by_else": False, "hidden": False, "error": None, "changes": []},
        ]}

    def test_the_trace_of_an_unknown_product_is_404(self, api: Api, world: World) -> None:
        missing = call(api, world, "GET", f"/projects/{world.project_id}/products/NO-SUCH/trace")

        assert (missing.status_code, missing.json()) == (404, {
            "code": "product_not_found", "message": "the project's feed has no product with id 'NO-SUCH'",
            "problems": []})

    def test_a_preview_counts_what_a_draft_would_hide(self, api: Api, world: World) -> None:
        draft = [RULES[0], {"type": "hiding", "query": "[PRICE_VAT] > 1000"}]

        report = ok(call(api, world, "POST", f"/projects/{world.project_id}/preview", json={"rules": draft}))

        expensive = [p.id for p in SAMPLE_PRODUCTS if p.price > 1000]  # r2 (above 10000) hides none of them now
        assert (report["products"], report["newly_hidden"], report["newly_shown"], report["newly_hidden_ids"],
                report["newly_shown_ids"]) == (len(SAMPLE_PRODUCTS), len(expensive), 0, expensive, [])

    def test_a_preview_without_the_rewrite_changes_every_name_back(self, api: Api, world: World) -> None:
        report = ok(call(api, world, "POST", f"/projects/{world.project_id}/preview", json={"rules": []}))

        assert (report["changed_products"], report["newly_hidden"], report["newly_shown"]) == (
            len(SAMPLE_PRODUCTS), 0, 0)
        assert [(e["element"], e["products"]) for e in report["elements"]] == [("PRODUCTNAME", len(SAMPLE_PRODUCTS))]
        sample = report["elements"][0]["samples"][0]
        first = SAMPLE_PRODUCTS[0]
        assert sample == {"id": first.id, "before": [f"{first.manufacturer} {first.name}"], "after": [first.name]}

    def test_a_preview_of_an_exports_own_draft_rules_runs_after_the_shared_rules(self, api: Api, world: World) -> None:
        draft = [{"type": "rewriting", "element": "PRODUCTNAME", "value": "%PRODUCTNAME% [H]"}]
        body = {"rules": draft, "export": "heureka"}

        report = ok(call(api, world, "POST", f"/projects/{world.project_id}/preview", json=body))

        assert report["changed_products"] == len(SAMPLE_PRODUCTS)  # the export has no rules of its own yet
        first = SAMPLE_PRODUCTS[0]
        sample = report["elements"][0]["samples"][0]
        assert sample == {"id": first.id, "before": [f"{first.manufacturer} {first.name}"],  # the shared rewrite
                          "after": [f"{first.manufacturer} {first.name} [H]"]}
        unknown = call(api, world, "POST", f"/projects/{world.project_id}/preview", json={**body, "export": "nope"})
        assert unknown.status_code == 422 and "the project has no export 'nope'" in unknown.json()["message"]

    def test_saved_queries_are_counted(self, api: Api, world: World) -> None:
        counted = ok(call(api, world, "GET", f"/projects/{world.project_id}/queries"))

        assert counted == {"products": len(SAMPLE_PRODUCTS), "items": [
            {"name": "expensive", "query": "[PRICE_VAT] > 1000",
             "products": sum(1 for p in SAMPLE_PRODUCTS if p.price > 1000), "warnings": []}]}

    def test_a_saved_query_that_selects_nothing_names_the_element_no_product_has(self, api: Api, world: World) -> None:
        from accounts import edit_project
        from accounts.db import make_session_factory

        with make_session_factory(api.engine).begin() as session:
            edit_project(session, session.merge(world.users["owner"]), world.project_id, lambda spec: spec.model_copy(
                update={"queries": {**spec.queries, "typo": "[PRICE] > 1000", "none": "[PRICE_VAT] > 99999999"}}))

        items = {i["name"]: i for i in ok(call(api, world, "GET", f"/projects/{world.project_id}/queries"))["items"]}

        assert (items["typo"]["products"], items["typo"]["warnings"]) == (
            0, ["no product has an element PRICE; did you mean PRICE_VAT?"])
        assert (items["none"]["products"], items["none"]["warnings"]) == (0, [])  # 0 is the answer there


class TestIdempotencyKey:
    def create(self, api: Api, world: World, kind: str, key: str, name: str) -> httpx.Response:
        return call(api, world, "POST", "/shops", kind, json={"name": name}, headers={"Idempotency-Key": key})

    def test_a_repeated_write_is_answered_from_the_first_and_happens_once(self, api: Api, world: World) -> None:
        first = self.create(api, world, "owner", "create-shop-1", "Jednou")
        again = self.create(api, world, "owner", "create-shop-1", "Jednou")

        assert (again.status_code, again.json()) == (first.status_code, first.json()) == (201, first.json())
        assert (first.headers.get("idempotency-replayed"), again.headers.get("idempotency-replayed")) == (None, "true")
        assert shop_names(api, world, "owner").count("Jednou") == 1

    def test_the_same_key_with_another_body_is_refused(self, api: Api, world: World) -> None:
        self.create(api, world, "owner", "create-shop-1", "Jednou")

        refused = self.create(api, world, "owner", "create-shop-1", "Podruhé")

        assert (refused.status_code, refused.json()) == (422, {
            "code": "idempotency_key_reused",
            "message": "the Idempotency-Key 'create-shop-1' was used for a different request; use a new key",
            "problems": []})
        assert "Podruhé" not in shop_names(api, world, "owner")

    def test_keys_of_different_callers_are_independent(self, api: Api, world: World) -> None:
        mine = self.create(api, world, "owner", "create-shop-1", "Jednou")

        theirs = self.create(api, world, "write", "create-shop-1", "Jednou")

        assert (theirs.status_code, theirs.headers.get("idempotency-replayed")) == (201, None)
        assert theirs.json()["id"] != mine.json()["id"]
        assert shop_names(api, world, "write").count("Jednou") == 1


class TestErrorBodies:
    def test_an_unknown_route(self, api: Api, world: World) -> None:
        missing = call(api, world, "GET", "/no-such-thing")

        assert (missing.status_code, missing.json()) == (
            404, {"code": "not_found", "message": "Not Found", "problems": []})

    def test_a_wrong_method_names_the_allowed_ones(self, api: Api, world: World) -> None:
        wrong = call(api, world, "DELETE", "/me")

        assert (wrong.status_code, wrong.json(), wrong.headers.get("allow")) == (
            405, {"code": "method_not_allowed", "message": "Method Not Allowed", "problems": []}, "GET")

    def test_an_invalid_body_names_the_field(self, api: Api, world: World) -> None:
        invalid = call(api, world, "POST", f"/shops/{world.shop_id}/invitations", json={"email": "x@example.com"})

        assert (invalid.status_code, invalid.json()) == (422, {
            "code": "invalid_request", "message": "level: Field required",
            "problems": [{"message": "Field required", "field": "level"}]})

    def test_a_spec_of_invalid_fields_lists_each_problem_once(self, api: Api, world: World) -> None:
        spec = {"source": "https://shop.example.com/feed.xml", "max_drop_ratio": 7,
                "exports": [{"name": "x", "format": "nope", "uri": "file:///tmp/x.xml"}]}

        refused = call(api, world, "POST", f"/shops/{world.shop_id}/projects", json={"name": "Q", "spec": spec})

        assert (refused.status_code, refused.json()["code"]) == (422, "config_error")
        assert [p["message"] for p in refused.json()["problems"]] == [
            "invalid project spec: exports.0.format: unknown format 'nope'; known formats: csv, google,"
            " google-atom, heureka, mergado, meta, meta-csv, mirakl-offers, template, tsv, xml, zbozi",
            "invalid project spec: max_drop_ratio: Input should be less than or equal to 1",
        ]

    def test_a_spec_with_several_problems_lists_them_all(self, api: Api, world: World) -> None:
        spec = {"source": "https://shop.example.com/feed.xml",
                "rules": [{"type": "nope"}, {"type": "hiding", "query": "[PRICE_VAT >"}],
                "exports": [{"name": "x", "format": "heureka", "uri": "ftp://host/x.xml"}]}

        refused = call(api, world, "POST", f"/shops/{world.shop_id}/projects", json={"name": "Q", "spec": spec})

        assert (refused.status_code, refused.json()["code"]) == (422, "config_error")
        problems = refused.json()["problems"]
        assert [(p.get("rule"), p["message"].split(":")[0]) for p in problems] == [
            (None, "export 'x'"), (1, "rule 1 (nope)"), (2, "rule 2 (hiding)")]
        assert refused.json()["message"] == "; ".join(p["message"] for p in problems)
        assert ok(call(api, world, "GET", f"/shops/{world.shop_id}/projects"))["items"] == [
            {"id": world.project_id, "shop_id": world.shop_id, "name": "Heureka", "revision": 1}]


@pytest.fixture(scope="module")
def strict_api(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An app whose shops may send 2 invitations an hour (FEEDHUB_INVITATIONS_PER_SHOP_HOUR)."""
    port = free_port()
    settings = Settings(data_dir=tmp_path_factory.mktemp("strict"), database_url=db_url,
                        base_url=f"http://127.0.0.1:{port}", invitations_per_shop_hour=2)
    app = create_app(settings, mailer=MemoryMailer(), launch_run=lambda project_id, requested_by: "not started")
    with serving(app, port):
        yield settings.base_url


class TestInvitations:
    def test_over_the_shops_hourly_limit_invitations_answer_429_with_retry_after(
        self, strict_api: str, world: World
    ) -> None:
        invitations = f"{P}/shops/{world.shop_id}/invitations"
        with httpx.Client(base_url=strict_api, headers=world.as_("owner"), timeout=30) as client:
            second = client.post(invitations, json={"email": "outsider@example.com", "level": "read"})  # the world's
            # invitation of invitee@ was the first
            again = client.post(invitations, json={"email": "outsider@example.com", "level": "write"})
            resent = client.post(f"{invitations}/{world.invitation_id}/resend")

        assert second.status_code == 201, second.text
        for refused in (again, resent):
            assert (refused.status_code, refused.json()["code"]) == (429, "invitations_throttled")
            assert re.fullmatch(r"this shop has reached its limit of 2 invitations an hour; the next can go out in "
                                r"\d+ minutes", refused.json()["message"])
            assert 0 < int(refused.headers["retry-after"]) <= 3600

    def test_a_refused_acceptance_is_in_the_shops_audit_log(self, api: Api, world: World) -> None:
        sent = ok(call(api, world, "POST", f"/shops/{world.shop_id}/invitations",
                       json={"email": "outsider@example.com", "level": "read"}), 201)
        (message,) = api.mailer.messages
        token = re.search(r"/invitations/(\S+)", message.get_content())
        assert token

        refused = call(api, world, "POST", "/invitations/accept", "write", json={"token": token.group(1)})

        assert (refused.status_code, refused.json()["code"]) == (400, "invitation_wrong_account")
        entries = ok(call(api, world, "GET", f"/shops/{world.shop_id}/audit"))["items"]
        assert [(e["actor"], e["action"], e["details"]) for e in entries[-1:]] == [
            ("write@example.com", "invitation.refused",
             {"invitation_id": sent["id"], "email": "outsider@example.com", "reason": "wrong account"})]
        assert token.group(1) not in json.dumps(entries)


class TestProjectSources:
    def test_a_source_on_the_servers_own_network_is_refused_when_saved_unless_runs_may_fetch_it(
        self, api: Api, world: World, private_sources_api: str
    ) -> None:
        spec = {"source": "http://169.254.169.254/latest/meta-data/", "exports": []}

        created = call(api, world, "POST", f"/shops/{world.shop_id}/projects", json={"name": "Q", "spec": spec})
        updated = call(api, world, "PUT", f"/projects/{world.project_id}", json={"spec": spec})
        with httpx.Client(base_url=private_sources_api, timeout=30) as client:  # FEEDHUB_ALLOW_PRIVATE_SOURCES
            allowed = client.post(f"{P}/shops/{world.shop_id}/projects", json={"name": "Q", "spec": spec},
                                  headers=world.as_("owner"))

        for refused in (created, updated):
            assert (refused.status_code, refused.json()["code"]) == (422, "config_error")
            assert [p["message"] for p in refused.json()["problems"]] == [
                "source http://169.254.169.254/latest/meta-data/ resolves to 169.254.169.254, a private or reserved"
                " address; refused (hint: feeds come from public addresses; FEEDHUB_ALLOW_PRIVATE_SOURCES=true allows"
                " others)"]
        assert len(ok(call(api, world, "GET", f"/projects/{world.project_id}/revisions"))["items"]) == 1
        assert ok(allowed, 201)["spec"]["source"] == spec["source"]


def log_in(client: httpx.Client, email: str = "owner@example.com", password: str = PASSWORD) -> httpx.Response:
    return client.post(f"{P}/auth/login", json={"email": email, "password": password})


def session_cookie(response: httpx.Response) -> dict[str, Any]:
    """The session cookie a response sets: its value and attributes."""
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    morsel = cookie["feedhub_session"]
    return {"value": morsel.value, "path": morsel["path"], "httponly": morsel["httponly"],
            "samesite": morsel["samesite"], "secure": morsel["secure"]}


class TestLogin:
    @pytest.mark.parametrize("email", ["owner@example.com", "nobody@example.com"])
    def test_the_sixth_wrong_password_in_a_row_is_throttled(self, api: Api, world: World, email: str) -> None:
        with api.client() as client:
            failed = [log_in(client, email, "wrong password") for _ in range(5)]
            throttled = log_in(client, email, "wrong password")

        assert {(r.status_code, r.json()["code"]) for r in failed} == {(401, "invalid_credentials")}
        retry = throttled.headers.get("retry-after")
        assert (throttled.status_code, retry, throttled.json()) == (429, "1", {
            "code": "login_throttled", "message": "too many failed logins; try again in 1 seconds", "problems": []})

    def test_the_right_password_is_throttled_too(self, api: Api, world: World) -> None:
        with api.client() as client:
            for _ in range(5):
                log_in(client, password="wrong password")
            throttled = log_in(client)

        assert (throttled.status_code, throttled.json()["code"]) == (429, "login_throttled")
        assert "feedhub_session" not in throttled.headers.get("set-cookie", "")

    def test_the_session_cookie_is_http_only_and_same_site_lax_without_secure_on_http(
        self, api: Api, world: World
    ) -> None:
        with api.client() as client:
            cookie = session_cookie(log_in(client))

        assert {**cookie, "value": "..."} == {"value": "...", "path": "/", "httponly": True, "samesite": "lax",
                                              "secure": ""}

    def test_each_login_gets_a_new_session(self, api: Api, world: World) -> None:
        with api.client() as client:
            first = session_cookie(log_in(client))["value"]
            second = session_cookie(log_in(client))["value"]

        assert first != second

    def test_logout_ends_the_session(self, api: Api, world: World) -> None:
        with api.client() as client:
            csrf = log_in(client).json()["csrf_token"]
            cookie = client.cookies["feedhub_session"]
            assert client.post(f"{P}/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204

        with api.client() as stolen:
            after = stolen.get(f"{P}/me", headers={"Cookie": f"feedhub_session={cookie}"})

        assert (after.status_code, after.json()["code"]) == (401, "unauthenticated")

    def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(self, api: Api, world: World) -> None:
        with api.client() as here, api.client() as elsewhere:
            csrf = log_in(here).json()["csrf_token"]
            log_in(elsewhere)
            changed = here.put(f"{P}/me/password", headers={"X-CSRF-Token": csrf},
                               json={"old_password": PASSWORD, "new_password": "a new secret"})
            assert changed.status_code == 200, changed.text

            assert elsewhere.get(f"{P}/me").status_code == 401
            assert here.get(f"{P}/me").json()["email"] == "owner@example.com"
            assert here.post(f"{P}/shops", json={"name": "Po změně"},
                             headers={"X-CSRF-Token": changed.json()["csrf_token"]}).status_code == 201
            assert (log_in(elsewhere).status_code, log_in(elsewhere, password="a new secret").status_code) == (401, 200)

    def test_a_cookie_write_needs_the_csrf_token(self, api: Api, world: World) -> None:
        with api.client() as client:
            csrf = log_in(client).json()["csrf_token"]
            missing = client.post(f"{P}/shops", json={"name": "Bez tokenu"})
            wrong = client.post(f"{P}/shops", json={"name": "Bez tokenu"}, headers={"X-CSRF-Token": "0" * 64})
            right = client.post(f"{P}/shops", json={"name": "S tokenem"}, headers={"X-CSRF-Token": csrf})

        refusal = {"code": "csrf_failed", "message": "missing or wrong CSRF token (send the x-csrf-token header)",
                   "problems": []}
        assert [(r.status_code, r.json()) for r in (missing, wrong)] == [(403, refusal)] * 2
        assert right.status_code == 201
        assert shop_names(api, world, "owner") == ["Kola s.r.o.", "S tokenem"]

    def test_a_bearer_write_needs_no_csrf_token(self, api: Api, world: World) -> None:
        created = call(api, world, "POST", "/shops", json={"name": "Přes token"})

        assert created.status_code == 201
        assert shop_names(api, world, "owner") == ["Kola s.r.o.", "Přes token"]


class TestTemplateExports:
    """A custom template is part of an export in the project spec: checked whole when saved, every problem named
    with its export, and returned as it was saved."""

    TEMPLATE = {"kind": "xml", "root": "SHOP", "item": "ITEM", "elements": [
        {"name": "ID", "path": "ITEM_ID"}, {"name": "PRICE", "expr": "format_number(PRICE_VAT, 2)"}]}

    def spec_with(self, api: Api, world: World, **export: Any) -> dict[str, Any]:
        spec = ok(call(api, world, "GET", f"/projects/{world.project_id}"))["spec"]
        spec["exports"][0].update(export)
        return spec

    def test_a_template_export_is_saved_and_returned_as_sent(self, api: Api, world: World) -> None:
        spec = self.spec_with(api, world, format="template", template=self.TEMPLATE)

        saved = ok(call(api, world, "PUT", f"/projects/{world.project_id}", json={"spec": spec}))

        assert saved["spec"]["exports"][0]["template"] == self.TEMPLATE
        current = ok(call(api, world, "GET", f"/projects/{world.project_id}"))["spec"]["exports"][0]
        assert (current["format"], current["template"]) == ("template", self.TEMPLATE)

    def test_every_problem_of_a_template_is_a_problem_of_its_own_naming_the_export(
        self, api: Api, world: World
    ) -> None:
        template = {**self.TEMPLATE, "item": "1TEM", "elements": [
            {"name": "ID", "path": "ITEM_ID", "text": "x"}, {"name": "g:PRICE", "expr": "price(PRICE_VAT, )"}]}
        spec = self.spec_with(api, world, format="template", template=template, currency="EUR")

        refused = call(api, world, "PUT", f"/projects/{world.project_id}", json={"spec": spec})

        assert (refused.status_code, refused.json()["code"]) == (422, "config_error")
        problems = refused.json()["problems"]
        assert {p.get("export") for p in problems} == {"heureka"}
        assert [p["message"].split(": ", 2)[1] for p in problems] == [
            "template > item", 'template > elements[0] "ID"', 'template > elements[1] "g:PRICE" > expr',
            'template > elements[1] "g:PRICE" > name', "currency is a channel default and does nothing for a template"]
        assert len(ok(call(api, world, "GET", f"/projects/{world.project_id}/revisions"))["items"]) == 1

    @pytest.mark.parametrize(("export", "message"), [
        ({"format": "template"}, "invalid project spec: exports.0: format 'template' needs a template"),
        ({"template": TEMPLATE}, "invalid project spec: exports.0: a template is written by format 'template', "
                                 "not 'heureka'"),
        ({"format": "template", "template": "{}"}, "invalid project spec: exports.0.template: Input should be a "
                                                    "valid dictionary"),
    ])  # fmt: skip
    def test_a_format_and_template_that_do_not_go_together_are_refused(
        self, export: dict[str, Any], message: str, api: Api, world: World
    ) -> None:
        refused = call(api, world, "PUT", f"/projects/{world.project_id}",
                       json={"spec": self.spec_with(api, world, **export)})
        assert refused.status_code == 422
        assert [p["message"] for p in refused.json()["problems"]] == [message]
