"""Custom export templates against the built-in Google writer: `python bench/bench_templates.py [--sizes 20000,100000]`.

The same Heureka feed (bench/make_feed.py, via run.py's `ensure_feed`) goes through four passes, each
in its own child process so its peak memory is its own (run.py's `run_child`, `os.wait4`):

* parse: parsing alone, the part every pass shares;
* google: parse + the built-in Heureka -> Google conversion and XML writer (what `convert --to google` runs,
  validation aside);
* template: parse + `TemplateWriter` with GOOGLE_TEMPLATE, a template that writes the same elements;
* jinja: parse + the same item as one Jinja2 SandboxedEnvironment template (the design we did not take).

`--fields N` compares single fields instead: one of our compiled expressions against the same field
as a Jinja2 sandboxed `compile_expression` (the Jinja design that would keep per-field names), in process.

Times are CPU seconds of the pass (steadier than wall time on a shared machine), the least of
`--repeat` rounds that run the passes in turn: other jobs on the machine only ever add time, so the
minimum is the best estimate of the work. The writer's own cost is the pass minus the parse pass;
the target is template <= 1.5x google on that cost.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from run import DATA, ensure_feed, run_child  # noqa: E402

TARGET_RATIO = 1.5
GOOGLE_NS = "http://base.google.com/ns/1.0"
PARAM_ATTRS = '"Barva";"Velikost";"Materiál";"Vzor";"Pohlaví"'  # mapped to g:color, g:size... as the writer does
DAYS = "number(DELIVERY_DATE)"  # DELIVERY_DATE is days (in stock up to 3) or the date the product is available
IS_DAYS = 'matches(DELIVERY_DATE, "^[0-9]+$")'
AHEAD = "days_between(today(), DELIVERY_DATE)"

GOOGLE_TEMPLATE: dict[str, Any] = {
    "kind": "xml",
    "root": "rss",
    "namespaces": {"g": GOOGLE_NS},
    "root_attributes": {"version": "2.0"},
    "container": ["channel"],
    "header": [{"name": "title", "text": "Product feed"}, {"name": "link"},
               {"name": "description", "text": "Product feed"}],
    "item": "item",
    "elements": [
        {"name": "g:id", "expr": "left(ITEM_ID, 50)"},
        {"name": "g:title", "expr": "truncate(coalesce(PRODUCTNAME, PRODUCT), 150)"},
        {"name": "g:description", "expr": "truncate(strip_html(DESCRIPTION), 5000)"},
        {"name": "g:link", "path": "URL"},
        {"name": "g:image_link", "path": "IMGURL"},
        {"name": "g:additional_image_link", "expr": "take(unique(IMGURL_ALTERNATIVE), 10)"},
        {"name": "g:availability",
         "expr": f'if(DELIVERY_DATE = "", "", if({IS_DAYS}, if({DAYS} <= 3, "in_stock", if({DAYS} > 3650, '
                 f'"out_of_stock", "backorder")), if({AHEAD} <= 0, "in_stock", "backorder")))'},
        {"name": "g:availability_date",
         "when": f"DELIVERY_DATE and if({IS_DAYS}, {DAYS} > 3 and {DAYS} <= 3650, {AHEAD} > 0)",
         "expr": f'if({IS_DAYS}, add_days(today(), {DAYS}), DELIVERY_DATE) & "T00:00+0000"'},
        {"name": "g:max_handling_time", "when": f"{IS_DAYS} and {DAYS} > 0 and {DAYS} <= 3",
         "path": "DELIVERY_DATE"},
        {"name": "g:price", "expr": 'price(PRICE_VAT, "CZK")'},
        {"name": "g:condition", "text": "new"},
        {"name": "g:brand", "path": "MANUFACTURER"},
        {"name": "g:gtin", "path": "EAN"},
        {"name": "g:identifier_exists", "expr": 'if(EAN = "", "no", "")'},
        {"name": "g:product_type", "expr": "category(CATEGORYTEXT)"},
        {"name": "g:item_group_id", "path": "ITEMGROUP_ID"},
        {"name": "g:color", "expr": 'join(unique([PARAM { PARAM_NAME = "Barva" } | VAL]), "/")'},
        {"name": "g:size", "expr": 'join(unique([PARAM { PARAM_NAME = "Velikost" } | VAL]), "/")'},
        {"name": "g:material", "expr": 'join(unique([PARAM { PARAM_NAME = "Materiál" } | VAL]), "/")'},
        {"name": "g:product_detail", "for_each": f"PARAM {{ PARAM_NAME NOT IN ({PARAM_ATTRS}) }}", "children": [
            {"name": "g:attribute_name", "path": "PARAM_NAME"},
            {"name": "g:attribute_value", "path": "VAL"},
        ]},
        {"name": "g:shipping", "for_each": "DELIVERY", "children": [
            {"name": "g:country", "text": "CZ"},
            {"name": "g:service", "path": "DELIVERY_ID"},
            {"name": "g:price", "expr": 'price(DELIVERY_PRICE, "CZK")'},
        ]},
    ],
}
"""The Google writer's elements for a Heureka source, as a user would write them in a template."""

