"""Shops and who works on them: `feedhub shop add|list|show|invite|member|transfer`, role profiles
(`shop profiles`, `shop profile add|change|delete`), the shop's own API tokens (`shop tokens`,
`shop token add|revoke`),
`invite accept`, `transfer accept`.

Each command runs in one transaction on the migrated database; the access checks of `accounts` apply
to the `--by` user as to anyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from feedhub.cli.common import AsJson, By, MaybeBy, database, mailer, print_json

if TYPE_CHECKING:
    import accounts

shop_app = typer.Typer(no_args_is_help=True, help="Shops: add, list, show, invite members, transfer.")
invite_app = typer.Typer(no_args_is_help=True, help="Invitations: accept one by its token.")
transfer_app = typer.Typer(no_args_is_help=True, help="Shop transfers: accept one by its token.")
profile_app = typer.Typer(no_args_is_help=True, help="Role profiles of a shop: add, change or delete its own.")
shop_app.add_typer(profile_app, name="profile")
token_app = typer.Typer(no_args_is_help=True, help="The shop's own API tokens: add or revoke one.")
shop_app.add_typer(token_app, name="token")

PROFILES_HELP = "Comma-separated profiles (see `feedhub shop profiles`)."
Profiles = Annotated[str | None, typer.Option("--profiles", help=PROFILES_HELP)]
Projects = Annotated[
    str | None, typer.Option("--projects", help="Comma-separated project ids or names; default every project.")
]
Allow = Annotated[
    list[str], typer.Option("--allow", help="AREA:ACTION (view, add, edit, delete or *); repeat or comma-separate.")
]
Elements = Annotated[str | None, typer.Option("--elements", help="Comma-separated elements its rules may write.")]


def _level(text: str) -> accounts.Level:
    import accounts

    try:
        return accounts.Level.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@shop_app.command("add")
def shop_add(
    name: str,
    owner: Annotated[str, typer.Option("--owner", help="Email of the owner.")],
    period: Annotated[str, typer.Option(help="monthly, half-yearly or yearly.")] = "monthly",
) -> None:
    """Create a shop owned by --owner, starting its 30-day trial."""
    import accounts

    with database() as (session, _):
        shop = accounts.create_shop(session, accounts.get_user(session, owner), name=name, period=period)
    typer.echo(f"shop {shop.id} {shop.name!r} added, owner {owner.lower()}, trial until {shop.trial_ends_at:%Y-%m-%d}")


@shop_app.command("list")
def shop_list(by: MaybeBy = None, as_json: AsJson = False) -> None:
    """All shops, or with --by the shops one user owns or accesses, with their level."""
    import accounts
    from accounts.admin import list_all_shops

    with database() as (session, _):
        if by is None:
            shops: list[Any] = list_all_shops(session)
        else:
            shops = accounts.list_my_shops(session, accounts.get_user(session, by))
    if as_json:
        return print_json(shops)
    for s in shops:
        level = f"{s.level.label:<6} " if by else ""
        typer.echo(f"{s.shop_id:>5}  {level}{s.status.value:<9}  {s.name}  (owner {s.owner_email})")


@shop_app.command("show")
def shop_show(shop: int, by: MaybeBy = None, as_json: AsJson = False) -> None:
    """Status, billing period, members, pending invitations and transfer of one shop.

    As --by sees it; without --by, as its owner does.
    """
    import accounts
    from accounts.admin import shop_owner

    with database() as (session, _):
        actor = accounts.get_user(session, by) if by else shop_owner(session, shop)
        overview = accounts.describe_shop(session, actor, shop)
    if as_json:
        return print_json(overview)
    period = overview.billing_period + (
        f" (then {overview.next_billing_period})" if overview.next_billing_period else ""
    )
    typer.echo(f"shop {overview.shop_id}: {overview.name}\nstatus: {overview.standing}\nbilling period: {period}")
    members = (f"  {m.email}: {_granted(m.profiles, m.project_ids)}" for m in overview.members)
    typer.echo("members:\n" + "\n".join(members))
    for inv in overview.invitations:
        typer.echo(f"invited: {inv.email} ({_granted(inv.profiles, inv.project_ids)}) until {inv.expires_at:%Y-%m-%d}")
    if overview.transfer:
        typer.echo(f"transfer pending to {overview.transfer.to_email} until {overview.transfer.expires_at:%Y-%m-%d}")


@shop_app.command("invite")
def shop_invite(
    shop: int,
    email: str,
    by: By,
    level: Annotated[str, typer.Option(help="write or read.")] = "write",
    profiles: Profiles = None,
    projects: Projects = None,
) -> None:
    """Email EMAIL (an existing account) an invitation to SHOP, with a level or --profiles (and --projects)."""
    import accounts

    with database() as (session, settings):
        actor = accounts.get_user(session, by)
        invitation, _ = accounts.invite_member(
            session,
            actor,
            shop,
            email=email,
            level=_level(level),
            mailer=mailer(settings),
            base_url=settings.base_url,
            limits=settings.invite_limits,
            profiles=_names(profiles),
            project_ids=_projects(session, actor, shop, projects),
        )
        granted = ", ".join(invitation.profiles) if profiles else f"{invitation.level.label} access"
    typer.echo(f"invited {invitation.email} to shop {shop} with {granted}; link emailed")


@shop_app.command("member")
def shop_member(
    shop: int,
    email: str,
    by: By,
    profiles: Annotated[str, typer.Option("--profiles", help=PROFILES_HELP)],
    projects: Projects = None,
) -> None:
    """Give the member EMAIL exactly --profiles, on --projects only (default every project)."""
    import accounts

    with database() as (session, _):
        actor = accounts.get_user(session, by)
        member = accounts.get_user(session, email)
        names = _names(profiles) or []
        scope = _projects(session, actor, shop, projects)
        accounts.set_member_profiles(session, actor, shop, member.id, names, project_ids=scope)
    where = "every project" if scope is None else "projects " + ", ".join(map(str, scope))
    typer.echo(f"{member.email} holds {', '.join(names)} in shop {shop}, on {where}")


@shop_app.command("profiles")
def shop_profiles(shop: int, by: MaybeBy = None, as_json: AsJson = False) -> None:
    """The profiles SHOP offers: built-in ones and its own, with their grants (as --by sees it; default its owner)."""
    import accounts
    from accounts.admin import shop_owner

    with database() as (session, _):
        actor = accounts.get_user(session, by) if by else shop_owner(session, shop)
        profiles = accounts.list_profiles(session, actor, shop)
    if as_json:
        return print_json(profiles)
    for p in profiles:
        limit = "" if p.elements is None else f"  elements: {', '.join(p.elements)}"
        typer.echo(f"{p.name:<18} {p.kind:<8} {' '.join(p.grants)}{limit}")


@profile_app.command("add")
def profile_add(
    shop: int,
    name: str,
    by: By,
    allow: Allow,
    elements: Elements = None,
    all_owned: Annotated[bool, typer.Option("--all-my-shops", help="For every shop the owner owns (owner).")] = False,
) -> None:
    """Define a profile of SHOP's own, e.g. --allow rules:* --allow sources:view --elements PRODUCTNAME,g:title."""
    import accounts
    from accounts.profiles import grant_labels

    granted = _grants(allow)
    with database() as (session, _):
        accounts.add_profile(session, accounts.get_user(session, by), shop, name=name, grants=granted,
                             elements=_names(elements), all_owned_shops=all_owned)
    where = "every shop of its owner" if all_owned else f"shop {shop}"
    typer.echo(f"profile {name.strip().lower()!r} added to {where}: {' '.join(grant_labels(granted))}")


