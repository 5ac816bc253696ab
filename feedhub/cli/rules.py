"""Rule and query commands: `feedhub query`, `trace`, `preview`, all driving feeds.transforms (one engine).

The engine is imported when a command runs, so `feedhub --help` and the other commands start without it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from feedhub.cli.common import AsJson, FromOption, fail, print_json, user_errors

if TYPE_CHECKING:
    from feeds.transforms import Query, RuleSet
    from feeds.transforms.preview import PreviewReport
    from feeds.transforms.trace import ProductTrace

RulesOption = Annotated[Path, typer.Option("--rules", help="Rules JSON file.")]


def query(
    source: Path,
    mql: Annotated[str, typer.Argument(help='MQL, e.g. \'[PRICE_VAT] > 1000 AND MANUFACTURER = "Arche"\'')],
    count: Annotated[bool, typer.Option("--count", help="Print only how many products match.")] = False,
    from_format: FromOption = None,
) -> None:
    """List the ids of the products an MQL query selects (or count them)."""
    from feeds.model import product_id
    from feeds.parsers import open_feed
    from feeds.transforms import Query

    with user_errors():
        selection = Query.parse(mql)
        matched = 0
        ordered: list[tuple[tuple[Any, ...], str]] = []  # SORT BY: the selected ids with their keys, then sorted
        for chunk in open_feed(source, from_format).chunks():
            for product in chunk:
                if _matches(selection, product):
                    matched += 1
                    label = product_id(product) or f"(line {product.line})"
                    if selection.order is not None and not count:
                        ordered.append((selection.sort_key(product), label))
                    elif not count:
                        typer.echo(label)
        for label in selection.in_order(ordered) if ordered else ():
            typer.echo(label)
        if not matched:
            _warn_unknown_names(selection, source, from_format)
    if count:
        typer.echo(str(matched))


def _warn_unknown_names(selection: Query, source: Path, from_format: str | None) -> None:
    """Nothing matched: say which element the query reads that the feed's products do not have."""
    from feeds.parsers import open_feed
    from feeds.transforms.query.unknown import unknown_names

    first = next(open_feed(source, from_format).chunks(), [])
    for name, closest in unknown_names(selection.node, first):
        hint = f"; did you mean {closest}?" if closest else ""
        typer.echo(f"warning: no product has an element {name}{hint}", err=True)


def _matches(selection: Query, product: object) -> bool:
    from feeds.model import product_id
    from feeds.transforms.failure import ProductFailure

    try:
        return selection.matches(product)  # type: ignore[arg-type]
    except ProductFailure as exc:
        typer.echo(f"warning: product {product_id(product)}: {exc.reason}", err=True)  # type: ignore[arg-type]
        return False


def _rules(path: Path, source: Path, from_format: str | None) -> RuleSet:
    """A rules file, validated, with its item-group aggregates computed over `source` when it uses them."""
    from feedhub.settings import get_settings
    from feeds.transforms import RuleSet
    from feeds.transforms.groups import prepare_groups

    ruleset = RuleSet.from_file(path, allow_private_urls=get_settings().allow_private_sources)
    prepare_groups(ruleset, source, from_format)
    return ruleset


def trace(
    source: Path,
    rules: RulesOption,
    ids: Annotated[list[str], typer.Option("--id", help="Product id to trace (repeatable).")],
    from_format: FromOption = None,
    export_rules: Annotated[Path | None, typer.Option(
        "--export-rules", help="An export's own rules, traced after the shared ones on a copy.")] = None,
) -> None:
    """Show, rule by rule, which values each chosen product got (before -> after) and why it is hidden."""
    from feeds.model import product_id
    from feeds.parsers import open_feed
    from feeds.transforms.trace import trace_product

    wanted = set(ids)
    traces: dict[str, ProductTrace] = {}
    with user_errors():
        ruleset = _rules(rules, source, from_format)
        exports = {"export": _rules(export_rules, source, from_format)} if export_rules is not None else {}
        for chunk in open_feed(source, from_format).chunks():
            for product in chunk:
                ident = product_id(product)
                if ident in wanted and ident not in traces:
                    traces[ident] = trace_product(ruleset, product, exports=exports)
    console = Console(highlight=False)
    for ident in ids:
        if ident in traces:
            _print_trace(console, traces[ident])
    missing = [ident for ident in ids if ident not in traces]
    if missing:
        raise fail(f"no product with id {', '.join(missing)} in {source}")


