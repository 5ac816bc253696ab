"""check_spec: what a run of a spec, or the scheduler, would refuse is refused before it is saved, every
problem at once, with the server's limits given as plain values (no settings, no database)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from accounts.project_checks import SpecLimits, check_spec
from feeds.errors import ConfigError
from feeds.project import ProjectSpec

SAMPLE = Path(__file__).resolve().parents[2] / "sample_feeds" / "heureka_cz_params_delivery.xml"
FEED_URL = "https://shop.test/feed.xml"


def make_spec(**fields: Any) -> ProjectSpec:
    return ProjectSpec.model_validate({"source": FEED_URL, **fields})


def problems(spec: ProjectSpec, limits: SpecLimits, shop_id: int = 1) -> list[str]:
    """Every problem check_spec names, or [] when it accepts the spec."""
    try:
        check_spec(spec, shop_id=shop_id, limits=limits)
    except ConfigError as exc:
        return exc.problems
    return []


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Shop 1's publish folder, with a file and a pipe where a target would want folders."""
    folder = tmp_path / "exports" / "1"
    folder.mkdir(parents=True)
    (folder / "blocker").write_text("")
    os.mkfifo(folder / "pipe")
    return folder


@pytest.fixture
def limits(tmp_path: Path) -> SpecLimits:
    """A server that reads local files and gives every shop a publish folder of its own."""
    return SpecLimits(allow_local=True, exports_dir=tmp_path / "exports" / "{shop}")


def export(name: str, uri: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "format": "heureka", "uri": uri, **fields}


def filled(value: Any, out: Path) -> Any:
    """A table entry with `{out}` (the folder) and `{uri}` (its file:// URI) filled in."""
    if isinstance(value, str):
        return value.replace("{uri}", out.as_uri()).replace("{out}", str(out))
    if isinstance(value, list):
        return [filled(item, out) for item in value]
    if isinstance(value, dict):
        return {key: filled(item, out) for key, item in value.items()}
    return value


