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


def doctor_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> str:
    """What `lowback doctor --offline` prints, run in ``tmp_path`` with its .env file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "bot.db"))
    cli.main(["doctor", "--offline"])
    return capsys.readouterr().out


def test_a_env_file_saved_with_a_byte_order_mark_keeps_its_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Windows Notepad saves "UTF-8" with a byte order mark in front of the first line."""
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN={TOKEN}\nLOWBACK_LOG_LEVEL=INFO\n", encoding="utf-8-sig"
    )
    report = doctor_report(tmp_path, monkeypatch, capsys)
    assert "[ ok ] token           DISCORD_TOKEN is set and well formed" in report
    assert "not set" not in report


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (f'DISCORD_TOKEN="{TOKEN}', 'DISCORD_TOKEN starts with a quote (") that is not closed.'),
        (
            f"DISCORD_TOKEN='{TOKEN} # new one",
            "DISCORD_TOKEN starts with a quote (') that is not closed.",
        ),
    ],
)
def test_a_quote_left_open_in_the_token_line_is_pointed_at(
    line: str,
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / ".env").write_text(line + "\n", encoding="utf-8")
    report = doctor_report(tmp_path, monkeypatch, capsys)
    token_line, fix = report.splitlines()[:2]
    assert token_line == f"[FAIL] token           {says}"
    assert "Close the quote at the end of the token" in fix
    assert "client secret" not in fix
    assert TOKEN not in report


def test_quotes_kept_as_part_of_the_token_are_pointed_at() -> None:
    """docker run --env-file, for one, keeps the quotes of DISCORD_TOKEN="..." in the value."""
    check = check_token(f'"{TOKEN}"')
    assert check.ok is False
    assert check.message == 'DISCORD_TOKEN is in quotes (") that became part of it.'
    assert "client secret" not in check.fix


