"""What each target format requires, from FORMATS.md section 1 (check its [common] limits on the live specs).

Heureka's "required" set is the 8 core fields of xml-feed-specs. Zboží shares the SHOPITEM
vocabulary; its required set (ITEM_ID, PRODUCTNAME, DESCRIPTION, URL, PRICE_VAT, DELIVERY_DATE)
and its DELIVERY codes should be checked against the live spec, so DELIVERY_ID is not enumerated.
"""

from __future__ import annotations

from collections.abc import Collection

from feeds.exports.validate import checks
from feeds.exports.validate.engine import CrossCheck, FieldRule, FormatRules, GroupRule
from feeds.exports.values import normalize_availability, parse_vat_rate, split_category

ZBOZI_EXTRA_MESSAGES = (
    "free_delivery", "extended_warranty", "free_gift", "free_accessories", "free_case", "free_installation",
    "free_store_pickup", "voucher",
)  # fmt: skip


def _category(label: str, value: str) -> str | None:
    return None if split_category(value) else f"{label} '{value}' names no category"


def _vat(label: str, value: str) -> str | None:
    return None if parse_vat_rate(value) is not None else f"{label} '{value}' is not a VAT rate"


def _shopitem_fields(name_max: int) -> tuple[FieldRule, ...]:
    return (
        FieldRule("ITEM_ID", required=True, max_len=36, checks=(checks.heureka_id,)),
        FieldRule("PRODUCTNAME", required=True, max_len=name_max),
        FieldRule("URL", required=True, max_len=300, checks=(checks.http_url,)),
        FieldRule("IMGURL", max_len=255, checks=(checks.http_url,)),
        FieldRule("IMGURL_ALTERNATIVE", max_count=10, checks=(checks.http_url,)),
        FieldRule("PRICE_VAT", required=True, checks=(checks.heureka_number,)),
        FieldRule("VAT", checks=(_vat,)),
        FieldRule("CATEGORYTEXT", max_len=255, checks=(_category,)),
        FieldRule("EAN", checks=(checks.gtin,)),
        FieldRule("ISBN", checks=(checks.isbn,)),
        FieldRule("DELIVERY_DATE", required=True, checks=(checks.delivery_date,)),
        FieldRule("ITEMGROUP_ID", max_len=36, checks=(checks.heureka_id,)),
        FieldRule("ITEM_TYPE", checks=(checks.one_of(("new", "bazar")),)),
    )


def _param_group(name: str, value: str) -> GroupRule:
    return GroupRule("PARAM", (FieldRule(name, required=True), FieldRule(value, required=True)))


def heureka_rules(delivery_ids: Collection[str]) -> FormatRules:
    """Heureka .cz/.sk: the 8 core fields are required, DELIVERY_ID must be in `delivery_ids`."""
    required = {"IMGURL", "CATEGORYTEXT"}
    fields = tuple(
        FieldRule(f.label, required=True, max_len=f.max_len, checks=f.checks) if f.label in required else f
        for f in _shopitem_fields(200)
    ) + (
        FieldRule("HEUREKA_CPC", checks=(checks.heureka_number,)),
        FieldRule("ACCESSORY", max_count=10),
        FieldRule("GIFT", max_len=250),
        FieldRule("SPECIAL_SERVICE", max_count=5, max_len=128),
    )
    delivery = GroupRule(
        "DELIVERY",
        (
            FieldRule("DELIVERY_ID", required=True, checks=(checks.one_of(delivery_ids),)),
            FieldRule("DELIVERY_PRICE", required=True, checks=(checks.heureka_number,)),
            FieldRule("DELIVERY_PRICE_COD", checks=(checks.heureka_number,)),
        ),
        required=True,
        max_count=100,
    )
    return FormatRules("ITEM_ID", fields, (delivery, _param_group("PARAM_NAME", "VAL")))


def zbozi_rules() -> FormatRules:
    """Zboží.cz: the SHOPITEM checks with a 255-character name and Zboží's own elements."""
    fields = _shopitem_fields(255) + (
        FieldRule("DESCRIPTION", required=True),
        FieldRule("LIST_PRICE", checks=(checks.heureka_number,)),
        FieldRule("MAX_CPC", checks=(checks.heureka_number,)),
        FieldRule("MAX_CPC_SEARCH", checks=(checks.heureka_number,)),
        FieldRule("EXTRA_MESSAGE", checks=(checks.one_of(ZBOZI_EXTRA_MESSAGES),)),
        FieldRule("VISIBILITY", checks=(checks.one_of(("0", "1")),)),
    )
    delivery = GroupRule(
        "DELIVERY",
        (
            FieldRule("DELIVERY_ID", required=True),
            FieldRule("DELIVERY_PRICE", required=True, checks=(checks.heureka_number,)),
            FieldRule("DELIVERY_PRICE_COD", checks=(checks.heureka_number,)),
        ),
    )
    return FormatRules("ITEM_ID", fields, (delivery, _param_group("PARAM_NAME", "VAL")))


def _names(prefix: str, name: str, *plain: str) -> tuple[str, ...]:
    return (prefix + name, *plain) if prefix else (name, *plain)


