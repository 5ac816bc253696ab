"""A shop's statistics, per project: products over the last runs, invalid products by reason, downloads of
its published feeds per day, run durations. One read model for the page, its CSV and the API.

Bounded whatever the history: the last RUNS_SHOWN notable runs per project (one windowed query), and the
downloads of the last DOWNLOAD_DAYS days counted per export and day by the database (one aggregate query,
never a row per download). Where the numbers come from:

- products in and out are the run's `products_in` / `products_out` columns: out is what the rules kept,
  before each export's validation;
- hidden is what the rules took out (a hide rule or query, or variants merged into a group). The flows
  record it in the report as `hidden` = products_in - products_kept, which is the same as
  products_in - products_out here, so it is derived from the columns and is there for old runs too;
- invalid is per export (the report's `exports[].invalid`): exports validate the same products against
  different formats, so a sum over exports would count a product twice;
- the reasons come from the report's `exports[].problems`, which lists only the first products
  (feeds.pipeline.MAX_REPORTED_PROBLEMS) as "id: reason; reason"; the invalid products beyond those
  are counted as `unlisted`, not guessed. Values quoted in a reason are cut so "PRICE 'x' is not a
  number" and "PRICE 'y' is not a number" count as one reason;
- a run counts products only when it processed the feed (its report lists exports): an unchanged run
  (same source and spec as the last good one) and a run that failed before processing have no counts
  of their own, so they appear in the durations only;
- a download is a request for a served export answered below 400 (a 304 "not modified" is a channel
  fetching the feed too); days are UTC.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.access import access_shop, project_scope
from accounts.models import Project, User
from accounts.published import ExportDownload, ExportLink
from accounts.roles import Action
from accounts.runs import NOTABLE, ProjectRun, RunStatus
from accounts.types import utcnow

RUNS_SHOWN = 30
DOWNLOAD_DAYS = 30
_QUOTED_VALUE = re.compile(r" '.*?'(?=[\s;]|$)")  # a feed's value quoted in a validator's reason


@dataclass(frozen=True)
class RunCounts:
    """The product counts of one run that processed the feed."""

    run_id: int
    started_at: datetime
    status: RunStatus
    products_in: int
    products_out: int
    hidden: int
    invalid: dict[str, int]  # export name -> invalid products


@dataclass(frozen=True)
class RunDuration:
    """How long one run took, start to finish."""

    run_id: int
    started_at: datetime
    status: RunStatus
    seconds: float


@dataclass(frozen=True)
class ExportProblems:
    """An export's invalid products by reason in its newest processed run, most frequent first."""

    export: str
    run_id: int
    invalid: int
    reasons: list[tuple[str, int]]  # (reason, products with it); a product with two reasons counts in both
    unlisted: int  # invalid products the report does not itemise


@dataclass(frozen=True)
class ExportDownloads:
    """Downloads of one export per day, aligned with `ShopStatistics.days`."""

    export: str
    per_day: list[int]


@dataclass(frozen=True)
class ProjectStatistics:
    """One project's numbers; runs oldest first."""

    project_id: int
    name: str
    runs: list[RunCounts]
    durations: list[RunDuration]
    problems: list[ExportProblems]
    downloads: list[ExportDownloads]

    @property
    def exports(self) -> list[str]:
        """The exports the runs counted invalid products for, by name."""
        return sorted({name for run in self.runs for name in run.invalid})


@dataclass(frozen=True)
class ShopStatistics:
    """Every project of a shop, with the days the downloads are counted on (oldest first)."""

    shop_id: int
    name: str
    days: list[date]
    projects: list[ProjectStatistics]


def describe_statistics(session: Session, actor: User, shop_id: int, *, now: datetime | None = None) -> ShopStatistics:
    """The shop's statistics (any member); an outsider gets what a missing shop gives."""
    shop = access_shop(session, actor, shop_id, Action.VIEW).shop
    query = select(Project.id, Project.name).where(Project.shop_id == shop.id).order_by(Project.name)
    scope = project_scope(session, actor, shop)
    projects = session.execute(query if scope is None else query.where(Project.id.in_(scope))).all()
    ids = [project_id for project_id, _ in projects]
    today = (now or utcnow()).astimezone(UTC).date()
    days = [today - timedelta(days=back) for back in range(DOWNLOAD_DAYS - 1, -1, -1)]
    runs = _newest_runs(session, ids)
    downloads = _downloads(session, ids, days)
    return ShopStatistics(shop.id, shop.name, days, [
        _project(project_id, name, runs.get(project_id, []), downloads.get(project_id, {}), days)
        for project_id, name in projects
    ])


