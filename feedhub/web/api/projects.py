"""Projects: spec, update, revisions, rollback, delete, pause and resume."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

import accounts
from accounts.access import access_project
from accounts.projects import set_paused
from accounts.roles import Action
from feedhub.web.api.schemas import NewProject, ProjectUpdate, RollbackBody
from feedhub.web.api.views import project_view
from feedhub.web.caller import Context, Db, Me
from feedhub.web.context import WebContext
from feedhub.web.paging import DEFAULT_LIMIT, Cursor, Limit, page
from feeds.errors import ConfigError
from feeds.project import ProjectSpec, validation_problem_list, with_rule_ids

router = APIRouter(tags=["projects"])


@router.get("/shops/{shop_id}/projects")
def list_projects(shop_id: int, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT,
                  cursor: Cursor = None) -> dict[str, Any]:
    """The shop's projects."""
    projects = accounts.list_projects(session, user, shop_id)
    return page(projects, key=lambda p: p.id, cursor=cursor, limit=limit, render=project_view)


@router.post("/shops/{shop_id}/projects", status_code=201)
def create(shop_id: int, body: NewProject, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """A new project; its spec is checked whole first, and every problem is named at once (write)."""
    spec = spec_of(body.spec)
    accounts.access_shop(session, user, shop_id, Action.EDIT_FEEDS)  # refuse before looking at sources
    check_spec(context, spec, shop_id)
    project = accounts.create_project(session, user, shop_id, name=body.name, spec=spec)  # links come with it
    return {**project_view(project), "spec": spec.model_dump(mode="json")}


@router.get("/projects/{project_id}")
def show(project_id: int, user: Me, session: Db) -> dict[str, Any]:
    """The project and its current spec."""
    project = access_project(session, user, project_id, Action.VIEW)
    spec = accounts.get_current_spec(session, user, project_id)
    return {**project_view(project), "spec": spec.model_dump(mode="json")}


@router.put("/projects/{project_id}")
def update(project_id: int, body: ProjectUpdate, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Save a whole new spec as the next revision (write); an unchanged spec saves nothing."""
    spec = spec_of(body.spec)
    project = access_project(session, user, project_id, Action.EDIT_FEEDS)

    def replace(current: ProjectSpec) -> ProjectSpec:
        if spec != current:
            check_spec(context, spec, project.shop_id)
        return spec

    number = accounts.edit_project(session, user, project_id, replace, note=body.note or "updated")
    return {**project_view(project), "saved_revision": number, "spec": spec.model_dump(mode="json")}


@router.get("/projects/{project_id}/revisions")
def revisions(project_id: int, user: Me, session: Db, limit: Limit = DEFAULT_LIMIT,
              cursor: Cursor = None) -> dict[str, Any]:
    """Every revision, newest first: when, by whom, why."""
    history = accounts.list_history(session, user, project_id)
    return page(
        history, key=lambda r: r.number, newest_first=True, cursor=cursor, limit=limit,
        render=lambda r: {"number": r.number, "created_at": r.created_at.isoformat(), "author": r.author_email,
                          "note": r.note},
    )


@router.get("/projects/{project_id}/revisions/{number}")
def revision(project_id: int, number: int, user: Me, session: Db) -> dict[str, Any]:
    """One revision's spec."""
    return {"number": number, "spec": accounts.get_revision_spec(session, user, project_id, number).model_dump(
        mode="json")}


@router.post("/projects/{project_id}/rollback")
def rollback(project_id: int, body: RollbackBody, user: Me, session: Db, context: Context) -> dict[str, Any]:
    """Make an old revision current again, saved as a new revision (write)."""
    project = access_project(session, user, project_id, Action.EDIT_FEEDS)
    number = accounts.rollback_project(
        session, user, project_id, body.revision, check=lambda spec: check_spec(context, spec, project.shop_id)
    )
    return {**project_view(project), "saved_revision": number}


@router.delete("/projects/{project_id}", status_code=204)
def delete(project_id: int, user: Me, session: Db, context: Context) -> None:
    """Delete the project, its history, runs and served URLs (owner); published files stay."""
    from flows.steps import project_workspaces

    deleted = accounts.delete_project(session, user, project_id)
    session.commit()
    for workspace in deleted.workspaces:
        shutil.rmtree(workspace, ignore_errors=True)
    shutil.rmtree(project_workspaces(context.deps, project_id), ignore_errors=True)


@router.post("/projects/{project_id}/pause")
def pause(project_id: int, user: Me, session: Db) -> dict[str, Any]:
    """Stop scheduled runs (run now still works) (write)."""
    return _set_paused(session, user, project_id, paused=True)


@router.post("/projects/{project_id}/resume")
def resume(project_id: int, user: Me, session: Db) -> dict[str, Any]:
    """Start scheduled runs again (write)."""
    return _set_paused(session, user, project_id, paused=False)


def _set_paused(session: Any, user: Any, project_id: int, *, paused: bool) -> dict[str, Any]:
    number = set_paused(session, user, project_id, paused=paused)
    return {"id": project_id, "paused": paused, "saved_revision": number}


def spec_of(data: dict[str, Any]) -> ProjectSpec:
    """A ProjectSpec from a request body, every rule with an id; each field pydantic refuses becomes one problem."""
    try:
        spec = ProjectSpec.model_validate(data)
        spec.model_dump_json()  # a lone surrogate validates, and then no JSON can hold it
        spec = spec.model_copy(update={"rules": with_rule_ids(spec.rules)})
    except ValidationError as exc:
        # one problem per refused field, not validation_problems() split on "; ": a message may hold "; " itself
        raise ConfigError([f"invalid project spec: {problem}" for problem in validation_problem_list(exc)]) from None
    except ValueError as exc:
        raise ConfigError([f"invalid project spec: {exc}"]) from None
    return spec


def check_spec(context: WebContext, spec: ProjectSpec, shop_id: int) -> None:
    """What a run or the scheduler would refuse, refused before saving (the same check as the CLI's)."""
    from accounts.project_checks import check_spec as check
    from feedhub.runtime import spec_limits

    check(spec, shop_id=shop_id, limits=spec_limits(context.settings))


def spec_check(session: Any, user: Any, project_id: int, context: WebContext) -> Callable[[ProjectSpec], None]:
    """The save check of a project's shop, after the access check of a write (so outsiders learn nothing)."""
    shop_id = access_project(session, user, project_id, Action.EDIT_FEEDS).shop_id
    return lambda spec: check_spec(context, spec, shop_id)
