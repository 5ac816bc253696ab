"""Product parameters across languages: Heureka's free PARAMs versus Google's named variant attributes."""

from __future__ import annotations

import functools

VARIANT_ATTRS = ("color", "size", "material", "pattern", "gender", "age_group", "size_type", "size_system")

PARAM_ALIASES: dict[str, str] = {
    "barva": "color",
    "farba": "color",
    "colour": "color",
    "color": "color",
    "farbe": "color",
    "velikost": "size",
    "veľkosť": "size",
    "velkost": "size",
    "size": "size",
    "größe": "size",
    "materiál": "material",
    "material": "material",
    "vzor": "pattern",
    "pattern": "pattern",
    "pohlaví": "gender",
    "pohlavie": "gender",
    "gender": "gender",
    "věková skupina": "age_group",
    "age group": "age_group",
}
"""Case-folded PARAM_NAME -> Google attribute (FORMATS.md 3, Parameters)."""

GENDER_TO_GOOGLE: dict[str, str] = {
    "muž": "male",
    "muži": "male",
    "pánské": "male",
    "pánský": "male",
    "pánske": "male",
    "male": "male",
    "men": "male",
    "žena": "female",
    "ženy": "female",
    "dámské": "female",
    "dámský": "female",
    "dámske": "female",
    "female": "female",
    "women": "female",
    "unisex": "unisex",
}

_LOCAL_NAMES: dict[str, dict[str, str]] = {
    "CZ": {
        "color": "Barva",
        "size": "Velikost",
        "material": "Materiál",
        "pattern": "Vzor",
        "gender": "Pohlaví",
        "age_group": "Věková skupina",
    },
    "SK": {
        "color": "Farba",
        "size": "Veľkosť",
        "material": "Materiál",
        "pattern": "Vzor",
        "gender": "Pohlavie",
        "age_group": "Veková skupina",
    },
}
_GENDER_LOCAL = {"male": "muž", "female": "žena", "unisex": "unisex"}


@functools.lru_cache(maxsize=4096)
def param_attr(name: str) -> str:
    """The Google attribute a PARAM_NAME stands for, or "".

    Cached: a feed repeats the same few parameter names on every product; the bound keeps memory flat.
    """
    return PARAM_ALIASES.get(name.strip().casefold(), "")


def local_param_name(attr: str, country: str) -> str:
    """The PARAM_NAME a shop in `country` would write for a Google attribute (English outside CZ/SK)."""
    names = _LOCAL_NAMES.get(country.upper())
    return names.get(attr, attr) if names else attr.replace("_", " ").capitalize()


def gender_to_google(value: str) -> str:
    """male/female/unisex from a Czech, Slovak or English gender value; the value itself if unknown."""
    return GENDER_TO_GOOGLE.get(value.strip().casefold(), value)


def gender_to_local(value: str, country: str) -> str:
    """The Czech/Slovak word for a Google gender value; other countries keep the Google value."""
    if country.upper() in _LOCAL_NAMES:
        return _GENDER_LOCAL.get(value, value)
    return value
