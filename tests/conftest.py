"""Database fixtures shared by every suite that needs PostgreSQL.

`postgres_url` gives a URL whose connections live in a fresh schema of their own, so suites running
at the same time on the shared `test` database never see each other's tables. The server comes from
FEEDHUB_TEST_POSTGRES_URL (default: the CI server); when it is unreachable the PostgreSQL tests are
skipped locally and fail in CI (CI=true), where skipping would hide a broken setup.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

POSTGRES_URL_ENV = "FEEDHUB_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOCK_TIMEOUT_MS = 15_000  # a locking bug fails a test instead of hanging the suite


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL with `search_path` set to a schema created for this test session."""
    base_url = os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL
    admin = create_engine(base_url, connect_args={"connect_timeout": 3})
    schema = f"fh_{secrets.token_hex(6)}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL at {make_url(base_url).render_as_string()} is unreachable: {exc.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    # No fsync wait per commit: test data need not survive a crash, and tests commit a lot.
    options = f"-csearch_path={schema} -clock_timeout={LOCK_TIMEOUT_MS} -csynchronous_commit=off"
    yield make_url(base_url).update_query_dict({"options": options}).render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
