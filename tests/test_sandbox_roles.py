"""The sandbox's role options: @everyone is the guild's default role, other names are roles of the guild."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.sandbox import Sandbox, handle

NOW = datetime(2022, 1, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("sandbox-roles") / "sandbox.sqlite3", NOW)
    box.start()
    yield box
    box.stop()


def role_names(box: Sandbox) -> list[str]:
    return sorted(r.name for r in box.guild.roles.values())


def test_at_everyone_is_the_default_role_not_a_new_one(sandbox):
    before = role_names(sandbox)
    out = handle(sandbox, "/announce channel add channel:#announcements role:@everyone")
    # The bot was given the guild's default role (its id is the guild's), which it refuses to
    # ping; no role named "everyone" was made for it.
    assert "@everyone" in out
    assert role_names(sandbox) == before
    assert [r.id for r in sandbox.guild.roles.values() if r.name == "@everyone"] == [sandbox.guild.id]


def test_a_named_role_is_made_once_then_reused(sandbox):
    out = handle(sandbox, "/announce channel add channel:#announcements role:@Zombie Fans")
    assert "@Zombie Fans" in out
    again = handle(sandbox, "/announce channel add channel:#general role:@Zombie Fans")
    assert "@Zombie Fans" in again
    assert role_names(sandbox).count("Zombie Fans") == 1


def test_the_default_role_shows_as_at_everyone(sandbox):
    assert sandbox.names()[sandbox.guild.id] == "@everyone"


def test_a_role_button_can_be_posted_and_pressed(sandbox):
    # The sandbox's bot has what an admin's invite gives it (Manage Roles among them), and
    # :click finds the button on the message the bot posted in #general.
    out = handle(sandbox, "/announce rolebutton channel:#general role:@Pingers")
    assert "Posted the button in #general" in out, out
    assert "You now have @Pingers" in handle(sandbox, ":click Ping me for releases")
    assert "Removed @Pingers" in handle(sandbox, ":click ping me for releases")
    assert "buttons shown: Ping me for releases" in handle(sandbox, ":click Next")


def test_wait_lets_time_pass_and_says_what_was_posted(sandbox):
    assert handle(sandbox, ":wait soon").startswith("Wait how long?")
    assert handle(sandbox, ":wait 0") == "Wait between 1 and 600 seconds."
    assert handle(sandbox, ":wait 1") == "Nothing was posted in 1 s."
