"""`feedhub user add`, `user list` and `user admin`: accounts, created by the administrator on the server.

A password never goes on the command line, where `ps` shows it to every user of the machine: it is
prompted (hidden, typed twice) or read from the first line of stdin (`--password-stdin`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from feedhub.cli.common import AsJson, PasswordStdin, database, mailer, print_json, read_password

user_app = typer.Typer(no_args_is_help=True, help="Accounts: add, list and make administrators.")


@user_app.command("add")
def user_add(
    email: str,
    password_stdin: PasswordStdin = False,
    verified: Annotated[bool, typer.Option("--verified/--unverified", help="Vouch for the email.")] = True,
) -> None:
    """Create an account (verified unless --unverified, which emails a verification link).

    The password is prompted (hidden, typed twice) or read from the first line of stdin with
    --password-stdin: never from the command line, where `ps` shows it.
    """
    import accounts

    password = read_password(from_stdin=password_stdin)
    with database() as (session, settings):
        sender = None if verified else mailer(settings)
        user, token = accounts.register_user(
            session, email=email, password=password, mailer=sender, base_url=settings.base_url
        )
        if verified:
            accounts.verify_email(session, token)
    typer.echo(f"user {user.email} added" + ("" if verified else "; verification link emailed"))


@user_app.command("list")
def user_list(as_json: AsJson = False) -> None:
    """Every account with the number of shops it owns and accesses."""
    from accounts.admin import list_users

    with database() as (session, _):
        users = list_users(session)
    if as_json:
        return print_json(users)
    for u in users:
        mark = "" if u.verified else "  (unverified)"
        typer.echo(f"{u.email}  owns {u.owned_shops}, member of {u.memberships}{mark}")


@user_app.command("admin")
def user_admin(
    email: str,
    revoke: Annotated[bool, typer.Option("--revoke", help="No longer an administrator.")] = False,
) -> None:
    """Make an account an administrator of this Feedhub (it sees every account and shop in the API)."""
    from accounts.admin import set_admin

    with database() as (session, _):
        user = set_admin(session, email, admin=not revoke)
    typer.echo(f"{user.email} is {'no longer ' if revoke else ''}an administrator")