JINJA_ITEM = """    <item>
      <g:id>{{ first("ITEM_ID")[:50] }}</g:id>
      <g:title>{{ (first("PRODUCTNAME") or first("PRODUCT")) | words(150) }}</g:title>
      <g:description>{{ first("DESCRIPTION") | plain | words(5000) }}</g:description>
      <g:link>{{ first("URL") }}</g:link>
      <g:image_link>{{ first("IMGURL") }}</g:image_link>
{%- for url in values("IMGURL_ALTERNATIVE") | unique | list | batch(10) | first | default([]) %}
      <g:additional_image_link>{{ url }}</g:additional_image_link>
{%- endfor %}
{%- set days = first("DELIVERY_DATE") | int(-1) %}
      <g:availability>{{ "in_stock" if days <= 3 else "out_of_stock" if days > 3650 else "backorder" }}</g:availability>
{%- if days > 3 and days <= 3650 %}
      <g:availability_date>{{ today | add_days(days) }}T00:00+0000</g:availability_date>
{%- elif days > 0 %}
      <g:max_handling_time>{{ days }}</g:max_handling_time>
{%- endif %}
      <g:price>{{ first("PRICE_VAT") | price("CZK") }}</g:price>
      <g:condition>new</g:condition>
      <g:brand>{{ first("MANUFACTURER") }}</g:brand>
      <g:gtin>{{ first("EAN") }}</g:gtin>
      <g:product_type>{{ first("CATEGORYTEXT") | category }}</g:product_type>
      <g:item_group_id>{{ first("ITEMGROUP_ID") }}</g:item_group_id>
{%- for name, attr in [("Barva", "color"), ("Velikost", "size"), ("Materiál", "material")] %}
{%- set found = values('PARAM { PARAM_NAME = "' ~ name ~ '" } | VAL') %}
{%- if found %}
      <g:{{ attr }}>{{ found | unique | join("/") }}</g:{{ attr }}>
{%- endif %}
{%- endfor %}
{%- for param in nodes('PARAM { PARAM_NAME NOT IN (""" + PARAM_ATTRS.replace('"', '\\"') + """) }') %}
      <g:product_detail>
        <g:attribute_name>{{ param_first(param, "PARAM_NAME") }}</g:attribute_name>
        <g:attribute_value>{{ param_first(param, "VAL") }}</g:attribute_value>
      </g:product_detail>
{%- endfor %}
{%- for delivery in nodes("DELIVERY") %}
      <g:shipping>
        <g:country>CZ</g:country>
        <g:service>{{ param_first(delivery, "DELIVERY_ID") }}</g:service>
        <g:price>{{ param_first(delivery, "DELIVERY_PRICE") | price("CZK") }}</g:price>
      </g:shipping>
{%- endfor %}
    </item>
"""


Runner = Callable[[], int]


def _chunks(feed: Path) -> tuple[Any, Any]:
    from feeds.parsers import open_feed

    parser = open_feed(feed)
    return parser, parser.chunks()


def parse_pass(feed: Path, out: Path) -> Runner:
    del out
    return lambda: sum(len(chunk) for chunk in _chunks(feed)[1])


def google_pass(feed: Path, out: Path) -> Runner:
    from feeds.channels import ConvertOptions
    from feeds.channels.convert import make_converter
    from feeds.channels.envelope import target_info
    from feeds.exports import writer_for

    def run() -> int:
        parser, chunks = _chunks(feed)
        first = next(chunks)
        options = ConvertOptions()
        converter = make_converter("heureka", "google", options)
        count = 0
        with open(out, "w", encoding="utf-8", newline="") as handle:
            writer = writer_for("xml", handle, target_info("google", parser.info, options))
            writer.begin()
            for chunk in chain([first], chunks):
                converted = [p for p in map(converter.convert, chunk) if p is not None]
                count += len(converted)
                writer.write(converted)
            writer.end()
        return count

    return run