def test_a_env_file_that_is_not_utf8_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Notepad's "Unicode" is UTF-16: refused, with how to save it, rather than a traceback."""
    monkeypatch.chdir(tmp_path)
    Path(".env").write_text(f"DISCORD_TOKEN={TOKEN}\n", encoding="utf-16")
    assert cli.main(["doctor", "--offline"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "Configuration problem: .env is not UTF-8 text (byte 1 cannot be read as UTF-8): save it as UTF-8"
    ]


def _unreadable_by_permissions(env: Path) -> None:
    env.write_text(f"DISCORD_TOKEN={TOKEN}\nLOWBACK_DATABASE=mine.db\n", encoding="utf-8")
    env.chmod(0)
    try:
        env.read_bytes()
    except PermissionError:
        return
    env.chmod(0o600)
    pytest.skip("the tests run as the superuser, who may read any file")


def _a_link_that_leads_nowhere_it_can_end(env: Path) -> None:
    env.symlink_to(env.name)  # .env -> .env: too many levels of symbolic links


@pytest.mark.parametrize(
    "make", [_unreadable_by_permissions, _a_link_that_leads_nowhere_it_can_end]
)
def test_a_env_file_that_cannot_be_read_is_named_not_passed_over(
    make, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .env made by root (chmod 600) and read by the bot's user: its token and its database must
    not quietly give way to "DISCORD_TOKEN is not set" and another database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("LOWBACK_DATABASE", raising=False)
    make(tmp_path / ".env")
    for command in (["doctor", "--offline"], ["progress"]):
        assert cli.main(command) == 2
        out = capsys.readouterr()
        assert out.out == ""
        [line] = out.err.splitlines()
        assert line.startswith(f"Configuration problem: {tmp_path / '.env'} cannot be read (")
        assert "its settings would be left out" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == [".env"]  # no database made elsewhere


def test_a_setting_name_written_almost_right_is_pointed_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`LOWBACK_DATABSE=/srv/bot/lowback.db` in .env: the bot kept its data in the default place
    without a word, and the backups of /srv/bot held nothing. `DISCORD_BOT_TOKEN`, as other bots
    call it, gave only "No Discord token found". Each such name is said, with the one meant; a
    name of the scripts' own (LOWBACK_PYTHON) and anything unlike a setting are left alone."""
    monkeypatch.chdir(tmp_path)
    for name in ("DISCORD_TOKEN", "LOWBACK_DATABASE", "LOWBACK_LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOWBACK_PYTHON", "/usr/bin/python3.12")
    monkeypatch.setenv("LOWBACK_LOG_LEVL", "DEBUG")
    (tmp_path / ".env").write_text(
        f"LOWBACK_DATABSE={tmp_path}/srv/lowback.db\nDISCORD_BOT_TOKEN={TOKEN}\nMY_OWN_THING=1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    said = [
        "lowback: DISCORD_BOT_TOKEN is set, but lowback has no such setting: did you mean DISCORD_TOKEN?",
        "lowback: LOWBACK_DATABSE is set, but lowback has no such setting: did you mean LOWBACK_DATABASE?",
        "lowback: LOWBACK_LOG_LEVL is set, but lowback has no such setting: did you mean LOWBACK_LOG_LEVEL?",
    ]
    assert cli.main(["progress", "--set", "2"]) == 0
    assert capsys.readouterr().err.splitlines() == said
    cli.main(["doctor", "--offline"])
    report = capsys.readouterr()
    assert report.err == ""  # said once, among the checks
    assert "[warn] settings" in report.out
    assert "LOWBACK_DATABSE: did you mean LOWBACK_DATABASE?" in report.out
    # beside the setting itself, a name like it is something else's, and said nothing of
    other_bot = {"DISCORD_TOKEN": TOKEN, "DISCORD_BOT_TOKEN": "another bot's"}
    assert Settings.from_env(other_bot, dotenv=None).misspelt == ()


def test_a_token_left_empty_in_the_environment_does_not_hide_the_one_in_env(
    tmp_path: Path,
) -> None:
    # `export DISCORD_TOKEN=` in a shell profile, or a compose file's ${DISCORD_TOKEN} unset.
    env = tmp_path / ".env"
    env.write_text(f"DISCORD_TOKEN={TOKEN}\nLOWBACK_LOG_LEVEL=DEBUG\n", encoding="utf-8")
    settings = Settings.from_env({"DISCORD_TOKEN": "", "LOWBACK_LOG_LEVEL": " "}, dotenv=env)
    assert settings.token == TOKEN
    assert check_token(settings.token).ok  # what `lowback doctor` says first
    assert settings.log_level == "DEBUG"


def test_the_tests_do_not_read_the_checkouts_env_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer puts their token in the checkout's .env (scripts/start asks them to), then runs
    scripts/test: the commands the tests run must not take that token, or that database, as theirs
    (`lowback invite-url` then printed a link where a test expected it to say there is no token)."""
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("LOWBACK_CLIENT_ID", raising=False)
    checkout_env = Path(__file__).resolve().parents[1] / ".env"
    assert Path(".env").resolve() != checkout_env
    assert cli.main(["invite-url"]) == 2  # no token here, whatever the checkout's .env holds
    assert "I need the bot's application id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_TOKEN", f"{TOKEN}  # from the developer portal"),
        ("LOWBACK_DATABASE", "{tmp}/lowback.db # on the big disk"),
        ("LOWBACK_ASK_COOLDOWN_SECONDS", "10\t# seconds"),
    ],
    ids=["token", "database", "number"],
)
def test_a_comment_kept_after_a_setting_is_named_rather_than_used(
    name: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """systemd's EnvironmentFile and docker run --env-file pass `KEY=value  # note` on whole: the
    doctor sent people to reset a good token, and the bot would have made its database in a file
    named 'lowback.db # on the big disk'."""
    monkeypatch.chdir(tmp_path)
    for other in ("DISCORD_TOKEN", "LOWBACK_DATABASE", "LOWBACK_ASK_COOLDOWN_SECONDS"):
        monkeypatch.delenv(other, raising=False)
    monkeypatch.setenv(name, value.format(tmp=tmp_path))
    assert cli.main(["doctor", "--offline"]) == 2
    said = capsys.readouterr()
    assert said.err.startswith(f"Configuration problem: {name} has a comment after it")
    assert "put the comment on a line of its own" in said.err
    assert TOKEN not in said.out + said.err
    assert list(tmp_path.iterdir()) == []
