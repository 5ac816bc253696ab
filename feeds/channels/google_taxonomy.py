"""Google's product taxonomy: a bare `google_product_category` id read as the category path it stands for.

Google publishes the taxonomy per language (`taxonomy-with-ids.<locale>.txt`, lines `ID - Top > Sub`). It is
not shipped with Feedhub: it changes between versions, and the operator picks the language the channels
expect (Czech for Heureka's CATEGORYTEXT). Without it a bare id has no words to show.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from feeds.errors import ConfigError


def read_taxonomy(path: Path) -> Mapping[str, str]:
    """id -> "Top > Sub > Leaf", from a taxonomy file; ConfigError naming the line that is not one. Read once
    per version of the file: a worker's runs share it, and a replaced file is read again."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError([f"Google taxonomy {path}: cannot be read ({exc})"]) from exc
    return _read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _read(path: Path, mtime_ns: int, size: int) -> Mapping[str, str]:
    categories: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                category_id, separator, category = line.partition(" - ")
                if not separator or not category_id.isdigit() or not category.strip():
                    raise ConfigError([f"Google taxonomy {path}, line {number}: expected 'ID - Category > Subcategory'"
                                       f", found {line[:80]!r}"])
                categories[category_id] = category.strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"Google taxonomy {path}: cannot be read ({exc})"]) from exc
    if not categories:
        raise ConfigError([f"Google taxonomy {path}: no categories in it"])
    return MappingProxyType(categories)
