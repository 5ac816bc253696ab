"""One settings object, read from FEEDHUB_* environment variables and an optional `.env` file."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from accounts.throttle import InviteLimits


class Settings(BaseSettings):
    """Feedhub's configuration; every name is documented in README.md."""

    model_config = SettingsConfigDict(env_prefix="FEEDHUB_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".feedhub")
    database_url: str | None = None  # default: SQLite in the data folder
    smtp_url: str | None = None  # unset: emails go to $FEEDHUB_DATA_DIR/outbox/ as .eml files
    mail_from: str = "Feedhub <feedhub@localhost>"
    base_url: str = "http://localhost:8000"  # for links in emails and published-feed URLs
    s3_endpoint_url: str | None = None  # AWS_* variables give region and credentials
    allow_private_sources: bool = False  # SSRF guard: private and loopback addresses refused unless on
    exports_folder: Path | None = Field(default=None, alias="FEEDHUB_EXPORTS_DIR")  # default: data folder/exports
    allow_local_sources: bool = False  # project sources given as server paths; on only where users may read its files
    # where project runs may publish s3:// exports, comma-separated; {shop} is each shop's id. Unset: any bucket
    s3_publish_prefixes: str | None = None
    # how /f/ serves s3:// exports: "stream" them through this server, or "presigned": answer 307 to a presigned
    # S3 URL valid for serve_s3_presigned_ttl_s (S3 must be reachable by the channels; the URL works for anyone
    # who has it until it expires, and the download log cannot know the bytes)
    serve_s3_redirect: Literal["stream", "presigned"] = "stream"
    serve_s3_presigned_ttl_s: int = Field(default=60, ge=1, le=3600)
    # Google's product taxonomy with ids (taxonomy-with-ids.<locale>.txt from Google, in the language the channels
    # expect): a bare google_product_category id then becomes its path in Heureka and Zboží CATEGORYTEXT
    google_taxonomy_file: Path | None = None
    fetch_timeout_s: float = 30.0
    fetch_deadline_s: float = 600.0
    max_feed_bytes: int = Field(default=4 * 1024**3)  # cap on decompressed bytes of one source
    # worker processes `feedhub serve` starts (`feedhub worker`): each makes one batch of runs at a time, so
    # more than the cores only make them slower; one of them takes big feeds first, the others never do
    payment_webhook_secret: str | None = None  # shared with the payment provider; unset: no webhook
    run_limit: int = Field(default_factory=lambda: max(2, os.cpu_count() or 2), ge=1)
    run_batch: int = Field(default=15, ge=1)  # due runs a worker takes at once: one Prefect flow run
    run_threads: int = Field(default=4, ge=1)  # runs of a batch made at once (their downloads overlap)
    # runs of one shop taken by workers and not yet made: above it the shop's other due runs wait their turn,
    # so one shop with many projects cannot hold every worker (with the project lock: one run per project)
    runs_per_shop: int = Field(default=4, ge=1)
    big_feed_products: int = Field(default=50_000, ge=1)  # from this size on, a project's runs queue as big
    worker_nice: int = Field(default=10, ge=0, le=19)  # workers, and runs' processing, below the web app's priority
    # each run's processing (parse, rules, writing) runs in a child process with these limits (flows.isolation);
    # a run that reaches one fails, naming it. Off: in the run's thread, without limits
    run_in_child: bool = True
    run_cpu_s: int = Field(default=3600, ge=1)  # CPU seconds one run's processing may use
    run_memory_mb: int = Field(default=4096, ge=256)  # address space of that child process (RLIMIT_AS)
    # invitation emails (new or re-sent) a shop may send an hour, and one user over all their shops
    invitations_per_shop_hour: int = Field(default=50, ge=1)
    invitations_per_user_hour: int = Field(default=100, ge=1)

    @cached_property
    def effective_database_url(self) -> str:
        """The configured database, or SQLite inside the data folder."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'feedhub.db').resolve()}"

    @property
    def invite_limits(self) -> InviteLimits:
        """The invitation limits the services take (accounts.throttle)."""
        from accounts.throttle import InviteLimits

        return InviteLimits(per_shop_hour=self.invitations_per_shop_hour, per_user_hour=self.invitations_per_user_hour)

    @property
    def outbox_dir(self) -> Path:
        """Where emails go when no SMTP server is configured."""
        return self.data_dir / "outbox"

    @field_validator("google_taxonomy_file")
    @classmethod
    def _check_taxonomy(cls, value: Path | None) -> Path | None:
        if value is not None:
            from feeds.channels.google_taxonomy import read_taxonomy
            from feeds.errors import ConfigError

            try:
                read_taxonomy(value.resolve())  # a wrong file fails at start, not in every run
            except ConfigError as exc:
                raise ValueError(str(exc)) from exc
        return value

    @field_validator("s3_publish_prefixes")
    @classmethod
    def _check_s3_prefixes(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from feeds.storage import S3Storage, for_shop

        for prefix in value.split(","):
            S3Storage.check_prefix(for_shop(prefix.strip(), 1))
        return value

    @property
    def s3_prefixes(self) -> tuple[str, ...] | None:
        """FEEDHUB_S3_PUBLISH_PREFIXES as a tuple (with `{shop}` still in it), or None when unset."""
        if self.s3_publish_prefixes is None:
            return None
        return tuple(prefix.strip() for prefix in self.s3_publish_prefixes.split(","))

    @property
    def exports_dir(self) -> Path:
        """The local publish folder: project runs publish file:// exports only inside it. A `{shop}` in it
        stands for each shop's id (`/srv/feeds/{shop}`): every shop gets a folder of its own."""
        return self.exports_folder or self.data_dir / "exports"

    def shop_exports_dir(self, shop_id: int) -> Path:
        """The publish folder of one shop (the same for all shops when `exports_dir` has no `{shop}`)."""
        from feeds.storage import for_shop

        return Path(for_shop(str(self.exports_dir), shop_id))


def get_settings() -> Settings:
    """Read the settings now (tests change the environment between calls)."""
    return Settings()
