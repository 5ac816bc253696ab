"""Project commands: add, list, run, pause, resume, confirm, links, downloads; `feedhub runs`; `feedhub serve`.

The acting user comes from `--by EMAIL` and the access rules of `accounts` apply (a reader lists
runs but cannot run, pause or confirm). The database is migrated first, as in the accounts commands.
Prefect is imported only by the commands that need it, after its environment is set
(`feedhub.serve.prefect_environment`): Prefect reads its settings once, at import.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine

import accounts
from accounts.db import make_engine
from accounts.mail import make_mailer
from accounts.projects import access_project
from accounts.published import ensure_links, list_downloads, list_links
from accounts.roles import Action
from accounts.runs import ProjectRun, list_runs
from feedhub.cli_accounts import _database, _print_json
from feedhub.cli_common import fail, user_errors
from feedhub.settings import Settings, get_settings
from feeds.errors import ConfigError
from feeds.fetch import FetchPolicy
from feeds.project import ExportSpec, ProjectSpec, ScheduleSpec
from flows.deps import RunDeps

project_app = typer.Typer(no_args_is_help=True, help="Projects: add, list, run, pause, resume, confirm held runs.")

By = Annotated[str, typer.Option("--by", help="Email of the acting user.")]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def register(app: typer.Typer) -> None:
    """Add `project`, `runs` and `serve` to the main command line."""
    app.add_typer(project_app, name="project")
    app.command("runs")(runs)
    app.command("serve")(serve)


def parse_export(text: str) -> ExportSpec:
    """NAME=FORMAT:URI, e.g. google=google:s3://bucket/shop/google.xml (a .gz URI publishes gzip)."""
    name, _, rest = text.partition("=")
    format_key, _, uri = rest.partition(":")
    if not name or not format_key or not uri:
        raise typer.BadParameter(f"{text!r}: use NAME=FORMAT:URI, e.g. heureka=heureka:file:///srv/feeds/heureka.xml")
    try:
        return ExportSpec(name=name, format=format_key, uri=uri, gzip=uri.endswith(".gz"))
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r}: {exc}") from None


def _rules_of(path: Path | None) -> dict[str, Any]:
    """Rules and saved queries from a rules file, validated whole before anything is saved."""
    if path is None:
        return {}
    from feeds.transforms import RuleSet

    RuleSet.from_file(path)  # every problem at once, as one ConfigError
    data = json.loads(path.read_text(encoding="utf-8"))
    data = {"rules": data} if isinstance(data, list) else data
    if data.get("variables"):
        raise ConfigError(["project rules files cannot define variables yet; inline them in the rules"])
    return {"rules": data.get("rules", []), "queries": data.get("queries", {})}


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    return make_engine(url)  # one pool per database for every run of this process


def deps_from_settings(settings: Settings) -> RunDeps:
    """The run dependencies this process's settings describe."""
    return RunDeps(
        engine=_engine(settings.effective_database_url),
        data_dir=settings.data_dir.resolve(),
        mailer=make_mailer(smtp_url=settings.smtp_url, outbox_dir=settings.outbox_dir, sender=settings.mail_from),
        fetch_policy=FetchPolicy(
            timeout_s=settings.fetch_timeout_s,
            deadline_s=settings.fetch_deadline_s,
            max_bytes=settings.max_feed_bytes,
            allow_private=settings.allow_private_sources,
        ),
        base_url=settings.base_url,
        s3_endpoint_url=settings.s3_endpoint_url,
    )


@project_app.command("add")
def project_add(
    shop: int,
    name: str,
    source: Annotated[str, typer.Option(help="Feed URL (or a local path).")],
    by: By,
    export: Annotated[list[str], typer.Option(help="NAME=FORMAT:URI; repeat for several exports.")],
    rules: Annotated[Path | None, typer.Option(help="Rules JSON file.")] = None,
    cron: Annotated[str, typer.Option(help="When it runs by itself.")] = ScheduleSpec().cron,
    timezone: Annotated[str, typer.Option(help="Time zone of the cron.")] = ScheduleSpec().timezone,
) -> None:
    """Create a project of SHOP that fetches --source, applies --rules and publishes every --export."""
    exports = [parse_export(item) for item in export]
    with _database() as (session, _):
        spec = ProjectSpec(
            source=source, exports=exports, schedule=ScheduleSpec(cron=cron, timezone=timezone), **_rules_of(rules)
        )
        project = accounts.create_project(session, accounts.get_user(session, by), shop, name=name, spec=spec)
        ensure_links(session, project, [e.name for e in exports])
    typer.echo(f"project {project.id} {project.name!r} added to shop {shop}")


