"""The demo shop: a user, a shop and a project over the Heureka sample feed, run once.

`feedhub demo` calls `run_demo_project`; running it again reuses what the first call created and
runs the project again (usually "unchanged": same feed, same rules).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sqlalchemy import select

import accounts
from accounts.db import make_engine, make_session_factory, migrate
from accounts.models import Project, Shop
from accounts.published import ensure_links
from feedhub.runtime import deps_from_settings
from feedhub.settings import Settings
from feeds.project import ExportSpec, ProjectSpec, ScheduleSpec
from flows.runner import run_project_inline

DEMO_EMAIL = "demo@feedhub.local"
DEMO_PASSWORD = "feedhub-demo-password"
DEMO_SHOP = "Demo shop"
DEMO_PROJECT = "heureka-sample"
SAMPLE_FEED = Path(__file__).resolve().parents[1] / "sample_feeds" / "heureka_cz_params_delivery.xml"
DEMO_RULES: list[dict[str, Any]] = [
    {"type": "hiding", "name": "out of stock", "query": 'DELIVERY_DATE = "99"'},
]


def _demo_spec(settings: Settings, shop_id: int) -> ProjectSpec:
    out = (settings.shop_exports_dir(shop_id) / "demo").resolve()
    return ProjectSpec(
        source=str(SAMPLE_FEED),
        rules=DEMO_RULES,
        schedule=ScheduleSpec(paused=True),  # its source is a local file, which scheduled runs read only if allowed
        exports=[
            ExportSpec(name="heureka", format="heureka", uri=(out / "heureka.xml").as_uri()),
            ExportSpec(name="google", format="google", uri=(out / "google.xml").as_uri(), currency="CZK"),
        ],
    )


def ensure_demo_project(settings: Settings) -> int:
    """Create (once) the demo user, shop and project; returns the project id."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.effective_database_url)
    try:
        migrate(engine)
        with make_session_factory(engine).begin() as session:
            try:
                user = accounts.get_user(session, DEMO_EMAIL)
            except accounts.AccountsError:
                user, token = accounts.register_user(session, email=DEMO_EMAIL, password=DEMO_PASSWORD)
                accounts.verify_email(session, token)
            shop = session.scalars(select(Shop).where(Shop.owner_id == user.id, Shop.name == DEMO_SHOP)).first()
            shop = shop or accounts.create_shop(session, user, name=DEMO_SHOP)
            project = session.scalars(select(Project).where(Project.shop_id == shop.id, Project.name == DEMO_PROJECT))
            found = project.first() or accounts.create_project(
                session, user, shop.id, name=DEMO_PROJECT, spec=_demo_spec(settings, shop.id)
            )
            ensure_links(session, found, ["heureka", "google"])
            return found.id
    finally:
        engine.dispose()


def run_demo_project(settings: Settings) -> dict[str, Any]:
    """Create the demo project if needed and run it once (the flow's steps, in this process, no Prefect
    server needed); returns the run summary, the demo login and where the exports are."""
    project_id = ensure_demo_project(settings)
    deps = deps_from_settings(settings)
    own_files = dataclasses.replace(deps.fetch_policy, allow_local=True)  # the operator's own sample feed
    summary = run_project_inline(project_id, dataclasses.replace(deps, fetch_policy=own_files), trigger="demo")
    with deps.sessions() as session:
        shop_id = session.get_one(Project, project_id).shop_id
    exports = str(settings.shop_exports_dir(shop_id) / "demo")
    return {"project_id": project_id, "login": DEMO_EMAIL, **dataclasses.asdict(summary), "exports": exports}
