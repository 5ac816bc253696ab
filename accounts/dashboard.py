"""The agency view: every shop I can reach, with my level, its status and each project's last run.

Three queries whatever the number of shops (200 shops with 5 projects each are one page), because
an agency opens this page first and all day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Project, User
from accounts.runs import ProjectRun, RunStatus
from accounts.shops import ShopListing, list_my_shops

NEEDS_ATTENTION = frozenset({RunStatus.FAILED, RunStatus.CRASHED, RunStatus.HELD})


@dataclass(frozen=True)
class ProjectLine:
    """A project of a shop and how its last run ended."""

    project_id: int
    name: str
    run_id: int | None
    run_status: RunStatus | None
    run_at: datetime | None

    @property
    def needs_attention(self) -> bool:
        """Broken or held: what an agency looks for first."""
        return self.run_status in NEEDS_ATTENTION


@dataclass(frozen=True)
class ShopLine:
    """One shop of the dashboard."""

    shop: ShopListing
    projects: list[ProjectLine]

    @property
    def needs_attention(self) -> bool:
        """Any of its projects broken or held."""
        return any(project.needs_attention for project in self.projects)


def list_dashboard(session: Session, actor: User, *, search: str = "") -> list[ShopLine]:
    """Every shop the actor can reach (filtered by `search` in the name), with its projects' last runs."""
    shops = [s for s in list_my_shops(session, actor) if search.casefold() in s.name.casefold()]
    ids = [s.shop_id for s in shops]
    projects = session.execute(
        select(Project.id, Project.shop_id, Project.name).where(Project.shop_id.in_(ids)).order_by(Project.name)
    ).all() if ids else []
    latest = select(func.max(ProjectRun.id)).where(ProjectRun.project_id.in_([p.id for p in projects]))
    runs = {
        run.project_id: run
        for run in session.scalars(
            select(ProjectRun).where(ProjectRun.id.in_(latest.group_by(ProjectRun.project_id).scalar_subquery()))
        )
    } if projects else {}
    by_shop: dict[int, list[ProjectLine]] = {shop_id: [] for shop_id in ids}
    for project_id, shop_id, name in projects:
        run = runs.get(project_id)
        by_shop[shop_id].append(ProjectLine(
            project_id, name, run.id if run else None, run.status if run else None, run.started_at if run else None,
        ))
    return [ShopLine(shop, by_shop[shop.shop_id]) for shop in shops]