class TestCheckSpec:
    def test_a_spec_a_run_can_carry_out_passes(self, out: Path, limits: SpecLimits) -> None:
        spec = make_spec(
            source=str(SAMPLE),
            exports=[export("h", (out / "h.xml").as_uri()), export("g", (out / "g.xml.gz").as_uri(), gzip=True)],
            rules=[{"type": "hiding", "query": 'ITEM_ID = "1"'}],
        )
        assert problems(spec, limits) == []

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"source": ""}, "the source is empty: give a feed URL"),
            ({"source": "feed\x00.xml"}, "the source contains a NUL character"),
            ({"source": "ftp://shop.test/feed.xml"}, "unsupported source"),
            ({"source": "{out}/missing.xml"}, "missing.xml': no such file"),
            ({"source": "{out}"}, "': not a regular file"),
            ({"source": "{out}/pipe"}, "pipe': not a regular file"),  # reading it would block the save
            ({"source_format": "nosuch"}, "unknown source format 'nosuch'; known: "),
            ({"exports": [export("a", "{uri}/a.xml"), export("a", "{uri}/b.xml")]}, "two exports are named 'a'"),
            ({"exports": [export("a", "{uri}/a.xml"), export("b", "{uri}/./a.xml")]}, "two exports publish to "),
            ({"exports": [export("a", "{uri}/a.xml", gzip=True)]}, "gzip is true but its URI does not end in .gz"),
            ({"exports": [export("a", "{uri}")]}, "is a folder; name a file in it"),
            ({"exports": [export("a", "{uri}/blocker/a.xml")]}, "blocker' is a file, not a folder"),
            ({"exports": [export("a", "file:///etc/a.xml")]}, "FEEDHUB_EXPORTS_DIR"),
            ({"rules": [{"type": "nosuch"}]}, "rule 1 (nosuch): unknown rule type"),
            ({"rules": [{"type": "data_import", "source": "{out}/stock.csv", "key": "ITEM_ID"}]},
             "stock.csv': no such file"),
            ({"exports": [export("h", "{uri}/h.xml", rules=[{"type": "nosuch"}])]},
             "export 'h': rule 1 (nosuch): unknown rule type"),
            ({"exports": [export("h", "{uri}/h.xml", rules=[
                {"type": "rewriting", "element": "N", "value": "x", "query": "GROUP_COUNT() > 1"}])]},
             "export 'h': rule 1 (rewriting): group functions (GROUP_*) work in the project's shared rules only"),
            ({"exports": [export("h", "{uri}/h.xml", rules=[
                {"type": "data_import", "source": "{out}/prices.csv", "key": "ITEM_ID"}])]},
             "prices.csv': no such file"),
        ],
    )  # fmt: skip
    def test_what_a_run_would_refuse_is_named(
        self, fields: dict[str, Any], expected: str, out: Path, limits: SpecLimits
    ) -> None:
        found = problems(make_spec(**filled(fields, out)), limits)
        assert len(found) == 1 and expected in found[0], found

    def test_every_problem_is_named_at_once(self, out: Path, limits: SpecLimits) -> None:
        spec = make_spec(
            source="",
            exports=[export("a", "file:///etc/a.xml"), export("b", (out / "b.xml").as_uri(), gzip=True)],
            rules=[{"type": "nosuch"}],
        )
        found = problems(spec, limits)
        assert found[0] == "the source is empty: give a feed URL"
        assert found[1] == "export 'b': gzip is true but its URI does not end in .gz"
        assert found[2].startswith("export 'a': publish target 'file:///etc/a.xml' is outside")
        assert found[3].startswith("rule 1 (nosuch)")
        assert len(found) == 4

    def test_local_files_are_refused_unless_the_server_allows_them(self, out: Path) -> None:
        rules = [{"type": "data_import", "source": str(out / "stock.csv"), "key": "ITEM_ID"}]
        found = problems(make_spec(source=str(SAMPLE), rules=rules), SpecLimits(allow_local=False))
        assert [p.split(" is a path")[0] for p in found] == [
            f"source {str(SAMPLE)!r}",
            f"data file {str(out / 'stock.csv')!r}",  # looked up only where local files are allowed
        ]
        assert all("FEEDHUB_ALLOW_LOCAL_SOURCES" in p for p in found)

    def test_a_source_larger_than_a_run_reads_is_refused_unlooked_at(self, out: Path) -> None:
        limits = SpecLimits(allow_local=True, max_source_bytes=100)
        assert problems(make_spec(source=str(SAMPLE)), limits) == [
            f"source {str(SAMPLE)!r}: larger than 100 bytes"
        ]

    def test_each_shop_publishes_only_in_its_own_folder(self, out: Path, limits: SpecLimits) -> None:
        spec = make_spec(exports=[export("a", (out / "a.xml").as_uri())])
        assert problems(spec, limits, shop_id=1) == []
        (refused,) = problems(spec, limits, shop_id=2)
        assert refused.startswith(f"export 'a': publish target {(out / 'a.xml').as_uri()!r} is outside")

    def test_s3_exports_lie_under_the_shops_prefix(self) -> None:
        limits = SpecLimits(s3_prefixes=("s3://feeds/shop-{shop}/",))
        assert problems(make_spec(exports=[export("a", "s3://feeds/shop-7/a.xml")]), limits, shop_id=7) == []
        (refused,) = problems(make_spec(exports=[export("a", "s3://feeds/shop-8/a.xml")]), limits, shop_id=7)
        assert "outside this server's S3 publish prefixes (s3://feeds/shop-7/)" in refused

    @pytest.mark.parametrize(
        ("source", "address"),
        [
            ("http://127.0.0.1:8000/feed.xml", "127.0.0.1, a private or reserved address"),
            ("https://[::1]/feed.xml", "::1, a private or reserved address"),
            ("http://10.0.0.5/feed.xml", "10.0.0.5, a private or reserved address"),
            ("http://169.254.169.254/latest/meta-data", "169.254.169.254, a private or reserved address"),
            ("http://2130706433/feed.xml", "127.0.0.1, a private or reserved address"),  # as the resolver reads it
            ("http://0x7f.1/feed.xml", "127.0.0.1, a private or reserved address"),
            ("http://[::ffff:192.168.1.1]/feed.xml", "::ffff:c0a8:101, a private or reserved address"),
            ("http://localhost:8000/feed.xml", "a loopback address"),
            ("http://shop.localhost/feed.xml", "a loopback address"),  # RFC 6761: every name under localhost
        ],
    )
    def test_a_source_on_the_servers_own_network_is_refused_as_every_run_refuses_it(
        self, source: str, address: str
    ) -> None:
        hint = "(hint: feeds come from public addresses; FEEDHUB_ALLOW_PRIVATE_SOURCES=true allows others)"
        refusal = f"source {source} resolves to {address}; refused {hint}"
        assert problems(make_spec(source=source), SpecLimits()) == [refusal]
        assert problems(make_spec(source=source), SpecLimits(allow_private=True)) == []  # as runs then allow it

    @pytest.mark.parametrize(
        "source", ["https://shop.test/feed.xml", "http://1.1.1.1/feed.xml", "https://localhost.shop.test/feed.xml"]
    )
    def test_a_host_name_or_a_public_address_is_left_to_the_run_to_resolve(self, source: str) -> None:
        assert problems(make_spec(source=source), SpecLimits()) == []

    def test_a_source_url_names_no_user_and_no_query_in_the_refusal(self) -> None:
        (refused,) = problems(make_spec(source="http://me:secret@10.1.2.3/feed.xml?token=abc"), SpecLimits())
        assert refused.startswith("source http://10.1.2.3/feed.xml?… resolves to 10.1.2.3") and "secret" not in refused

    def test_a_host_no_resolver_takes_is_refused(self) -> None:
        for limits in (SpecLimits(), SpecLimits(allow_private=True)):  # a run fails on it either way
            assert problems(make_spec(source="http://shop..test/feed.xml"), limits) == [
                "source 'shop..test' is no host name: a part of it is empty or longer than 63 characters"
                " (hint: check the feed URL)"
            ]

    def test_a_local_path_longer_than_the_file_system_takes_is_a_problem_not_a_crash(self, out: Path) -> None:
        source = str(out / ("a" * 5000))
        limits = SpecLimits(allow_local=True)
        assert problems(make_spec(source=source), limits) == [
            f"source {source!r}: cannot be looked up: File name too long"
        ]

    def test_the_schedule_is_checked_by_the_schedulers_own_check(self) -> None:
        asked: list[tuple[str, str]] = []

        def scheduler(cron: str, timezone: str) -> str | None:
            asked.append((cron, timezone))
            return "never fires"

        spec = make_spec(schedule={"cron": "0 0 31 2 *", "timezone": "Europe/Prague"})
        assert problems(spec, SpecLimits(schedule_problem=scheduler)) == ["schedule: never fires"]
        assert asked == [("0 0 31 2 *", "Europe/Prague")]
        assert problems(spec, SpecLimits()) == []  # no scheduler check given: none made


