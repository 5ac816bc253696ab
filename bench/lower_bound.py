"""The least a convert in this stack can cost: `python bench/lower_bound.py [FEED | N] [--repeat R]`.

Why: the 3x-of-iterparse target of bench/run.py is missed, and this says whether any design in
CPython + lxml could meet it. Each pass here is the cheapest code that does a convert's work at
all, hard-coded for bench/make_feed.py's Heureka shape, and is *not* Feedhub: no rules, no element
paths, no generic formats, no messages, no duplicate ids, no mixed content, no other feed shapes.
Feedhub's real passes must cost more than these.

- same-format: read the fields Heureka's rules check straight from lxml's tree, test them, and let
  lxml serialise the item (no copy into Python objects at all);
- Google: read every field once into a dict, do the FORMATS.md mapping the Google feed needs (plain
  text description, prices with currency, availability, GTIN, product_type, shipping,
  product_detail), and write the item as joined strings, with no validation of the output.

Times are CPU seconds (the machine is shared), the best of R runs, each against the floor of
bench/run.py measured in the same run. FEED is a Heureka file; a number N generates N products
(bench/make_feed.py) into a temporary file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import BinaryIO

from lxml import etree

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from feeds.channels.params import gender_to_google, param_attr  # noqa: E402
from feeds.exports.values import HEUREKA_DELIVERY_IDS, html_to_text, is_http_url, split_category  # noqa: E402
from feeds.gtin import is_valid_gtin  # noqa: E402

CENT = Decimal("0.01")


def floor(feed: Path, out: BinaryIO) -> int:
    """bench/run.py's floor: iterparse, clear each item and its earlier siblings."""
    return sum(1 for _ in _items(feed))


def same_format(feed: Path, out: BinaryIO) -> list[str]:
    """Check Heureka's required and checked fields on lxml's tree; lxml writes the item. Returns the invalid ids."""
    invalid = []
    for item in _items(feed):
        ok, seen = True, 0
        for child in item:
            tag = child.tag
            if tag == "DELIVERY":
                ok = ok and child.findtext("DELIVERY_ID") in HEUREKA_DELIVERY_IDS
                ok = ok and _number(child.findtext("DELIVERY_PRICE") or "")
                seen |= 1
                continue
            if tag == "PARAM":
                name, value = (child.findtext("PARAM_NAME") or "").strip(), (child.findtext("VAL") or "").strip()
                ok = ok and bool(name) and bool(value)
                continue
            value = (child.text or "").strip()
            if tag == "ITEM_ID":
                ok, seen = ok and len(value) <= 36 and value.replace("-", "").replace("_", "").isalnum(), seen | 2
            elif tag == "PRODUCTNAME":
                ok, seen = ok and 0 < len(value) <= 200, seen | 4
            elif tag in ("URL", "IMGURL", "IMGURL_ALTERNATIVE"):
                ok, seen = ok and is_http_url(value), seen | (8 if tag == "URL" else 0)
            elif tag in ("PRICE_VAT", "HEUREKA_CPC"):
                ok, seen = ok and _number(value), seen | (16 if tag == "PRICE_VAT" else 0)
            elif tag == "EAN":
                ok = ok and is_valid_gtin(value)
            elif tag == "CATEGORYTEXT":
                ok = ok and bool(split_category(value))
            elif tag == "DELIVERY_DATE":
                ok, seen = ok and (value.isdigit() or len(value) == 10), seen | 32
        if not ok or seen != 63:
            invalid.append((item.findtext("ITEM_ID") or "").strip())
        out.write(etree.tostring(item, encoding="utf-8", with_tail=False))
    return invalid


def google(feed: Path, out: BinaryIO) -> int:
    """Heureka -> Google item by item, hard-coded; returns the number of items written."""
    count = 0
    today = date.today()
    for item in _items(feed):
        fields: dict[str, str] = {}
        params, deliveries, images = [], [], []
        for child in item:
            tag = child.tag
            if tag == "PARAM":
                params.append(((child.findtext("PARAM_NAME") or "").strip(), (child.findtext("VAL") or "").strip()))
            elif tag == "DELIVERY":
                deliveries.append((child.findtext("DELIVERY_ID") or "", child.findtext("DELIVERY_PRICE") or "0"))
            elif tag == "IMGURL_ALTERNATIVE":
                images.append(child.text or "")
            else:
                fields[tag] = child.text or ""
        parts = _google_item(fields, images, today)
        _google_params(params, parts)
        for service, price in deliveries:
            parts += ["<g:shipping><g:country>CZ</g:country><g:service>", _escape(service.strip()),
                      "</g:service><g:price>", _price(price), "</g:price></g:shipping>\n"]  # fmt: skip
        parts.append("</item>\n")
        out.write("".join(parts).encode())
        count += 1
    return count