def template_pass(feed: Path, out: Path) -> Runner:
    from feeds.templates import TemplateWriter, load_template

    template = load_template(GOOGLE_TEMPLATE)  # validated when saved, not per run: outside the timing

    def run() -> int:
        _, chunks = _chunks(feed)
        with open(out, "wb") as handle:
            writer = TemplateWriter(handle, template)
            writer.begin()
            for chunk in chunks:
                writer.write(chunk)
            writer.end()
        if writer.failed:
            raise SystemExit(f"{writer.failed} products failed: {writer.errors[:3]}")
        return writer.products_out

    return run


def jinja_pass(feed: Path, out: Path) -> Runner:
    from datetime import date, timedelta

    from jinja2.sandbox import SandboxedEnvironment

    from feeds.decimal_text import parse_number
    from feeds.exports.values import format_price, html_to_text, split_category, truncate_words
    from feeds.templates.paths import parse_path

    env = SandboxedEnvironment(autoescape=True)
    env.filters.update(
        words=lambda s, n: truncate_words(str(s), n), plain=lambda s: html_to_text(str(s)),
        price=lambda s, c: format_price(v, c) if (v := parse_number(str(s))) is not None else "",
        category=lambda s: " > ".join(split_category(str(s))),
        add_days=lambda d, n: (d + timedelta(days=n)).isoformat(),
    )
    template = env.from_string(JINJA_ITEM)

    def run() -> int:
        _, chunks = _chunks(feed)
        count = 0
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:g="{GOOGLE_NS}" version="2.0">\n'
                         "<channel>\n")
            for chunk in chunks:
                pieces = []
                for product in chunk:
                    pieces.append(template.render(
                        first=lambda path, p=product: parse_path(path).first(p),
                        values=lambda path, p=product: parse_path(path).values(p),
                        nodes=lambda path, p=product: parse_path(path).nodes(p),
                        param_first=lambda node, path: parse_path(path).first(node), today=date.today()))
                count += len(pieces)
                handle.write("".join(pieces))
            handle.write("</channel>\n</rss>\n")
        return count

    return run


FIELDS = {  # (ours, the same in Jinja with first(p, path) and two filters)
    "plain element": ("ITEM_ID", "first(p, 'ITEM_ID')"),
    "price": ('price(PRICE_VAT, "CZK")', "first(p, 'PRICE_VAT') | price('CZK')"),
    "title": ("truncate(coalesce(PRODUCTNAME, PRODUCT), 150)",
              "(first(p, 'PRODUCTNAME') or first(p, 'PRODUCT')) | words(150)"),
    "filtered PARAM": ('[PARAM { PARAM_NAME = "Barva" } | VAL]', "first(p, 'PARAM { PARAM_NAME = \"Barva\" } | VAL')"),
    "condition": ('if(number(DELIVERY_DATE) <= 3, "in_stock", "backorder")',
                  "'in_stock' if (first(p, 'DELIVERY_DATE') | int(0)) <= 3 else 'backorder'"),
}


def compare_fields(size: int) -> None:
    """Per field: one of our compiled expressions vs Jinja2's sandboxed `compile_expression`, in process."""
    import gc

    from jinja2.sandbox import SandboxedEnvironment

    from feeds.decimal_text import parse_number
    from feeds.exports.values import format_price, truncate_words
    from feeds.templates import compile_expression
    from feeds.templates.paths import parse_path

    products = [product for chunk in _chunks(ensure_feed(size))[1] for product in chunk]
    env = SandboxedEnvironment()
    env.filters.update(price=lambda s, c: format_price(v, c) if (v := parse_number(str(s))) is not None else "",
                       words=lambda s, n: truncate_words(str(s), n))

    def first(node: Any, path: str) -> str:
        return parse_path(path).first(node)

    gc.disable()
    for name, (ours, theirs) in FIELDS.items():
        evaluate, jinja = compile_expression(ours).evaluate, env.compile_expression(theirs)
        costs = []
        for call in (evaluate, lambda p, jinja=jinja: jinja(p=p, first=first)):
            runs = []
            for _ in range(3):
                start = time.process_time()
                for product in products:
                    call(product)
                runs.append(time.process_time() - start)
            costs.append(min(runs) / len(products) * 1e6)
        print(f"  {name:<15} ours {costs[0]:6.2f} us, Jinja2 sandbox {costs[1]:6.2f} us: {costs[1] / costs[0]:.1f}x")


