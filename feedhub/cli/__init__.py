"""The `feedhub` command line: one module per command group, registered here in the order of `--help`.

Those modules load little more than typer and rich; each command imports what it drives (feed engine,
database, Prefect) when it runs, so `--help` and `convert` start fast (tests/feedhub/test_cli_startup.py).
The options every command shares (`--by EMAIL`, `--json`) are defined once, in `feedhub.cli.common`.
"""

from __future__ import annotations

import typer

from feedhub.cli import billing, feeds, links, projects, revisions, rules, runs, shops, users

HELP = "Feedhub: import, transform and publish product feeds."
PROJECT_HELP = (
    "Projects: add, edit (show, update, history, rollback), list, run, pause, resume, confirm held runs; "
    "their served URLs."
)

app = typer.Typer(no_args_is_help=True, add_completion=False, help=HELP)
# `project` spans four modules: its commands are added one group of them at a time, in `--help` order.
project_app = typer.Typer(no_args_is_help=True, help=PROJECT_HELP)

feeds.register(app)  # inspect, convert, demo
rules.register(app)  # query, trace, preview
projects.register(project_app)  # project add, list, pause, resume
runs.register(app, project_app)  # runs, serve; project run, confirm
links.register(project_app)  # project links, downloads, rotate-token, basic-auth
revisions.register(project_app)  # project show, update, history, rollback, delete
app.add_typer(project_app, name="project")
app.add_typer(users.user_app, name="user")
app.add_typer(shops.shop_app, name="shop")
app.add_typer(shops.invite_app, name="invite")
app.add_typer(shops.transfer_app, name="transfer")
app.add_typer(billing.billing_app, name="billing")

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
