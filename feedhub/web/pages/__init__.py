"""The pages for people: server-rendered HTML over the same services as the API, no JavaScript build
step; htmx (served from the package) only makes the rule preview live. `router` is what the app mounts."""

from __future__ import annotations

from fastapi import APIRouter

from feedhub.web.pages import (
    account,
    emailed,
    exports,
    language,
    profiles,
    projects,
    rules,
    shop_tokens,
    shops,
    statistics,
)

router = APIRouter(include_in_schema=False)
for module in (account, emailed, language, profiles, shops, shop_tokens, statistics, projects, rules, exports):
    router.include_router(module.router)

__all__ = ["router"]
