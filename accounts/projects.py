"""Projects of a shop and their append-only revisions.

Every save is a new revision (author, time, number); nothing is edited in place, so each change has
a history and a rollback is just a new revision that copies an old one. Every save gives each export
of the saved spec its served URL (`accounts.published.ensure_links`), whichever door saved it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts import audit
from accounts.access import access_project, access_shop, project_scope
from accounts.errors import ProjectBusy, ProjectExists, RevisionNotFound
from accounts.models import Project, ProjectRevision, User
from accounts.published import ensure_links
from accounts.roles import Action
from accounts.run_lock import project_run_lock
from accounts.runs import ProjectRun
from accounts.shops import clean_name
from accounts.spec_access import check_spec_change
from accounts.targets import check_targets_free, claim_targets
from feeds.project import ProjectSpec


def create_project(session: Session, actor: User, shop_id: int, *, name: str, spec: ProjectSpec) -> Project:
    """A new project whose first revision is `spec` (write)."""
    shop = access_shop(session, actor, shop_id, Action.EDIT_FEEDS).shop
    check_targets_free(session, None, spec)  # before the insert: a refused project leaves nothing behind
    project = Project(shop_id=shop.id, name=clean_name("project", name), head=0)
    with session.begin_nested():  # the project with its first revision, or nothing (a lost target race too)
        try:
            with session.begin_nested():  # flushes pending work first, so only the insert can roll back
                session.add(project)
        except IntegrityError as exc:
            raise ProjectExists(shop.id, project.name) from exc
        _append(session, actor, project, spec, note="created")
    return project


def save_revision(
    session: Session, actor: User, project_id: int, spec: ProjectSpec, *, note: str = ""
) -> int:
    """Append `spec` as the new current revision (write); returns its number."""
    project = access_project(session, actor, project_id, Action.EDIT_FEEDS, lock=True)
    return _append(session, actor, project, spec, note=note)


def edit_project(
    session: Session, actor: User, project_id: int, edit: Callable[[ProjectSpec], ProjectSpec], *, note: str = "",
    action: Action = Action.EDIT_FEEDS,
) -> int | None:
    """Save `edit(current spec)` as the new revision (write); None, saving nothing, when it changes nothing.

    The project is locked before its current spec is read: two edits at once queue, and the second
    edits what the first saved instead of overwriting it with a change of an older revision. `action`
    is the door; each area the edit changes is checked after it (accounts.spec_access).
    """
    project = access_project(session, actor, project_id, action, lock=True)
    current = ProjectSpec.model_validate(_revision(session, project, project.head).spec)
    spec = edit(current)
    return None if spec == current else _append(session, actor, project, spec, note=note)


def set_paused(session: Session, actor: User, project_id: int, *, paused: bool) -> int | None:
    """Pause or resume scheduled runs: an edit of runs (as running and confirming are), saved as a revision
    so the history says who did it; None when it already was."""

    def switch(spec: ProjectSpec) -> ProjectSpec:
        return spec.model_copy(update={"schedule": spec.schedule.model_copy(update={"paused": paused})})

    return edit_project(session, actor, project_id, switch, note="paused" if paused else "resumed",
                        action=Action.RUN_FEEDS)


@dataclass(frozen=True)
class DeletedProject:
    """What a deleted project leaves behind: its last spec (its exports stay published) and the
    workspaces of its held runs, for the caller to remove (files are not the database's to delete)."""

    spec: ProjectSpec
    workspaces: list[str]


def delete_project(session: Session, actor: User, project_id: int) -> DeletedProject:
    """Delete the project with its revisions, served links, download log, runs and publish-target claims (owner).

    Owner only, as deleting a shop is: unlike every other edit it cannot be rolled back. The files
    already published stay where they are; their served URLs stop at once, and the targets are free
    for another project. Refused (ProjectBusy) while a run holds the project's run lock.
    """
    project = access_project(session, actor, project_id, Action.DELETE, lock=True)
    spec = ProjectSpec.model_validate(_revision(session, project, project.head).spec)
    runs = select(ProjectRun.workspace).where(ProjectRun.project_id == project.id)
    workspaces = [workspace for workspace in session.scalars(runs) if workspace]
    bind = session.get_bind()
    with project_run_lock(bind if isinstance(bind, Engine) else bind.engine, project.id) as lock:
        if not lock.taken:
            raise ProjectBusy(project.id, then="delete the project")
        audit.record(session, shop_id=project.shop_id, actor=actor, action="project.deleted", name=project.name)
        session.delete(project)  # the database cascades to every row that names the project
        session.flush()
    return DeletedProject(spec, workspaces)


def rollback_project(
    session: Session,
    actor: User,
    project_id: int,
    number: int,
    *,
    check: Callable[[ProjectSpec], None] | None = None,
) -> int | None:
    """Make revision `number` current again by appending a copy of it (write), see `rollback_spec`;
    None when it is what is current. `check` may refuse the restored spec before it is saved."""
    project = access_project(session, actor, project_id, Action.EDIT_FEEDS)
    old = ProjectSpec.model_validate(_revision(session, project, number).spec)

    def restore(current: ProjectSpec) -> ProjectSpec:
        restored = rollback_spec(old, current)
        if check is not None and restored != current:
            check(restored)
        return restored

    return edit_project(session, actor, project_id, restore, note=f"rollback to revision {number}")


def rollback_spec(old: ProjectSpec, current: ProjectSpec) -> ProjectSpec:
    """What a rollback to `old` saves: `old` with the current pause switch.

    A rollback restores the configuration (source, rules, exports, schedule); pausing is what an
    owner does to stop runs, and a rollback must not silently start a paused project again.
    """
    schedule = old.schedule.model_copy(update={"paused": current.schedule.paused})
    return old.model_copy(update={"schedule": schedule})


def get_current_spec(session: Session, actor: User, project_id: int) -> ProjectSpec:
    """The spec of the current revision (read)."""
    project = access_project(session, actor, project_id, Action.VIEW)
    return ProjectSpec.model_validate(_revision(session, project, project.head).spec)


def get_revision_spec(session: Session, actor: User, project_id: int, number: int) -> ProjectSpec:
    """The spec of revision `number` (read)."""
    project = access_project(session, actor, project_id, Action.VIEW)
    return ProjectSpec.model_validate(_revision(session, project, number).spec)


@dataclass(frozen=True)
class RevisionView:
    """One entry of a project's history."""

    number: int
    author_email: str
    created_at: datetime
    note: str
    spec: ProjectSpec


def list_history(session: Session, actor: User, project_id: int) -> list[RevisionView]:
    """All revisions, newest first (read)."""
    project = access_project(session, actor, project_id, Action.VIEW)
    rows = session.execute(
        select(ProjectRevision, User.email)
        .join(User, User.id == ProjectRevision.author_id)
        .where(ProjectRevision.project_id == project.id)
        .order_by(ProjectRevision.number.desc())
    )
    return [
        RevisionView(rev.number, email, rev.created_at, rev.note, ProjectSpec.model_validate(rev.spec))
        for rev, email in rows
    ]


def list_projects(session: Session, actor: User, shop_id: int) -> list[Project]:
    """The shop's projects by name (read)."""
    shop = access_shop(session, actor, shop_id, Action.VIEW).shop
    query = select(Project).where(Project.shop_id == shop_id).order_by(Project.name)
    scope = project_scope(session, actor, shop)
    return list(session.scalars(query if scope is None else query.where(Project.id.in_(scope))))


def _append(session: Session, actor: User, project: Project, spec: ProjectSpec, *, note: str) -> int:
    old = ProjectSpec.model_validate(_revision(session, project, project.head).spec) if project.head else None
    check_spec_change(session, actor, project, project.shop_id, old, spec)
    claim_targets(session, project.id, spec)
    project.head += 1
    session.add(
        ProjectRevision(
            project_id=project.id,
            number=project.head,
            spec=spec.model_dump(mode="json"),
            author_id=actor.id,
            note=note[:200],
        )
    )
    audit.record(
        session,
        shop_id=project.shop_id,
        actor=actor,
        action="project.revision",
        project=project.name,
        number=project.head,
        note=note,
    )
    session.flush()
    ensure_links(session, project, [export.name for export in spec.exports])
    return project.head


def _revision(session: Session, project: Project, number: int) -> ProjectRevision:
    revision = session.scalars(
        select(ProjectRevision).where(
            ProjectRevision.project_id == project.id, ProjectRevision.number == number
        )
    ).one_or_none()
    if revision is None:
        raise RevisionNotFound(project.id, number)
    return revision
