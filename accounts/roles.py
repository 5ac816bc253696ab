"""Access levels as ordered data, and what each level allowed before role profiles.

`PERMISSIONS` is the level table: it words refusals in levels ("needs owner access") and is what the
built-in `write` and `read` profiles must keep allowing (tests/accounts/test_profiles.py proves it). The
check itself goes through `accounts.profiles.ACTION_NEEDS` and `accounts.access.authorize`. Outsiders (no
level) are allowed nothing. Special cases (the owner cannot leave) live in the services, not here.
"""

from __future__ import annotations

import enum


class Level(enum.IntEnum):
    """Access to one shop, ordered: read < write < owner."""

    READ = 1
    WRITE = 2
    OWNER = 3

    @classmethod
    def parse(cls, text: str) -> Level:
        """The level named by `text` (case-insensitive), as users type it."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown level {text!r}; known: read, write, owner") from None

    @property
    def label(self) -> str:
        """The lowercase name shown to users and stored in the database."""
        return self.name.lower()


class Action(enum.StrEnum):
    """Everything a service may do to a shop."""

    VIEW = "view"  # the shop, its projects, revisions and run history
    EDIT_FEEDS = "edit_feeds"  # sources, rules, queries, exports, schedules; rollbacks
    EDIT_EXPORTS = "edit_exports"  # an export's served URL and basic auth
    RUN_FEEDS = "run_feeds"
    VIEW_MEMBERS = "view_members"  # filtered below owner: only yourself and the owner
    MANAGE_MEMBERS = "manage_members"  # invite, revoke, change level, remove
    RENAME = "rename"
    DELETE = "delete"
    RESTORE = "restore"
    TRANSFER = "transfer"
    BILLING = "billing"  # the billing period
    VIEW_BILLING = "view_billing"  # invoices
    VIEW_AUDIT = "view_audit"

    @property
    def phrase(self) -> str:
        """The action as messages say it after "you may not": "manage its members"."""
        verb, _, target = WORDING[self]
        return f"{verb} {target}"

    def doing(self, target: str | None = None) -> str:
        """The action as the subject of a sentence, on the shop's part it names or on `target`: "running it"."""
        _, gerund, own_target = WORDING[self]
        return f"{gerund} {target or own_target}"


PERMISSIONS: dict[Action, Level] = {
    Action.VIEW: Level.READ,
    Action.EDIT_FEEDS: Level.WRITE,
    Action.EDIT_EXPORTS: Level.WRITE,
    Action.RUN_FEEDS: Level.WRITE,
    Action.VIEW_MEMBERS: Level.READ,
    Action.MANAGE_MEMBERS: Level.OWNER,
    Action.RENAME: Level.OWNER,
    Action.DELETE: Level.OWNER,
    Action.RESTORE: Level.OWNER,
    Action.TRANSFER: Level.OWNER,
    Action.BILLING: Level.OWNER,
    Action.VIEW_BILLING: Level.OWNER,
    Action.VIEW_AUDIT: Level.OWNER,
}


# How messages name each action: verb, its -ing form, and what it acts on, seen from the shop.
WORDING: dict[Action, tuple[str, str, str]] = {
    Action.VIEW: ("view", "viewing", "it"),
    Action.EDIT_FEEDS: ("edit", "editing", "its projects"),
    Action.EDIT_EXPORTS: ("edit", "editing", "its exports"),
    Action.RUN_FEEDS: ("run", "running", "its projects"),
    Action.VIEW_MEMBERS: ("see", "seeing", "its members"),
    Action.MANAGE_MEMBERS: ("manage", "managing", "its members"),
    Action.RENAME: ("rename", "renaming", "it"),
    Action.DELETE: ("delete", "deleting", "it"),
    Action.RESTORE: ("restore", "restoring", "it"),
    Action.TRANSFER: ("transfer", "transferring", "it"),
    Action.BILLING: ("manage", "managing", "its billing"),
    Action.VIEW_BILLING: ("see", "seeing", "its invoices"),
    Action.VIEW_AUDIT: ("read", "reading", "its audit log"),
}


def allows(level: Level | None, action: Action) -> bool:
    """Whether `level` (None: an outsider) may perform `action`."""
    return level is not None and level >= PERMISSIONS[action]


def can_grant(actor_level: Level, level: Level) -> bool:
    """Owner is only ever transferred; other levels may be granted up to the granter's own."""
    return level < Level.OWNER and level <= actor_level
