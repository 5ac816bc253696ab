"""Templates that ship with Feedhub, by the short name a user types (`--template preset:marketplace-products`).

Each preset is an ordinary template document (JSON, docs/templates.md) beside this module: a starting point to
copy and adapt to one operator's product file, and an example of how such a file is described.
"""

from __future__ import annotations

from importlib.resources import files

from feeds.templates.errors import UnknownPreset
from feeds.templates.model import CsvTemplate, XmlTemplate
from feeds.templates.validate import load_template

PRESETS: dict[str, str] = {
    "marketplace-products": "marketplace_products.json",  # a marketplace's product file: sku, EAN, texts, prices,
    # stock, images and the main attributes as columns, from Heureka/Zboží, Google or generic CSV names
}
"""Preset name -> its file in this package."""

PRESET_PREFIX = "preset:"


def preset_text(name: str) -> str:
    """The preset's JSON document; UnknownPreset naming the known ones."""
    file_name = PRESETS.get(name)
    if file_name is None:
        raise UnknownPreset(name, sorted(PRESETS))
    return files(__name__).joinpath(file_name).read_text(encoding="utf-8")


def load_preset(name: str) -> XmlTemplate | CsvTemplate:
    """The preset, validated as any template is."""
    return load_template(preset_text(name))


__all__ = ["PRESETS", "PRESET_PREFIX", "load_preset", "preset_text"]
