"""Meta (Facebook/Instagram) catalogs (FORMATS.md 1.4): Google's vocabulary as RSS 2.0 or as a flat CSV.

Neither is detected as Meta: a Meta RSS file reads as Google RSS, a Meta CSV as a generic CSV.
"""

from __future__ import annotations

import dataclasses

from feeds.channels.base import Channel
from feeds.channels.google import GOOGLE
from feeds.channels.read_google import GoogleReader
from feeds.channels.rules import google_rules
from feeds.channels.write_google import STYLES, GoogleWriter

META_CSV_COLUMNS = (
    "id", "title", "description", "availability", "condition", "price", "link", "image_link", "brand",
)  # fmt: skip

META = dataclasses.replace(  # Google's RSS shape and reader; Meta's own writer style and requirements
    GOOGLE,
    key="meta",
    title="Meta catalog RSS 2.0",
    detect=None,
    writer=lambda options, warnings, dropped: GoogleWriter(options, warnings=warnings, dropped=dropped,
                                                           style=STYLES["meta"]),
    rules=lambda delivery_ids: google_rules(meta=True),
)

META_CSV = Channel(
    key="meta-csv",
    title="Meta catalog CSV",
    extension=".csv",
    media_type="text/csv",
    kind="csv",
    detect=None,
    reader=lambda target, fields, warnings: GoogleReader(target=target, target_fields=fields, warnings=warnings),
    writer=lambda options, warnings, dropped: GoogleWriter(options, warnings=warnings, dropped=dropped,
                                                           style=STYLES["meta-csv"]),
    rules=lambda delivery_ids: google_rules(prefix="", meta=True, flat=True),
    columns=META_CSV_COLUMNS,
    invalid_policy="drop",
)
