"""`feedhub shop profiles|profile add|member|invite --profiles` end to end on a fresh data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.accounts.test_cli import data_dir, fails, ok, outbox_link, users  # noqa: F401 - data_dir is a fixture

SAMPLE = Path(__file__).resolve().parents[2] / "sample_feeds" / "heureka_cz_params_delivery.xml"
OWNER = ("--by", "owner@example.com")


@pytest.fixture(autouse=True)
def local_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample feed is a file on this machine."""
    monkeypatch.setenv("FEEDHUB_ALLOW_LOCAL_SOURCES", "true")


def _shop_with_two_projects(folder: Path) -> None:
    users("owner@example.com", "ivan@example.com")
    ok("shop", "add", "Bikes", "--owner", "owner@example.com")
    for name in ("main", "outlet"):
        ok("project", "add", "1", name, "--source", str(SAMPLE), "--export",
           f"google=google:{(folder / 'exports' / f'{name}.xml').as_uri()}", *OWNER)


def test_profiles_lists_built_in_and_own_profiles(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    said = ok("shop", "profile", "add", "1", "SEO", "--allow", "rules:*", "--allow", "sources:view,settings:view",
              "--elements", "PRODUCTNAME,g:title", *OWNER)
    grants = "sources:view rules:view rules:add rules:edit rules:delete settings:view"
    assert f"profile 'seo' added to shop 1: {grants}" in said
    listed = json.loads(ok("shop", "profiles", "1", "--json"))
    assert [p["name"] for p in listed] == ["owner", "administrator", "write", "read", "catalogue_editor",
                                           "channel_manager", "accountant", "support", "seo"]
    assert (listed[-1]["elements"], listed[-1]["kind"]) == (["PRODUCTNAME", "g:title"], "shop")
    assert "seo                shop     sources:view rules:view" in ok("shop", "profiles", "1")


def test_an_unknown_area_is_refused_with_the_known_ones(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    assert "unknown area 'prices'" in fails("shop", "profile", "add", "1", "x", "--allow", "prices:edit", *OWNER)


def test_member_gets_profiles_on_some_projects(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    ok("shop", "invite", "1", "ivan@example.com", "--level", "read", *OWNER)
    ok("invite", "accept", outbox_link(data_dir, "ivan@example.com", "invitations"), "--by", "ivan@example.com")
    said = ok("shop", "member", "1", "ivan@example.com", "--profiles", "catalogue_editor,accountant",
              "--projects", "main", *OWNER)
    assert "ivan@example.com holds catalogue_editor, accountant in shop 1, on projects 1" in said
    listed = json.loads(ok("project", "list", "1", "--json", "--by", "ivan@example.com"))
    assert [p["name"] for p in listed] == ["main"]


def test_invite_with_profiles_and_projects(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    said = ok("shop", "invite", "1", "ivan@example.com", "--profiles", "channel_manager", "--projects", "2", *OWNER)
    assert "invited ivan@example.com to shop 1 with channel_manager; link emailed" in said
    ok("invite", "accept", outbox_link(data_dir, "ivan@example.com", "invitations"), "--by", "ivan@example.com")
    listed = json.loads(ok("project", "list", "1", "--json", "--by", "ivan@example.com"))
    assert [p["name"] for p in listed] == ["outlet"]


def test_an_unknown_profile_is_refused(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    assert "unknown profile 'boss'" in fails("shop", "invite", "1", "ivan@example.com", "--profiles", "boss", *OWNER)


def test_an_owner_adds_a_profile_for_all_their_shops(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    ok("shop", "add", "Second", "--owner", "owner@example.com")
    said = ok("shop", "profile", "add", "1", "agency", "--allow", "settings:view", "--all-my-shops", *OWNER)
    assert "profile 'agency' added to every shop of its owner: settings:view" in said
    assert "agency             owner    settings:view" in ok("shop", "profiles", "2")


def test_a_profile_is_changed_renamed_and_deleted(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    ok("shop", "profile", "add", "1", "seo", "--allow", "rules:view", *OWNER)
    ok("shop", "invite", "1", "ivan@example.com", "--profiles", "seo", "--projects", "outlet", *OWNER)
    assert "invited: ivan@example.com (seo on projects 2)" in ok("shop", "show", "1")
    said = ok("shop", "profile", "change", "1", "seo", "--allow", "rules:view,rules:edit", "--elements",
              "PRODUCTNAME", "--rename", "copywriter", *OWNER)
    assert "profile 'copywriter' of shop 1: rules:view rules:edit" in said
    assert "invited: ivan@example.com (copywriter on projects 2)" in ok("shop", "show", "1")
    assert "held by ivan@example.com (invited)" in fails("shop", "profile", "delete", "1", "copywriter", *OWNER)
    ok("shop", "profile", "add", "1", "unused", "--allow", "rules:view", *OWNER)
    assert "profile 'unused' deleted" in ok("shop", "profile", "delete", "1", "unused", *OWNER)
    assert "unused" not in ok("shop", "profiles", "1")


def test_shop_tokens_are_added_listed_and_revoked(data_dir: Path) -> None:  # noqa: F811
    _shop_with_two_projects(data_dir)
    said = ok("shop", "token", "add", "1", "CI deploy", "--profiles", "catalogue_editor", "--projects", "main",
              *OWNER).splitlines()
    assert said[0] == "token 1 'CI deploy' of shop 1: catalogue_editor on projects 1"
    assert said[1].startswith("fh_") and len(said[1]) > 30  # the secret, printed once
    assert "    1  CI deploy: catalogue_editor on projects 1  (never used)" in ok("shop", "tokens", "1")
    listed = json.loads(ok("shop", "tokens", "1", "--json"))
    assert [(t["name"], t["account"].endswith("@shop-1.tokens.invalid")) for t in listed] == [("CI deploy", True)]
    ok("shop", "invite", "1", "ivan@example.com", "--level", "write", *OWNER)
    ok("invite", "accept", outbox_link(data_dir, "ivan@example.com", "invitations"), "--by", "ivan@example.com")
    assert "your profiles (write) on shop 1 do not allow tokens:delete" in fails(
        "shop", "token", "revoke", "1", "1", "--by", "ivan@example.com")
    assert "token 1 of shop 1 revoked" in ok("shop", "token", "revoke", "1", "1", *OWNER)
    assert json.loads(ok("shop", "tokens", "1", "--json")) == []