def _availability_date_needed(prefix: str) -> CrossCheck:
    def check(values: dict[str, list[str]]) -> list[str]:
        availability = normalize_availability((values.get(prefix + "availability") or [""])[0])
        if availability in ("preorder", "backorder") and not values.get(prefix + "availability_date"):
            return [f"availability {availability} without availability_date"]
        return []

    return CrossCheck((prefix + "availability", prefix + "availability_date"), check)


def _brand_or_identifier(prefix: str) -> CrossCheck:
    names = tuple(prefix + name for name in ("brand", "gtin", "mpn"))

    def check(values: dict[str, list[str]]) -> list[str]:
        if any(values.get(name) for name in names):
            return []
        return ["missing brand (or gtin or mpn)"]

    return CrossCheck(names, check)


def google_rules(*, prefix: str = "g:", meta: bool = False, flat: bool = False) -> FormatRules:
    """Google Merchant (RSS/Atom) or, with `meta`, Meta catalogs; `flat` for Meta CSV's bare column names."""
    limits = (100, 200, 9999, 20) if meta else (50, 150, 5000, 10)
    p = prefix
    fields = (
        FieldRule("id", _names(p, "id"), required=True, max_len=limits[0]),
        FieldRule("title", _names(p, "title", "title"), required=True, max_len=limits[1]),
        FieldRule(
            "description",
            _names(p, "description", "description", "summary"),
            required=True,
            max_len=limits[2],
        ),
        FieldRule("link", _names(p, "link", "link"), required=True, checks=(checks.http_url,)),
        FieldRule("image_link", _names(p, "image_link"), required=True, checks=(checks.http_url,)),
        FieldRule("additional_image_link", _names(p, "additional_image_link"), max_count=None if flat else limits[3]),
        FieldRule("availability", _names(p, "availability"), required=True, checks=(checks.google_availability,)),
        FieldRule("availability_date", _names(p, "availability_date"), checks=(checks.iso_date,)),
        FieldRule("price", _names(p, "price"), required=True, checks=(checks.google_price,)),
        FieldRule("sale_price", _names(p, "sale_price"), checks=(checks.google_price,)),
        FieldRule(
            "condition",
            _names(p, "condition"),
            required=meta,
            checks=(checks.one_of(("new", "refurbished", "used")),),
        ),
        FieldRule("brand", _names(p, "brand"), max_len=70 if not meta else None),
        FieldRule("gtin", _names(p, "gtin"), checks=(checks.gtin,)),
        FieldRule(
            "identifier_exists",
            _names(p, "identifier_exists"),
            checks=(checks.one_of(("yes", "no", "true", "false"), fold=True),),
        ),
        FieldRule("item_group_id", _names(p, "item_group_id"), max_len=limits[0]),
        FieldRule("product_type", _names(p, "product_type"), max_len=750),
        FieldRule("gender", _names(p, "gender"), checks=(checks.one_of(("male", "female", "unisex")),)),
        FieldRule(
            "age_group",
            _names(p, "age_group"),
            checks=(checks.one_of(("newborn", "infant", "toddler", "kids", "adult")),),
        ),
    )
    shipping = GroupRule(
        p + "shipping",
        (
            FieldRule("country", (p + "country",), max_len=2),
            FieldRule("price", (p + "price",), required=True, checks=(checks.google_price,)),
        ),
    )
    cross = [_availability_date_needed(p)]
    if meta:
        cross.append(_brand_or_identifier(p))
    return FormatRules("id", fields, () if flat else (shipping,), tuple(cross))


def mergado_rules() -> FormatRules:
    """Mergado Product XML 1.10: ITEM_ID, URL, PRICE_VAT required; dot decimals, dd-mm-yyyy dates, 0/1."""
    fields = (
        FieldRule("ITEM_ID", required=True, checks=(checks.heureka_id,)),
        FieldRule("URL", required=True, checks=(checks.http_url,)),
        FieldRule("PRICE_VAT", required=True, checks=(checks.dot_number,)),
        *(
            FieldRule(name, checks=(checks.dot_number,))
            for name in ("PRICE", "PRICE_RETAIL_VAT", "CPC", "CPC_FULLTEXT")
        ),
        FieldRule("IMAGE", checks=(checks.http_url,)),
        FieldRule("ITEMGROUP_ID", checks=(checks.heureka_id,)),
        FieldRule("EAN", checks=(checks.gtin,)),
        FieldRule("ISBN", checks=(checks.isbn,)),
        FieldRule("AVAILABILITY", checks=(checks.one_of(("in stock", "out of stock", "preorder")),)),
        FieldRule("DELIVERY_DAYS", checks=(checks.whole_number,)),
        FieldRule("IDENTIFIER_EXISTS", checks=(checks.one_of(("0", "1")),)),
        FieldRule("RELEASE_DATE", checks=(checks.mergado_date,)),
    )
    delivery = GroupRule(
        "DELIVERY",
        (
            FieldRule("ID", required=True),
            FieldRule("PRICE", required=True, checks=(checks.dot_number,)),
            FieldRule("PRICE_COD", checks=(checks.dot_number,)),
        ),
    )
    return FormatRules("ITEM_ID", fields, (delivery, _param_group("NAME", "VALUE")))
