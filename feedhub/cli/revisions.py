"""Changing a project: `feedhub project show`, `update`, `export-template`, `history`, `rollback` and `delete`.

Every save is a new revision (accounts.projects), so an edit never overwrites anything: `history`
lists who changed what and when, and `rollback N` makes an old revision current again, as a new
one. An edit is checked whole before it is saved, as `project add` checks a new project: the spec,
the rules (every problem at once) and each export's target (`accounts.project_checks.check_spec`).
Readers may show and list; saving needs write access; deleting, which cannot be undone, is the owner's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from feedhub.cli.common import AsJson, By, database, fail, fail_problems, print_json, read_template
from feedhub.cli.projects import build_spec, parse_export, rules_of, source_location
from feedhub.runtime import deps_from_settings

if TYPE_CHECKING:
    from feeds.project import ProjectSpec


def register(project_app: typer.Typer) -> None:
    """Add show, update, export-template, history, rollback and delete to `feedhub project`."""
    project_app.command("show")(project_show)
    project_app.command("update")(project_update)
    project_app.command("export-template")(project_export_template)
    project_app.command("history")(project_history)
    project_app.command("rollback")(project_rollback)
    project_app.command("delete")(project_delete)


def project_show(
    project: int,
    by: By,
    revision: Annotated[int | None, typer.Option(help="An older revision (see `project history`).")] = None,
) -> None:
    """Print the project's spec as JSON (source, rules, exports, schedule); edit it and save it with `update --spec`."""
    import accounts

    with database() as (session, _):
        actor = accounts.get_user(session, by)
        if revision is None:
            spec = accounts.get_current_spec(session, actor, project)
        else:
            spec = accounts.get_revision_spec(session, actor, project, revision)
    typer.echo(spec.model_dump_json(indent=2))


