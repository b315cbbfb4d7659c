"""The sandbox: a person types slash commands at a prompt and reads the bot's answers as text."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.sandbox import Sandbox, command_schema, handle, plain, render_message, split_command

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2022, 1, 21, 12, 0, tzinfo=UTC)


def test_split_command_reads_path_and_options_with_spaces():
    p = split_command("/cast title:All of Us Are Dead role:director")
    assert p.path == ["cast"] and p.options == {"title": "All of Us Are Dead", "role": "director"}
    p = split_command("/announce channel add channel:#news role:@Zombie Fans")
    assert p.path == ["announce", "channel", "add"] and p.options == {
        "channel": "#news",
        "role": "@Zombie Fans",
    }
    assert split_command("/upcoming").options == {}


def test_command_schema_finds_the_leaf_options():
    commands = [
        {
            "name": "announce",
            "options": [
                {
                    "name": "channel",
                    "type": 2,
                    "options": [
                        {
                            "name": "add",
                            "type": 1,
                            "options": [{"name": "channel", "type": 7, "required": True}],
                        }
                    ],
                }
            ],
        },
        {"name": "cast", "options": [{"name": "title", "type": 3}]},
    ]
    path, options = command_schema(commands, ["announce", "channel", "add"])
    assert path == ["announce", "channel", "add"] and options[0]["type"] == 7
    assert command_schema(commands, ["nope"]) is None


def test_plain_turns_timestamps_into_local_text_and_drops_escapes():
    ts = int(datetime(2022, 1, 28, 8, 0, tzinfo=UTC).timestamp())
    text = plain(f"**Park Ji\\-hu** <t:{ts}:F> (<t:{ts}:R>) \\*x\\*", NOW, UTC)
    assert text == "Park Ji-hu Friday, 28 January 2022 08:00 (in 6 days) *x*"
    early = int(datetime(2026, 12, 3, 2, 0, tzinfo=UTC).timestamp())
    assert (
        plain(f"<t:{early}:F> <t:{early}:D>", NOW, UTC) == "Thursday, 3 December 2026 02:00 3 December 2026"
    )
    assert plain("in <#42> for <@&7>", NOW, UTC, {42: "#news", 7: "@Fans"}) == "in #news for @Fans"


def test_a_korean_discord_shows_timestamps_the_korean_way():
    ts = int(datetime(2022, 1, 28, 17, 5, tzinfo=UTC).timestamp())
    text = plain(f"<t:{ts}:F> (<t:{ts}:R>) <t:{ts}:D> <t:{ts}:t> <t:{ts}:d>", NOW, UTC, locale="ko")
    assert text == "2022년 1월 28일 금요일 오후 5:05 (7일 후) 2022년 1월 28일 오후 5:05 2022. 01. 28."
    midnight = int(datetime(2020, 3, 2, 0, 30, tzinfo=UTC).timestamp())
    assert (
        plain(f"<t:{midnight}:f> (<t:{midnight}:R>)", NOW, UTC, locale="ko")
        == "2020년 3월 2일 오전 12:30 (1년 전)"
    )


def test_render_message_shows_embeds_buttons_and_privacy():
    message = {
        "author": {"username": "Premiere"},
        "content": "",
        "embeds": [
            {
                "title": "Cast",
                "description": "**A** as B",
                "fields": [{"name": "Crew", "value": "x\ny"}],
                "footer": {"text": "page 1 of 2"},
            }
        ],
        "components": [{"type": 1, "components": [{"type": 2, "label": "Next", "emoji": {"name": "▶"}}]}],
    }
    text = render_message(message, now=NOW, ephemeral=True)
    assert "(only you can see this)" in text and "┃ CAST" in text and "┃ A as B" in text
    assert "┃ Crew: x" in text and "[▶ Next]" in text and "page 1 of 2" in text


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    box = Sandbox(tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3", NOW)
    box.start()
    yield box
    box.stop()


def test_sandbox_answers_the_seed_story(sandbox):
    out = handle(sandbox, "/cast title:All of Us Are Dead")
    assert "Park Ji-hu (박지후) as Nam On-jo" in out and "Original author: Joo Dong-geun" in out


def test_sandbox_completes_commands_options_and_values(sandbox):
    assert "/cast " in sandbox.complete("/ca")
    assert "/cast title:" in sandbox.complete("/cast ")
    values = sandbox.complete("/cast title:지금 우리")
    assert values[0] == "/cast title:All of Us Are Dead (지금 우리 학교는)"
    # Submitting the completed choice sends its value, as Discord does.
    assert "Nam On-jo" in handle(sandbox, values[0])
    assert "/announce channel " in sandbox.complete("/announce ch")


def test_sandbox_admin_flow_and_bad_input(sandbox):
    out = handle(sandbox, "/announce channel add channel:#announcements")
    assert "Release announcements will be posted in #announcements" in out
    assert "Unknown command" in handle(sandbox, "/nope")
    assert "has no option" in handle(sandbox, "/cast nonsense:1")
    assert "Missing title:" in handle(sandbox, "/cast")
    assert "start with /" in handle(sandbox, "hello")


def test_sandbox_shows_a_message_the_bot_edits_on_its_own_once(sandbox):
    """What :wait shows: a message the bot posts, then the same message once the bot edits it
    (as the week at a glance is edited when a release is out), each once."""

    async def post(text: str):
        return await sandbox.bot.get_channel(int(sandbox.general.id)).send(text)

    async def edit(message, text: str) -> None:
        await message.edit(content=text)

    message = sandbox.call(post("Coming this week: All of Us Are Dead"))
    shown = sandbox.news_text()
    assert [line for line in shown if "Coming this week" in line][0].startswith("#general: ")
    assert sandbox.news_text() == []
    sandbox.call(edit(message, "Out now: All of Us Are Dead"))
    shown = sandbox.news_text()
    assert len(shown) == 1 and shown[0].startswith("#general (edited): ") and "Out now" in shown[0]
    assert sandbox.news_text() == []


def test_python_m_bot_sandbox_runs_from_the_command_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "-c", "/release title:all of us are dead"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Season 1, all 12 episodes — Netflix · Worldwide" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_sandbox_twice_on_one_database_file_still_has_its_commands(tmp_path):
    # The sandbox's server is new on every run: the commands must reach it each time, even
    # though the database remembers the command set from the run before.
    database = tmp_path / "kept.sqlite3"
    for _ in range(2):
        box = Sandbox(database, NOW)
        box.start()
        try:
            assert {"cast", "release", "upcoming"} <= {c["name"] for c in box.commands()}
            out = handle(box, "/cast title:All of Us Are Dead")
            assert "Unknown command" not in out and "Park Ji-hu" in out
        finally:
            box.stop()
