"""Served URLs of a project's exports: `feedhub project links`, `downloads`, `rotate-token`, `basic-auth`.

A reader lists links and downloads; rotating a URL or setting its password needs write access. The
web app (FastAPI) loads only for the commands that print URLs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from feedhub.cli.common import AsJson, By, PasswordStdin, database, fail, print_json, read_password

if TYPE_CHECKING:
    from accounts.published import ExportLink
    from feedhub.settings import Settings
    from feeds.project import ProjectSpec


def register(project_app: typer.Typer) -> None:
    """Add links, downloads, rotate-token and basic-auth to `feedhub project`."""
    project_app.command("links")(project_links)
    project_app.command("downloads")(project_downloads)
    project_app.command("rotate-token")(project_rotate_token)
    project_app.command("basic-auth")(project_basic_auth)


def project_links(project: int, by: By, as_json: AsJson = False) -> None:
    """The public URL of every export."""
    import accounts
    from accounts.published import list_links

    with database() as (session, settings):
        actor = accounts.get_user(session, by)
        links = list_links(session, actor, project)
        urls = _served_urls(settings, accounts.get_current_spec(session, actor, project), links)
        rows = [
            {"export": link.export_name, "url": urls[link.export_name], "basic_auth": link.auth_user is not None}
            for link in links if link.export_name in urls
        ]
    if as_json:
        return print_json(rows)
    for row in rows:
        typer.echo(f"{row['export']}: {row['url']}" + ("  (basic auth)" if row["basic_auth"] else ""))


def project_downloads(project: int, export: str, by: By, as_json: AsJson = False) -> None:
    """Who fetched an export, newest first: when did Google last fetch my feed?"""
    import accounts
    from accounts.published import list_downloads

    with database() as (session, _):
        log = list_downloads(session, accounts.get_user(session, by), project, export)
    if as_json:
        return print_json(log)
    for d in log:
        typer.echo(f"{d.at:%Y-%m-%d %H:%M:%S}  {d.status}  {d.bytes:>12,} B  {d.ip}  {d.user_agent}")


def project_rotate_token(project: int, export: str, by: By) -> None:
    """Give EXPORT a new secret URL and print it; the old URL stops working at once (owner or writer)."""
    import accounts
    from accounts.published import rotate_token

    with database() as (session, settings):
        actor = accounts.get_user(session, by)
        link = rotate_token(session, actor, project, export)
        url = _served_urls(settings, accounts.get_current_spec(session, actor, project), [link]).get(export)
    typer.echo(f"{export}: {url}" if url else f"{export}: new token set (the export is no longer in the project)")


def project_basic_auth(
    project: int,
    export: str,
    by: By,
    user: Annotated[str | None, typer.Option("--user", help="User name the channel must send.")] = None,
    password_stdin: PasswordStdin = False,
    clear: Annotated[bool, typer.Option("--clear", help="Serve the export without basic auth again.")] = False,
) -> None:
    """Require HTTP basic auth for EXPORT as --user (password prompted), or --clear it (owner or writer)."""
    import accounts
    from accounts.published import set_basic_auth

    if clear == (user is not None) or (clear and password_stdin):
        raise fail("give --user NAME (password prompted, or --password-stdin), or --clear alone")
    password = None if clear else read_password(from_stdin=password_stdin)
    with database() as (session, _):
        set_basic_auth(session, accounts.get_user(session, by), project, export, user=user, password=password)
    typer.echo(f"{export}: basic auth required for user {user}" if user else f"{export}: basic auth removed")


def _served_urls(settings: Settings, spec: ProjectSpec, links: list[ExportLink]) -> dict[str, str]:
    """The public URL of each link whose export is still in the spec, by export name."""
    from feedhub.web import export_file_name  # the web app (FastAPI) loads only for the commands that print URLs

    names = {e.name: export_file_name(e) for e in spec.exports}
    base = settings.base_url.rstrip("/")
    return {link.export_name: f"{base}/f/{link.token}/{names[link.export_name]}" for link in links
            if link.export_name in names}
