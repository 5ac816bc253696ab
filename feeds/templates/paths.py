"""The element path reader templates use: the rules' own (`PARAM { PARAM_NAME = "Barva" } | VAL`, `g:price`),
with MQL filters bound by feeds.transforms.query. Imported here once, so templates never read paths another way."""

from __future__ import annotations

from feeds.transforms.query import parse_path

__all__ = ["parse_path"]
