"""Write the sample feeds in sample_feeds/ from small invented catalogues.

Why a script and not hand-typed files: GTIN/ISBN check digits must be right, the windows-1250
file must be real cp1250 bytes, and the gzip sample must be byte-identical run after run
(mtime 0). Every shop, product, brand and URL here is invented; domains are example domains.

Run from the repository root:  .venv/bin/python sample_feeds/_tools/make_samples.py
The output is committed; rerunning it must give the same bytes.
"""

# ruff: noqa: E501  (catalogue data: one product per line reads better than wrapped tuples)
from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

OUT = Path(__file__).resolve().parent.parent


# --- identifiers -------------------------------------------------------------------------------


def check_digit(body: str) -> str:
    """GS1 check digit (EAN-8/13, UPC, ISBN-13): weights 3,1,3,... from the right of the body."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def ean13(body12: str) -> str:
    """A valid EAN-13 from 12 digits."""
    assert len(body12) == 12 and body12.isdigit(), body12
    return body12 + check_digit(body12)


def ean8(body7: str) -> str:
    """A valid EAN-8 from 7 digits."""
    assert len(body7) == 7 and body7.isdigit(), body7
    return body7 + check_digit(body7)


# --- a tiny XML text builder --------------------------------------------------------------------


def tag(name: str, text: str | int | float, indent: int = 2, attrs: dict[str, str] | None = None) -> str:
    """One element on one line, text escaped."""
    attr_text = "".join(f" {k}={quoteattr(v)}" for k, v in (attrs or {}).items())
    return f"{' ' * indent}<{name}{attr_text}>{escape(str(text))}</{name}>"


def cdata(name: str, html: str, indent: int = 2) -> str:
    """HTML kept verbatim in CDATA, as most shop generators write descriptions."""
    return f"{' ' * indent}<{name}><![CDATA[{html}]]></{name}>"


def block(name: str, lines: Iterable[str], indent: int = 2) -> list[str]:
    pad = " " * indent
    return [f"{pad}<{name}>", *lines, f"{pad}</{name}>"]


def write(name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = OUT / name
    data = text.replace("\n", newline).encode(encoding)
    path.write_bytes(data)
    return path


# --- Heureka.cz: kitchen shop, everything the spec allows -------------------------------------


@dataclass
class Offer:
    """One variant/offer of an invented product; enough fields for every format here."""

    item_id: str
    name: str
    price: str
    ean: str = ""
    group: str = ""
    brand: str = ""
    category: list[str] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    images: int = 1
    delivery_date: str = "0"
    description: str = ""
    slug: str = ""


CZ_DELIVERIES = {
    "CESKA_POSTA": ("89", "119"),
    "PPL": ("129", "159"),
    "ZASILKOVNA": ("69", "99"),
    "BALIKOVNA_BOX": ("59", ""),
    "DPD_PICKUP": ("75", "105"),
}


def heureka_cz_offers() -> list[Offer]:
    """24 offers of a kitchen shop, with colour and size variants."""
    offers: list[Offer] = []
    base = "https://www.example-obchod.cz"
    pot_desc = (
        "<p><strong>Litinový hrnec</strong> udrží teplo dlouho po vypnutí plotýnky.</p>"
        "<ul><li>smaltovaný povrch, bez PFOA</li><li>vhodný do trouby až do 250 °C</li>"
        "<li>Vaření & pečení v jednom hrnci</li></ul>"
    )
    for n, (colour, code) in enumerate([("červená", "CER"), ("černá", "CRN"), ("modrá", "MOD")]):
        offers.append(Offer(
            f"HRN24-{code}", f"Železná kuchyně Kastrol 24 cm {colour}", "2490", ean13(f"85940310{n:03d}1"),
            "HRN24", "Železná kuchyně", ["Dům a zahrada", "Kuchyně", "Nádobí", "Hrnce"],
            [("Materiál", "litina smaltovaná"), ("Objem", "4,2 l"), ("Průměr", "24 cm"), ("Barva", colour),
             ("Vhodné pro indukci", "ano")], 3, "0", pot_desc, f"kastrol-24-{code.lower()}"))
    pan_desc = (
        "<p>Nerezová pánev s <em>třívrstvým dnem</em> pro rovnoměrné rozložení tepla.</p>"
        "<p>Rukojeť z nerezové oceli se při vaření nezahřívá.</p>"
    )
    for size, price in [("24", "890"), ("28", "1090"), ("32", "1390")]:
        offers.append(Offer(
            f"PAN-SEF-{size}", f"Šéfkuchař Nerezová pánev {size} cm", price, ean13(f"00123456{size}01"),
            "PAN-SEF", "Šéfkuchař", ["Dům a zahrada", "Kuchyně", "Nádobí", "Pánve"],
            [("Materiál", "nerezová ocel 18/10"), ("Průměr", f"{size} cm"), ("Hmotnost", "1,1 kg"),
             ("Vhodné pro indukci", "ano"), ("Myčka", "ano"), ("Poklice", "ne")], 2, "2", pan_desc,
            f"panev-sef-{size}"))
    offers.append(Offer(
        "KAV-EK15", "Lučina EK-15 pákový kávovar", "5990", ean13("859403119902"), "", "Lučina",
        ["Elektrospotřebiče", "Malé spotřebiče", "Kávovary", "Pákové kávovary"],
        [("Tlak", "15 bar"), ("Příkon", "1 350 W"), ("Objem nádržky", "1,5 l"), ("Napěňovač mléka", "ano"),
         ("Barva", "stříbrná")], 4, "2026-03-02",
        "<h2>Espresso jako z kavárny</h2><p>Pákový kávovar s tlakem <strong>15 bar</strong> a parní tryskou.</p>"
        "<p>Novinka: dodáváme od března 2026 &ndash; objednávejte předem.</p>", "kavovar-lucina-ek15"))
    knife_desc = "<p>Sada pěti kovaných nožů z <strong>japonské oceli</strong> v dřevěném bloku.</p>"
    offers.append(Offer(
        "NOZ-OSTRI-5", "Ostří Sada nožů 5 ks v bloku", "3290", ean13("859403120101"), "", "Ostří",
        ["Dům a zahrada", "Kuchyně", "Kuchyňské nože", "Sady nožů"],
        [("Počet kusů", "5"), ("Materiál čepele", "ocel VG-10"), ("Rukojeť", "ořechové dřevo")], 2, "5",
        knife_desc, "sada-nozu-ostri"))
    for colour, code in [("bílá", "BIL"), ("černá", "CRN")]:
        offers.append(Offer(
            f"KONV-VR-{code}", f"Vřídlo Rychlovarná konvice 1,7 l {colour}", "749",
            ean13(f"8594031202{len(offers):02d}"), "KONV-VR", "Vřídlo",
            ["Elektrospotřebiče", "Malé spotřebiče", "Rychlovarné konvice"],
            [("Objem", "1,7 l"), ("Příkon", "2 200 W"), ("Barva", colour), ("Materiál", "sklo a nerez")], 1, "0",
            "<p>Skleněná konvice s modrým podsvícením &amp; ochranou proti přehřátí.</p>", f"konvice-vridlo-{code}"))
    for volume, price in [("0,5 l", "189"), ("1 l", "239"), ("1,5 l", "289")]:
        code = volume.replace(",", "").replace(" ", "")
        offers.append(Offer(
            f"DOZA-BAMB-{code}", f"Skleněná dóza s bambusovým víkem {volume}", price,
            ean13(f"0040{len(offers):02d}77001{len(offers) % 10}"), "DOZA-BAMB", "Spižírna",
            ["Dům a zahrada", "Kuchyně", "Skladování potravin", "Dózy"],
            [("Objem", volume), ("Materiál", "borosilikátové sklo"), ("Víko", "bambus se silikonovým těsněním")],
            1, "3", "<p>Vzduchotěsná dóza na mouku, cukr, rýži či kávu.</p>", f"doza-bambus-{code}"))
    for colour, code in [("přírodní", "PRI"), ("šedá", "SED"), ("olivová", "OLI")]:
        offers.append(Offer(
            f"ZAST-LEN-{code}", f"Lněná zástěra Hrnek {colour}", "459", ean8(f"4003{len(offers):03d}"),
            "ZAST-LEN", "Hrnek", ["Dům a zahrada", "Kuchyně", "Kuchyňský textil", "Zástěry"],
            [("Materiál", "100 % len"), ("Barva", colour), ("Rozměr", "70 × 85 cm")], 2, "7",
            "<p>Ručně šitá zástěra z <b>předepraného lnu</b>, s kapsou.</p>", f"zastera-len-{code}"))
    simple = [
        ("PRK-BUK-40", "Bukové krájecí prkénko 40 × 25 cm", "399", "Dřevoděl",
         ["Dům a zahrada", "Kuchyně", "Prkénka"], [("Materiál", "buk"), ("Rozměr", "40 × 25 × 2 cm"),
                                                    ("Povrchová úprava", "olej")]),
        ("HRNKY-CAJ-4", "Čajovna Sada keramických hrnků 4 ks", "649", "Čajovna",
         ["Dům a zahrada", "Kuchyně", "Hrnky a šálky"], [("Počet kusů", "4"), ("Objem", "350 ml"),
                                                         ("Materiál", "kamenina"), ("Myčka", "ano")]),
        ("MIX-TOR-800", "Tornádo Stolní mixér 800 W", "1890", "Tornádo",
         ["Elektrospotřebiče", "Malé spotřebiče", "Mixéry"], [("Příkon", "800 W"), ("Objem nádoby", "1,5 l"),
                                                              ("Počet rychlostí", "5"), ("Drtič ledu", "ano")]),
        ("STRHL-4H", "Struhadlo čtyřhranné nerez", "219", "Šéfkuchař",
         ["Dům a zahrada", "Kuchyně", "Kuchyňské náčiní"], [("Materiál", "nerezová ocel"), ("Výška", "24 cm"),
                                                            ("Počet stran", "4")]),
        ("FORMA-BAB", "Forma na bábovku 22 cm s nepřilnavým povrchem", "329", "Pekárna Anežka",
         ["Dům a zahrada", "Kuchyně", "Pečení", "Formy na pečení"], [("Průměr", "22 cm"),
                                                                      ("Materiál", "uhlíková ocel"),
                                                                      ("Povrch", "nepřilnavý")]),
        ("VAHA-KUCH", "Digitální kuchyňská váha do 5 kg", "399", "Tornádo",
         ["Elektrospotřebiče", "Malé spotřebiče", "Kuchyňské váhy"], [("Nosnost", "5 kg"),
                                                                      ("Dílek", "1 g"), ("Napájení", "2× AAA")]),
        ("TERMO-HRN", "Termohrnek Ranní ptáče 450 ml", "499", "Hrnek",
         ["Dům a zahrada", "Kuchyně", "Termosky a termohrnky"], [("Objem", "450 ml"),
                                                                  ("Udrží teplo", "6 h"), ("Barva", "zelená")]),
    ]
    for i, (item_id, name, price, brand, cat, params) in enumerate(simple):
        offers.append(Offer(
            item_id, name, price, ean13(f"8594031230{i:02d}"), "", brand, cat, params, 1 + i % 3,
            str([0, 1, 4, 10][i % 4]),
            f"<p>{name}.</p><p>Skladem v naší prodejně v Brně, odesíláme do 24 hodin.</p>", item_id.lower()))
    for offer in offers:
        offer.slug = f"{base}/p/{offer.slug}"
    return offers


def write_heureka_cz() -> Path:
    """heureka_cz_params_delivery.xml: the full Heureka vocabulary in one UTF-8 file."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<SHOP>"]
    offers = heureka_cz_offers()
    for i, o in enumerate(offers):
        item = [tag("ITEM_ID", o.item_id, 4), tag("PRODUCTNAME", o.name, 4)]
        if i % 3 == 0:
            item.append(tag("PRODUCT", f"{o.name} + doprava zdarma nad 1 500 Kč", 4))
        item.append(cdata("DESCRIPTION", o.description, 4))
        item += [tag("URL", o.slug, 4), tag("IMGURL", f"https://img.example-obchod.cz/{o.item_id.lower()}-1.jpg", 4)]
        for n in range(2, o.images + 1):
            item.append(tag("IMGURL_ALTERNATIVE", f"https://img.example-obchod.cz/{o.item_id.lower()}-{n}.jpg", 4))
        item += [tag("PRICE_VAT", o.price, 4), tag("VAT", "21", 4)]
        item.append(tag("HEUREKA_CPC", ["1,25", "0,80", "2,10", "0,45"][i % 4], 4))
        item += [tag("MANUFACTURER", o.brand, 4),
                 tag("CATEGORYTEXT", " | ".join(["Heureka.cz", *o.category]), 4)]
        if o.ean:
            item.append(tag("EAN", o.ean, 4))
        item.append(tag("PRODUCTNO", f"{o.item_id.split('-')[0]}-{1000 + i}", 4))
        for name, value in o.params:
            item += block("PARAM", [tag("PARAM_NAME", name, 6), tag("VAL", value, 6)], 4)
        item.append(tag("DELIVERY_DATE", o.delivery_date, 4))
        carriers = list(CZ_DELIVERIES)[i % 3 : i % 3 + 2 + i % 2]
        for carrier in carriers:
            price, cod = CZ_DELIVERIES[carrier]
            if int(o.price) >= 1500:
                price, cod = "0", ("30" if cod else "")
            delivery = [tag("DELIVERY_ID", carrier, 6), tag("DELIVERY_PRICE", price, 6)]
            if cod:
                delivery.append(tag("DELIVERY_PRICE_COD", cod, 6))
            item += block("DELIVERY", delivery, 4)
        if o.group:
            item.append(tag("ITEMGROUP_ID", o.group, 4))
        if o.item_id == "KAV-EK15":
            item.append(tag("GIFT", "Ruční mlýnek na kávu Zrnko", 4, {"ID": "DAREK-MLYNEK"}))
            item += block("EXTENDED_WARRANTY", [tag("VAL", "36", 6), tag("DESC", "Prodloužená záruka 3 roky", 6)], 4)
            item.append(tag("ACCESSORY", "HRNKY-CAJ-4", 4))
            item.append(tag("SPECIAL_SERVICE", "Zaškolení obsluhy po telefonu", 4))
        if o.item_id == "NOZ-OSTRI-5":
            item += block("SALES_VOUCHER", [tag("CODE", "OSTRI10", 6), tag("DESC", "Sleva 10 % na brousek", 6)], 4)
        item.append(tag("ITEM_TYPE", "new", 4))
        lines += block("SHOPITEM", item, 2)
    lines.append("</SHOP>")
    return write("heureka_cz_params_delivery.xml", "\n".join(lines) + "\n")