def _newest_runs(session: Session, project_ids: list[int]) -> dict[int, list[Any]]:
    """project id -> its last RUNS_SHOWN notable runs, oldest first (skipped and crashed runs say nothing)."""
    if not project_ids:
        return {}
    newest = func.row_number().over(partition_by=ProjectRun.project_id, order_by=ProjectRun.id.desc())
    ranked = (
        select(ProjectRun.id, ProjectRun.project_id, ProjectRun.started_at, ProjectRun.status, ProjectRun.seconds,
               ProjectRun.products_in, ProjectRun.products_out, ProjectRun.report, newest.label("newest"))
        .where(ProjectRun.project_id.in_(project_ids), ProjectRun.status.in_(NOTABLE))
        .subquery()
    )
    by_project: dict[int, list[Any]] = {}
    for row in session.execute(select(ranked).where(ranked.c.newest <= RUNS_SHOWN).order_by(ranked.c.id)):
        by_project.setdefault(row.project_id, []).append(row)
    return by_project


def _downloads(session: Session, project_ids: list[int], days: list[date]) -> dict[int, dict[str, dict[date, int]]]:
    """project id -> export -> day -> downloads, counted by the database; every served export is listed."""
    found: dict[int, dict[str, dict[date, int]]] = {}
    if not project_ids:
        return found
    links = select(ExportLink.project_id, ExportLink.export_name).where(ExportLink.project_id.in_(project_ids))
    for project_id, export in session.execute(links):
        found.setdefault(project_id, {})[export] = {}
    day = func.date(ExportDownload.at)
    counted = (
        select(ExportLink.project_id, ExportLink.export_name, day, func.count())
        .join(ExportLink, ExportLink.id == ExportDownload.link_id)
        .where(ExportLink.project_id.in_(project_ids), ExportDownload.status < 400,
               ExportDownload.at >= datetime.combine(days[0], time(), tzinfo=UTC))
        .group_by(ExportLink.project_id, ExportLink.export_name, day)
    )
    for project_id, export, on, count in session.execute(counted):
        found[project_id][export][date.fromisoformat(str(on)[:10])] = count  # SQLite: text, PostgreSQL: date
    return found


def _project(project_id: int, name: str, runs: list[Any], downloads: dict[str, dict[date, int]],
             days: list[date]) -> ProjectStatistics:
    processed = [run for run in runs if "exports" in (run.report or {})]
    return ProjectStatistics(
        project_id, name,
        runs=[RunCounts(run.id, run.started_at, run.status, run.products_in, run.products_out,
                        run.products_in - run.products_out,
                        {e["name"]: e.get("invalid", 0) for e in run.report["exports"]}) for run in processed],
        durations=[RunDuration(run.id, run.started_at, run.status, run.seconds) for run in runs],
        problems=_problems(processed),
        downloads=[ExportDownloads(export, [per_day.get(day, 0) for day in days])
                   for export, per_day in sorted(downloads.items())],
    )


def _problems(processed: list[Any]) -> list[ExportProblems]:
    """Each export's reasons in the newest run that wrote it."""
    newest: dict[str, ExportProblems] = {}
    for run in reversed(processed):
        for export in run.report["exports"]:
            if export["name"] not in newest:
                newest[export["name"]] = _reasons(run.id, export)
    return [newest[name] for name in sorted(newest)]


def _reasons(run_id: int, export: dict[str, Any]) -> ExportProblems:
    listed = export.get("problems", [])
    reasons: Counter[str] = Counter()
    for problem in listed:
        _, _, text = problem.partition(": ")  # values first: one may hold the reasons' separator
        reasons.update({reason for reason in _QUOTED_VALUE.sub("", text).split("; ") if reason})
    invalid = export.get("invalid", 0)
    ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return ExportProblems(export["name"], run_id, invalid, ordered, max(invalid - len(listed), 0))
