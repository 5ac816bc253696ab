"""Write a synthetic Heureka feed of N products: `python bench/make_feed.py N OUT [--seed S]`.

Why synthetic: the benchmark needs feeds of 100k-1M products with the texture of real Czech shop
feeds (diacritics, HTML descriptions in CDATA, PARAMs, several DELIVERY blocks, variants), and no
real feed of that size may be shipped. About 2 KB per product, like the 2.27 GB / 1M feed the
architecture measurements used.

Why it is fast: all text is drawn from pools built once from a seeded RNG, and each product costs
one `getrandbits` call plus string formatting; output goes out in large batches. Memory stays
constant (nothing per product is kept), and the same N and seed always give the same bytes.
`.gz` output (compression level 1, mtime 0) when OUT ends with .gz.
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import sys
import time
from pathlib import Path
from typing import BinaryIO

BATCH = 2000  # products per write: big enough to amortise the write, small enough to stay flat

BRANDS = ["Lučina", "Železná kuchyně", "Šéfkuchař", "Tornádo", "Vřídlo", "Dřevoděl", "Čajovna", "Kovo Úštěk",
          "Řezník Tools", "Spáček", "Mourek", "Tlapka", "Rýchlik", "Tatry Outdoor", "Kostička", "Dřevíčko"]
NOUNS = ["Hrnec", "Pánev", "Kávovar", "Mixér", "Konvice", "Vrtačka", "Bruska", "Pelíšek", "Batoh", "Stan",
         "Spacák", "Stavebnice", "Lampa", "Židle", "Stůl", "Polštář", "Deka", "Termoska", "Váha", "Žehlička",
         "Vysavač", "Sekačka", "Šroubovák", "Kladivo", "Skříňka", "Prkénko", "Hrnek", "Dóza", "Zástěra",
         "Čelovka"]
ADJECTIVES = ["litinový", "nerezový", "dřevěný", "skládací", "bezdrátový", "dětský", "zahradní", "cestovní",
              "profesionální", "úsporný", "lehký", "odolný", "keramický", "bambusový", "ruční", "elektrický"]
COLOURS = ["červená", "černá", "bílá", "modrá", "zelená", "šedá", "žlutá", "hnědá", "růžová", "oranžová"]
SIZES = ["S", "M", "L", "XL", "24 cm", "28 cm", "32 cm", "0,5 l", "1 l", "1,5 l"]
SENTENCES = [
    "Vyrobeno v České republice z certifikovaných materiálů.",
    "Snadná údržba, vhodné do myčky nádobí.",
    "Ergonomický tvar a protiskluzová rukojeť pro pohodlné používání.",
    "Dodáváme s českým návodem a zárukou 24 měsíců.",
    "Ideální dárek k Vánocům, narozeninám i jen tak pro radost.",
    "Úsporný provoz šetří energii i vaši peněženku.",
    "Materiál je zdravotně nezávadný a bez BPA.",
    "Při objednávce nad 1 500 Kč doprava zdarma.",
    "Žluťoučký kůň úpěl ďábelské ódy – a tenhle výrobek vydrží i to.",
    "Testováno v naší dílně na Vysočině.",
    "Kompaktní rozměry, snadné uskladnění v kuchyni i na chatě.",
    "Povrch odolný proti poškrábání & nárazům.",
]
CATEGORIES = [
    "Dům a zahrada | Kuchyně | Nádobí | Hrnce", "Dům a zahrada | Kuchyně | Nádobí | Pánve",
    "Elektrospotřebiče | Malé spotřebiče | Kávovary", "Elektrospotřebiče | Malé spotřebiče | Mixéry",
    "Dům a zahrada | Dílna | Ruční nářadí", "Dům a zahrada | Dílna | Elektrické nářadí | Brusky",
    "Chovatelské potřeby | Psi | Pelíšky", "Sport | Turistika | Batohy", "Sport | Turistika | Stany",
    "Hobby | Hračky | Stavebnice", "Dům a zahrada | Bydlení | Bytový textil",
    "Dům a zahrada | Zahrada | Sekačky",
]
PARAM_NAMES = ["Materiál", "Barva", "Hmotnost", "Rozměr", "Objem", "Příkon", "Záruka", "Země původu",
               "Průměr", "Napájení", "Počet kusů", "Vhodné pro indukci"]
PARAM_VALUES = ["nerezová ocel", "litina", "buk", "plast ABS", "1,2 kg", "35 × 20 × 12 cm", "1,5 l", "800 W",
                "24 měsíců", "Česká republika", "24 cm", "230 V", "4", "ano", "ne", "bavlna"]
DELIVERIES = [("CESKA_POSTA", "89", "119"), ("PPL", "129", "159"), ("ZASILKOVNA", "69", "99"),
              ("DPD", "119", "149"), ("BALIKOVNA_BOX", "59", ""), ("GLS", "109", "139")]
POOL = 512  # fragments per pool; 9 random bits pick one

EncodedPools = tuple[list[bytes], list[bytes], list[bytes], list[bytes], list[bytes]]


def ean13(body12: str) -> str:
    """EAN-13 with a correct check digit, so validators downstream see realistic data."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body12)))
    return body12 + str((10 - total % 10) % 10)