# --- Heureka in windows-1250: an old hardware shop ---------------------------------------------


def write_heureka_cp1250() -> Path:
    """heureka_cp1250.xml: real cp1250 bytes, entity-escaped HTML, comma decimals."""
    products = [
        ("ZEL-001", "Šroubovák křížový PH2 × 100 mm", "89,90", "Dvořák Nářadí", "Ruční nářadí | Šroubováky"),
        ("ZEL-002", "Kladivo zámečnické 500 g", "219,00", "Dvořák Nářadí", "Ruční nářadí | Kladiva"),
        ("ZEL-003", "Skříňka na nářadí kovová", "1249,00", "Kovo Úštěk", "Dílna | Úložné systémy"),
        ("ZEL-004", "Pilka na železo s rámem", "149,50", "Dvořák Nářadí", "Ruční nářadí | Pily"),
        ("ZEL-005", "Žebřík hliníkový 3 × 7 příček", "3490,00", "Štafle Říčany", "Žebříky a lešení"),
        ("ZEL-006", "Úhlová bruska 125 mm, 900 W", "1590,00", "Řezník Tools", "Elektrické nářadí | Brusky"),
        ("ZEL-007", "Svěrák dílenský otočný 125 mm", "899,00", "Kovo Úštěk", "Dílna | Svěráky"),
        ("ZEL-008", "Hřebíky stavební 2,5 kg", "179,00", "Drátovna Ďáblice", "Spojovací materiál | Hřebíky"),
        ("ZEL-009", "Řetěz pozinkovaný 6 mm, metráž", "64,90", "Drátovna Ďáblice", "Spojovací materiál | Řetězy"),
        ("ZEL-010", "Sekera štípací 1 250 g", "549,00", "Řezník Tools", "Zahrada | Sekery"),
        ("ZEL-011", "Těsnicí páska teflonová 12 m", "19,90", "Kovo Úštěk", "Instalatérství | Těsnění"),
        ("ZEL-012", "Kleště štípací boční 160 mm", "259,00", "Dvořák Nářadí", "Ruční nářadí | Kleště"),
    ]
    lines = ['<?xml version="1.0" encoding="windows-1250"?>', "<SHOP>"]
    for i, (item_id, name, price, brand, cat) in enumerate(products):
        desc = (f"<p>{name} – „poctivé“ nářadí z Úštěku & okolí.</p>" if i % 2 == 0
                else f"<p>{name}. Žluťoučký kůň úpěl ďábelské ódy.</p>")
        item = [
            tag("ITEM_ID", item_id, 4), tag("PRODUCTNAME", name, 4), tag("DESCRIPTION", desc, 4),
            tag("URL", f"https://www.example-zelezarstvi.cz/zbozi/{item_id.lower()}", 4),
            tag("IMGURL", f"https://www.example-zelezarstvi.cz/foto/{item_id.lower()}.jpg", 4),
            tag("PRICE_VAT", price, 4), tag("VAT", "21", 4), tag("MANUFACTURER", brand, 4),
            tag("CATEGORYTEXT", f"Dům a zahrada | Nářadí | {cat}", 4),
            tag("EAN", ean13(f"85912345{i:04d}"), 4),
        ]
        item += block("PARAM", [tag("PARAM_NAME", "Záruka", 6), tag("VAL", "24 měsíců", 6)], 4)
        item += block("PARAM", [tag("PARAM_NAME", "Země původu", 6), tag("VAL", "Česká republika", 6)], 4)
        item.append(tag("DELIVERY_DATE", str(i % 4), 4))
        item += block("DELIVERY", [tag("DELIVERY_ID", "CESKA_POSTA", 6), tag("DELIVERY_PRICE", "99", 6),
                                   tag("DELIVERY_PRICE_COD", "129", 6)], 4)
        item += block("DELIVERY", [tag("DELIVERY_ID", "VLASTNI_PREPRAVA", 6), tag("DELIVERY_PRICE", "0", 6)], 4)
        lines += block("SHOPITEM", item, 2)
    lines.append("</SHOP>")
    return write("heureka_cp1250.xml", "\r\n".join(lines) + "\r\n", encoding="cp1250", newline="\n")