def template_export(name: str, uri: str, template: Any, **fields: Any) -> dict[str, Any]:
    return {"name": name, "format": "template", "uri": uri, "template": template, **fields}


CSV_TEMPLATE = {"kind": "csv", "columns": [{"name": "id", "path": "ITEM_ID"}]}


class TestTemplateExports:
    def test_a_valid_template_export_passes(self, out: Path, limits: SpecLimits) -> None:
        spec = make_spec(exports=[template_export("mp", (out / "mp.csv").as_uri(), CSV_TEMPLATE)])
        assert problems(spec, limits) == []

    def test_every_problem_of_the_template_is_named_with_the_export_beside_the_others(
        self, out: Path, limits: SpecLimits
    ) -> None:
        template = {"kind": "csv", "delimiter": "#", "columns": [
            {"name": "id", "expr": "prise(PRICE_VAT)"}, {"name": "id", "path": "ITEM_ID"}, {"name": "x"}]}
        spec = make_spec(source="", exports=[template_export("mp", (out / "mp.csv").as_uri(), template)],
                         rules=[{"type": "nope"}])

        found = problems(spec, limits)

        assert found[0] == "the source is empty: give a feed URL"
        assert [p for p in found if p.startswith("export 'mp': template")] == [
            "export 'mp': template > columns[0] \"id\" > expr: unknown function 'prise'; known functions: add_days, "
            "capitalize, category, coalesce, concat, contains, count, days_between, ends_with, first, format_number, "
            "if, join, left, length, lower, matches, number, price, regex_replace, replace, round, split, "
            "starts_with, strip_html, take, today, trim, truncate, unique, upper, values at position 1 of "
            "'prise(PRICE_VAT)'",
            "export 'mp': template > columns[1] \"id\" > name: duplicate column name 'id' (also column 1)",
            "export 'mp': template > columns[2] \"x\": give exactly one of path, expr, text",
            "export 'mp': template > delimiter: Input should be ',', ';', '\\t' or '|'",
        ]
        assert found[-1].startswith("rule 1 (nope)")

    def test_a_template_that_is_not_an_object_is_named(self, out: Path, limits: SpecLimits) -> None:
        spec = make_spec(exports=[template_export("mp", (out / "mp.csv").as_uri(), {"columns": []})])
        assert problems(spec, limits) == ["export 'mp': template: kind must be 'xml' or 'csv'"]

    @pytest.mark.parametrize(("fields", "expected"), [
        ({"invalid": "keep"}, "export 'mp': invalid products cannot be kept: a template leaves out a product it "
                              "cannot write (choose drop or fail)"),
        ({"currency": "EUR"}, "export 'mp': currency is a channel default and does nothing for a template: write it "
                              "in the template"),
        ({"default_category": "Dárky"}, "export 'mp': default_category is a channel default"),
        ({"uri": "{uri}/mp.xml"}, "export 'mp': its template writes .csv but its URI ends in .xml"),
        ({"uri": "{uri}/mp.tsv.gz", "gzip": True}, "export 'mp': its template writes .csv but its URI ends in .tsv"),
    ])  # fmt: skip
    def test_what_a_template_export_cannot_honour_is_named(
        self, fields: dict[str, Any], expected: str, out: Path, limits: SpecLimits
    ) -> None:
        export = {**template_export("mp", (out / "mp.csv").as_uri(), CSV_TEMPLATE), **filled(fields, out)}
        (found,) = problems(make_spec(exports=[export]), limits)
        assert found.startswith(expected)

    def test_a_tab_separated_template_may_publish_tsv(self, out: Path, limits: SpecLimits) -> None:
        template = {**CSV_TEMPLATE, "delimiter": "\t"}
        spec = make_spec(exports=[template_export("mp", (out / "mp.tsv.gz").as_uri(), template, gzip=True)])
        assert problems(spec, limits) == []

    @pytest.mark.parametrize(("export", "message"), [
        ({"name": "mp", "format": "template"}, "format 'template' needs a template"),
        ({"name": "mp", "format": "heureka", "template": CSV_TEMPLATE},
         "a template is written by format 'template', not 'heureka'"),
    ])  # fmt: skip
    def test_the_format_and_the_template_go_together(self, export: dict[str, Any], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            make_spec(exports=[export])
