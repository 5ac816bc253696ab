"""Validation per target format: each problem named with its element, products never dropped."""

from __future__ import annotations

import random

import pytest

from feeds.channels.validate import make_validator
from feeds.exports.validate import Validator
from feeds.model import Product
from tests.feeds.channels.test_convert import Spec, element, item, pairs

HEUREKA_OK: tuple[Spec, ...] = (
    ("ITEM_ID", "A-1"),
    ("PRODUCTNAME", "Konvice"),
    ("URL", "https://shop.cz/a-1"),
    ("IMGURL", "https://shop.cz/a-1.jpg"),
    ("PRICE_VAT", "899,50"),
    ("CATEGORYTEXT", "Domácnost | Konvice"),
    ("DELIVERY_DATE", "0"),
    ("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "99")]),
)


def heureka(*changes: Spec, drop: tuple[str, ...] = ()) -> Product:
    """The valid Heureka item with elements replaced by `changes` and `drop`ped ones removed."""
    names = {c[0] for c in changes} | set(drop)
    return item("SHOPITEM", *[c for c in HEUREKA_OK if c[0] not in names], *changes)


class TestHeureka:
    def test_valid_item_has_no_problems(self) -> None:
        assert make_validator("heureka")(heureka()) == []

    @pytest.mark.parametrize(
        ("product", "expected"),
        [
            (heureka(drop=("PRICE_VAT",)), ["missing PRICE_VAT"]),
            (heureka(("PRICE_VAT", "")), ["missing PRICE_VAT"]),  # an empty element is as good as none
            (heureka(("PRICE_VAT", "abc")), ["PRICE_VAT 'abc' is not a number"]),
            (heureka(("PRICE_VAT", "1 299")), ["PRICE_VAT '1 299' is not a number"]),  # no thousands separator
            (heureka(("PRICE_VAT", "NaN")), ["PRICE_VAT 'NaN' is not a number"]),  # what a float writer leaves
            (heureka(("PRICE_VAT", "inf")), ["PRICE_VAT 'inf' is not a number"]),
            (heureka(("PRICE_VAT", "1.5e3")), ["PRICE_VAT '1.5e3' is not a number"]),  # Heureka reads no exponent
            (heureka(("HEUREKA_CPC", "Infinity")), ["HEUREKA_CPC 'Infinity' is not a number"]),
            (
                heureka(("DELIVERY", [("DELIVERY_ID", "PPL"), ("DELIVERY_PRICE", "NaN")])),
                ["DELIVERY: DELIVERY_PRICE 'NaN' is not a number"],
            ),
            (heureka(("EAN", "123")), ["EAN '123' is not 8, 12, 13 or 14 digits"]),
            (heureka(("EAN", "5902687180166")), ["EAN '5902687180166' has a bad check digit"]),
            (heureka(("EAN", "")), []),  # empty <EAN/> is common and harmless
            (heureka(("URL", "www.shop.cz/a")), ["URL 'www.shop.cz/a' is not an http(s) URL"]),
            (heureka(("ITEM_ID", "x" * 37)), ["ITEM_ID longer than 36 characters"]),
            (heureka(("ITEM_ID", "a/b")), ["ITEM_ID 'a/b' has characters outside A-Z a-z 0-9 _ -"]),
            (
                heureka(("DELIVERY_DATE", "soon")),
                ["DELIVERY_DATE 'soon' is neither a number of days nor a YYYY-MM-DD date"],
            ),
            (heureka(("DELIVERY_DATE", "2026-02-01")), []),
            (heureka(("CATEGORYTEXT", "Heureka.cz | ")), ["CATEGORYTEXT 'Heureka.cz |' names no category"]),  # arche
            (heureka(("VAT", "21%")), []),
            (heureka(("ITEM_TYPE", "used")), ["ITEM_TYPE 'used' is not one of: bazar, new"]),
            (heureka(drop=("DELIVERY",)), ["missing DELIVERY"]),
            (
                heureka(("DELIVERY", [("DELIVERY_ID", "personal_delivery"), ("DELIVERY_PRICE", "0")])),
                ["DELIVERY: DELIVERY_ID 'personal_delivery' is not in the accepted list"],  # the puffmi feed
            ),
            (heureka(("PARAM", [("PARAM_NAME", "Barva"), ("VAL", "")])), ["PARAM: missing VAL"]),
            (
                heureka(*[("IMGURL_ALTERNATIVE", f"https://shop.cz/{i}.jpg") for i in range(11)]),
                ["more than 10 IMGURL_ALTERNATIVE"],
            ),
        ],
    )
    def test_problems(self, product: Product, expected: list[str]) -> None:
        assert make_validator("heureka")(product) == expected

    def test_delivery_ids_are_configurable(self) -> None:
        product = heureka(("DELIVERY", [("DELIVERY_ID", "personal_delivery"), ("DELIVERY_PRICE", "0")]))
        assert make_validator("heureka", delivery_ids={"personal_delivery"})(product) == []

    def test_duplicate_ids_reported_from_the_second_on(self) -> None:
        validate = make_validator("heureka")
        assert [validate(heureka()) for _ in range(3)] == [[], ["duplicate ITEM_ID 'A-1'"], ["duplicate ITEM_ID 'A-1'"]]

    def test_every_problem_at_once(self) -> None:
        assert make_validator("heureka")(item("SHOPITEM")) == [
            "missing ITEM_ID", "missing PRODUCTNAME", "missing URL", "missing IMGURL", "missing PRICE_VAT",
            "missing CATEGORYTEXT", "missing DELIVERY_DATE", "missing DELIVERY",
        ]  # fmt: skip


GOOGLE_OK: tuple[Spec, ...] = (
    ("g:id", "G-1"),
    ("g:title", "Lampa"),
    ("g:description", "Stolní lampa"),
    ("g:link", "https://shop.cz/g-1"),
    ("g:image_link", "https://shop.cz/g-1.jpg"),
    ("g:availability", "in_stock"),
    ("g:price", "499.00 CZK"),
)


def google(*changes: Spec, drop: tuple[str, ...] = ()) -> Product:
    names = {c[0] for c in changes} | set(drop)
    return item("item", *[c for c in GOOGLE_OK if c[0] not in names], *changes)


class TestGoogle:
    @pytest.mark.parametrize(
        ("product", "expected"),
        [
            (google(), []),
            (google(drop=("g:title",)), ["missing title"]),
            (google(("title", "Lampa"), drop=("g:title",)), []),  # plain RSS title counts
            (google(("g:price", "abc")), ["price 'abc' is not a number"]),
            (google(("g:price", "499")), ["price '499' has no ISO currency"]),
            (google(("g:price", "499,00 CZK")), ["price '499,00 CZK' is not a number"]),  # comma decimal
            (google(("g:availability", "maybe")), ["availability 'maybe' is not a known availability"]),
            (google(("g:availability", "in stock")), []),  # the old spaced form is still accepted
            (google(("g:availability", "preorder")), ["availability preorder without availability_date"]),
            (google(("g:title", "x" * 151)), ["title longer than 150 characters"]),
            (google(("g:id", "x" * 51)), ["id longer than 50 characters"]),
            (google(("g:gtin", "10036000291459")), []),  # GTIN-14 is fine for Google
            (google(("g:condition", "bazar")), ["condition 'bazar' is not one of: new, refurbished, used"]),
            (
                google(("g:shipping", [("g:country", "CZ"), ("g:price", "99")])),
                ["g:shipping: price '99' has no ISO currency"],
            ),
        ],
    )
    def test_problems(self, product: Product, expected: list[str]) -> None:
        assert make_validator("google")(product) == expected

    def test_atom_link_href_counts(self) -> None:
        entry = google(("link", "", {"href": "https://shop.cz/g-1"}), drop=("g:link",))
        assert make_validator("google-atom")(entry) == []


class TestMeta:
    def test_meta_requires_condition_and_brand_or_identifier(self) -> None:
        assert make_validator("meta")(google()) == ["missing condition", "missing brand (or gtin or mpn)"]

    def test_meta_csv_bare_names_and_longer_titles(self) -> None:
        row = item(
            "item", *[(name.removeprefix("g:"), text) for name, text in GOOGLE_OK],
            ("condition", "new"), ("mpn", "X1"), ("title", "y" * 200), ("availability", "in stock"),
        )  # fmt: skip
        assert make_validator("meta-csv")(row) == []


class TestMergado:
    @pytest.mark.parametrize(
        ("children", "expected"),
        [
            ([("ITEM_ID", "m1"), ("URL", "https://s.cz"), ("PRICE_VAT", "10.50")], []),
            ([("ITEM_ID", "m1"), ("URL", "https://s.cz"), ("PRICE_VAT", "10,50")],
             ["PRICE_VAT '10,50' is not a number with a decimal point"]),
            ([("ITEM_ID", "m1"), ("URL", "https://s.cz"), ("PRICE_VAT", "1"), ("RELEASE_DATE", "2026-03-01")],
             ["RELEASE_DATE '2026-03-01' is not dd-mm-yyyy"]),
            ([("ITEM_ID", "m1"), ("URL", "https://s.cz"), ("PRICE_VAT", "1"), ("AVAILABILITY", "in_stock")],
             ["AVAILABILITY 'in_stock' is not one of: in stock, out of stock, preorder"]),
            ([("ITEM_ID", "m1")], ["missing URL", "missing PRICE_VAT"]),
        ],
    )  # fmt: skip
    def test_problems(self, children: list[Spec], expected: list[str]) -> None:
        assert make_validator("mergado")(item("ITEM", *children)) == expected


def test_validation_never_changes_the_product() -> None:
    product = heureka(("PRICE_VAT", "abc"))
    before = product.copy()
    make_validator("heureka")(product)
    assert product == before


MUTATIONS: tuple[str, ...] = (
    "", "  ", "abc", "12", "1 299", "899,50", "10.50", "499.00 CZK", "499", "https://s.cz/a", "www.s.cz", "x" * 301,
    "8590000000008", "8590000000009", "2026-02-01", "01-03-2026", "in stock", "preorder", "new", "bazar", "PPL",
    "A-1", "a/b", "21%", "Heureka.cz | ", "0", "1", "²", "no", "CZ",
)  # fmt: skip


@pytest.mark.parametrize("target", ["heureka", "zbozi", "google", "google-atom", "meta", "meta-csv", "mergado"])
def test_quick_pass_never_passes_what_the_exact_pass_rejects(target: str) -> None:
    """Random edits of valid items: the validator (quick pass first) reports exactly what the exact pass does."""
    rng = random.Random(target)
    bases = {"heureka": heureka(), "zbozi": heureka(("DESCRIPTION", "d")), "mergado": item("ITEM", ("ITEM_ID", "m"))}
    base = bases.get(target, google(("g:condition", "new"), ("g:brand", "B")))
    names = sorted({c.name for c in base.children} | {"EAN", "g:gtin", "VAT", "IMGURL_ALTERNATIVE", "PARAM", "x"})
    for _ in range(300):
        product = base.copy()
        for _ in range(rng.randrange(1, 4)):
            name, text = rng.choice(names), rng.choice(MUTATIONS)
            if rng.random() < 0.3:
                product.children = [c for c in product.children if c.name != name]
            elif name in ("PARAM", "DELIVERY", "g:shipping"):
                product.children.append(element((name, [(rng.choice(("PARAM_NAME", "VAL", "g:price")), text)])))
            else:
                product.children.append(element((name, text)))
        quick, exact = make_validator(target), make_validator(target)
        assert isinstance(quick, Validator) and isinstance(exact, Validator)
        assert quick(product) == exact._exact(product), pairs(product)