# --- Heureka.sk: a Slovak outdoor shop, EUR ----------------------------------------------------


def write_heureka_sk() -> Path:
    """heureka_sk_eur.xml: Slovak texts, EUR prices with decimals, SLOVENSKA_POSTA delivery."""
    rows: list[tuple[str, str, str, str, str, list[tuple[str, str]], str]] = []
    for size in ["41", "42", "43", "44", "45"]:
        rows.append((f"BEZ-RYCH-{size}", f"Rýchlik Bežecké topánky Ľahké krídla, veľkosť {size}", "89.90",
                     "Rýchlik", "Šport | Bežecký šport | Bežecká obuv",
                     [("Veľkosť", size), ("Farba", "modrá"), ("Pohlavie", "muž")], "BEZ-RYCH"))
    for colour in ["čierna", "zelená", "oranžová"]:
        code = {"čierna": "CIE", "zelená": "ZEL", "oranžová": "ORA"}[colour]
        rows.append((f"BAT-TAT30-{code}", f"Tatry Turistický batoh 30 l {colour}", "64.50", "Tatry Outdoor",
                     "Šport | Turistika | Batohy", [("Objem", "30 l"), ("Farba", colour), ("Hmotnosť", "0,9 kg")],
                     "BAT-TAT30"))
    simple = [
        ("PRIL-LAH", "Ľahká cyklistická prilba Sokol", "49.99", "Sokol", "Šport | Cyklistika | Prilby",
         [("Veľkosť", "M (54–58 cm)"), ("Hmotnosť", "260 g")]),
        ("TERM-DUMB", "Termoska Ďumbier 0,75 l", "24.90", "Tatry Outdoor", "Šport | Turistika | Termosky",
         [("Objem", "0,75 l"), ("Materiál", "nerezová oceľ")]),
        ("SPAC-KRIV", "Spací vak Kriváň −5 °C", "119.00", "Tatry Outdoor", "Šport | Turistika | Spacie vaky",
         [("Komfortná teplota", "−5 °C"), ("Dĺžka", "220 cm"), ("Hmotnosť", "1,4 kg")]),
        ("KARI-3CM", "Samonafukovacia karimatka 3 cm", "39.90", "Sokol", "Šport | Turistika | Karimatky",
         [("Hrúbka", "3 cm"), ("Rozmery", "183 × 51 cm")]),
        ("PALI-TREK", "Trekingové palice Ôsmy vrch, pár", "34.00", "Ôsmy vrch", "Šport | Turistika | Palice",
         [("Materiál", "hliník 7075"), ("Dĺžka", "65–135 cm")]),
        ("CELO-LED", "Čelovka LED 350 lm", "22.49", "Sokol", "Šport | Turistika | Čelovky",
         [("Svietivosť", "350 lm"), ("Napájanie", "3× AAA")]),
        ("FLAS-KOL", "Cyklistická fľaša 750 ml", "6.90", "Rýchlik", "Šport | Cyklistika | Fľaše",
         [("Objem", "750 ml")]),
    ]
    for item_id, name, price, brand, cat, params in simple:
        rows.append((item_id, name, price, brand, cat, params, ""))
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<SHOP>"]
    for i, (item_id, name, price, brand, cat, params, group) in enumerate(rows):
        item = [
            tag("ITEM_ID", item_id, 4), tag("PRODUCTNAME", name, 4),
            cdata("DESCRIPTION", f"<p>{name}. Doprava na Slovensku do 2 pracovných dní.</p>", 4),
            tag("URL", f"https://www.example-obchod.sk/produkt/{item_id.lower()}", 4),
            tag("IMGURL", f"https://www.example-obchod.sk/obrazky/{item_id.lower()}.jpg", 4),
            tag("PRICE_VAT", price, 4), tag("VAT", "23", 4), tag("HEUREKA_CPC", "0.12", 4),
            tag("MANUFACTURER", brand, 4), tag("CATEGORYTEXT", f"Heureka.sk | {cat}", 4),
            tag("EAN", ean13(f"858{i:03d}4455{i % 7}0"), 4),
        ]
        for pname, pval in params:
            item += block("PARAM", [tag("PARAM_NAME", pname, 6), tag("VAL", pval, 6)], 4)
        item.append(tag("DELIVERY_DATE", "0" if i % 5 else "3", 4))
        item += block("DELIVERY", [tag("DELIVERY_ID", "SLOVENSKA_POSTA", 6), tag("DELIVERY_PRICE", "3.90", 6),
                                   tag("DELIVERY_PRICE_COD", "4.90", 6)], 4)
        item += block("DELIVERY", [tag("DELIVERY_ID", "DPD", 6), tag("DELIVERY_PRICE", "4.50", 6),
                                   tag("DELIVERY_PRICE_COD", "5.50", 6)], 4)
        if group:
            item.append(tag("ITEMGROUP_ID", group, 4))
        lines += block("SHOPITEM", item, 2)
    lines.append("</SHOP>")
    return write("heureka_sk_eur.xml", "\n".join(lines) + "\n")