def _google_item(fields: dict[str, str], images: list[str], today: date) -> list[str]:
    """Texts, offer terms and identifiers of one item, as FORMATS.md section 3 maps them."""
    parts = [
        "<item>\n<g:id>", _escape(fields["ITEM_ID"]), "</g:id>\n<g:title>", _escape(fields["PRODUCTNAME"]),
        "</g:title>\n<g:description>", _escape(html_to_text(fields.get("DESCRIPTION", ""))),
        "</g:description>\n<g:link>", _escape(fields["URL"]), "</g:link>\n<g:image_link>",
        _escape(fields.get("IMGURL", "")), "</g:image_link>\n",
    ]  # fmt: skip
    for image in images:
        parts += ["<g:additional_image_link>", _escape(image), "</g:additional_image_link>\n"]
    days = fields.get("DELIVERY_DATE", "").strip()
    if days.isdigit():
        available = None if int(days) <= 3 else today + timedelta(days=int(days))
    else:
        available = date.fromisoformat(days)
        available = available if available > today else None
    parts += ["<g:availability>", "backorder" if available else "in_stock", "</g:availability>\n"]
    if available:
        parts += ["<g:availability_date>", available.isoformat(), "T00:00+0000</g:availability_date>\n"]
    elif days.isdigit() and int(days):
        parts += ["<g:max_handling_time>", days, "</g:max_handling_time>\n"]
    parts += ["<g:price>", _price(fields["PRICE_VAT"]), "</g:price>\n<g:condition>new</g:condition>\n<g:brand>",
              _escape(fields.get("MANUFACTURER", "")), "</g:brand>\n"]  # fmt: skip
    ean = fields.get("EAN", "")
    if is_valid_gtin(ean):
        parts += ["<g:gtin>", ean, "</g:gtin>\n"]
    category = " > ".join(split_category(fields.get("CATEGORYTEXT", "")))
    parts += ["<g:product_type>", _escape(category), "</g:product_type>\n"]
    if "ITEMGROUP_ID" in fields:
        parts += ["<g:item_group_id>", _escape(fields["ITEMGROUP_ID"]), "</g:item_group_id>\n"]
    return parts


def _google_params(params: list[tuple[str, str]], parts: list[str]) -> None:
    """PARAMs Google has an attribute for (colour, size...) as that attribute, the others as product_detail."""
    named: dict[str, list[str]] = {}
    details: dict[str, list[str]] = {}
    for name, value in params:
        attr = param_attr(name)
        key, values = (attr, named) if attr else (name, details)
        value = gender_to_google(value) if attr == "gender" else value
        if value not in values.setdefault(key, []):
            values[key].append(value)
    for attr, values in named.items():
        parts += ["<g:", attr, ">", _escape("/".join(values)), "</g:", attr, ">\n"]
    for name, values in details.items():
        parts += ["<g:product_detail><g:attribute_name>", _escape(name), "</g:attribute_name><g:attribute_value>",
                  _escape("/".join(values)), "</g:attribute_value></g:product_detail>\n"]  # fmt: skip


def _number(text: str) -> bool:
    whole, _, fraction = text.replace(",", ".").partition(".")
    return whole.isdigit() and (not fraction or fraction.isdigit())


def _price(text: str) -> str:
    return f"{Decimal(text.replace(',', '.')).quantize(CENT, ROUND_HALF_UP)} CZK"


def _escape(text: str) -> str:
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _items(feed: Path) -> Iterator[etree._Element]:
    """The feed's items; each is cleared, with the items before it, once the caller is done with it."""
    with open(feed, "rb") as handle:
        for _, item in etree.iterparse(handle, events=("end",), tag="SHOPITEM"):
            yield item
            item.clear()
            parent = item.getparent()
            while item.getprevious() is not None:
                del parent[0]


def best_cpu(run: Callable[[Path, BinaryIO], object], feed: Path, repeat: int) -> tuple[float, object]:
    """The least CPU time of `repeat` runs writing to /dev/null, and what the run returned."""
    times: list[float] = []
    result: object = None
    with open("/dev/null", "wb") as out:
        for _ in range(repeat):
            started = time.process_time()
            result = run(feed, out)
            times.append(time.process_time() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feed", nargs="?", default="20000", help="a Heureka feed, or a number of products to generate")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(args.feed)
        if args.feed.isdigit():
            feed = Path(tmp) / "feed.xml"
            make_feed = [sys.executable, str(BENCH / "make_feed.py"), args.feed, str(feed)]
            subprocess.run(make_feed, check=True, stdout=subprocess.DEVNULL)
        base, count = best_cpu(floor, feed, args.repeat)
        print(f"{count} products; CPU seconds, best of {args.repeat}")
        print(f"  floor (iterparse + clear)              {base:6.3f} s   1.00x")
        passes = (("same-format, checks on lxml's tree", same_format), ("Google, no output validation", google))
        for label, run in passes:
            seconds, _ = best_cpu(run, feed, args.repeat)
            print(f"  {label:38} {seconds:6.3f} s   {seconds / base:.2f}x")


if __name__ == "__main__":
    main()
