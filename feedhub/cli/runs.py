"""Runs and the scheduler: `feedhub project run`, `project confirm`, `feedhub runs`, `feedhub serve`,
`feedhub worker`.

A reader lists runs but cannot run or confirm one. Prefect is imported only by the commands that need
it, after its environment is set (`feedhub.runtime.prefect_environment`): Prefect reads its settings
once, at import.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from feedhub.cli.common import AsJson, By, database, fail, print_json, user_errors
from feedhub.runtime import deps_from_settings, prefect_environment

if TYPE_CHECKING:
    from accounts.runs import ProjectRun
    from feedhub.settings import Settings


def register(app: typer.Typer, project_app: typer.Typer) -> None:
    """Add `runs` and `serve` to the main command line, and run and confirm to `feedhub project`."""
    app.command("runs")(runs)
    app.command("serve")(serve)
    app.command("worker")(worker)
    project_app.command("run")(project_run)
    project_app.command("confirm")(project_confirm)


def project_run(
    project: int,
    by: By,
    wait: Annotated[bool, typer.Option("--wait", help="Run here and now, and wait for the result.")] = False,
) -> None:
    """Run a project now: with --wait in this process, else queued for the workers of `feedhub serve`."""
    import accounts
    from accounts.access import access_project
    from accounts.roles import Action
    from accounts.run_queue import live_workers, run_now

    with database() as (session, settings):
        requester = accounts.get_user(session, by)
        access_project(session, requester, project, Action.RUN_FEEDS)
        requested_by = requester.id
        if not wait:
            if not live_workers(session):
                raise fail("no worker is running: start `feedhub serve` (or `feedhub worker`), or use --wait")
            run_now(session, project, trigger="manual", big_feed_products=settings.big_feed_products,
                    requested_by=requested_by)
            session.commit()
    if not wait:
        typer.echo(f"project {project} queued; a worker starts it within seconds (see `feedhub runs {project}`)")
        return
    summary = _run_here(settings, project, requested_by)
    typer.echo(f"run {summary.run_id}: {summary.status}, {summary.products_in} in, {summary.products_out} out"
               + (f": {summary.error}" if summary.error else ""))
    if summary.status == "failed":
        raise typer.Exit(1)


def _run_here(settings: Settings, project: int, requested_by: int):  # type: ignore[no-untyped-def]
    import accounts
    from flows.runner import run_project_inline

    with user_errors(accounts.AccountsError):
        return run_project_inline(project, deps_from_settings(settings), requested_by=requested_by)


def _prefect_api(settings: Settings) -> None:
    """Prefect's environment for this process, and the API of this machine's `feedhub serve` unless
    PREFECT_API_URL names one; set before Prefect is imported."""
    for key, value in prefect_environment(settings).items():
        os.environ.setdefault(key, value)
    if "PREFECT_API_URL" not in os.environ:
        url_file = settings.data_dir / "prefect" / "api-url"
        if not url_file.is_file():
            raise fail("no Prefect server is known: start `feedhub serve` on this machine, or set PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = url_file.read_text().strip()


def project_confirm(run: int, by: By) -> None:
    """Publish a held run's outputs anyway (owner or writer)."""
    import accounts
    from feedhub.settings import get_settings
    from flows.confirm import confirm_held_run

    settings = get_settings()
    with database() as (session, _):
        actor = accounts.get_user(session, by)
    with user_errors(accounts.AccountsError):
        summary = confirm_held_run(deps_from_settings(settings), actor, run)
    typer.echo(f"run {summary.run_id} confirmed and published ({summary.products_out} products)")


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
    with database() as (session, _):
        actor = accounts.get_user(session, by)
        if project is not None:
            found = list_runs(session, actor, project)
        else:
            assert shop is not None  # one of the two, checked above
            found = list_shop_runs(session, actor, shop)
        rows = [run_dict(r) for r in found]
    if as_json:
        return print_json(rows)
    for r in rows:
        where = f"project {r['project_id']:<5}  " if shop is not None else ""
        counts = f"{r['products_in']:>8} in  {r['products_out']:>8} out"
        line = f"{r['id']:>6}  {where}{r['started_at']}  {r['status']:<9}  {counts}"
        typer.echo(line + (f"  {r['error']}" if r["error"] else ""))


def run_dict(run: ProjectRun) -> dict[str, Any]:
    """One run as `--json` prints it."""
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
    prefect_port: Annotated[int, typer.Option(help="Port of the local Prefect server (if no PREFECT_API_URL).")] = 4200,
    workers: Annotated[int | None, typer.Option(
        min=0, help="Worker processes to start here [default: FEEDHUB_RUN_LIMIT]; 0 when other machines run them.")
    ] = None,
) -> None:
    """The web app, the scheduler of every project's runs and the workers that make them, until Ctrl-C."""
    from feedhub.settings import get_settings

    settings = get_settings()
    with database():
        pass  # migrate before anything starts
    for key, value in prefect_environment(settings).items():
        os.environ.setdefault(key, value)
    import feedhub.serve

    typer.echo(f"serving on http://{host}:{port} (Ctrl-C stops)")
    feedhub.serve.serve(settings, host=host, port=port, prefect_port=prefect_port,
                        workers=settings.run_limit if workers is None else workers)


def worker(
    lanes: Annotated[str, typer.Option(
        help="Which queued runs to take, in order: small, big (feeds of FEEDHUB_BIG_FEED_PRODUCTS or more).")
    ] = "small,big",
) -> None:
    """Make queued runs until Ctrl-C: `feedhub serve` starts these; start more on other machines to scale out."""
    from accounts.run_queue import LANES
    from feedhub.settings import get_settings

    chosen = tuple(lane.strip() for lane in lanes.split(",") if lane.strip())
    if not chosen or set(chosen) - set(LANES):
        raise fail(f"--lanes: give one or both of {', '.join(LANES)}, comma-separated")
    settings = get_settings()
    with database():
        pass  # migrate before anything starts
    _prefect_api(settings)
    from feedhub.worker import run_worker

    run_worker(settings, chosen)
