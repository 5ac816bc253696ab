"""Feed commands: `feedhub inspect`, `convert`, `demo`.

Each command imports the feed engine when it runs, so `feedhub --help` (and every other command)
starts without the parsers, exporters and HTTP client.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from feedhub.cli.common import AsJson, FromOption, fail, read_template, user_errors

if TYPE_CHECKING:
    from feeds.fetch import FetchPolicy
    from feeds.pipeline import ExportTarget, RunReport
    from feeds.transforms import RuleSet



def _policy() -> FetchPolicy:
    from feedhub.settings import get_settings
    from feeds.fetch import FetchPolicy

    settings = get_settings()
    return FetchPolicy(
        timeout_s=settings.fetch_timeout_s,
        deadline_s=settings.fetch_deadline_s,
        max_bytes=settings.max_feed_bytes,
        allow_private=settings.allow_private_sources,
    )


def inspect(
    source: str,
    from_format: FromOption = None,
    as_json: AsJson = False,
) -> None:
    """Show a feed's format, encoding, product count and every element path with how many products have it."""
    from feeds.fetch import fetch_source
    from feeds.parsers import open_feed

    with user_errors(), tempfile.TemporaryDirectory(prefix="feedhub-") as workspace:
        fetched = fetch_source(source, Path(workspace), policy=_policy())
        parser = open_feed(fetched.path, from_format)
        elements: Counter[str] = Counter()
        products = 0
        for chunk in parser.chunks():
            products += len(chunk)
            for product in chunk:
                elements.update({path for path, _ in product.walk_paths()})
        info = parser.info
    counts = dict(sorted(elements.items()))
    result = {"format": info.format, "encoding": info.encoding, "products": products, "elements": counts,
              "warnings": info.warnings}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    console = Console()
    console.print(f"[bold]{source}[/]: {info.format}, {info.encoding}, {products} products")
    table = Table("element path", "products", "share")
    for path, count in counts.items():
        table.add_row(path, str(count), f"{count / products:.0%}")
    console.print(table)
    for warning in info.warnings:
        console.print(f"[yellow]warning:[/] {warning}")


def convert(
    source: str,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output file; replaced only when the whole run succeeds.")],
    from_format: FromOption = None,
    to_format: Annotated[str | None, typer.Option("--to", help="Target format (default: the source's own).")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Rules JSON file to apply.")] = None,
    currency: Annotated[str | None, typer.Option(help="Currency for prices, e.g. CZK.")] = None,
    country: Annotated[str | None, typer.Option(help="Country for shipping, e.g. CZ.")] = None,
    escape_formulas: Annotated[bool, typer.Option(
        help="CSV/TSV: prefix with ' the cells a spreadsheet would run as formulas (=, +, -, @).")] = True,
    invalid: Annotated[str | None, typer.Option(
        help="Invalid products: keep, drop (leave out and report), fail (leave out; exit 2 and keep the old "
             "output when more than --max-invalid-percent are invalid). Default: drop for channel formats.",
    )] = None,
    max_invalid_percent: Annotated[float, typer.Option(help="The share of invalid products --invalid fail allows.")]
    = 5.0,
    delivery: Annotated[list[str] | None, typer.Option(
        help="Heureka/Zboží: a DELIVERY for products whose source names none, ID=PRICE or ID=PRICE/COD_PRICE, "
             "e.g. CESKA_POSTA=99/129; repeat for several.")] = None,
    default_category: Annotated[str, typer.Option(help="Heureka/Zboží: CATEGORYTEXT for products with none.")] = "",
    google_taxonomy: Annotated[Path | None, typer.Option(
        help="Google's taxonomy-with-ids file: Heureka/Zboží CATEGORYTEXT for a bare google_product_category id.",
    )] = None,
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="Read a source element or column as another, SOURCE=NAME, e.g. Produktname=title; "
                      "repeat for several.")] = None,
    template: Annotated[str | None, typer.Option(
        help="Write with a custom template instead of --to: a template JSON file (docs/templates.md) or "
             "preset:NAME, e.g. preset:marketplace-products.")] = None,
) -> None:
    """Convert a feed (file or URL) to another format, or to its own, applying rules if given."""
    from feeds.channels import ConvertOptions, get_channel
    from feeds.channels.google_taxonomy import read_taxonomy
    from feeds.channels.validate import INVALID_POLICIES
    from feeds.fetch import fetch_source
    from feeds.pipeline import ExportTarget
    from feeds.project import TEMPLATE_FORMAT
    from feeds.templates import load_template

    with user_errors():
        if invalid is not None and invalid not in INVALID_POLICIES:
            raise fail(f"--invalid: {invalid!r} is not one of {', '.join(INVALID_POLICIES)}")
        if template is not None:
            _template_only(to_format=to_format, invalid=invalid, currency=currency, country=country,
                           delivery=delivery, default_category=default_category, google_taxonomy=google_taxonomy)
            to_format = TEMPLATE_FORMAT
        loaded = None if template is None else load_template(read_template(template))
        ruleset = _load_rules(rules)
        for key in filter(None, (from_format, to_format if loaded is None else None)):
            get_channel(key)  # an unknown key fails before any download
        with tempfile.TemporaryDirectory(prefix="feedhub-") as workspace:
            fetched = fetch_source(source, Path(workspace), policy=_policy())
            options = ConvertOptions(currency=currency, escape_formulas=escape_formulas,
                                     default_delivery=_delivery_table(delivery or []),
                                     default_category=default_category,
                                     google_taxonomy=read_taxonomy(google_taxonomy) if google_taxonomy else {})
            if country:
                options = dataclasses.replace(options, country=country.upper())
            target = ExportTarget("out", to_format or from_format or "", out, options, invalid=invalid,
                                  max_invalid_percent=max_invalid_percent, mapping=_mapping(mapping or []),
                                  template=loaded)
            report = _run_with_progress(fetched.path, target, from_format, ruleset)
    _print_summary(report)
    for line in ruleset.summary() if ruleset else ():
        typer.echo(f"  {line}")


