"""Role profiles as data: the areas of a shop, the permissions per area, the built-in profiles, and
which (areas, permission) each service `Action` needs.

A profile is a named set of `area:permission` grants, optionally limiting which target elements its
holder's rules may write. A member holds one or more profiles and may do the union of what they allow;
the owner holds `owner`. `write` and `read` are exactly the levels of the same names (a test proves
it against `accounts.roles.PERMISSIONS`), so memberships from before profiles keep their meaning.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeVar

from accounts.roles import Action


class Area(enum.StrEnum):
    """A part of a shop that permissions are given on, by the names users type."""

    SOURCES = "sources"  # sources and schedule
    RULES = "rules"  # rules and queries
    EXPORTS = "exports"  # exports and channels: targets, URLs, basic auth, tokens of served feeds
    RUNS = "runs"  # run now, pause, confirm (all "edit")
    MEMBERS = "members"
    BILLING = "billing"  # billing period and invoices
    SETTINGS = "settings"  # the shop itself: seeing it, renaming, deleting and restoring it
    TOKENS = "tokens"  # the shop's own API tokens (accounts.shop_tokens); personal tokens act as their person
    AUDIT = "audit"  # audit log and statistics


class Perm(enum.StrEnum):
    """What a grant allows in its area (PrestaShop-like)."""

    VIEW = "view"
    ADD = "add"
    EDIT = "edit"
    DELETE = "delete"


Grant = tuple[Area, Perm]
_E = TypeVar("_E", Area, Perm)

# Areas that belong to projects: a membership limited to some projects has them only there.
PROJECT_AREAS = frozenset({Area.SOURCES, Area.RULES, Area.EXPORTS, Area.RUNS})

# The one table from service actions to what they need: any one of the areas with the permission.
# None: ownership is no area, only the owner may (transferring the shop). EDIT_FEEDS is the door to
# saving a project (any feed area); `accounts.projects` then checks each area the save changes.
ACTION_NEEDS: dict[Action, tuple[frozenset[Area], Perm] | None] = {
    Action.VIEW: (frozenset({Area.SETTINGS}), Perm.VIEW),
    Action.EDIT_FEEDS: (frozenset({Area.SOURCES, Area.RULES, Area.EXPORTS}), Perm.EDIT),
    Action.EDIT_EXPORTS: (frozenset({Area.EXPORTS}), Perm.EDIT),
    Action.RUN_FEEDS: (frozenset({Area.RUNS}), Perm.EDIT),
    Action.VIEW_MEMBERS: (frozenset({Area.MEMBERS}), Perm.VIEW),
    Action.MANAGE_MEMBERS: (frozenset({Area.MEMBERS}), Perm.EDIT),
    Action.RENAME: (frozenset({Area.SETTINGS}), Perm.EDIT),
    Action.DELETE: (frozenset({Area.SETTINGS}), Perm.DELETE),
    Action.RESTORE: (frozenset({Area.SETTINGS}), Perm.DELETE),
    Action.TRANSFER: None,
    Action.BILLING: (frozenset({Area.BILLING}), Perm.EDIT),
    Action.VIEW_BILLING: (frozenset({Area.BILLING}), Perm.VIEW),
    Action.VIEW_AUDIT: (frozenset({Area.AUDIT}), Perm.VIEW),
}


# Viewing a project (its spec, history, runs, links) rather than the shop: a view of any project area,
# so an accountant sees the shop and its invoices but no project.
PROJECT_VIEW: tuple[frozenset[Area], Perm] = (PROJECT_AREAS, Perm.VIEW)


@dataclass(frozen=True)
class Profile:
    """A named set of grants; `elements` (None: any) limits the target elements of rules it edits."""

    name: str
    grants: frozenset[Grant]
    elements: frozenset[str] | None = None

    def allows(self, area: Area, perm: Perm) -> bool:
        """Whether the profile grants `perm` on `area`."""
        return (area, perm) in self.grants


def grants(spec: str) -> frozenset[Grant]:
    """Grants written as users type them: "rules:*,exports:view" ("*": every permission, "all:": every area)."""
    found: set[Grant] = set()
    for item in filter(None, (part.strip() for part in spec.split(","))):
        area, _, perm = item.partition(":")
        areas = list(Area) if area == "all" else [_parse(Area, area, item)]
        perms = list(Perm) if perm == "*" else [_parse(Perm, perm, item)]
        found.update((a, p) for a in areas for p in perms)
    return frozenset(found)


def grant_labels(granted: frozenset[Grant]) -> list[str]:
    """The grants as "area:perm" strings, in table order: how they are stored and shown."""
    return [f"{a.value}:{p.value}" for a in Area for p in Perm if (a, p) in granted]


def _parse(kind: type[_E], text: str, item: str) -> _E:
    try:
        return kind(text.strip().lower())
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise ValueError(f"unknown {kind.__name__.lower()} {text!r} in {item!r}; known: {known}") from None


_FEEDS_VIEW = "sources:view,rules:view,exports:view,runs:view"

BUILTIN_PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile("owner", grants("all:*")),
        Profile("administrator", grants("all:*") - grants("billing:*,settings:delete")),
        Profile("write", grants("settings:view,members:view,sources:view,sources:add,sources:edit,rules:view,"
                                "rules:add,rules:edit,exports:view,exports:add,exports:edit,runs:view,runs:edit")),
        Profile("read", grants(f"settings:view,members:view,{_FEEDS_VIEW}")),
        Profile("catalogue_editor", grants(f"settings:view,members:view,{_FEEDS_VIEW},rules:*")),
        Profile("channel_manager", grants(f"settings:view,members:view,{_FEEDS_VIEW},exports:*")),
        Profile("accountant", grants("settings:view,members:view,billing:*")),
        Profile("support", grants("all:view,runs:edit")),
    )
}
