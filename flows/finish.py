"""The last step of every run, whatever happened: record it, tell people, clean up.

Runs in its own transaction after the work, so a failure anywhere before still gets recorded with
a reason a person understands, and the workspace is removed unless the run is held.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from accounts.errors import AccountsError, MailError
from accounts.lifecycle import record_exported_products
from accounts.runs import ProjectRun, RunStatus, alert_recipients, finish_run, previous_outcome, prune_runs
from accounts.users import language_of_address
from feeds.errors import ConfigError, FeedError
from flows.deps import RunDeps
from flows.isolation import ProcessFailed
from flows.notify import notice_kind, run_notice
from flows.steps import ActiveRun


@dataclass(frozen=True)
class RunSummary:
    """What a run returns to its caller (a flow result, the CLI, the demo): small and JSON-ready."""

    run_id: int
    project_id: int
    status: str
    error: str
    products_in: int
    products_out: int
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds, as recorded

    @classmethod
    def of(cls, run: ProjectRun) -> RunSummary:
        """From the recorded row."""
        return cls(
            run.id, run.project_id, run.status.value, run.error, run.products_in, run.products_out, run.seconds,
            dict(run.stages or {}),
        )


def describe_error(exc: BaseException) -> tuple[str, str]:
    """(kind, text for people) of what stopped a run."""
    kind = type(exc).__name__
    if isinstance(exc, ProcessFailed):  # described in the child already
        return exc.kind, exc.text
    if isinstance(exc, ConfigError):
        return kind, f"the project's settings or rules are invalid: {exc}"
    if isinstance(exc, FeedError) and exc.transient:
        return kind, f"the source could not be read, also after retries: {exc}"
    if isinstance(exc, FeedError):
        return kind, str(exc)
    if isinstance(exc, MailError | OSError):
        return kind, f"{exc}"
    if isinstance(exc, AccountsError):
        return kind, exc.message
    return kind, f"internal error ({kind}: {exc}); please report it"


def finish_step(run: ActiveRun, deps: RunDeps, error: BaseException | None = None) -> RunSummary:
    """Record the run (failed if `error`), notify on a change of health, remove or keep its workspace."""
    outcome = run.outcome
    if error is not None:
        outcome.status = RunStatus.FAILED
        outcome.error_kind, outcome.error = describe_error(error)
        outcome.workspace = ""
    elif outcome.status is RunStatus.RUNNING:
        outcome.status = RunStatus.SUCCEEDED  # nothing to publish (no export has a URI)
    with deps.sessions.begin() as session:
        row = session.get_one(ProjectRun, run.run_id)
        _notify(deps, session, run, previous_outcome(session, run.project_id, before_id=run.run_id))
        finish_run(session, row, outcome)
        if outcome.status is RunStatus.SUCCEEDED:
            record_exported_products(session, run.shop_id, outcome.products_out)
        stale = prune_runs(session, older_than_days=deps.history_days)
    if outcome.status is not RunStatus.HELD:
        shutil.rmtree(run.workspace, ignore_errors=True)
    for workspace in stale:
        shutil.rmtree(Path(workspace), ignore_errors=True)
    return RunSummary.of(row)


def _notify(deps: RunDeps, session: Session, run: ActiveRun, previous: RunStatus | None) -> None:
    kind = notice_kind(run.outcome.status, previous)
    if kind is None:
        return
    link = f"{deps.base_url.rstrip('/')}/projects/{run.project_id}/runs/{run.run_id}"
    for to in alert_recipients(session, run.shop_id):
        message = run_notice(
            kind, to=to, shop_name=run.shop_name, project_name=run.project_name,
            status=run.outcome.status, error=run.outcome.error, link=link,
            language=language_of_address(session, to),
        )
        try:
            deps.mailer.send(message)
        except MailError as exc:  # an unreachable mail server must not turn a good run into a failed one
            run.outcome.warnings.append(f"could not email {to}: {exc}")

