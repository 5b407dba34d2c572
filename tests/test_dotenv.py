"""A `.env` file written the way people write them: quotes, and a comment after the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ops.doctor import check_token
from bot.settings import Settings, read_dotenv
from bot.terminal import cli

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_a_quoted_database_path_with_a_comment_is_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOWBACK_DATABASE", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    Path(".env").write_text(
        f'LOWBACK_DATABASE="{tmp_path}/data/bot.db" # moved off the system disk\n', encoding="utf-8"
    )
    assert cli.main(["progress", "--set", "2"]) == 0
    assert (tmp_path / "data" / "bot.db").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env", "data"]  # no folder named "


def test_a_quoted_token_with_a_comment_is_a_well_formed_token(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DISCORD_TOKEN='{TOKEN}'   # from the developer portal\n", encoding="utf-8")
    settings = Settings.from_env({}, dotenv=env)
    assert settings.token == TOKEN
    assert check_token(settings.token).ok


def test_values_are_read_as_dotenv_files_commonly_are(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# a comment line\n"
        "export LOWBACK_LOG_LEVEL=DEBUG # said twice\n"
        "LOWBACK_DEV_GUILD = 123456789012345678\n"
        "HASH=abc#not-a-comment\n"
        "SPACED='  kept  '\n"
        'ESCAPED="say \\"hi\\""\n'
        "SINGLE='it\\'s'\n"
        "EMPTY=\n"
        'OPEN="never closed\n'
        "AFTER=still read\r\n"
        'JUNK="a" b\n',
        encoding="utf-8",
    )
    assert read_dotenv(env) == {
        "LOWBACK_LOG_LEVEL": "DEBUG",
        "LOWBACK_DEV_GUILD": "123456789012345678",
        "HASH": "abc#not-a-comment",
        "SPACED": "  kept  ",
        "ESCAPED": 'say "hi"',
        "SINGLE": "it's",
        "EMPTY": "",
        "OPEN": '"never closed',  # a quote left open is kept as typed, not read to the next quote
        "AFTER": "still read",
    }  # JUNK: text after the closing quote that is no comment: left out, as python-dotenv does
