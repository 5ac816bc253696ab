"""Project commands: add, list, run, pause, resume, confirm, links, downloads, rotate-token, basic-auth;
`feedhub runs`; `feedhub serve`.

The acting user comes from `--by EMAIL` and the access rules of `accounts` apply (a reader lists
runs but cannot run, pause, confirm, rotate a URL or set its password). The database is migrated
first, as in the accounts commands. `accounts`, SQLAlchemy and `flows` are imported inside the
commands, so `feedhub --help` and the feed commands start without them. Prefect is imported only by
the commands that need it, after its environment is set (`feedhub.runtime.prefect_environment`):
Prefect reads its settings once, at import.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from feedhub.cli_accounts import _database, _print_json
from feedhub.cli_common import fail, user_errors
from feedhub.runtime import deps_from_settings, prefect_environment

if TYPE_CHECKING:
    from accounts.published import ExportLink
    from accounts.runs import ProjectRun
    from feedhub.settings import Settings
    from feeds.project import ExportSpec, ProjectSpec

# feeds.project's defaults, copied so that `--help` needs no pydantic (test_cli_startup checks they agree).
DEFAULT_CRON = "0 */6 * * *"
DEFAULT_TIMEZONE = "Europe/Prague"

project_app = typer.Typer(
    no_args_is_help=True,
    help="Projects: add, edit (show, update, history, rollback), list, run, pause, resume, confirm held runs; "
    "their served URLs.",
)

By = Annotated[str, typer.Option("--by", help="Email of the acting user.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    """Add `project`, `runs` and `serve` to the main command line."""
    app.add_typer(project_app, name="project")
    app.command("runs")(runs)
    app.command("serve")(serve)


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


def check_spec(settings: Settings, spec: ProjectSpec, shop_id: int) -> None:
    """Refuse, before anything is saved, what a run of `spec` or the scheduler would refuse: one error
    naming every problem found.

    Local sources and data files must exist (a missing one fails every run); they are looked up, not
    read, and data at URLs is not fetched: a save runs under the project's lock and must neither
    wait for another server nor read a large file. Export targets must lie in the shop's publish
    folder or S3 prefixes (`RunDeps.storage`).
    """
    from feeds.errors import ConfigError, FeedError, local_file_refused
    from feeds.formats import FORMATS
    from feeds.storage.file import FileStorage
    from feeds.transforms import RuleSet
    from feeds.transforms.rules.dataimport import MAX_DATA_FILE_BYTES, local_data_files
    from flows.schedules import schedule_problem

    deps = deps_from_settings(settings)
    policy = deps.fetch_policy
    problems = _source_problems(spec.source, allow_local=policy.allow_local, max_bytes=policy.max_bytes)
    if spec.source_format is not None and spec.source_format not in FORMATS:
        problems.append(f"unknown source format {spec.source_format!r}; known: {', '.join(FORMATS)}")
    if problem := schedule_problem(spec.schedule.cron, spec.schedule.timezone):
        problems.append(f"schedule: {problem}")
    problems += _export_problems(spec.exports)
    for export in spec.exports:
        try:
            storage = deps.storage(export.uri, shop_id) if export.uri else None
        except FeedError as exc:
            problems.append(f"export {export.name!r}: {exc}")
            continue
        if isinstance(storage, FileStorage):
            in_the_way = next((p for p in storage.path.parents if p.exists() and not p.is_dir()), None)
            if storage.path.is_dir():
                problems.append(f"export {export.name!r}: {export.uri!r} is a folder; name a file in it")
            elif in_the_way is not None:
                problems.append(f"export {export.name!r}: {str(in_the_way)!r} is a file, not a folder")
    for path in local_data_files(spec.rules):
        if not policy.allow_local:
            problems.append(str(local_file_refused("data file", str(path))))
        elif problem := _file_problem(path, max_bytes=MAX_DATA_FILE_BYTES):
            problems.append(f"data file {str(path)!r}: {problem}")
    try:
        RuleSet.check_spec(spec.rules, spec.queries, spec.variables, group_by=spec.group_by)
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(problems)


def _source_problems(source: str, *, allow_local: bool, max_bytes: int) -> list[str]:
    """What fetching this source would refuse: an empty one, another scheme, a server path, a missing file."""
    from feeds.errors import local_file_refused
    from feeds.fetch import names_a_url, unsupported_source

    if not source or "\x00" in source:
        return ["the source is empty: give a feed URL" if not source else "the source contains a NUL character"]
    if names_a_url(source):
        return [problem] if (problem := unsupported_source(source)) else []
    if not allow_local:
        return [str(local_file_refused("source", source))]
    problem = _file_problem(Path(source), max_bytes=max_bytes)
    return [f"source {source!r}: {problem}"] if problem else []


def _file_problem(path: Path, *, max_bytes: int) -> str | None:
    """Why a run could not read this local file, found by looking it up: a save never reads it."""
    if not path.exists():
        return "no such file"
    if not path.is_file():  # a folder, a pipe or a device: a read would fail, block or never end
        return "not a regular file"
    if path.stat().st_size > max_bytes:
        return f"larger than {max_bytes:,} bytes"
    return None


def _export_problems(exports: list[ExportSpec]) -> list[str]:
    """Names and targets used twice, and a gzip flag its URI contradicts."""
    from accounts.targets import canonical_target

    names = [export.name for export in exports]
    problems = [f"two exports are named {name!r}" for name in sorted({n for n in names if names.count(n) > 1})]
    targets = [canonical_target(export.uri) for export in exports if export.uri]  # no URI: served only
    problems += [f"two exports publish to {uri!r}" for uri in sorted({t for t in targets if targets.count(t) > 1})]
    for export in exports:
        if export.uri and export.gzip != export.uri.lower().endswith(".gz"):
            wanted = "does not end in .gz" if export.gzip else "ends in .gz"
            problems.append(f"export {export.name!r}: gzip is {str(export.gzip).lower()} but its URI {wanted}")
    return problems


@project_app.command("add")
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
    from accounts.published import ensure_links

    exports = [parse_export(item).model_dump(mode="json") for item in export]
    with _database() as (session, settings):
        data = {"source": source_location(source), "exports": exports, "schedule": {"cron": cron, "timezone": timezone}}
        spec = build_spec({**data, **rules_of(rules)})
        check_spec(settings, spec, shop)  # refused now rather than at the first run
        project = accounts.create_project(session, accounts.get_user(session, by), shop, name=name, spec=spec)
        ensure_links(session, project, [e.name for e in spec.exports])
    typer.echo(f"project {project.id} {project.name!r} added to shop {shop}")


@project_app.command("list")
def project_list(shop: int, by: By, as_json: AsJson = False) -> None:
    """The shop's projects with their schedule and latest run."""
    import accounts
    from accounts.runs import list_runs

    with _database() as (session, _):
        actor = accounts.get_user(session, by)
        rows: list[dict[str, Any]] = []
        for project in accounts.list_projects(session, actor, shop):
            spec = accounts.get_current_spec(session, actor, project.id)
            newest = next(iter(list_runs(session, actor, project.id, limit=1)), None)
            rows.append(
                {
                    "id": project.id, "name": project.name, "source": spec.source,
                    "schedule": spec.schedule.cron, "timezone": spec.schedule.timezone, "paused": spec.schedule.paused,
                    "exports": [e.name for e in spec.exports], "last_run": _run_dict(newest) if newest else None,
                }
            )
    if as_json:
        return _print_json(rows)
    for row in rows:
        last = row["last_run"]
        state = "paused" if row["paused"] else f"{row['schedule']} {row['timezone']}"
        latest = f"last run {last['id']}: {last['status']}" if last else "never ran"
        typer.echo(f"{row['id']:>5}  {row['name']}  [{state}]  {latest}  exports: {', '.join(row['exports'])}")