# Weighted digit sums of 3-digit chunks for the GS1 check digit of "859" + 9-digit i, so a product's
# EAN costs three table lookups instead of a loop over 12 digits (weights 3,1,3,... from the right).
_W313 = [(k // 100) * 3 + (k // 10 % 10) + (k % 10) * 3 for k in range(1000)]
_W131 = [(k // 100) + (k // 10 % 10) * 3 + (k % 10) for k in range(1000)]
_PREFIX_859 = 9 * 1 + 5 * 3 + 8 * 1


def _check_859(i: int) -> int:
    total = _PREFIX_859 + _W313[i % 1000] + _W131[i // 1000 % 1000] + _W313[i // 1000000 % 1000]
    return (10 - total % 10) % 10


def _description(rng: random.Random) -> str:
    picked = rng.sample(SENTENCES, rng.randint(4, 7))
    items = "".join(f"<li>{s}</li>" for s in picked[2:])
    return (f"<h2>{rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS).lower()}</h2>"
            f"<p><strong>{picked[0]}</strong> {picked[1]}</p><ul>{items}</ul>")


def _params(rng: random.Random) -> str:
    names = rng.sample(PARAM_NAMES, rng.randint(3, 8))
    return "".join(
        f"    <PARAM>\n      <PARAM_NAME>{n}</PARAM_NAME>\n"
        f"      <VAL>{rng.choice(PARAM_VALUES)}</VAL>\n    </PARAM>\n"
        for n in names)


def _deliveries(rng: random.Random) -> str:
    out = []
    for carrier, price, cod in rng.sample(DELIVERIES, rng.randint(1, 3)):
        cod_line = f"      <DELIVERY_PRICE_COD>{cod}</DELIVERY_PRICE_COD>\n" if cod else ""
        out.append(f"    <DELIVERY>\n      <DELIVERY_ID>{carrier}</DELIVERY_ID>\n"
                   f"      <DELIVERY_PRICE>{price}</DELIVERY_PRICE>\n{cod_line}    </DELIVERY>\n")
    return "".join(out)


class Pools:
    """Pre-rendered runs of elements; a product is its ids plus five pool picks, so it costs little."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        dates = ["0", "0", "0", "1", "2", "5", "14", "2026-03-02"]  # mostly in stock, some days, one preorder
        self.names: list[str] = []  # PRODUCTNAME, PRODUCT, MANUFACTURER, HEUREKA_CPC
        for _ in range(POOL):
            brand = rng.choice(BRANDS)
            name = (f"{brand} {rng.choice(NOUNS)} {rng.choice(ADJECTIVES)} {rng.randint(10, 990)} "
                    f"{rng.choice(COLOURS + SIZES)}")
            self.names.append(
                f"    <PRODUCTNAME>{name}</PRODUCTNAME>\n    <PRODUCT>{name} | skladem</PRODUCT>\n"
                f"    <MANUFACTURER>{brand}</MANUFACTURER>\n"
                f"    <HEUREKA_CPC>{rng.randint(0, 3)},{rng.randint(1, 99):02d}</HEUREKA_CPC>\n")
        self.texts = [  # DESCRIPTION, DELIVERY_DATE
            f"    <DESCRIPTION><![CDATA[{_description(rng)}]]></DESCRIPTION>\n"
            f"    <DELIVERY_DATE>{rng.choice(dates)}</DELIVERY_DATE>\n"
            for _ in range(POOL)
        ]
        self.prices = [  # PRICE_VAT, VAT, CATEGORYTEXT
            f"    <PRICE_VAT>{rng.randint(49, 29990)}{rng.choice(['', '.90', ',50'])}</PRICE_VAT>\n"
            f"    <VAT>21</VAT>\n    <CATEGORYTEXT>Heureka.cz | {rng.choice(CATEGORIES)}</CATEGORYTEXT>\n"
            for _ in range(POOL)
        ]
        self.params = [_params(rng) for _ in range(POOL)]
        self.deliveries = [_deliveries(rng) for _ in range(POOL)]

    def encoded(self) -> EncodedPools:
        """The pools as UTF-8 bytes, in the order `product_bytes` unpacks them."""
        return tuple(  # type: ignore[return-value]
            [text.encode("utf-8") for text in pool]
            for pool in (self.names, self.texts, self.prices, self.params, self.deliveries)
        )


_IMG = "https://img.example-obchod.cz/"


def product_bytes(i: int, bits: int, pools: EncodedPools) -> bytes:
    """One SHOPITEM as UTF-8; `bits` (32 random bits) picks every fragment from the pre-encoded pools.

    Joining bytes avoids re-encoding ~2 KB of non-Latin-1 text per product, the largest cost otherwise.
    """
    names, texts, prices, params, deliveries = pools
    a, b, c, d = bits & 511, (bits >> 9) & 511, (bits >> 18) & 511, (bits >> 27) & 31
    item_id = f"P{i:08d}"
    alt = "".join([f"    <IMGURL_ALTERNATIVE>{_IMG}{item_id}-{n}.jpg</IMGURL_ALTERNATIVE>\n"
                   for n in range(2, 2 + (d & 3))])
    group = f"    <ITEMGROUP_ID>G{i // 4:07d}</ITEMGROUP_ID>\n" if d < 10 else ""
    return b"".join((
        f"  <SHOPITEM>\n    <ITEM_ID>{item_id}</ITEM_ID>\n".encode(), names[a], texts[b],
        f"    <URL>https://www.example-obchod.cz/p/{item_id}?varianta={c}&amp;zdroj=heureka</URL>\n"
        f"    <IMGURL>{_IMG}{item_id}-1.jpg</IMGURL>\n{alt}".encode(), prices[c],
        f"    <EAN>859{i:09d}{_check_859(i)}</EAN>\n".encode(), params[a ^ b], deliveries[b ^ c],
        f"{group}  </SHOPITEM>\n".encode(),
    ))


def write_feed(n: int, out: BinaryIO, seed: int = 42) -> None:
    """Stream N products into a binary stream, batch by batch."""
    pools = Pools(seed).encoded()
    getbits = random.Random(seed + 1).getrandbits
    out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<SHOP>\n')
    for start in range(0, n, BATCH):
        stop = min(start + BATCH, n)
        out.write(b"".join([product_bytes(i, getbits(32), pools) for i in range(start, stop)]))
    out.write(b"</SHOP>\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of products")
    parser.add_argument("out", type=Path, help="output file (.gz for gzip)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    tmp = args.out.with_name(args.out.name + ".part")  # a killed run never leaves a truncated feed behind
    with open(tmp, "wb") as raw:
        if args.out.suffix == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0) as gz:
                write_feed(args.n, gz, args.seed)  # type: ignore[arg-type]
        else:
            with io.BufferedWriter(raw, buffer_size=4 * 1024 * 1024) as buffered:
                write_feed(args.n, buffered, args.seed)
    tmp.replace(args.out)
    seconds = time.perf_counter() - started
    size = args.out.stat().st_size
    print(f"{args.n:,} products, {size / 1e6:,.1f} MB in {seconds:.1f} s -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