# --- Zboží.cz: a toy shop, default namespace ---------------------------------------------------


def write_zbozi() -> Path:
    """zbozi_namespaced.xml: default namespace, MAX_CPC, EXTRA_MESSAGE, LIST_PRICE, SHOP_DEPOTS."""
    toys = [
        ("HR-1001", "Kostička Stavebnice Hrad 520 dílků", "Kostička", "1299", "1599", "Hračky | Stavebnice",
         "od 6 let"),
        ("HR-1002", "Kostička Stavebnice Farma 210 dílků", "Kostička", "699", "", "Hračky | Stavebnice", "od 4 let"),
        ("HR-1003", "Dřevěná vláčkodráha Šťastná cesta", "Dřevíčko", "1890", "2190", "Hračky | Dřevěné hračky",
         "od 3 let"),
        ("HR-1004", "Plyšový medvěd Bručoun 40 cm", "Mazlíček", "449", "", "Hračky | Plyšové hračky", "od 0 let"),
        ("HR-1005", "Puzzle Praha Karlův most 1000 dílků", "Skládej", "329", "", "Hry | Puzzle", "od 12 let"),
        ("HR-1006", "Desková hra Cesta do Čech", "Skládej", "799", "899", "Hry | Deskové hry", "od 8 let"),
        ("HR-1007", "Panenka Anička s kočárkem", "Mazlíček", "999", "", "Hračky | Panenky", "od 3 let"),
        ("HR-1008", "Autodráha Rychlá kola 6,5 m", "Turbo", "1490", "1790", "Hračky | Autodráhy", "od 6 let"),
        ("HR-1009", "Odrážedlo Koníček dřevěné", "Dřevíčko", "1190", "", "Hračky | Odrážedla", "od 2 let"),
        ("HR-1010", "Kreativní sada Malý malíř", "Pastelka", "389", "", "Hobby | Výtvarné potřeby", "od 5 let"),
        ("HR-1011", "Stavebnice Robot Ťapka programovatelná", "Kostička", "2490", "2990",
         "Hračky | Elektronické hračky", "od 8 let"),
        ("HR-1012", "Kuličková dráha Spirála", "Dřevíčko", "899", "", "Hračky | Dřevěné hračky", "od 4 let"),
        ("HR-1013", "Vodní pistole Čvachtík", "Turbo", "159", "", "Hračky | Hračky na ven", "od 4 let"),
        ("HR-1014", "Dětský stan Indiánské týpí", "Mazlíček", "1090", "", "Hračky | Hračky na ven", "od 3 let"),
        ("HR-1015", "Magnetické písmenka 78 ks", "Pastelka", "249", "", "Hračky | Vzdělávací hračky", "od 3 let"),
    ]
    extras = ["free_delivery", "free_gift", "extended_warranty", "voucher", "free_store_pickup"]
    ns = "http://www.zbozi.cz/ns/offer/1.0"
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<SHOP xmlns="{ns}">']
    for i, (item_id, name, brand, price, list_price, cat, age) in enumerate(toys):
        item = [
            tag("ITEM_ID", item_id, 4), tag("PRODUCTNAME", name, 4),
            tag("PRODUCT", f"{name} – skladem, expedice ihned", 4),
            tag("DESCRIPTION", f"{name}. Hračka splňuje normu EN 71, vhodná {age}. Balení s českým návodem.", 4),
            tag("URL", f"https://www.example-hracky.cz/{item_id.lower()}?utm_source=zbozi&utm_medium=cpc", 4),
            tag("IMGURL", f"https://www.example-hracky.cz/img/{item_id.lower()}.jpg", 4),
        ]
        if i % 3 == 0:
            item.append(tag("IMGURL_ALTERNATIVE", f"https://www.example-hracky.cz/img/{item_id.lower()}-b.jpg", 4))
        item.append(tag("PRICE_VAT", price, 4))
        if list_price:
            item.append(tag("LIST_PRICE", list_price, 4))
        item += [tag("MAX_CPC", f"{1 + i % 4}.{(i * 25) % 100:02d}", 4),
                 tag("MAX_CPC_SEARCH", f"{2 + i % 3}.50", 4),
                 tag("MANUFACTURER", brand, 4), tag("CATEGORYTEXT", cat, 4),
                 tag("EAN", ean13(f"85940055{i:04d}"), 4), tag("PRODUCTNO", f"{brand[:2].upper()}{4000 + i}", 4)]
        item += block("PARAM", [tag("PARAM_NAME", "Věk dítěte", 6), tag("VAL", age, 6)], 4)
        item += block("PARAM", [tag("PARAM_NAME", "Materiál", 6),
                                tag("VAL", "dřevo" if brand == "Dřevíčko" else "plast", 6)], 4)
        item.append(tag("DELIVERY_DATE", "0" if i % 4 else "5", 4))
        item += block("DELIVERY", [tag("DELIVERY_ID", "ZASILKOVNA", 6), tag("DELIVERY_PRICE", "79", 6),
                                   tag("DELIVERY_PRICE_COD", "109", 6)], 4)
        item += block("DELIVERY", [tag("DELIVERY_ID", "CESKA_POSTA", 6), tag("DELIVERY_PRICE", "119", 6)], 4)
        item.append(tag("EXTRA_MESSAGE", extras[i % len(extras)], 4))
        if i % 2 == 0:
            item.append(tag("EXTRA_MESSAGE", extras[(i + 2) % len(extras)], 4))
            item.append(tag("SHOP_DEPOTS", "12345", 4))
        item += [tag("VISIBILITY", "1", 4), tag("ITEM_TYPE", "new", 4)]
        lines += block("SHOPITEM", item, 2)
    lines.append("</SHOP>")
    return write("zbozi_namespaced.xml", "\n".join(lines) + "\n")


# --- Google Merchant RSS: a fashion shop with variants ------------------------------------------

G = "g"


def g(name: str, text: str, indent: int = 6) -> str:
    return tag(f"{G}:{name}", text, indent)


def shipping(country: str, service: str, price: str, indent: int = 6, handling: tuple[int, int] | None = None
             ) -> list[str]:
    inner = [g("country", country, indent + 2), g("service", service, indent + 2), g("price", price, indent + 2)]
    if handling:
        inner += [g("min_handling_time", str(handling[0]), indent + 2),
                  g("max_handling_time", str(handling[1]), indent + 2)]
    return block(f"{G}:shipping", inner, indent)


