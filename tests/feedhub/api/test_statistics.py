"""A shop's statistics page, its CSV and its API: the charts drawn from the rows inserted here (points, bars,
escaped labels), the CSV number by number, who may look, and the link on "my shops"."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import httpx
import pytest

from accounts import create_project
from accounts.db import make_session_factory
from accounts.published import ExportDownload, ensure_links
from accounts.runs import RunOutcome, RunStatus, finish_run, start_run
from accounts.types import utcnow
from feeds.project import ExportSpec, ProjectSpec
from tests.feedhub.api.conftest import Api, World

SVG = "{http://www.w3.org/2000/svg}"
NAME = 'Bikes <script>alert("x")</script> & Co'
REASON = "<b>PRODUCTNAME</b> 'x' is odd"  # a reason quoting a feed's value: markup must stay text
RUNS = [  # products_in, products_out, invalid heureka, invalid google, seconds
    (100, 90, 3, 5, 12.5),
    (110, 95, 4, 0, 8.0),
    (120, 100, 7, 2, 20.25),
]
DOWNLOADS = {1: {"heureka": 3, "google": 1}, 3: {"heureka": 2}}  # days ago -> export -> downloads


@dataclass(frozen=True)
class Shown:
    """What the test inserted: the project, its runs (oldest first) and the days the downloads fell on."""

    project_id: int
    run_ids: list[int]
    started: list[datetime]


@pytest.fixture
def shown(api: Api, world: World) -> Shown:
    """A second project of the world's shop with three processed runs, invalid products and downloads."""
    with make_session_factory(api.engine)() as session:
        spec = ProjectSpec(source="https://shop.example.com/feed.xml", exports=[
            ExportSpec(name="heureka", format="heureka"), ExportSpec(name="google", format="google")])
        project = create_project(session, world.users["owner"], world.shop_id, name=NAME, spec=spec)
        runs = []
        for products_in, products_out, heureka, google, seconds in RUNS:
            run = start_run(session, project, revision=1, spec_sha256="", trigger="test", host="test")
            problems = [f"1: missing PRODUCTNAME; {REASON}", "2: missing PRODUCTNAME"][:heureka]
            exports = [{"name": "heureka", "invalid": heureka, "problems": problems},
                       {"name": "google", "invalid": google, "problems": []}]
            finish_run(session, run, RunOutcome(RunStatus.SUCCEEDED, products_in=products_in, products_out=products_out,
                                                report={"exports": exports}))
            run.seconds = seconds
            runs.append(run)
        links = ensure_links(session, project, ["heureka", "google"])
        for days_ago, counts in DOWNLOADS.items():
            noon = datetime.combine(utcnow().date() - timedelta(days=days_ago), time(12), tzinfo=utcnow().tzinfo)
            for export, count in counts.items():
                session.add_all(ExportDownload(link_id=links[export].id, at=noon, status=200) for _ in range(count))
        session.commit()
        return Shown(project.id, [run.id for run in runs], [run.started_at for run in runs])


def get(api: Api, world: World, kind: str, path: str, **headers: str) -> httpx.Response:
    with api.client() as client:
        return client.get(path, headers={**world.as_(kind), **headers})


def chart(html: str, chart_id: str) -> ET.Element:
    """The chart's SVG, parsed as XML (unescaped markup would not parse, or would add elements)."""
    found = re.search(rf'<svg id="{chart_id}".*?</svg>', html, re.DOTALL)
    assert found is not None, f"no chart {chart_id}"
    return ET.fromstring(found.group(0))


