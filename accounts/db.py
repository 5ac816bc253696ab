"""Engines, sessions and migrations. Functions take the database URL; the application shell reads it
from its settings (accounts never imports feedhub).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, a busy timeout and serialized writers."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Take transactions away from the driver so `_sqlite_begin` decides how they start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode except on power loss; far fewer fsyncs
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # SQLite ignores SELECT ... FOR UPDATE; taking the write lock at BEGIN makes every
    # read-check-write transaction atomic instead (the embedded default has few writers).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (services return them)."""
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` with the migrations shipped in accounts/migrations."""
    engine = make_engine(url)
    try:
        migrate(engine, revision)
    finally:
        engine.dispose()


def migrate(engine: Engine, revision: str = "head") -> None:
    """`upgrade` on an engine the caller keeps using (saves a second connection pool).

    SQLite migrates with foreign keys off, as its recipe for rebuilding a table asks (dropping the
    old copy of a parent table would otherwise cascade deletes into its children), and checks them
    before committing instead.
    """
    from alembic import command  # here, not at the top: a scheduled run's process never migrates (1 s of imports)

    with engine.connect() as connection, _sqlite_foreign_keys_off(connection), connection.begin():
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        _check_foreign_keys(connection)


@contextlib.contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    if connection.dialect.name != "sqlite":
        yield
        return
    # The pragma does nothing inside a transaction, so it goes straight to the driver, before BEGIN.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"migrating left rows with dangling foreign keys (table, rowid, parent): {broken[:10]}")


def alembic_config() -> Config:
    """Alembic configuration without an alembic.ini: the scripts live inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