def fashion_items() -> list[dict[str, str]]:
    """20 fashion offers: 3 groups of colour/size variants plus singles."""
    items: list[dict[str, str]] = []
    for colour, ccode in [("bílá", "BI"), ("černá", "CE")]:
        for size in ["S", "M", "L"]:
            items.append({"id": f"TRI-LEN-{ccode}-{size}", "group": "TRI-LEN", "title":
                          f"Dámské lněné tričko Lenka {colour} {size}", "color": colour, "size": size,
                          "gender": "female", "price": "690.00 CZK", "type": "Dámské > Trička",
                          "gpc": "212", "material": "len"})
    for colour, ccode in [("modrá", "MO"), ("zelená", "ZE")]:
        for size in ["38", "40", "42"]:
            items.append({"id": f"SAT-LET-{ccode}-{size}", "group": "SAT-LET", "title":
                          f"Letní šaty Květinka {colour} vel. {size}", "color": colour, "size": size,
                          "gender": "female", "price": "1290.00 CZK", "type": "Dámské > Šaty", "gpc": "2271",
                          "material": "viskóza"})
    for size in ["M", "L", "XL"]:
        items.append({"id": f"MIK-PAN-{size}", "group": "MIK-PAN", "title": f"Pánská mikina Horal šedá {size}",
                      "color": "šedá", "size": size, "gender": "male", "price": "1490.00 CZK",
                      "type": "Pánské > Mikiny", "gpc": "5598", "material": "bavlna"})
    singles = [
        ("SAL-HED", "Hedvábný šátek Vltava", "890.00 CZK", "Doplňky > Šátky", "177", "hedvábí", "unisex"),
        ("CEP-ZIM", "Pletená čepice Šumava", "390.00 CZK", "Doplňky > Čepice", "173", "merino vlna", "unisex"),
        ("TAS-KOZ", "Kožená kabelka Brno ručně šitá", "2490.00 CZK", "Doplňky > Kabelky", "3032", "kůže",
         "female"),
    ]
    for sid, title, price, ptype, gpc, material, gender in singles:
        items.append({"id": sid, "group": "", "title": title, "color": "", "size": "", "gender": gender,
                      "price": price, "type": ptype, "gpc": gpc, "material": material})
    return items


def write_google_rss() -> Path:
    """google_rss.xml: g: namespace, shipping groups, product_detail, availability with dates, sale_price."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">',
        "  <channel>",
        "    <title>Móda Lenka – dámské a pánské oblečení</title>",
        "    <link>https://www.example-moda.cz/</link>",
        "    <description>Lněné a bavlněné oblečení šité v Česku</description>",
    ]
    for i, it in enumerate(fashion_items()):
        slug = it["id"].lower()
        item = [g("id", it["id"]), tag("title", it["title"], 6),
                tag("description", f"{it['title']}. Materiál: {it['material']}. Šito v Česku, praní na 30 °C.", 6),
                tag("link", f"https://www.example-moda.cz/produkt/{slug}?barva=1&velikost=2", 6),
                g("image_link", f"https://www.example-moda.cz/img/{slug}.jpg")]
        for n in range(i % 3):
            item.append(g("additional_image_link", f"https://www.example-moda.cz/img/{slug}-{n + 2}.jpg"))
        if i % 7 == 3:
            item += [g("availability", "out_of_stock")]
        elif i % 7 == 5:
            item += [g("availability", "preorder"), g("availability_date", "2026-04-01T00:00+0100")]
        else:
            item.append(g("availability", "in_stock"))
        item.append(g("price", it["price"]))
        if i % 4 == 1:
            amount = float(it["price"].split()[0]) * 0.8
            item += [g("sale_price", f"{amount:.2f} CZK"),
                     g("sale_price_effective_date", "2026-02-01T00:00+0100/2026-02-28T23:59+0100")]
        item += [g("condition", "new"), g("brand", "Lenka Atelier" if it["gender"] != "male" else "Horal")]
        if it["id"] == "TAS-KOZ":
            item.append(g("identifier_exists", "no"))  # handmade: no GTIN, no MPN
        else:
            item.append(g("gtin", ean13(f"859407700{i:03d}")))
        item += [g("google_product_category", it["gpc"]), g("product_type", it["type"])]
        if it["group"]:
            item += [g("item_group_id", it["group"]), g("color", it["color"]), g("size", it["size"]),
                     g("size_system", "EU")]
        item += [g("gender", it["gender"]), g("age_group", "adult"), g("material", it["material"])]
        item += block(f"{G}:product_detail", [g("section_name", "Složení", 8), g("attribute_name", "Materiál", 8),
                                              g("attribute_value", f"100 % {it['material']}", 8)], 6)
        item += block(f"{G}:product_detail", [g("section_name", "Péče", 8), g("attribute_name", "Praní", 8),
                                              g("attribute_value", "30 °C, šetrný program", 8)], 6)
        item += shipping("CZ", "Zásilkovna", "69.00 CZK", handling=(0, 1))
        item += shipping("CZ", "PPL", "119.00 CZK")
        item += shipping("SK", "Packeta SK", "99.00 CZK")
        item.append(g("shipping_weight", "0.4 kg"))
        lines += block("item", item, 4)
    lines += ["  </channel>", "</rss>"]
    return write("google_rss.xml", "\n".join(lines) + "\n")


# --- Google Merchant Atom: a herbal cosmetics shop ---------------------------------------------


def write_google_atom() -> Path:
    """google_atom.xml: Atom 1.0 envelope, title/link/summary in Atom, the rest in g:."""
    products = [
        ("KOS-001", "Měsíčkový krém na ruce 75 ml", "189.00 CZK", "krém"),
        ("KOS-002", "Heřmánkový šampon 250 ml", "159.00 CZK", "šampon"),
        ("KOS-003", "Levandulové mýdlo ručně vařené 100 g", "89.00 CZK", "mýdlo"),
        ("KOS-004", "Šípkový pleťový olej 30 ml", "349.00 CZK", "olej"),
        ("KOS-005", "Balzám na rty s včelím voskem", "79.00 CZK", "balzám"),
        ("KOS-006", "Bylinný deodorant Šalvěj 50 ml", "199.00 CZK", "deodorant"),
        ("KOS-007", "Tělové mléko Lipový květ 200 ml", "229.00 CZK", "mléko"),
        ("KOS-008", "Jílová maska Čistá pleť 100 g", "259.00 CZK", "maska"),
        ("KOS-009", "Kondicionér Kopřiva 250 ml", "169.00 CZK", "kondicionér"),
        ("KOS-010", "Dárková sada Bylinková zahrádka", "590.00 CZK", "sada"),
        ("KOS-011", "Koupelová sůl Rozmarýn 400 g", "139.00 CZK", "sůl"),
        ("KOS-012", "Krém na nohy Máta a čajovník 100 ml", "179.00 CZK", "krém"),
    ]
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">',
        "  <title>Bylinková lékárna – přírodní kosmetika</title>",
        '  <link rel="self" href="https://www.example-bylinky.cz/feeds/google.atom"/>',
        "  <id>https://www.example-bylinky.cz/feeds/google.atom</id>",
        "  <updated>2026-01-15T08:00:00+01:00</updated>",
        "  <author><name>Bylinková lékárna s.r.o.</name></author>",
    ]
    for i, (pid, title, price, kind) in enumerate(products):
        url = f"https://www.example-bylinky.cz/{pid.lower()}"
        entry = [
            tag("id", f"tag:example-bylinky.cz,2026:{pid}", 4), g("id", pid, 4), tag("title", title, 4),
            f'    <link href="{url}"/>', tag("updated", "2026-01-15T08:00:00+01:00", 4),
            tag("summary", f"{title}: přírodní {kind} bez parabenů a silikonů, vyrobeno v Jeseníkách.", 4),
            g("image_link", f"https://www.example-bylinky.cz/img/{pid.lower()}.jpg", 4),
            g("availability", "in_stock" if i % 5 else "backorder", 4),
        ]
        if i % 5 == 0:
            entry.append(g("availability_date", "2026-02-10T00:00+0100", 4))
        entry += [g("price", price, 4), g("condition", "new", 4), g("brand", "Bylinková lékárna", 4),
                  g("gtin", ean13(f"859406600{i:03d}"), 4),
                  g("google_product_category", "Health & Beauty > Personal Care > Cosmetics", 4),
                  g("product_type", f"Kosmetika > {kind.capitalize()}", 4)]
        entry += shipping("CZ", "Balíkovna", "59.00 CZK", 4)
        lines += block("entry", entry, 2)
    lines.append("</feed>")
    return write("google_atom.xml", "\n".join(lines) + "\n")


# --- Meta catalog RSS: a furniture shop ------------------------------------------------------


def write_meta_rss() -> Path:
    """meta_rss.xml: Google RSS vocabulary with Meta's spaced availability values and rich_text_description."""
    products = [
        ("NAB-001", "Dubový jídelní stůl Hostinec 180 × 90 cm", "18990.00 CZK", "dub", "in stock"),
        ("NAB-002", "Jídelní židle Kaplička, buk", "2490.00 CZK", "buk", "in stock"),
        ("NAB-003", "Knihovna Čtenář 5 polic", "5990.00 CZK", "borovice", "out of stock"),
        ("NAB-004", "Konferenční stolek Rybník", "3490.00 CZK", "ořech", "in stock"),
        ("NAB-005", "Postel Šumava 160 × 200 cm", "14990.00 CZK", "smrk", "available for order"),
        ("NAB-006", "Noční stolek Pohádka", "1990.00 CZK", "dub", "in stock"),
        ("NAB-007", "Komoda Babiččina se 4 zásuvkami", "8490.00 CZK", "buk", "in stock"),
        ("NAB-008", "Věšák na zeď Parohy", "890.00 CZK", "jasan", "in stock"),
        ("NAB-009", "Lavice do předsíně Chalupa", "3990.00 CZK", "smrk", "preorder"),
        ("NAB-010", "Psací stůl Student 120 cm", "4490.00 CZK", "bříza", "in stock"),
        ("NAB-011", "Botník Cestovatel", "2290.00 CZK", "borovice", "out of stock"),
        ("NAB-012", "Houpací křeslo Děda", "6990.00 CZK", "buk", "in stock"),
    ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">',
        "  <channel>",
        "    <title>Nábytek Dřevák – katalog pro Facebook a Instagram</title>",
        "    <link>https://www.example-nabytek.cz</link>",
        "    <description>Masivní nábytek z české dílny</description>",
    ]
    for i, (pid, title, price, wood, avail) in enumerate(products):
        slug = pid.lower()
        item = [
            g("id", pid), g("title", title),
            g("description", f"{title} z masivu ({wood}), povrch olej-vosk. Vyrobeno na Vysočině."),
            cdata("g:rich_text_description",
                  f"<p><b>{title}</b></p><ul><li>masiv: {wood}</li><li>ruční výroba</li></ul>", 6),
            g("availability", avail), *([g("availability_date", "2026-03-01T00:00+0100")] if avail == "preorder" else []),
            g("condition", "new"), g("price", price),
            g("link", f"https://www.example-nabytek.cz/{slug}"),
            g("image_link", f"https://www.example-nabytek.cz/foto/{slug}.jpg"),
            g("additional_image_link", f"https://www.example-nabytek.cz/foto/{slug}-detail.jpg"),
            g("brand", "Dřevák"), g("google_product_category", "436"), g("product_type", "Nábytek"),
            g("material", wood), g("quantity_to_sell_on_facebook", str(0 if "out" in avail else 3 + i)),
        ]
        if i % 3 == 0:
            amount = float(price.split()[0]) * 0.9
            item.append(g("sale_price", f"{amount:.2f} CZK"))
        item += shipping("CZ", "Doprava nábytku", "590.00 CZK")
        lines += block("item", item, 4)
    lines += ["  </channel>", "</rss>"]
    return write("meta_rss.xml", "\n".join(lines) + "\n")