@project_app.command("list")
def project_list(shop: int, by: By, as_json: AsJson = False) -> None:
    """The shop's projects with their schedule and latest run."""
    with _database() as (session, _):
        actor = accounts.get_user(session, by)
        rows = []
        for project in accounts.list_projects(session, actor, shop):
            spec = accounts.get_current_spec(session, actor, project.id)
            last = next(iter(list_runs(session, actor, project.id, limit=1)), None)
            rows.append(
                {
                    "id": project.id, "name": project.name, "source": spec.source,
                    "schedule": spec.schedule.cron, "timezone": spec.schedule.timezone, "paused": spec.schedule.paused,
                    "exports": [e.name for e in spec.exports], "last_run": _run_dict(last) if last else None,
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
    with _database() as (session, _):
        actor = accounts.get_user(session, by)
        spec = accounts.get_current_spec(session, actor, project)
        schedule = spec.schedule.model_copy(update={"paused": paused})
        note = "paused" if paused else "resumed"
        accounts.save_revision(session, actor, project, spec.model_copy(update={"schedule": schedule}), note=note)
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


def prefect_environment(settings: Settings) -> dict[str, str]:
    """Prefect's home inside the data folder, and no telemetry; to set before Prefect is imported."""
    return {
        "PREFECT_HOME": str((settings.data_dir / "prefect").resolve()),
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }


@project_app.command("confirm")
def project_confirm(run: int, by: By) -> None:
    """Publish a held run's outputs anyway (owner or writer)."""
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
    with _database() as (session, settings):
        links = list_links(session, accounts.get_user(session, by), project)
        spec = accounts.get_current_spec(session, accounts.get_user(session, by), project)
    from feedhub.web import export_file_name

    names = {e.name: export_file_name(e) for e in spec.exports}
    rows = [
        {"export": link.export_name, "url": f"{settings.base_url.rstrip('/')}/f/{link.token}/{names[link.export_name]}",
         "basic_auth": link.auth_user is not None}
        for link in links if link.export_name in names
    ]
    if as_json:
        return _print_json(rows)
    for row in rows:
        typer.echo(f"{row['export']}: {row['url']}" + ("  (basic auth)" if row["basic_auth"] else ""))


@project_app.command("downloads")
def project_downloads(project: int, export: str, by: By, as_json: AsJson = False) -> None:
    """Who fetched an export, newest first: when did Google last fetch my feed?"""
    with _database() as (session, _):
        log = list_downloads(session, accounts.get_user(session, by), project, export)
    if as_json:
        return _print_json(log)
    for d in log:
        typer.echo(f"{d.at:%Y-%m-%d %H:%M:%S}  {d.status}  {d.bytes:>12,} B  {d.ip}  {d.user_agent}")


def runs(project: int, by: By, as_json: AsJson = False) -> None:
    """A project's runs, newest first (readers may list them)."""
    with _database() as (session, _):
        rows = [_run_dict(r) for r in list_runs(session, accounts.get_user(session, by), project)]
    if as_json:
        return _print_json(rows)
    for r in rows:
        counts = f"{r['products_in']:>8} in  {r['products_out']:>8} out"
        line = f"{r['id']:>6}  {r['started_at']}  {r['status']:<9}  {counts}"
        typer.echo(line + (f"  {r['error']}" if r["error"] else ""))


def _run_dict(run: ProjectRun) -> dict[str, Any]:
    return {
        "id": run.id, "status": run.status.value, "trigger": run.trigger, "revision": run.revision,
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
    settings = get_settings()
    with _database():
        pass  # migrate before anything starts
    module = _prefect(settings, need_api=False)
    typer.echo(f"serving on http://{host}:{port} (Ctrl-C stops)")
    module.serve(settings, host=host, port=port, prefect_port=prefect_port, work_pool=pool)