class TestPage:
    @pytest.mark.parametrize("kind", ["owner", "write", "read"])
    def test_every_member_sees_each_chart_with_a_point_or_bar_per_number(
        self, api: Api, world: World, shown: Shown, kind: str
    ) -> None:
        response = get(api, world, kind, f"/shops/{world.shop_id}/statistics")
        assert response.status_code == 200
        ident = f"p{shown.project_id}"
        products = chart(response.text, f"{ident}-products")
        series = products.findall(f"{SVG}g[@class='series']")
        assert [s.get("data-series") for s in series] == [
            "products in", "products out", "hidden by rules", "invalid for google", "invalid for heureka"]
        assert [len(s.findall(f"{SVG}circle")) for s in series] == [3] * 5
        assert [c.findtext(f"{SVG}title") for c in series[2].findall(f"{SVG}circle")] == [
            f"hidden by rules, {at:%Y-%m-%d %H:%M}: {products_in - products_out}"
            for at, (products_in, products_out, *_) in zip(shown.started, RUNS, strict=True)]
        durations = chart(response.text, f"{ident}-durations")
        assert [r.findtext(f"{SVG}title") for r in durations.findall(f"{SVG}rect")] == [
            f"{at:%Y-%m-%d %H:%M}: {seconds}" for at, seconds in zip(shown.started, ["12.5", "8", "20.2"], strict=True)]
        downloads = chart(response.text, f"{ident}-downloads")
        assert [len(s.findall(f"{SVG}circle")) for s in downloads.findall(f"{SVG}g[@class='series']")] == [30, 30]
        # the world's own project ran once without processing anything: a duration, no other chart
        assert len(chart(response.text, f"p{world.project_id}-durations").findall(f"{SVG}rect")) == 1
        assert f'id="p{world.project_id}-products"' not in response.text

    def test_reasons_of_the_newest_run_with_what_the_report_does_not_itemise(
        self, api: Api, world: World, shown: Shown
    ) -> None:
        html = get(api, world, "read", f"/shops/{world.shop_id}/statistics").text
        bars = chart(html, f"p{shown.project_id}-problems-1").findall(f"{SVG}g[@class='bar']")
        # newest run: 7 invalid, two itemised (both missing PRODUCTNAME, one also the odd one), 5 not itemised
        assert [bar.findtext(f"{SVG}title") for bar in bars] == [
            "missing PRODUCTNAME: 2", "<b>PRODUCTNAME</b> is odd: 1", "not itemised in the run report: 5"]
        assert f'id="p{shown.project_id}-problems-0"' in html  # google: 2 invalid, none itemised
        assert len(chart(html, f"p{shown.project_id}-problems-0").findall(f"{SVG}g[@class='bar']")) == 1

    def test_labels_from_people_and_feeds_are_escaped_everywhere(self, api: Api, world: World, shown: Shown) -> None:
        html = get(api, world, "read", f"/shops/{world.shop_id}/statistics").text
        assert "<script>" not in html and "<b>PRODUCTNAME" not in html
        assert "Bikes &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in html
        assert "&lt;b&gt;PRODUCTNAME&lt;/b&gt; is odd" in html
        desc = chart(html, f"p{shown.project_id}-products").findtext(f"{SVG}desc")
        assert desc is not None and NAME in desc  # the parsed text is the name itself: escaped once, not twice

    def test_each_chart_is_named_and_has_a_table_of_its_numbers(self, api: Api, world: World, shown: Shown) -> None:
        html = get(api, world, "read", f"/shops/{world.shop_id}/statistics").text
        products = chart(html, f"p{shown.project_id}-products")
        ident = f"p{shown.project_id}-products"
        assert (products.get("role"), products.get("aria-labelledby")) == ("img", f"{ident}-title {ident}-desc")
        assert products.findtext(f"{SVG}title") == "Products in, out, hidden and invalid"
        rows = re.findall(r"<tr><th scope=\"row\">([^<]*)</th>((?:<td>[^<]*</td>)+)</tr>", html)
        cells = {(head, tuple(re.findall(r"<td>([^<]*)</td>", tail))) for head, tail in rows}
        for at, (products_in, products_out, heureka, google, seconds) in zip(shown.started, RUNS, strict=True):
            label = f"{at:%Y-%m-%d %H:%M}"
            numbers = (products_in, products_out, products_in - products_out, google, heureka)
            assert (label, tuple(str(n) for n in numbers)) in cells
            assert (label, (str(seconds),)) in cells

    def test_in_czech(self, api: Api, world: World, shown: Shown) -> None:
        html = get(api, world, "read", f"/shops/{world.shop_id}/statistics", **{"Accept-Language": "cs"}).text
        assert "Statistiky: Kola s.r.o." in html and "Délka spuštění" in html and "neplatné pro heureka" in html