def _template_only(*, to_format: str | None, invalid: str | None, **channel_defaults: object) -> None:
    """--template writes what the template says: refuse the options of the built-in conversions beside it."""
    if to_format is not None:
        raise fail("--template and --to: give one; the template is the output format")
    if invalid == "keep":
        raise fail("--invalid keep: a template leaves out a product it cannot write; use drop or fail")
    given = [f"--{name.replace('_', '-')}" for name, value in channel_defaults.items() if value]
    if given:
        raise fail(f"{', '.join(given)}: channel defaults do nothing for --template; write them in the template")


def _mapping(pairs: list[str]) -> dict[str, str]:
    """`--map SOURCE=NAME` options."""
    mapping = {}
    for pair in pairs:
        source, _, name = pair.partition("=")
        if not source.strip() or not name.strip():
            raise fail(f"--map {pair!r}: write SOURCE=NAME, e.g. Produktname=title")
        mapping[source.strip()] = name.strip()
    return mapping


def _delivery_table(rows: list[str]) -> tuple[tuple[str, Decimal, Decimal | None], ...]:
    """`--delivery ID=PRICE[/COD]` options, checked as a project's delivery table is."""
    from pydantic import ValidationError

    from feeds.project import DeliveryOption

    table = []
    for row in rows:
        code, _, prices = row.partition("=")
        price, _, cod = prices.partition("/")
        try:
            option = DeliveryOption(id=code.strip(), price=price.strip() or None, price_cod=cod.strip() or None)
        except ValidationError as exc:
            raise fail(f"--delivery {row!r}: write ID=PRICE or ID=PRICE/COD_PRICE, e.g. CESKA_POSTA=99/129 "
                       f"({exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']})") from None
        table.append((option.id, option.price, option.price_cod))
    return tuple(table)


def _load_rules(path: Path | None) -> RuleSet | None:
    if path is None:
        return None
    from feedhub.settings import get_settings
    from feeds.transforms import RuleSet  # the rule engine loads only when rules are given

    return RuleSet.from_file(path, allow_private_urls=get_settings().allow_private_sources)