# --- Meta catalog CSV: home textiles ---------------------------------------------------------


def write_meta_csv() -> Path:
    """meta_catalog.csv: # ref_application_id comment, quoted commas and doubled quotes."""
    header = ["id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand",
              "sale_price", "item_group_id", "color", "size", "additional_image_link", "shipping"]
    rows: list[list[str]] = []
    pillows = [("levandulová", "LEV"), ("šedá", "SED"), ("hořčicová", "HOR")]
    for colour, code in pillows:
        for size in ["40 × 40 cm", "50 × 50 cm"]:
            scode = size.split()[0]
            pid = f"POL-{code}-{scode}"
            rows.append([pid, f'Polštář "Domov" {colour}, {size}', f"Povlak ze 100% bavlny, barva {colour}, "
                         "zip na boku, výplň z dutého vlákna", "in stock", "new",
                         "349.00 CZK" if scode == "40" else "449.00 CZK",
                         f"https://www.example-textil.cz/{pid.lower()}",
                         f"https://www.example-textil.cz/img/{pid.lower()}.jpg", "Textil Domov",
                         "", f"POL-{code}", colour, size,
                         f"https://www.example-textil.cz/img/{pid.lower()}-2.jpg,"
                         f"https://www.example-textil.cz/img/{pid.lower()}-3.jpg", "CZ::Standard:79 CZK"])
    others = [
        ("DEK-MER", 'Deka "Babiččina" z merino vlny, 150 × 200 cm', "1890.00 CZK", "1590.00 CZK", "béžová"),
        ("RUC-FROT", "Osuška froté, 70 × 140 cm", "299.00 CZK", "", "bílá"),
        ("UBR-LEN", 'Lněný ubrus "Svátek", 140 × 180 cm', "790.00 CZK", "", "přírodní"),
        ("ZAV-SIF", "Šifonová záclona, 300 × 250 cm", "590.00 CZK", "490.00 CZK", "bílá"),
        ("POV-SAT", "Saténové povlečení, 140 × 200 cm + 70 × 90 cm", "1290.00 CZK", "", "šampaň"),
        ("PRO-JER", "Jersey prostěradlo s gumou, 90 × 200 cm", "349.00 CZK", "", "mátová"),
        ("KOB-KOU", "Koupelnová předložka, 50 × 80 cm", "259.00 CZK", "", "šedá"),
        ("CHN-KUCH", 'Kuchyňské utěrky "Hrneček", sada 3 ks', "199.00 CZK", "", "modrá"),
        ("ZAST-DET", "Dětská zástěra, vel. 104–116", "289.00 CZK", "", "růžová"),
    ]
    for pid, title, price, sale, colour in others:
        rows.append([pid, title, f'{title}. Barva: {colour}. Praní na 40 °C, "nežehlit".', "in stock"
                     if pid != "ZAV-SIF" else "out of stock", "new", price,
                     f"https://www.example-textil.cz/{pid.lower()}", f"https://www.example-textil.cz/img/"
                     f"{pid.lower()}.jpg", "Textil Domov", sale, "", colour, "", "", "CZ::Standard:79 CZK"])
    buf = io.StringIO()
    buf.write("# ref_application_id 481516234200001\n# ref_asset_id 900100200300\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return write("meta_catalog.csv", buf.getvalue())


# --- Mergado XML 1.10: a pet shop -------------------------------------------------------------


def write_mergado() -> Path:
    """mergado.xml: CHANNEL/ITEM in the 1.10 namespace, PARAM NAME/VALUE, DELIVERY ID/PRICE/PRICE_COD."""
    rows = []
    for weight, price in [("2 kg", "349"), ("7 kg", "989"), ("15 kg", "1890")]:
        rows.append((f"GRAN-DOSP-{weight.split()[0]}", f"Chlupáč Granule pro dospělé psy kuře a rýže {weight}",
                     price, "Chlupáč", "Chovatelské potřeby / Psi / Krmivo", "GRAN-DOSP", [("Hmotnost", weight),
                     ("Příchuť", "kuře a rýže"), ("Věk psa", "dospělý")]))
    simple = [
        ("PEL-OV", "Pelíšek oválný Spáček 60 cm", "699", "Spáček", "Chovatelské potřeby / Psi / Pelíšky",
         [("Rozměr", "60 × 45 cm"), ("Barva", "hnědá")]),
        ("VOD-NAV", "Vodítko navíjecí 5 m", "329", "Tlapka", "Chovatelské potřeby / Psi / Vodítka",
         [("Délka", "5 m"), ("Nosnost", "25 kg")]),
        ("SKRAB-KOC", "Škrabadlo pro kočky Věž 120 cm", "1490", "Mourek", "Chovatelské potřeby / Kočky / Škrabadla",
         [("Výška", "120 cm"), ("Materiál", "sisal a plyš")]),
        ("STEL-BEN", "Stelivo bentonitové hrudkující 10 l", "199", "Mourek", "Chovatelské potřeby / Kočky / Stelivo",
         [("Objem", "10 l"), ("Vůně", "bez parfemace")]),
        ("AKV-60", "Akvárium 60 l s osvětlením", "2290", "Ploutev", "Chovatelské potřeby / Akvaristika / Akvária",
         [("Objem", "60 l"), ("Rozměr", "61 × 31 × 36 cm")]),
        ("KLEC-KRAL", "Klec pro králíky Zahrádka 100 cm", "1790", "Ušák", "Chovatelské potřeby / Hlodavci / Klece",
         [("Délka", "100 cm")]),
        ("HRAC-LAN", "Hračka pro psy přetahovadlo z lana", "129", "Tlapka", "Chovatelské potřeby / Psi / Hračky",
         [("Délka", "40 cm")]),
        ("KRM-KOC-KAPS", "Kapsička pro kočky losos 12 × 85 g", "259", "Mourek",
         "Chovatelské potřeby / Kočky / Krmivo", [("Hmotnost", "12 × 85 g"), ("Příchuť", "losos")]),
        ("OBOJ-REF", "Reflexní obojek Viditelný 45 cm", "189", "Tlapka", "Chovatelské potřeby / Psi / Obojky",
         [("Délka", "45 cm"), ("Barva", "oranžová")]),
        ("PTAC-ZOB", "Zob pro andulky 1 kg", "89", "Pírko", "Chovatelské potřeby / Ptáci / Krmivo",
         [("Hmotnost", "1 kg")]),
        ("TERA-40", "Terárium 40 × 30 × 30 cm", "1390", "Ještěrka", "Chovatelské potřeby / Teraristika / Terária",
         [("Rozměr", "40 × 30 × 30 cm")]),
        ("FONT-KOC", "Fontána pro kočky 2 l", "749", "Mourek", "Chovatelské potřeby / Kočky / Misky",
         [("Objem", "2 l"), ("Napájení", "USB")]),
    ]
    rows += [(pid, name, price, brand, cat, "", params) for pid, name, price, brand, cat, params in simple]
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<CHANNEL xmlns="http://www.mergado.com/ns/1.10">',
             "  <LINK>https://www.example-zverimex.cz</LINK>", "  <GENERATOR>feedhub_sample_1_0</GENERATOR>"]
    for i, (pid, name, price, brand, cat, group, params) in enumerate(rows):
        slug = pid.lower()
        item = [tag("ITEM_ID", pid, 4)]
        if group:
            item.append(tag("ITEMGROUP_ID", group, 4))
        item += [tag("NAME_EXACT", name, 4), tag("NAME_COMMERCIAL", f"{name} | Zverimex Chlupáč", 4),
                 cdata("DESCRIPTION", f"<p>{name}.</p><p>Osobní odběr na prodejně v Olomouci zdarma.</p>", 4),
                 tag("DESCRIPTION_SHORT", name, 4), tag("CATEGORY", cat, 4),
                 tag("URL", f"https://www.example-zverimex.cz/{slug}", 4),
                 tag("IMAGE", f"https://www.example-zverimex.cz/obr/{slug}.jpg", 4)]
        if i % 2:
            item.append(tag("IMAGE_ALTERNATIVE", f"https://www.example-zverimex.cz/obr/{slug}-2.jpg", 4))
        item += [tag("PRICE_VAT", f"{price}.00", 4), tag("VAT", "21", 4), tag("CURRENCY", "CZK", 4),
                 tag("BRAND", brand, 4), tag("PRODUCER", brand, 4), tag("EAN", ean13(f"859408800{i:03d}"), 4),
                 tag("CONDITION", "new", 4)]
        if i % 6 == 5:
            item += [tag("AVAILABILITY", "preorder", 4), tag("RELEASE_DATE", "15-03-2026", 4),
                     tag("DELIVERY_DAYS", "30", 4)]
        else:
            item += [tag("AVAILABILITY", "in stock", 4), tag("DELIVERY_DAYS", str(i % 3), 4),
                     tag("STOCK_QUANTITY", str(3 + i * 2), 4)]
        for pname, pval in params:
            item += block("PARAM", [tag("NAME", pname, 6), tag("VALUE", pval, 6)], 4)
        item += block("DELIVERY", [tag("ID", "ZASILKOVNA", 6), tag("PRICE", "69", 6), tag("PRICE_COD", "99", 6)], 4)
        item += block("DELIVERY", [tag("ID", "PPL", 6), tag("PRICE", "119", 6), tag("PRICE_COD", "149", 6)], 4)
        item += [tag("WARRANTY", "24", 4), tag("CPC", f"{0.6 + i * 0.05:.2f}", 4)]
        if int(price) >= 1000:
            item += [tag("EXTRA_MESSAGE", "free_delivery", 4), tag("BENEFIT", "Doprava zdarma", 4)]
        lines += block("ITEM", item, 2)
    lines.append("</CHANNEL>")
    return write("mergado.xml", "\n".join(lines) + "\n")