@profile_app.command("change")
def profile_change(
    shop: int,
    name: str,
    by: By,
    allow: Allow,
    elements: Elements = None,
    rename: Annotated[str | None, typer.Option("--rename", help="A new name; its holders keep it.")] = None,
) -> None:
    """Replace a profile's grants and element limit (and name): its holders get exactly the new ones."""
    import accounts

    granted = _grants(allow)
    with database() as (session, _):
        row = accounts.update_profile(session, accounts.get_user(session, by), shop, name, new_name=rename or name,
                                      grants=granted, elements=_names(elements))
        typer.echo(f"profile {row.name!r} of shop {shop}: {' '.join(row.grants)}")


@profile_app.command("delete")
def profile_delete(shop: int, name: str, by: By) -> None:
    """Delete a profile of SHOP's own that nobody holds."""
    import accounts

    with database() as (session, _):
        accounts.delete_profile(session, accounts.get_user(session, by), shop, name)
    typer.echo(f"profile {name.strip().lower()!r} deleted")


@shop_app.command("tokens")
def shop_tokens(shop: int, by: MaybeBy = None, as_json: AsJson = False) -> None:
    """SHOP's own API tokens with their profiles (as --by sees them; default its owner)."""
    import accounts
    from accounts.admin import shop_owner
    from accounts.shop_tokens import list_shop_tokens

    with database() as (session, _):
        actor = accounts.get_user(session, by) if by else shop_owner(session, shop)
        tokens = list_shop_tokens(session, actor, shop)
    if as_json:
        return print_json(tokens)
    for t in tokens:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used"
        typer.echo(f"{t.id:>5}  {t.name}: {_granted(t.profiles, t.project_ids)}  ({used})")