def project_update(
    project: int,
    by: By,
    spec_file: Annotated[
        Path | None, typer.Option("--spec", help="A whole spec as JSON, e.g. `project show` output, edited.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="New feed URL (or local path).")] = None,
    rules: Annotated[
        Path | None, typer.Option(help="Rules JSON file: replaces the rules, queries, variables and group key.")
    ] = None,
    export: Annotated[
        list[str] | None, typer.Option(help="NAME=FORMAT:URI; repeat for several. Replaces every export.")
    ] = None,
    cron: Annotated[str | None, typer.Option(help="When it runs by itself.")] = None,
    timezone: Annotated[str | None, typer.Option(help="Time zone of the cron.")] = None,
    note: Annotated[str, typer.Option(help="Why, for the history.")] = "",
) -> None:
    """Save a new revision: what an option names is replaced, everything else is kept (owner or writer)."""
    import accounts
    from accounts.access import access_project
    from accounts.project_checks import check_spec
    from accounts.roles import Action
    from feedhub.runtime import spec_limits

    exports = [parse_export(item).model_dump(mode="json") for item in export or []]
    given = {key: value for key, value in (("cron", cron), ("timezone", timezone)) if value is not None}
    with database() as (session, settings):
        spec_data = None if spec_file is None else _read_spec_file(spec_file)
        new_rules = {} if rules is None else {"rules": [], "queries": {}, "variables": {}, "group_by": None}
        new_rules.update(rules_of(rules))
        actor = accounts.get_user(session, by)
        row = access_project(session, actor, project, Action.EDIT_FEEDS)
        limits = spec_limits(settings)

        # a path is relative to where it was written: the command line's folder, or the spec file's
        base_dir = spec_file.resolve().parent if spec_file is not None and source is None else Path.cwd()
        def edit(current: ProjectSpec) -> ProjectSpec:
            data = current.model_dump(mode="json") if spec_data is None else dict(spec_data)
            if source is not None:
                data["source"] = source
            data.update(new_rules)
            if exports:
                data["exports"] = exports
            if given:
                schedule = data.get("schedule")
                data["schedule"] = {**(schedule if isinstance(schedule, dict) else {}), **given}
            spec = build_spec(data)
            spec = spec.model_copy(update={"source": source_location(spec.source, base_dir)})
            if spec != current:
                check_spec(spec, shop_id=row.shop_id, limits=limits)
            return spec

        number = accounts.edit_project(session, actor, project, edit, note=note or "updated")
    if number is None:
        typer.echo(f"project {project}: nothing changed, no revision saved")
    else:
        typer.echo(f"project {project}: revision {number} saved")


def project_export_template(
    project: int,
    export: str,
    template: Annotated[str, typer.Argument(
        help="A template JSON file (docs/templates.md), or preset:NAME to start from a shipped one.")],
    by: By,
    uri: Annotated[str | None, typer.Option(
        help="Publish it here instead, e.g. with the template's extension (.csv); a .gz URI publishes gzip.")] = None,
    note: Annotated[str, typer.Option(help="Why, for the history.")] = "",
) -> None:
    """Write EXPORT with a custom template (its format becomes "template"); a new revision, checked whole first."""
    import accounts
    from accounts.access import access_project
    from accounts.project_checks import check_spec
    from accounts.roles import Action
    from feedhub.runtime import spec_limits
    from feeds.errors import ConfigError
    from feeds.project import TEMPLATE_FORMAT

    document = read_template(template)
    with database() as (session, settings):
        actor = accounts.get_user(session, by)
        row = access_project(session, actor, project, Action.EDIT_FEEDS)
        limits = spec_limits(settings)

        def edit(current: ProjectSpec) -> ProjectSpec:
            data = current.model_dump(mode="json")
            found = next((e for e in data["exports"] if e["name"] == export), None)
            if found is None:
                raise fail(f"project {project} has no export {export!r}")
            found.update(format=TEMPLATE_FORMAT, template=document)
            if uri is not None:
                found.update(uri=uri, gzip=uri.lower().endswith(".gz"))
            spec = build_spec(data)
            try:
                check_spec(spec, shop_id=row.shop_id, limits=limits)
            except ConfigError as exc:
                raise fail_problems(f"export {export!r} not changed", exc.problems) from None
            return spec

        number = accounts.edit_project(session, actor, project, edit, note=note or f"export {export} template set")
    if number is None:
        typer.echo(f"project {project}: export {export!r} has this template already; no revision saved")
    else:
        typer.echo(f"project {project}: export {export!r} is written with the template; revision {number} saved")


def project_history(project: int, by: By, as_json: AsJson = False) -> None:
    """Every revision, newest (current) first: when, by whom, why (readers may list them)."""
    import accounts

    with database() as (session, _):
        revisions = accounts.list_history(session, accounts.get_user(session, by), project)
        rows = [
            {
                "revision": r.number, "created_at": r.created_at.isoformat(timespec="seconds"),
                "author": r.author_email, "note": r.note, "current": index == 0,
                "rules": len(r.spec.rules), "exports": [e.name for e in r.spec.exports],
            }
            for index, r in enumerate(revisions)
        ]  # fmt: skip
    if as_json:
        return print_json(rows)
    for row in rows:
        mark = "*" if row["current"] else " "
        typer.echo(
            f"{mark}{row['revision']:>4}  {row['created_at']}  {row['author']}  {row['note'] or '-'}"
            f"  ({row['rules']} rules; exports: {', '.join(row['exports']) or 'none'})"
        )


def project_rollback(project: int, revision: int, by: By) -> None:
    """Make REVISION current again, as a new revision; only the pause switch stays as it is now."""
    import accounts
    from accounts.access import access_project
    from accounts.project_checks import check_spec
    from accounts.roles import Action
    from feedhub.runtime import spec_limits

    with database() as (session, settings):
        actor = accounts.get_user(session, by)
        row = access_project(session, actor, project, Action.EDIT_FEEDS)
        limits = spec_limits(settings)

        def check(spec: ProjectSpec) -> None:  # the server's settings and other projects may have changed
            check_spec(spec, shop_id=row.shop_id, limits=limits)

        number = accounts.rollback_project(session, actor, project, revision, check=check)
    if number is None:
        typer.echo(f"project {project}: revision {revision} is what is current; no revision saved")
    else:
        typer.echo(f"project {project}: revision {revision} is current again (saved as revision {number})")


def project_delete(
    project: int, by: By, yes: Annotated[bool, typer.Option("--yes", help="Delete without asking.")] = False
) -> None:
    """Delete the project with its history, runs and served URLs (owner); published files stay where they are."""
    import accounts

    if not yes:
        typer.confirm(f"Delete project {project}, its history, runs and served URLs? It cannot be undone", abort=True)
    from flows.steps import project_workspaces

    with database() as (session, settings):
        deleted = accounts.delete_project(session, accounts.get_user(session, by), project)
    for workspace in deleted.workspaces:  # held runs' outputs: nobody can confirm them any more
        shutil.rmtree(workspace, ignore_errors=True)
    shutil.rmtree(project_workspaces(deps_from_settings(settings), project), ignore_errors=True)
    kept = ", ".join(export.uri for export in deleted.spec.exports) or "none"
    typer.echo(f"project {project} deleted; its served URLs answer 404 now; files already published stay: {kept}")


def _read_spec_file(path: Path) -> dict[str, Any]:
    """A spec file's JSON object; data files its rules name relative to it made absolute."""
    from feeds.transforms.rules.dataimport import with_absolute_data_files

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise fail(f"cannot read spec file {str(path)!r}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"spec file {str(path)!r} is not valid JSON: {exc}") from None
    except RecursionError:  # Python's JSON reader recurses once per [ or {
        raise fail(f"spec file {str(path)!r} nests lists or objects too deep to read") from None
    if not isinstance(data, dict):
        raise fail(f"spec file {str(path)!r} holds {type(data).__name__}, not a project spec object")
    if isinstance(data.get("rules"), list):
        data["rules"] = with_absolute_data_files(data["rules"], path.resolve().parent)
    return data