def _print_trace(console: Console, result: ProductTrace) -> None:
    console.print(f"[bold]product {escape(result.product_id)}[/]")
    for step in result.steps:
        name = f" ({escape(step.rule_name)})" if step.rule_name else ""
        where = f"export {escape(step.export)} " if step.export else ""
        label = f"  {where}rule {step.rule_index} {step.rule_type}{name}"
        if not step.selected and not step.by_else:
            console.print(f"{label}: not selected by {escape(step.query)}", style="dim")
            continue
        if step.by_else:
            label += f": not selected by {escape(step.query)}, so its ELSE part ran"
        if step.error:
            console.print(f"{label}: [red]error[/] {escape(step.error)} (values kept)")
        elif step.hidden:
            console.print(f"{label}: [yellow]hidden[/], selected by {escape(step.query)}")
        elif not step.changes:
            console.print(f"{label}: selected, no change")
        for path, before, after in step.changes:
            console.print(f"{label}: {escape(path)}: {escape(_shown(before))} -> {escape(_shown(after))}")
    hidden = result.hidden_by
    console.print(f"  => hidden by rule {hidden.rule_index}" if hidden else "  => visible in the output")


def _shown(values: tuple[str, ...]) -> str:
    if not values:
        return "(none)"
    return " | ".join(repr(v) for v in values)


def preview_command(
    source: Path,
    rules: RulesOption,
    against: Annotated[Path | None, typer.Option("--against", help="Current rules to compare with.")] = None,
    from_format: FromOption = None,
    as_json: AsJson = False,
    shared: Annotated[Path | None, typer.Option(
        "--shared", help="The project's shared rules, run first on both sides: the draft is an export's own.")] = None,
) -> None:
    """Apply draft rules to a whole feed, publishing nothing: changes per element, newly hidden/shown ids, each rule."""
    from feeds.parsers import open_feed
    from feeds.transforms.preview import preview

    with user_errors():
        draft = _rules(rules, source, from_format)
        current = _rules(against, source, from_format) if against is not None else None
        first = _rules(shared, source, from_format) if shared is not None else None
        report = preview(open_feed(source, from_format).chunks(), draft, current, all_ids=as_json, shared=first)
    if as_json:
        return print_json({**dataclasses.asdict(report), "rules": [dataclasses.asdict(s) for s in draft.stats],
                           "rule_errors": [str(e) for e in draft.errors[:100]]})
    console = Console(highlight=False)
    _print_preview(console, report, against)
    console.print("the draft's rules:")
    for line in draft.summary():
        console.print(f"  {escape(line)}")


def _print_preview(console: Console, report: PreviewReport, against: Path | None) -> None:
    baseline = f"the rules in {against}" if against else "no rules"
    console.print(f"{report.products} products; {report.changed_products} differ from {baseline}")
    console.print(f"newly hidden: {report.newly_hidden}; newly shown: {report.newly_shown}")
    if report.newly_hidden_ids:
        console.print("  hidden: " + escape(", ".join(report.newly_hidden_ids)))
    if report.newly_shown_ids:
        console.print("  shown: " + escape(", ".join(report.newly_shown_ids)))
    table = Table("element", "products", "samples (id: current -> draft)")
    for entry in sorted(report.elements.values(), key=lambda e: (-e.products, e.path)):
        samples = "\n".join(f"{ident}: {_shown(before)} -> {_shown(after)}" for ident, before, after in entry.samples)
        table.add_row(escape(entry.path), str(entry.products), escape(samples))
    console.print(table)


rules_app = typer.Typer(no_args_is_help=True, help="Rule files: import rules exported from Mergado.")


@rules_app.command("import")
def import_rules(
    system: Annotated[str, typer.Argument(help="Where the rules come from: mergado.")],
    file: Annotated[Path, typer.Argument(help="The exported rules (JSON: a list, or {\"rules\": [...]}).")],
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Write the Feedhub rules here (default: stdout).")]
    = None,
) -> None:
    """Convert rules exported from Mergado (priority, active, element_path, data, queries) into a Feedhub
    rules file, in priority order; each thing that could not be converted is named on stderr."""
    import json

    from feeds.errors import ConfigError
    from feeds.transforms import RuleSet
    from feeds.transforms.mergado_rules import from_mergado

    if system != "mergado":
        raise fail(f"unknown rule source {system!r}; known: mergado")
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(f"{file}: {exc}") from None
    rules, problems = from_mergado(document)
    if not rules and problems:
        raise fail(f"{file}: {problems[0]}")
    text = json.dumps(rules, ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    try:
        RuleSet.from_spec(rules)
    except ConfigError as exc:
        problems += [f"to fix in the converted list: {problem}" for problem in exc.problems]
    for problem in problems:
        typer.echo(f"not converted: {problem}", err=True)
    typer.echo(f"{len(rules)} rules converted, {len(problems)} problems", err=True)


def register(app: typer.Typer) -> None:
    """Add `query`, `trace`, `preview` and `rules import` to the main command line."""
    app.command()(query)
    app.command()(trace)
    app.command("preview")(preview_command)
    app.add_typer(rules_app, name="rules")
