"""The permission table, spelled out independently here: every action x every level + outsider."""

from __future__ import annotations

import pytest

from accounts.roles import PERMISSIONS, Action, Level, allows, can_grant

OWN, WRI, REA, OUT = "owner", "write", "read", "outsider"

# Who may do what. Written by hand from the issue, not derived from PERMISSIONS, so a wrong entry in
# the code table fails here.
EXPECTED: dict[Action, set[str]] = {
    Action.VIEW: {OWN, WRI, REA},
    Action.EDIT_FEEDS: {OWN, WRI},
    Action.EDIT_EXPORTS: {OWN, WRI},  # served URL and basic auth: an edit of the project, as before
    Action.RUN_FEEDS: {OWN, WRI},
    Action.VIEW_MEMBERS: {OWN, WRI, REA},  # below owner the list is filtered (tested in test_members)
    Action.MANAGE_MEMBERS: {OWN},
    Action.RENAME: {OWN},
    Action.DELETE: {OWN},
    Action.RESTORE: {OWN},
    Action.TRANSFER: {OWN},
    Action.BILLING: {OWN},
    Action.VIEW_BILLING: {OWN},
    Action.VIEW_AUDIT: {OWN},
}
LEVELS: dict[str, Level | None] = {OWN: Level.OWNER, WRI: Level.WRITE, REA: Level.READ, OUT: None}


def test_expected_table_covers_every_action() -> None:
    assert set(EXPECTED) == set(Action) == set(PERMISSIONS)


@pytest.mark.parametrize("who", list(LEVELS))
@pytest.mark.parametrize("action", list(Action))
def test_permission(action: Action, who: str) -> None:
    assert allows(LEVELS[who], action) is (who in EXPECTED[action])


@pytest.mark.parametrize(
    ("granter", "level", "allowed"),
    [
        (Level.OWNER, Level.WRITE, True),
        (Level.OWNER, Level.READ, True),
        (Level.OWNER, Level.OWNER, False),  # ownership only moves by transfer
        (Level.WRITE, Level.WRITE, True),
        (Level.WRITE, Level.READ, True),
        (Level.WRITE, Level.OWNER, False),
        (Level.READ, Level.READ, True),
        (Level.READ, Level.WRITE, False),  # above their own
    ],
)
def test_can_grant_never_above_own_level(granter: Level, level: Level, allowed: bool) -> None:
    assert can_grant(granter, level) is allowed


def test_levels_are_ordered() -> None:
    assert Level.READ < Level.WRITE < Level.OWNER


@pytest.mark.parametrize(("text", "level"), [("write", Level.WRITE), (" READ ", Level.READ), ("Owner", Level.OWNER)])
def test_level_parse(text: str, level: Level) -> None:
    assert Level.parse(text) is level


def test_level_parse_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown level 'admin'"):
        Level.parse("admin")



# Each action as error messages say it after "you may not", and as a subject; by hand, like EXPECTED.
EXPECTED_WORDING: dict[Action, tuple[str, str]] = {
    Action.VIEW: ("view it", "viewing it"),
    Action.EDIT_FEEDS: ("edit its projects", "editing its projects"),
    Action.EDIT_EXPORTS: ("edit its exports", "editing its exports"),
    Action.RUN_FEEDS: ("run its projects", "running its projects"),
    Action.VIEW_MEMBERS: ("see its members", "seeing its members"),
    Action.MANAGE_MEMBERS: ("manage its members", "managing its members"),
    Action.RENAME: ("rename it", "renaming it"),
    Action.DELETE: ("delete it", "deleting it"),
    Action.RESTORE: ("restore it", "restoring it"),
    Action.TRANSFER: ("transfer it", "transferring it"),
    Action.BILLING: ("manage its billing", "managing its billing"),
    Action.VIEW_BILLING: ("see its invoices", "seeing its invoices"),
    Action.VIEW_AUDIT: ("read its audit log", "reading its audit log"),
}


class TestWording:
    def test_expected_wording_covers_every_action(self) -> None:
        assert set(EXPECTED_WORDING) == set(Action)

    @pytest.mark.parametrize("action", list(Action))
    def test_every_action_has_a_phrase_and_an_ing_form(self, action: Action) -> None:
        assert (action.phrase, action.doing()) == EXPECTED_WORDING[action]

    def test_the_ing_form_takes_another_target(self) -> None:
        assert Action.RUN_FEEDS.doing("it") == "running it"
