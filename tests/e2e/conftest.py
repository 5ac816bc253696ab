"""Feedhub's pages in a real headless Chromium, on SQLite and PostgreSQL.

Debian's /usr/bin/chromium is driven by Playwright's sync API: one browser for the test session
(starting it takes about a second), a fresh context (its own cookies) for each person in a test.
Nothing is downloaded: `playwright install` is never run, and the networking flags stop Chromium
from calling hosts it cannot reach. Without Chromium the tests are skipped, except in CI (CI=true),
where a missing browser is a broken setup and fails them.

The app runs under uvicorn as `feedhub serve` would run it, mailing through a real SMTP server
(aiosmtpd) so that people follow the links they were sent, its base URL its own address, runs
started in a thread of this process (no Prefect API), feeds fetched from a local HTTP server.

Each main page is photographed at a desktop and a phone width into out/screenshots/ and checked
with axe-core (vendored from npm in vendor/, MPL-2.0): a serious or critical violation fails.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine

from accounts.mail import SmtpMailer
from feedhub.settings import Settings
from feedhub.web import create_app
from tests.feedhub.api.conftest import (  # noqa: F401 - fixtures
    PASSWORD,
    SAMPLE,
    db_url,
    empty_tables,
    engine,
    fast_password_hashing,
    free_port,
    serving,
)
from tests.feeds.conftest import LocalServer, http_server  # noqa: F401 - fixture
from tests.smtp import Inbox, running_inbox

CHROMIUM = Path("/usr/bin/chromium")
NO_CHROMIUM = "Chromium is not installed: apt-get install -y chromium (CI installs it)"
# Playwright adds --headless and a fresh temporary profile (user data folder) of its own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 from npm (npm pack axe-core@4), MPL-2.0
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
FAILING_IMPACTS = ("serious", "critical")
SENDER = "Feedhub <noreply@feedhub.test>"
MAIL_WAIT_S = 10
PAGE_TIMEOUT_MS = 15_000  # a run or a feed download behind a click may take a few seconds on a busy machine


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, for the browser tests of a module.

    Not for the whole session: Playwright's sync API keeps an event loop running in the main thread
    while it is started, and every later test that calls `asyncio.run()` (Prefect's flows) would fail.
    """
    if not CHROMIUM.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class ServerErrors(logging.Handler):
    """What uvicorn logs as errors (an exception in a request: the person got a 500 or nothing)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def summary(self) -> str:
        """Each error's message and the last line of its exception."""
        return "\n".join(f"{r.getMessage()} {self.format(r).splitlines()[-1]}" for r in self.records)


@dataclass
class Site:
    """The running app: its URL, settings, database, the SMTP server's inbox and the server's errors."""

    url: str
    settings: Settings
    inbox: Inbox
    engine: Engine
    errors: ServerErrors

    def link(self, to: str, kind: str) -> str:
        """The `<url>/<kind>/...` link in the latest message to `to`, as a mail client shows it."""
        body = self.message(to).get_content()
        found = re.findall(rf"{re.escape(self.url)}/{kind}/\S+", body)
        assert found, f"no {self.url}/{kind}/ link in: {body}"
        return str(found[-1])

    def message(self, to: str) -> EmailMessage:
        """The latest message to `to`, waiting a little for it."""
        deadline = time.monotonic() + MAIL_WAIT_S
        while True:
            sent = [message for message in self.inbox.messages() if message["To"] == to]
            if sent or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert sent, f"no message to {to}; the inbox has {[m['To'] for m in self.inbox.messages()]}"
        return sent[-1]


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 for the session."""
    with running_inbox() as inbox:
        yield inbox


@pytest.fixture(scope="session")
def site_server(db_url: str, engine: Engine, smtp_inbox: Inbox,  # noqa: F811
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on one database, mailing through `smtp_inbox`, links pointing at itself."""
    port = free_port()
    smtp_url = f"smtp://127.0.0.1:{smtp_inbox.port}"
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("site"), database_url=db_url, base_url=f"http://127.0.0.1:{port}",
        allow_private_sources=True, smtp_url=smtp_url, mail_from=SENDER,  # feeds come from a loopback server
    )
    errors = ServerErrors()
    logging.getLogger("uvicorn.error").addHandler(errors)
    with pytest.MonkeyPatch.context() as env:
        env.delenv("PREFECT_API_URL", raising=False)  # "Run now" then runs the project in a thread of this process
        app = create_app(settings, mailer=SmtpMailer(smtp_url, SENDER), launch_run=None)
        with serving(app, port):
            yield Site(settings.base_url, settings, smtp_inbox, engine, errors)
    logging.getLogger("uvicorn.error").removeHandler(errors)


@pytest.fixture
def site(site_server: Site, engine: Engine) -> Iterator[Site]:  # noqa: F811
    """The app with an empty inbox; every table is emptied after the test, which fails if a request failed."""
    site_server.inbox.envelopes.clear()
    site_server.errors.records.clear()
    yield site_server
    empty_tables(engine)
    if site_server.errors.records:
        pytest.fail(f"the server failed requests during the test:\n{site_server.errors.summary()}")


@pytest.fixture
def feed_url(http_server: LocalServer) -> str:  # noqa: F811
    """The sample Heureka feed (23 products) on a local HTTP server."""
    return http_server.serve("/feed.xml", SAMPLE.read_bytes(), headers={"Content-Type": "application/xml"})


Person = Callable[[], Page]


@pytest.fixture
def person(browser: Browser, site: Site) -> Iterator[Person]:
    """Opens a browser window for one more person: a context of its own (no cookies), on the site."""
    contexts = []

    def open_window() -> Page:
        context = browser.new_context(base_url=site.url, viewport=VIEWPORTS["desktop"],  # type: ignore[arg-type]
                                      locale="en-US")  # the pages speak the browser's language; the tests read English
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_window
    for context in contexts:
        context.close()


_CHECKED: set[str] = set()


def settled(page: Page) -> Page:
    """Wait until the page has loaded and no htmx request of it is in flight (its fragments are in)."""
    page.wait_for_load_state()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    return page


def check_page(page: Page, name: str) -> None:
    """Photograph the page at both widths and fail on serious accessibility problems; once per name and
    session (the pages are the same on both databases)."""
    if name in _CHECKED:
        return
    _CHECKED.add(name)
    settled(page)
    take_screenshots(page, name)
    check_accessibility(page)


def take_screenshots(page: Page, name: str) -> None:
    """`out/screenshots/<name>-desktop.png` and `<name>-phone.png` of the whole page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
    if size:
        page.set_viewport_size(size)


def check_accessibility(page: Page) -> None:
    """axe-core's rules on the page as it is; serious and critical violations fail, each listed."""
    page.add_script_tag(path=AXE)
    results = page.evaluate("axe.run()")
    failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"accessibility of {page.url}:\n" + "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} at {[node['target'] for node in v['nodes']]}" for v in failing
    )
