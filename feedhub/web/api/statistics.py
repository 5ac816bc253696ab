"""A shop's statistics: per project, products over the last runs, invalid products by reason, downloads per
day and run durations; the numbers of the statistics page and its CSV (accounts.statistics)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from accounts.statistics import ProjectStatistics, ShopStatistics, describe_statistics
from feedhub.web.caller import Db, Me

router = APIRouter(tags=["statistics"])


@router.get("/shops/{shop_id}/statistics")
def statistics(shop_id: int, user: Me, session: Db) -> dict[str, Any]:
    """Each project's numbers (read); `days` are the UTC days each export's `per_day` counts are for."""
    return statistics_view(describe_statistics(session, user, shop_id))


def statistics_view(stats: ShopStatistics) -> dict[str, Any]:
    """The statistics in JSON."""
    return {"shop_id": stats.shop_id, "name": stats.name, "days": [day.isoformat() for day in stats.days],
            "projects": [_project_view(project) for project in stats.projects]}


def _project_view(project: ProjectStatistics) -> dict[str, Any]:
    return {
        "project_id": project.project_id, "name": project.name,
        "runs": [{"run_id": r.run_id, "started_at": r.started_at.isoformat(), "status": r.status.value,
                  "products_in": r.products_in, "products_out": r.products_out, "hidden": r.hidden,
                  "invalid": r.invalid} for r in project.runs],
        "durations": [{"run_id": d.run_id, "started_at": d.started_at.isoformat(), "status": d.status.value,
                       "seconds": d.seconds} for d in project.durations],
        "problems": [{"export": p.export, "run_id": p.run_id, "invalid": p.invalid, "unlisted": p.unlisted,
                      "reasons": [{"reason": reason, "products": count} for reason, count in p.reasons]}
                     for p in project.problems],
        "downloads": [{"export": d.export, "per_day": d.per_day} for d in project.downloads],
    }
