"""Publishing a held run on a person's word: the owner or a writer saw the drop and says it is real.

The run's outputs wait in its workspace; confirming publishes exactly those bytes (no new fetch),
under the project's run lock so it never races a scheduled run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from accounts.audit import record
from accounts.errors import ProjectBusy
from accounts.lifecycle import record_exported_products
from accounts.models import Project, ProjectRevision, User
from accounts.published import ensure_links
from accounts.run_lock import RunLockLost, project_run_lock
from accounts.runs import check_confirmable, mark_confirmed
from feeds.project import ProjectSpec
from flows.deps import RunDeps
from flows.finish import RunSummary
from flows.processing import output_paths
from flows.steps import publish_outputs


def confirm_held_run(deps: RunDeps, actor: User, run_id: int) -> RunSummary:
    """Publish a held run's outputs (owner or writer); the run becomes succeeded, confirmed by `actor`."""
    with deps.sessions() as session:
        project_id = check_confirmable(session, actor, run_id).project_id
    with project_run_lock(deps.engine, project_id) as lock:
        if not lock.taken:
            raise ProjectBusy(project_id, then="confirm again")
        with deps.sessions.begin() as session:
            run = check_confirmable(session, actor, run_id)  # again, under the lock: still held, still newest
            spec = ProjectSpec.model_validate(
                session.scalars(
                    select(ProjectRevision.spec).where(
                        ProjectRevision.project_id == run.project_id, ProjectRevision.number == run.revision
                    )
                ).one()
            )
            workspace = Path(run.workspace)
            if why := lock.lost():
                raise RunLockLost(why)
            published = publish_outputs(deps, spec, output_paths(workspace, spec), shop_id=run.shop_id)
            run.report = {**run.report, "published": published}
            run.bytes_out = sum(item["bytes"] for item in published)
            mark_confirmed(session, run, actor)
            ensure_links(session, session.get_one(Project, run.project_id), [e.name for e in spec.exports])
            record_exported_products(session, run.shop_id, run.products_out)
            record(session, shop_id=run.shop_id, actor=actor, action="run.confirmed", run_id=run.id)
            summary = RunSummary.of(run)
    shutil.rmtree(workspace, ignore_errors=True)
    return summary
