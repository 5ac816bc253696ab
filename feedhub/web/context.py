"""What every request shares: the settings, the database, the mailer and the run dependencies, built once."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from accounts.db import make_engine, make_session_factory
from accounts.mail import Mailer, make_mailer
from feedhub.runtime import deps_from_settings
from feedhub.settings import Settings
from flows.deps import RunDeps


@dataclass(frozen=True)
class WebContext:
    """The app's long-lived parts, kept on `app.state.context`; the app closes `engine` when it stops."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    mailer: Mailer
    launch_run: Callable[[int, int], str]  # starts a run of a project now for a user; returns what it queued

    @classmethod
    def from_settings(
        cls, settings: Settings, *, mailer: Mailer | None = None, launch_run: Callable[[int, int], str] | None = None
    ) -> WebContext:
        """Engine and mailer from the settings; tests pass a mailer and a run launcher of their own."""
        engine = make_engine(settings.effective_database_url)
        mailer = mailer or make_mailer(
            smtp_url=settings.smtp_url, outbox_dir=settings.outbox_dir, sender=settings.mail_from
        )
        context = cls(settings, engine, make_session_factory(engine), mailer,
                      launch_run or (lambda _project, _user: ""))
        return context if launch_run else dataclasses.replace(context, launch_run=_launcher(context))

    @property
    def deps(self) -> RunDeps:
        """What requests need as runs do (fetch a source, storages, confirm a held run), on the app's own
        engine and mailer; read from the settings at each use, which costs nothing."""
        return deps_from_settings(self.settings, engine=self.engine, mailer=self.mailer)

    @property
    def base_url(self) -> str:
        """Where links in emails point."""
        return self.settings.base_url.rstrip("/")

    @property
    def secure_cookies(self) -> bool:
        """Cookies are sent over https only when the site is served over https."""
        return self.settings.base_url.startswith("https://")


def _launcher(context: WebContext) -> Callable[[int, int], str]:
    """Queued for the workers when any is running (`feedhub serve`), else run in a thread of this process;
    either way the run checks again, when it starts and before it publishes, that the user still may."""

    def launch(project_id: int, requested_by: int) -> str:
        from accounts.run_queue import live_workers, run_now

        with context.sessions.begin() as session:
            if live_workers(session):
                run_now(session, project_id, trigger="manual", big_feed_products=context.settings.big_feed_products,
                        requested_by=requested_by)
                return "queued"
        from flows.runner import run_project_inline

        thread = threading.Thread(target=run_project_inline, args=(project_id, context.deps),
                                  kwargs={"requested_by": requested_by}, name=f"run-{project_id}")
        thread.start()
        return "in this process"

    return launch