def _set_paused(project: int, by: str, paused: bool) -> None:
    import accounts

    note = "paused" if paused else "resumed"

    def switch(spec: ProjectSpec) -> ProjectSpec:
        return spec.model_copy(update={"schedule": spec.schedule.model_copy(update={"paused": paused})})

    with _database() as (session, _):  # edit_project locks before reading: a concurrent update is kept
        accounts.edit_project(session, accounts.get_user(session, by), project, switch, note=note)
    typer.echo(f"project {project} {'paused' if paused else 'resumed'}")


@project_app.command("pause")
def project_pause(project: int, by: By) -> None:
    """Stop scheduled runs (run now still works)."""
    _set_paused(project, by, True)


@project_app.command("resume")
def project_resume(project: int, by: By) -> None:
    """Start scheduled runs again."""
    _set_paused(project, by, False)


@project_app.command("run")
def project_run(
    project: int,
    by: By,
    wait: Annotated[bool, typer.Option("--wait", help="Run here and now, and wait for the result.")] = False,
) -> None:
    """Run a project now: with --wait in this process, else through the running scheduler (`feedhub serve`)."""
    import accounts
    from accounts.projects import access_project
    from accounts.roles import Action

    with _database() as (session, settings):
        access_project(session, accounts.get_user(session, by), project, Action.RUN_FEEDS)
    if wait:
        summary = _run_here(settings, project)
        typer.echo(f"run {summary.run_id}: {summary.status}, {summary.products_in} in, {summary.products_out} out"
                   + (f": {summary.error}" if summary.error else ""))
        if summary.status == "failed":
            raise typer.Exit(1)
        return
    with user_errors(RuntimeError):
        flow_run = _prefect(settings).trigger_run(project, trigger="manual")
    typer.echo(f"project {project} queued (flow run {flow_run})")