def _run_with_progress(
    source: Path, target: ExportTarget, from_format: str | None, ruleset: RuleSet | None
) -> RunReport:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from feeds.parsers import detect_format
    from feeds.pipeline import process

    if not target.format:
        target = dataclasses.replace(target, format=from_format or detect_format(source))
    if not sys.stderr.isatty():
        return process(source, [target], source_format=from_format, rules=ruleset, check=_refuse_too_many_invalid)
    columns = (TextColumn("converting"), BarColumn(), TextColumn("{task.completed:,} products"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("convert", total=None)
        return process(
            source, [target], source_format=from_format, rules=ruleset,
            progress=lambda done: bar.update(task, completed=done), check=_refuse_too_many_invalid,
        )


def _refuse_too_many_invalid(report: RunReport) -> None:
    """--invalid fail: over the limit, nothing is written and the command exits 2."""
    from feeds.errors import ExportError

    refused = [export.too_many_invalid for export in report.exports if export.too_many_invalid]
    if refused:
        raise ExportError("; ".join(refused) + "; the output was not written")


def _print_summary(report: RunReport) -> None:
    export = report.exports[0]
    dropped = sum(export.dropped.values())
    typer.echo(
        f"{report.source_format} -> {export.format}: {report.products_in} products in, {export.products_out} out, "
        f"{report.products_in - report.products_kept} hidden, {dropped} dropped, {export.invalid} invalid "
        f"({export.left_out_invalid} left out: --invalid {export.invalid_policy}), "
        f"{len(report.warnings) + sum(export.warnings.values())} warnings, {report.seconds:.2f} s -> {export.path}"
    )
    for problem in export.problems[:10]:
        typer.echo(f"  invalid: {problem}")
    for duplicate in export.duplicates[:10]:
        typer.echo(f"  duplicate id {duplicate}")
    if export.duplicate_ids > 10:
        typer.echo(f"  ... {export.duplicate_ids} ids occur more than once")
    for reason, count in export.dropped.items():
        typer.echo(f"  dropped {count}: {reason}")
    for warning in report.warnings:
        typer.echo(f"  warning: {warning}")
    for warning, count in export.warnings.items():
        typer.echo(f"  warning ({count}x): {warning}")


def demo(
    samples: Annotated[Path, typer.Option(help="Folder of feeds to import.")] = Path("sample_feeds"),
    out: Annotated[Path, typer.Option(help="Where converted feeds go.")] = Path("out"),
) -> None:
    """Convert every feed in sample_feeds/ to its own and the channel formats under out/, then run a demo project."""
    from feeds.channels import CHANNEL_TARGETS, get_channel
    from feeds.fetch import fetch_source
    from feeds.parsers import open_feed
    from feeds.pipeline import ExportTarget, process

    table = Table("feed", "format", "to", "in", "out", "invalid", "warnings", "output")
    feeds = sorted(p for p in samples.iterdir() if p.is_file() and p.suffix != ".md")
    with user_errors(), tempfile.TemporaryDirectory(prefix="feedhub-") as workspace:
        for feed in feeds:
            fetched = fetch_source(str(feed), Path(workspace) / feed.name, policy=_policy())
            own = open_feed(fetched.path).info.format
            targets = [
                ExportTarget(key, key, out / feed.name.split(".")[0] / f"{key}{get_channel(key).extension}")
                for key in dict.fromkeys((own, *CHANNEL_TARGETS))
            ]
            report = process(fetched.path, targets)
            for export in report.exports:
                table.add_row(
                    feed.name, report.source_format, export.format, str(report.products_in), str(export.products_out),
                    str(export.invalid), str(len(report.warnings) + sum(export.warnings.values())), export.path,
                )
    console = Console(width=200)
    console.print(table)
    _demo_project(console)


def _demo_project(console: Console) -> None:
    """The product running by itself, in miniature: a demo shop's project run once through the flow's steps."""
    from feedhub.demo_project import DEMO_EMAIL, DEMO_PASSWORD, run_demo_project  # needs the database: here only
    from feedhub.settings import get_settings

    with user_errors():
        summary = run_demo_project(get_settings())
    console.print(
        f"\n[bold]Demo project[/] (shop owner {summary['login']}): run {summary['status']}, "
        f"{summary['products_in']} products in, {summary['products_out']} out, exports in {summary['exports']}"
        + (f"\n  {summary['error']}" if summary["error"] else "")
    )
    console.print(
        f"\n[bold]See it in the browser:[/] run [bold].venv/bin/feedhub serve[/] and open http://127.0.0.1:8000 "
        f"(log in as {DEMO_EMAIL}, password {DEMO_PASSWORD})"
    )


def register(app: typer.Typer) -> None:
    """Add `inspect`, `convert` and `demo` to the main command line."""
    app.command()(inspect)
    app.command()(convert)
    app.command()(demo)
