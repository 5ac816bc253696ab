"""What a run needs from the outside world, as plain values: the application shell fills it in.

flows never reads Feedhub's settings itself (feedhub imports flows, not the reverse); the shell
builds a RunDeps from its settings, and tests build one from their fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from accounts.db import make_session_factory
from accounts.mail import Mailer
from accounts.runs import RUN_HEARTBEAT_S, RUN_HISTORY_DAYS
from feeds.fetch import FetchPolicy
from feeds.storage import Storage, for_shop, storage_for
from flows.isolation import ProcessLimits

FETCH_ATTEMPTS = 4
FETCH_BACKOFF_S = (2.0, 10.0, 30.0)  # waits between attempts, unless the server asks for longer
MAX_RETRY_AFTER_S = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    """How often a transient failure is retried, and how long to wait in between."""

    attempts: int = FETCH_ATTEMPTS
    backoff_s: tuple[float, ...] = FETCH_BACKOFF_S
    max_retry_after_s: float = MAX_RETRY_AFTER_S


@dataclass(frozen=True)
class RunDeps:
    """Database, folders, fetch limits, storage options and the mailer of the runs of one process."""

    engine: Engine
    data_dir: Path
    mailer: Mailer
    fetch_policy: FetchPolicy = field(default_factory=FetchPolicy)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    base_url: str = "http://localhost:8000"
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    file_exports_dir: Path | None = None  # file:// exports inside it, `{shop}` is the shop id; None: anywhere
    s3_prefixes: tuple[str, ...] | None = None  # s3:// exports must lie under one, `{shop}` is the shop id; None: any
    history_days: int = RUN_HISTORY_DAYS
    heartbeat_s: float = RUN_HEARTBEAT_S  # how often a working run stamps its row and checks its lock
    google_taxonomy: Path | None = None  # Google's taxonomy file: names bare google_product_category ids
    process_limits: ProcessLimits | None = None  # processing in a child under these limits; None: in the run's thread

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions on the Feedhub database."""
        return make_session_factory(self.engine)

    def storage(self, uri: str, shop_id: int) -> Storage:
        """Where a project of `shop_id` publishes `uri`: refused (ExportError) outside this server's publish
        folder and S3 prefixes, so one shop cannot overwrite another's files or anything else the server may write."""
        folder, prefixes = self.file_exports_dir, self.s3_prefixes
        return storage_for(
            uri,
            s3_endpoint_url=self.s3_endpoint_url,
            s3_region=self.s3_region,
            file_root=None if folder is None else Path(for_shop(str(folder), shop_id)),
            s3_prefixes=None if prefixes is None else tuple(for_shop(p, shop_id) for p in prefixes),
        )

    @property
    def runs_dir(self) -> Path:
        """Run workspaces: downloads, written exports, held outputs."""
        return self.data_dir / "runs"