class TestCsv:
    def test_every_number_of_the_page_once(self, api: Api, world: World, shown: Shown) -> None:
        response = get(api, world, "read", f"/shops/{world.shop_id}/statistics.csv")
        assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
        assert f'filename="shop-{world.shop_id}-statistics.csv"' in response.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(response.text)))
        mine = [row for row in rows if row["project_id"] == str(shown.project_id)]
        assert {row["project"] for row in mine} == {NAME}
        expected = []
        for run_id, at, (products_in, products_out, heureka, google, _seconds) in zip(
                shown.run_ids, shown.started, RUNS, strict=True):
            for series, value in (("products_in", products_in), ("products_out", products_out),
                                  ("hidden", products_in - products_out), ("invalid:google", google),
                                  ("invalid:heureka", heureka)):
                expected.append(("products", series, str(run_id), at.isoformat(), "", str(value)))
        for run_id, at, (*_, seconds) in zip(shown.run_ids, shown.started, RUNS, strict=True):
            expected.append(("durations", "seconds", str(run_id), at.isoformat(), "", str(seconds)))
        newest = str(shown.run_ids[-1])
        expected += [("problems", "google", newest, "", "(not itemised in the run report)", "2"),
                     ("problems", "heureka", newest, "", "missing PRODUCTNAME", "2"),
                     ("problems", "heureka", newest, "", "<b>PRODUCTNAME</b> is odd", "1"),
                     ("problems", "heureka", newest, "", "(not itemised in the run report)", "5")]
        columns = ("chart", "series", "run_id", "at", "label", "value")
        assert [tuple(row[c] for c in columns) for row in mine if row["chart"] != "downloads"] == expected
        downloads = {(row["series"], row["at"]): int(row["value"]) for row in mine if row["chart"] == "downloads"}
        assert len(downloads) == 60 and sum(downloads.values()) == 6
        today = utcnow().date()
        for days_ago, counts in DOWNLOADS.items():
            for export, count in counts.items():
                assert downloads[(export, (today - timedelta(days=days_ago)).isoformat())] == count
        world_rows = [row for row in rows if row["project_id"] == str(world.project_id)]
        assert [(row["chart"], row["series"]) for row in world_rows] == [("durations", "seconds")] + [
            ("downloads", "heureka")] * 30

    def test_a_name_a_spreadsheet_would_run_is_defused(self, api: Api, world: World) -> None:
        with make_session_factory(api.engine)() as session:
            project = create_project(session, world.users["owner"], world.shop_id, name="=HYPERLINK(1)",
                                     spec=ProjectSpec(source="https://shop.example.com/feed.xml"))
            run = start_run(session, project, revision=1, spec_sha256="", trigger="test", host="test")
            finish_run(session, run, RunOutcome(RunStatus.SUCCEEDED))
            session.commit()
            project_id = project.id
        rows = list(csv.DictReader(io.StringIO(get(api, world, "read", f"/shops/{world.shop_id}/statistics.csv").text)))
        assert {row["project"] for row in rows if row["project_id"] == str(project_id)} == {"'=HYPERLINK(1)"}


class TestAccess:
    @pytest.mark.parametrize("path", ["/shops/{}/statistics", "/shops/{}/statistics.csv"])
    def test_an_outsider_gets_what_a_missing_shop_gives(self, api: Api, world: World, path: str) -> None:
        refused = get(api, world, "outsider", path.format(world.shop_id))
        missing = get(api, world, "outsider", path.format(world.shop_id + 1000))
        assert refused.status_code == missing.status_code == 404
        assert refused.text == re.sub(rf"(?<!\d){world.shop_id + 1000}(?!\d)", str(world.shop_id), missing.text)
        assert "Kola" not in refused.text

    def test_anonymous_people_are_sent_to_log_in_and_back(self, api: Api, world: World) -> None:
        response = get(api, world, "anonymous", f"/shops/{world.shop_id}/statistics")
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next=/shops/{world.shop_id}/statistics"

    def test_my_shops_links_each_shops_statistics(self, api: Api, world: World) -> None:
        html = get(api, world, "read", "/").text
        assert f'<a href="/shops/{world.shop_id}/statistics" aria-label="Statistics of Kola s.r.o.">' in html


class TestApi:
    def test_the_same_numbers_as_json(self, api: Api, world: World, shown: Shown) -> None:
        body = get(api, world, "read", f"/api/v1/shops/{world.shop_id}/statistics").json()
        [project] = [p for p in body["projects"] if p["project_id"] == shown.project_id]
        assert [(r["products_in"], r["products_out"], r["hidden"], r["invalid"]) for r in project["runs"]] == [
            (i, o, i - o, {"heureka": h, "google": g}) for i, o, h, g, _ in RUNS]
        assert [d["seconds"] for d in project["durations"]] == [seconds for *_, seconds in RUNS]
        assert project["problems"][1] == {
            "export": "heureka", "run_id": shown.run_ids[-1], "invalid": 7, "unlisted": 5,
            "reasons": [{"reason": "missing PRODUCTNAME", "products": 2},
                        {"reason": "<b>PRODUCTNAME</b> is odd", "products": 1}]}
        per_day = {d["export"]: dict(zip(body["days"], d["per_day"], strict=True)) for d in project["downloads"]}
        today = utcnow().date()
        assert per_day["heureka"][(today - timedelta(days=1)).isoformat()] == 3
        assert sum(per_day["google"].values()) == 1