# --- a custom PRODUCTS/PRODUCT export: a bookshop ----------------------------------------------


def isbn13(body12: str) -> str:
    return body12 + check_digit(body12)


def write_products_generic() -> Path:
    """products_generic.xml: a shop's own schema with attributes on items, images and prices."""
    books = [
        ("Jaro na Vysočině", "Marie Dvořáková", "Beletrie", "349"),
        ("Tajemství starého mlýna", "Jan Kovář", "Detektivky", "299"),
        ("Vaříme s babičkou", "Ludmila Černá", "Kuchařky", "449"),
        ("Dějiny českých hradů", "Petr Šťastný", "Historie", "599"),
        ("Malý průvodce houbami", "Ondřej Hříbek", "Příroda", "259"),
        ("Kočka, která uměla číst", "Eliška Nováková", "Dětské knihy", "229"),
        ("Řemeslo truhlářské", "Václav Dřevo", "Hobby", "399"),
        ("Poezie ze Žižkova", "Tereza Ďurišová", "Poezie", "189"),
        ("Zahrada po celý rok", "Anna Zelená", "Příroda", "379"),
        ("Cesty po Slovensku", "Ľubomír Horák", "Cestování", "429"),
        ("Matematika pro zvídavé", "Jiří Počet", "Populárně naučné", "319"),
        ("Pohádky od Úpy", "Božena Ryšavá", "Dětské knihy", "279"),
    ]
    cat_ids = {c: str(10 + n) for n, c in enumerate(sorted({b[2] for b in books}))}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<PRODUCTS generated="2026-01-15T06:00:00+01:00" shop="Knihkupectví Na Rohu">']
    for i, (title, author, cat, price) in enumerate(books):
        pid = f"K-{1001 + i}"
        isbn = isbn13(f"97880{7000 + i * 13:04d}{i % 10:03d}")
        attrs = {"id": pid, "available": "true" if i % 4 else "false"}
        attr_text = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
        item = [tag("TITLE", title, 4), tag("AUTHOR", author, 4), tag("ISBN", isbn, 4),
                tag("PUBLISHER", "Nakladatelství Lipka", 4), tag("YEAR", str(2019 + i % 7), 4),
                tag("PAGES", str(120 + i * 37), 4),
                tag("PRICE", price, 4, {"currency": "CZK", "vat": "0"}),
                *block("CATEGORIES", [tag("CATEGORY", cat, 6, {"id": cat_ids[cat]})], 4),
                tag("URL", f"https://www.example-knihy.cz/kniha/{pid.lower()}", 4),
                *block("IMAGES", [
                    tag("IMAGE", f"https://www.example-knihy.cz/obalky/{pid.lower()}-predni.jpg", 6,
                        {"description": "Přední strana obálky", "main": "1"}),
                    tag("IMAGE", f"https://www.example-knihy.cz/obalky/{pid.lower()}-zadni.jpg", 6,
                        {"description": "Zadní strana obálky"}),
                ], 4),
                tag("STOCK", str(i % 4 and 2 + i), 4, {"warehouse": "Praha"}),
                tag("ANNOTATION", f"„{title}“ – {author}. Vázaná kniha, česky.", 4)]
        lines += [f"  <PRODUCT{attr_text}>", *item, "  </PRODUCT>"]
    lines.append("</PRODUCTS>")
    return write("products_generic.xml", "\n".join(lines) + "\n")