PASSES = {"parse": parse_pass, "google": google_pass, "template": template_pass, "jinja": jinja_pass}


def child_main(name: str, feed: Path, out: Path) -> None:
    from feeds.model import cyclic_gc_paused

    runner = PASSES[name](feed, out)  # imports and set-up (building a template is done at save) before timing
    with cyclic_gc_paused():  # as feeds.pipeline runs exports
        start = time.process_time()
        count = runner()
        cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"products": count, "cpu": round(cpu, 3), "peak_mib": round(peak, 1)}))


def run(size: int, passes: list[str], repeat: int) -> dict[str, Any]:
    feed = ensure_feed(size)
    out_dir = DATA / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    for round_ in range(repeat):
        for name in passes:
            out = out_dir / f"{size}.{name}.xml"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, str(feed), str(out)]
            seconds, cpu, peak, code, stdout, stderr = run_child(cmd)
            if code:
                raise SystemExit(f"pass {name} failed: {stderr}")
            detail = json.loads(stdout.strip().splitlines()[-1])
            print(f"  {name:<9} @ {size:>7,} (round {round_ + 1}): {detail['cpu']:7.2f} s CPU, "
                  f"{size / detail['cpu']:>9,.0f} products/s, peak {peak:5.0f} MiB, {detail['products']:,} products",
                  flush=True)
            best = results.get(name)
            if best is None or detail["cpu"] < best["cpu"]:
                results[name] = {**detail, "wall": round(seconds, 2), "peak_rss_mib": round(peak, 1),
                                 "bytes": out.stat().st_size if out.exists() else 0}
    google, template = out_dir / f"{size}.google.xml", out_dir / f"{size}.template.xml"
    if google.exists() and template.exists():
        differing = differing_items(google, template)
        results["differing_items"] = differing
        print(f"  template vs google output, first {COMPARED_ITEMS:,} items: {differing} differ in their elements")
    for name in passes:
        (out_dir / f"{size}.{name}.xml").unlink(missing_ok=True)
    return results


COMPARED_ITEMS = 2000


def differing_items(a: Path, b: Path) -> int:
    """Items (of the first COMPARED_ITEMS) whose leaf elements and texts differ: the template writes what the
    Google writer writes."""
    from lxml import etree

    def items(path: Path) -> Any:
        for count, (_, item) in enumerate(etree.iterparse(str(path), tag="item")):
            if count >= COMPARED_ITEMS:
                return
            yield sorted((e.tag, (e.text or "").strip()) for e in item.iter() if len(e) == 0)
            item.clear()

    return sum(x != y for x, y in zip(items(a), items(b), strict=False))


def report(size: int, results: dict[str, Any]) -> bool:
    for name in ("parse", "google", "template", "jinja"):
        if name in results:
            r = results[name]
            print(f"best  {name:<9} @ {size:>7,}: {r['cpu']:7.2f} s CPU, {size / r['cpu']:>9,.0f} products/s, "
                  f"peak {r['peak_rss_mib']:5.0f} MiB")
    parse = results["parse"]["cpu"]
    google = results["google"]["cpu"] - parse
    ok = True
    for name in ("template", "jinja"):
        if name not in results:
            continue
        own = results[name]["cpu"] - parse
        ratio = own / google
        verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
        if name == "template":
            ok = ratio <= TARGET_RATIO
        else:
            verdict = "info"
        print(f"{verdict:4}  @ {size:,}: {name} writer {own:.2f} s vs google writer {google:.2f} s (parse "
              f"{parse:.2f} s excluded): {ratio:.2f}x; whole passes {results[name]['cpu']:.2f} s vs "
              f"{results['google']['cpu']:.2f} s: {results[name]['cpu'] / results['google']['cpu']:.2f}x")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--passes", default="parse,google,template,jinja")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the passes; the least CPU time counts")
    parser.add_argument("--fields", type=int, metavar="N", help="only compare single fields with Jinja2, over N")
    parser.add_argument("--child", nargs=3, metavar=("PASS", "FEED", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child_main(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return 0
    if args.fields:
        compare_fields(args.fields)
        return 0
    passes = [name for name in args.passes.split(",") if name]
    ok = True
    for size in sorted(int(s) for s in args.sizes.split(",") if s.strip()):
        ok = report(size, run(size, passes, args.repeat)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
