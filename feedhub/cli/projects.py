"""Project commands: `feedhub project add`, `list`, `pause`, `resume`, and the reading of a spec from
options and files that `project update` shares.

The acting user comes from `--by EMAIL` and the access rules of `accounts` apply. A spec is checked
whole before it is saved (`accounts.project_checks.check_spec`, with this server's limits), and every
save gives each export its served URL. `accounts`, SQLAlchemy and `flows` are imported inside the
commands, so `feedhub --help` and the feed commands start without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from feedhub.cli.common import AsJson, By, database, fail, print_json
from feedhub.cli.runs import run_dict

if TYPE_CHECKING:
    from feeds.project import ExportSpec, ProjectSpec

# feeds.project's defaults, copied so that `--help` needs no pydantic (test_cli_startup checks they agree).
DEFAULT_CRON = "0 */6 * * *"
DEFAULT_TIMEZONE = "Europe/Prague"


def register(project_app: typer.Typer) -> None:
    """Add add, list, pause and resume to `feedhub project`."""
    project_app.command("add")(project_add)
    project_app.command("list")(project_list)
    project_app.command("pause")(project_pause)
    project_app.command("resume")(project_resume)


def parse_export(text: str) -> ExportSpec:
    """NAME=FORMAT:URI, e.g. google=google:s3://bucket/shop/google.xml (a .gz URI publishes gzip)."""
    from pydantic import ValidationError

    from feeds.project import ExportSpec, validation_problems

    name, _, rest = text.partition("=")
    format_key, _, uri = rest.partition(":")
    if not name or not format_key or not uri:
        raise fail(f"--export {text!r}: use NAME=FORMAT:URI, e.g. heureka=heureka:file:///srv/feeds/heureka.xml")
    try:
        return ExportSpec(name=name, format=format_key, uri=uri, gzip=uri.lower().endswith(".gz"))
    except ValidationError as exc:
        raise fail(f"--export {text!r}: {validation_problems(exc)}") from None


def rules_of(path: Path | None) -> dict[str, Any]:
    """Rules, saved queries, variables and the group key of a rules file; its data files' paths made absolute.

    Data files are named relative to the rules file, but scheduled runs start in another folder.
    The rules are checked with the whole spec (`check_spec`).
    """
    if path is None:
        return {}
    from feeds.transforms.rules.dataimport import with_absolute_data_files
    from feeds.transforms.rules.engine import read_rules_file

    found = read_rules_file(path)
    if isinstance(found.get("rules"), list):
        found["rules"] = with_absolute_data_files(found["rules"], path.resolve().parent)
    return found


def source_location(source: str, base_dir: Path | None = None) -> str:
    """A URL as given (fetching names the schemes it refuses); a local path made absolute, against
    `base_dir` (default: this folder), since scheduled runs do not start in this folder."""
    from feeds.fetch import names_a_url

    source = source.strip()
    if not source or "\x00" in source or names_a_url(source):
        return source  # check_spec names what is wrong with it
    try:
        path = Path(source).expanduser()
    except RuntimeError:  # ~someone with no home on this machine: an ordinary folder name
        path = Path(source)
    return str(((base_dir or Path.cwd()) / path).resolve())


def build_spec(data: dict[str, Any]) -> ProjectSpec:
    """A ProjectSpec from JSON-like data; what pydantic refuses becomes one line naming each field."""
    from pydantic import ValidationError

    from feeds.project import ProjectSpec, validation_problems

    try:
        spec = ProjectSpec.model_validate(data)
        spec.model_dump_json()  # a lone surrogate (\udcff) validates, and then no JSON can hold it
    except ValidationError as exc:
        raise fail(f"invalid project spec: {validation_problems(exc)}") from None
    except ValueError as exc:
        raise fail(f"invalid project spec: {exc}") from None
    return spec


def project_add(
    shop: int,
    name: str,
    source: Annotated[str, typer.Option(help="Feed URL (or a local path).")],
    by: By,
    export: Annotated[list[str], typer.Option(help="NAME=FORMAT:URI; repeat for several exports.")],
    rules: Annotated[Path | None, typer.Option(help="Rules JSON file.")] = None,
    cron: Annotated[str, typer.Option(help="When it runs by itself.")] = DEFAULT_CRON,
    timezone: Annotated[str, typer.Option(help="Time zone of the cron.")] = DEFAULT_TIMEZONE,
) -> None:
    """Create a project of SHOP that fetches --source, applies --rules and publishes every --export."""
    import accounts
    from accounts.project_checks import check_spec
    from feedhub.runtime import spec_limits

    exports = [parse_export(item).model_dump(mode="json") for item in export]
    with database() as (session, settings):
        data = {"source": source_location(source), "exports": exports, "schedule": {"cron": cron, "timezone": timezone}}
        spec = build_spec({**data, **rules_of(rules)})
        check_spec(spec, shop_id=shop, limits=spec_limits(settings))  # refused now rather than at the first run
        project = accounts.create_project(session, accounts.get_user(session, by), shop, name=name, spec=spec)
    typer.echo(f"project {project.id} {project.name!r} added to shop {shop}")


def project_list(shop: int, by: By, as_json: AsJson = False) -> None:
    """The shop's projects with their schedule and latest run."""
    import accounts
    from accounts.runs import list_runs

    with database() as (session, _):
        actor = accounts.get_user(session, by)
        rows: list[dict[str, Any]] = []
        for project in accounts.list_projects(session, actor, shop):
            spec = accounts.get_current_spec(session, actor, project.id)
            newest = next(iter(list_runs(session, actor, project.id, limit=1)), None)
            rows.append(
                {
                    "id": project.id, "name": project.name, "source": spec.source,
                    "schedule": spec.schedule.cron, "timezone": spec.schedule.timezone, "paused": spec.schedule.paused,
                    "exports": [e.name for e in spec.exports], "last_run": run_dict(newest) if newest else None,
                }
            )
    if as_json:
        return print_json(rows)
    for row in rows:
        last = row["last_run"]
        state = "paused" if row["paused"] else f"{row['schedule']} {row['timezone']}"
        latest = f"last run {last['id']}: {last['status']}" if last else "never ran"
        typer.echo(f"{row['id']:>5}  {row['name']}  [{state}]  {latest}  exports: {', '.join(row['exports'])}")


def _set_paused(project: int, by: str, paused: bool) -> None:
    import accounts
    from accounts.projects import set_paused

    with database() as (session, _):  # edit_project locks before reading: a concurrent update is kept
        set_paused(session, accounts.get_user(session, by), project, paused=paused)
    typer.echo(f"project {project} {'paused' if paused else 'resumed'}")


def project_pause(project: int, by: By) -> None:
    """Stop scheduled runs (run now still works)."""
    _set_paused(project, by, True)


def project_resume(project: int, by: By) -> None:
    """Start scheduled runs again."""
    _set_paused(project, by, False)