def _run_here(settings: Settings, project: int):  # type: ignore[no-untyped-def]
    import accounts
    from flows.runner import run_project_inline

    with user_errors(accounts.AccountsError):
        return run_project_inline(project, deps_from_settings(settings))


def _prefect(settings: Settings, *, need_api: bool = True):  # type: ignore[no-untyped-def]
    """feedhub.serve, imported after Prefect's environment is set; finds the local scheduler's API."""
    for key, value in prefect_environment(settings).items():
        os.environ.setdefault(key, value)
    if need_api and "PREFECT_API_URL" not in os.environ:
        url_file = settings.data_dir / "prefect" / "api-url"
        if not url_file.is_file():
            raise fail("no scheduler is running: start `feedhub serve`, set PREFECT_API_URL, or use --wait")
        os.environ["PREFECT_API_URL"] = url_file.read_text().strip()
    import feedhub.serve

    return feedhub.serve


@project_app.command("confirm")
def project_confirm(run: int, by: By) -> None:
    """Publish a held run's outputs anyway (owner or writer)."""
    import accounts
    from feedhub.settings import get_settings
    from flows.confirm import confirm_held_run

    settings = get_settings()
    with _database() as (session, _):
        actor = accounts.get_user(session, by)
    with user_errors(accounts.AccountsError):
        summary = confirm_held_run(deps_from_settings(settings), actor, run)
    typer.echo(f"run {summary.run_id} confirmed and published ({summary.products_out} products)")


@project_app.command("links")
def project_links(project: int, by: By, as_json: AsJson = False) -> None:
    """The public URL of every export."""
    import accounts
    from accounts.published import list_links

    with _database() as (session, settings):
        actor = accounts.get_user(session, by)
        links = list_links(session, actor, project)
        urls = _served_urls(settings, accounts.get_current_spec(session, actor, project), links)
        rows = [
            {"export": link.export_name, "url": urls[link.export_name], "basic_auth": link.auth_user is not None}
            for link in links if link.export_name in urls
        ]
    if as_json:
        return _print_json(rows)
    for row in rows:
        typer.echo(f"{row['export']}: {row['url']}" + ("  (basic auth)" if row["basic_auth"] else ""))


@project_app.command("downloads")
def project_downloads(project: int, export: str, by: By, as_json: AsJson = False) -> None:
    """Who fetched an export, newest first: when did Google last fetch my feed?"""
    import accounts
    from accounts.published import list_downloads

    with _database() as (session, _):
        log = list_downloads(session, accounts.get_user(session, by), project, export)
    if as_json:
        return _print_json(log)
    for d in log:
        typer.echo(f"{d.at:%Y-%m-%d %H:%M:%S}  {d.status}  {d.bytes:>12,} B  {d.ip}  {d.user_agent}")


@project_app.command("rotate-token")
def project_rotate_token(project: int, export: str, by: By) -> None:
    """Give EXPORT a new secret URL and print it; the old URL stops working at once (owner or writer)."""
    import accounts
    from accounts.published import rotate_token

    with _database() as (session, settings):
        actor = accounts.get_user(session, by)
        link = rotate_token(session, actor, project, export)
        url = _served_urls(settings, accounts.get_current_spec(session, actor, project), [link]).get(export)
    typer.echo(f"{export}: {url}" if url else f"{export}: new token set (the export is no longer in the project)")