@token_app.command("add")
def token_add(
    shop: int, name: str, by: By, profiles: Annotated[str, typer.Option("--profiles", help=PROFILES_HELP)],
    projects: Projects = None,
) -> None:
    """A token of SHOP's own acting with exactly --profiles (on --projects); printed once, keep it secret."""
    import accounts
    from accounts.shop_tokens import create_shop_token

    with database() as (session, _):
        actor = accounts.get_user(session, by)
        view, secret = create_shop_token(session, actor, shop, name=name, profiles=_names(profiles) or [],
                                         project_ids=_projects(session, actor, shop, projects))
    typer.echo(f"token {view.id} {view.name!r} of shop {shop}: {_granted(view.profiles, view.project_ids)}")
    typer.echo(secret)


@token_app.command("revoke")
def token_revoke(shop: int, token_id: int, by: By) -> None:
    """End one of SHOP's tokens for good."""
    import accounts
    from accounts.shop_tokens import revoke_shop_token

    with database() as (session, _):
        revoke_shop_token(session, accounts.get_user(session, by), shop, token_id)
    typer.echo(f"token {token_id} of shop {shop} revoked")


def _grants(allow: list[str]) -> frozenset[Any]:
    from accounts.profiles import grants

    try:
        return grants(",".join(allow))
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--allow") from None


def _granted(profiles: list[str], project_ids: list[int] | None) -> str:
    """What a member or invitation holds, as `shop show` prints it."""
    where = "" if project_ids is None else f" on projects {', '.join(map(str, project_ids))}"
    return ", ".join(profiles) + where


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [part.strip() for part in text.split(",") if part.strip()]


def _projects(session: Any, actor: accounts.User, shop: int, text: str | None) -> list[int] | None:
    """Project ids from ids or names, as the actor sees the shop's projects; an unknown one is an error."""
    import accounts

    if text is None:
        return None
    by_name = {p.name: p.id for p in accounts.list_projects(session, actor, shop)}
    ids = []
    for part in _names(text) or []:
        if part.isdigit():
            ids.append(int(part))
        elif part in by_name:
            ids.append(by_name[part])
        else:
            raise typer.BadParameter(f"no project {part!r} in shop {shop}", param_hint="--projects")
    return ids


@shop_app.command("transfer")
def shop_transfer(shop: int, email: str, by: By) -> None:
    """Offer SHOP to EMAIL (an existing account); they accept with `feedhub transfer accept`."""
    import accounts

    with database() as (session, settings):
        accounts.start_transfer(
            session,
            accounts.get_user(session, by),
            shop,
            to_email=email,
            mailer=mailer(settings),
            base_url=settings.base_url,
        )
    typer.echo(f"transfer of shop {shop} to {email.lower()} offered; link emailed")


@invite_app.command("accept")
def invite_accept(token: str, by: By) -> None:
    """Accept an invitation as the account it was sent to."""
    import accounts

    with database() as (session, _):
        try:
            membership = accounts.accept_invitation(session, accounts.get_user(session, by), token)
        except accounts.AccountsError:
            session.commit()  # the refusal's audit entry stays
            raise
    typer.echo(f"{by.lower()} joined shop {membership.shop_id} with {membership.level.label} access")


@transfer_app.command("accept")
def transfer_accept(token: str, by: By) -> None:
    """Accept a shop transfer as its recipient."""
    import accounts

    with database() as (session, _):
        shop = accounts.accept_transfer(session, accounts.get_user(session, by), token)
    typer.echo(f"{by.lower()} now owns shop {shop.id} {shop.name!r}")