# --- shop CSV export: a drugstore, semicolons, CRLF, BOM ---------------------------------------


def write_shop_csv() -> Path:
    """shop_export.csv: the way Czech Excel saves CSV: ';', CRLF, UTF-8 with BOM, decimal commas."""
    header = ["kód", "název", "popis", "cena s DPH", "DPH", "EAN", "výrobce", "kategorie", "skladem ks",
              "obrázek", "URL"]
    goods = [
        ("Prací gel Květinová louka 3 l", "Kapka", "Prací prostředky", "249,90"),
        ("Aviváž Levandule 2 l", "Kapka", "Prací prostředky", "119,00"),
        ("Mýdlo tekuté Mléko a med 500 ml", "Mydlárna", "Mýdla", "69,90"),
        ("Zubní pasta Bylinná 75 ml", "Úsměv", "Ústní hygiena", "54,90"),
        ("Zubní kartáček střední", "Úsměv", "Ústní hygiena", "39,90"),
        ("Šampon na suché vlasy 400 ml", "Vlasáč", "Vlasová kosmetika", "99,90"),
        ("Toaletní papír 3vrstvý, 8 rolí", "Něžnost", "Hygienické potřeby", "89,00"),
        ("Papírové kapesníky 10 × 10 ks", "Něžnost", "Hygienické potřeby", "34,90"),
        ("Čistič na okna s rozprašovačem 500 ml", "Lesk", "Čisticí prostředky", "64,90"),
        ("Prostředek na nádobí Citron 1 l", "Lesk", "Čisticí prostředky", "49,90"),
        ("Osvěžovač vzduchu Borovice", "Lesk", "Čisticí prostředky", "79,90"),
        ("Krém na ruce Heřmánek 100 ml", "Mydlárna", "Péče o tělo", "59,90"),
        ("Sprchový gel Mořský vánek 250 ml", "Mydlárna", "Péče o tělo", "44,90"),
        ("Vatové tyčinky 200 ks", "Něžnost", "Hygienické potřeby", "29,90"),
        ("Odličovací tampony 120 ks", "Něžnost", "Hygienické potřeby", "39,90"),
        ("Deodorant Svěžest 150 ml", "Úsměv", "Péče o tělo", "84,90"),
        ("Gel na WC Oceán 750 ml", "Lesk", "Čisticí prostředky", "59,90"),
        ("Houbičky na nádobí; 10 ks", "Lesk", "Čisticí prostředky", "24,90"),
        ("Dětský šampon Bez slziček 300 ml", "Vlasáč", "Dětská kosmetika", "89,90"),
        ("Pleťový krém Šípek 50 ml", "Mydlárna", "Péče o pleť", "149,00"),
    ]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for i, (name, brand, cat, price) in enumerate(goods):
        code = f"{i + 1:05d}"
        ean = ean13(f"00{i:02d}7712345{i % 10}") if i % 3 == 0 else ean13(f"85940991{i:04d}")
        writer.writerow([code, name, f"{name}. Výrobce: {brand}; dovozce: Drogerie Kapka s.r.o.", price,
                         "21", ean, brand, f"Drogerie > {cat}", str((i * 7) % 40),
                         f"https://www.example-drogerie.cz/img/{code}.jpg",
                         f"https://www.example-drogerie.cz/zbozi/{code}"])
    return write("shop_export.csv", "\ufeff" + buf.getvalue())


# --- Google TSV: a coffee roastery, repeated columns -------------------------------------------


def write_google_tsv() -> Path:
    """google.tsv: Google text feed with additional_image_link as two columns and colon-syntax shipping."""
    header = ["id", "title", "description", "link", "image_link", "additional_image_link",
              "additional_image_link", "availability", "price", "sale_price", "brand", "gtin", "condition",
              "google_product_category", "product_type", "item_group_id", "size", "shipping"]
    coffees = [("Etiopie Yirgacheffe", "Etiopie"), ("Kolumbie Huila", "Kolumbie"), ("Brazílie Santos", "Brazílie"),
               ("Keňa AA Nyeri", "Keňa"), ("Guatemala Antigua", "Guatemala")]
    lines = ["\t".join(header)]
    n = 0
    for name, origin in coffees:
        for weight, price in [("250 g", "289.00"), ("1 kg", "990.00")]:
            wcode = weight.replace(" ", "")
            pid = f"ZRN-{origin[:3].upper()}-{wcode.upper()}"
            slug = pid.lower()
            img2 = f"https://www.example-prazirna.cz/img/{slug}-2.jpg"
            img3 = f"https://www.example-prazirna.cz/img/{slug}-3.jpg" if n % 2 else ""
            sale = f"{float(price) * 0.85:.2f} CZK" if n % 4 == 0 else ""
            lines.append("\t".join([
                pid, f"Zrnková káva {name} {weight}", f"Výběrová káva z oblasti {origin}, pražená v Olomouci.",
                f"https://www.example-prazirna.cz/kava/{slug}", f"https://www.example-prazirna.cz/img/{slug}.jpg",
                img2, img3, "in_stock" if n % 5 else "out_of_stock", f"{price} CZK", sale, "Pražírna Zrnko",
                ean13(f"859405500{n:03d}"), "new", "1868", "Káva > Zrnková káva", f"ZRN-{origin[:3].upper()}",
                weight, "CZ::Zásilkovna:69 CZK"]))
            n += 1
    for pid, title, price in [("PRE-V60", "Dripper V60 keramický", "590.00"), ("MLY-RUC", "Ruční mlýnek na kávu",
                                                                                "1290.00"),
                              ("FIL-100", "Papírové filtry 100 ks", "149.00"), ("KON-GOO", "Konvička s husím krkem",
                                                                                  "890.00"),
                              ("VAH-KAV", "Kávová váha s časovačem", "790.00")]:
        slug = pid.lower()
        lines.append("\t".join([
            pid, title, f"{title} pro domácí přípravu filtrované kávy.", f"https://www.example-prazirna.cz/{slug}",
            f"https://www.example-prazirna.cz/img/{slug}.jpg", f"https://www.example-prazirna.cz/img/{slug}-2.jpg",
            "", "in_stock", f"{price} CZK", "", "Pražírna Zrnko", ean13(f"859405500{n:03d}"), "new", "3988",
            "Příslušenství > Příprava kávy", "", "", "CZ::Zásilkovna:69 CZK"]))
        n += 1
    return write("google.tsv", "\n".join(lines) + "\n")


def write_gzip(source: Path) -> Path:
    """heureka_gzip.xml.gz: the Slovak feed gzipped with mtime 0 (identical bytes on every run)."""
    target = OUT / "heureka_gzip.xml.gz"
    with open(target, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(source.read_bytes())
    return target


def main() -> None:
    write_heureka_cz()
    write_heureka_cp1250()
    sk = write_heureka_sk()
    write_zbozi()
    write_google_rss()
    write_google_atom()
    write_meta_rss()
    write_meta_csv()
    write_mergado()
    write_products_generic()
    write_shop_csv()
    write_google_tsv()
    write_gzip(sk)


if __name__ == "__main__":
    main()
