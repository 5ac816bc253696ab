"""The `feedhub` command line. Command groups live in their own modules and are registered here.

Those modules load little more than typer and rich; each command imports what it drives (feed engine,
database, Prefect) when it runs, so `--help` and `convert` start fast (tests/feedhub/test_cli_startup.py).
"""

from __future__ import annotations

import typer

from feedhub import cli_accounts, cli_feeds, cli_projects, cli_revisions, cli_rules

HELP = "Feedhub: import, transform and publish product feeds."
app = typer.Typer(no_args_is_help=True, add_completion=False, help=HELP)

app.command()(cli_feeds.inspect)
app.command()(cli_feeds.convert)
app.command()(cli_feeds.demo)

# Sub-command groups: one line each, in the order users read `feedhub --help`.
cli_rules.register(app)  # query, trace, preview
cli_projects.register(app)  # project, runs, serve
cli_revisions.register(cli_projects.project_app)  # project show, update, history, rollback
app.add_typer(cli_accounts.user_app, name="user")
app.add_typer(cli_accounts.shop_app, name="shop")
app.add_typer(cli_accounts.invite_app, name="invite")
app.add_typer(cli_accounts.transfer_app, name="transfer")
app.add_typer(cli_accounts.billing_app, name="billing")


def main() -> None:
    """Console-script entry point."""
    app()