@project_app.command("basic-auth")
def project_basic_auth(
    project: int,
    export: str,
    by: By,
    user: Annotated[str | None, typer.Option("--user", help="User name the channel must send.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    clear: Annotated[bool, typer.Option("--clear", help="Serve the export without basic auth again.")] = False,
) -> None:
    """Require HTTP basic auth for EXPORT as --user (password prompted), or --clear it (owner or writer)."""
    import accounts
    from accounts.published import set_basic_auth

    if clear == (user is not None) or (clear and password_stdin):
        raise fail("give --user NAME (password prompted, or --password-stdin), or --clear alone")
    password = None if clear else _read_password(from_stdin=password_stdin)
    with _database() as (session, _):
        set_basic_auth(session, accounts.get_user(session, by), project, export, user=user, password=password)
    typer.echo(f"{export}: basic auth required for user {user}" if user else f"{export}: basic auth removed")


def _read_password(*, from_stdin: bool) -> str:
    """The first line of stdin, or a hidden prompt typed twice; never argv, which any user sees in `ps`."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _served_urls(settings: Settings, spec: ProjectSpec, links: list[ExportLink]) -> dict[str, str]:
    """The public URL of each link whose export is still in the spec, by export name."""
    from feedhub.web import export_file_name  # the web app (FastAPI) loads only for the commands that print URLs

    names = {e.name: export_file_name(e) for e in spec.exports}
    base = settings.base_url.rstrip("/")
    return {link.export_name: f"{base}/f/{link.token}/{names[link.export_name]}" for link in links
            if link.export_name in names}


def runs(
    by: By,
    project: Annotated[int | None, typer.Argument(help="The project whose runs to list.")] = None,
    shop: Annotated[int | None, typer.Option("--shop", help="List the runs of every project of this shop.")] = None,
    as_json: AsJson = False,
) -> None:
    """Runs newest first, of PROJECT or with --shop of every project of a shop (readers may list them)."""
    import accounts
    from accounts.runs import list_runs, list_shop_runs

    if (project is None) == (shop is None):
        raise fail("give a PROJECT, or --shop SHOP for the runs of every project of a shop")
    with _database() as (session, _):
        actor = accounts.get_user(session, by)
        if project is not None:
            found = list_runs(session, actor, project)
        else:
            assert shop is not None  # one of the two, checked above
            found = list_shop_runs(session, actor, shop)
        rows = [_run_dict(r) for r in found]
    if as_json:
        return _print_json(rows)
    for r in rows:
        where = f"project {r['project_id']:<5}  " if shop is not None else ""
        counts = f"{r['products_in']:>8} in  {r['products_out']:>8} out"
        line = f"{r['id']:>6}  {where}{r['started_at']}  {r['status']:<9}  {counts}"
        typer.echo(line + (f"  {r['error']}" if r["error"] else ""))


def _run_dict(run: ProjectRun) -> dict[str, Any]:
    return {
        "id": run.id, "project_id": run.project_id, "status": run.status.value, "trigger": run.trigger,
        "revision": run.revision,
        "started_at": run.started_at.isoformat(timespec="seconds"), "seconds": run.seconds, "stages": run.stages,
        "bytes_in": run.bytes_in, "bytes_out": run.bytes_out, "products_in": run.products_in,
        "products_out": run.products_out, "warnings": run.warnings, "error": run.error, "report": run.report,
    }


def serve(
    host: Annotated[str, typer.Option(help="Web app address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Web app port.")] = 8000,
    prefect_port: Annotated[int, typer.Option(help="Port of the local Prefect server.")] = 4200,
    pool: Annotated[str | None, typer.Option(help="Run flows on this work pool's workers (PREFECT_API_URL).")] = None,
) -> None:
    """The web app and the scheduler of every project's runs, until Ctrl-C."""
    from feedhub.settings import get_settings

    settings = get_settings()
    with _database():
        pass  # migrate before anything starts
    module = _prefect(settings, need_api=False)
    typer.echo(f"serving on http://{host}:{port} (Ctrl-C stops)")
    module.serve(settings, host=host, port=port, prefect_port=prefect_port, work_pool=pool)
