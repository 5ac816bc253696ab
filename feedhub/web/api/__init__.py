"""The REST API, one router module per resource; `ROUTERS` is the one list the app mounts."""

from __future__ import annotations

from feedhub.web.api import (
    admin,
    auth,
    billing,
    catalogue,
    exports,
    invitations,
    me,
    members,
    profiles,
    projects,
    rules,
    runs,
    shop_tokens,
    shops,
    statistics,
    transfers,
)

ROUTERS = [
    auth.router,
    me.router,
    shops.router,
    members.router,
    profiles.router,
    shop_tokens.router,
    invitations.router,
    transfers.router,
    billing.router,
    projects.router,
    rules.router,
    catalogue.router,
    runs.router,
    statistics.router,
    exports.router,
    admin.router,
]

__all__ = ["ROUTERS"]
