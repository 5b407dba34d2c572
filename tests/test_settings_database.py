"""LOWBACK_DATABASE: a path (or nothing) is SQLite, a postgresql:// URL is PostgreSQL, anything else is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from bot.settings import PostgresURL, Settings, SettingsError, default_database
from bot.store.db import open_database
from tests.support.pg_login import LoginRecorder


def database(value: str | None) -> object:
    environ = {} if value is None else {"LOWBACK_DATABASE": value}
    return Settings.from_env(environ, dotenv=None).database


def test_nothing_or_blank_is_the_default_sqlite_file() -> None:
    assert database(None) == default_database()
    assert database("   ") == default_database()


@pytest.mark.parametrize(
    "value", ["/var/lib/lowback/lowback.db", "data/bot.db", "C:\\bots\\lowback.db", ":memory:"]
)
def test_a_path_is_a_sqlite_file(value: str) -> None:
    assert database(value) == Path(value)


def test_home_is_expanded_in_a_path() -> None:
    assert database("~/lowback.db") == Path("~/lowback.db").expanduser()


NO_SUCH_USER = "~no-such-user-here"


def test_a_home_folder_of_no_user_is_refused_in_one_line_per_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``~lowbak/lowback.db``, a user name written wrong, in the environment file or on the command
    line: every command says which setting it is, not a traceback."""
    environ = {
        "LOWBACK_DATABASE": f"{NO_SUCH_USER}/lowback.db",
        "LOWBACK_KNOWLEDGE": f"{NO_SUCH_USER}/knowledge",
        "LOWBACK_STATE_DIR": f"{NO_SUCH_USER}/state",
    }
    said = f"{NO_SUCH_USER} names no home folder on this machine; write the whole path"
    assert run_lowback(["kb", "check"], environ, tmp_path, monkeypatch) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"Configuration problem: {name}: {said}" for name in environ
    ]
    assert (
        run_lowback(["--database", f"{NO_SUCH_USER}/x.db", "progress"], {}, tmp_path, monkeypatch)
        == 2
    )
    assert capsys.readouterr().err == f"Configuration problem: --database: {said}\n"


def test_a_variable_in_a_path_is_the_folder_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``LOWBACK_DATABASE=$HOME/lowback.db`` in a .env file (or a systemd EnvironmentFile, or
    ``docker run --env-file``, none of which expand it): the database is in the home folder, not
    in a folder called '$HOME' made where the command was typed."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / ".env").write_text("LOWBACK_DATABASE=$HOME/lowback.db\n", "utf-8")
    monkeypatch.delenv("LOWBACK_DATABASE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings.from_env().database == home / "lowback.db"
    environ = {
        "LOWBACK_DATABASE": "${HOME}/data/lowback.db",
        "LOWBACK_STATE_DIR": "$HOME/state",
        "LOWBACK_KNOWLEDGE": "${HOME}/knowledge",
    }
    settings = Settings.from_env(environ, dotenv=None)
    assert (settings.database, settings.state_dir, settings.knowledge) == (
        home / "data" / "lowback.db",
        home / "state",
        home / "knowledge",
    )


def test_a_variable_that_is_not_set_in_a_path_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LOWBACK_NO_SUCH_FOLDER", raising=False)
    environ = {"LOWBACK_DATABASE": "$LOWBACK_NO_SUCH_FOLDER/lowback.db"}
    assert run_lowback(["progress"], environ, tmp_path, monkeypatch) == 2
    assert capsys.readouterr().err == (
        "Configuration problem: LOWBACK_DATABASE: $LOWBACK_NO_SUCH_FOLDER is not set, so the path "
        "cannot be made of it; write the whole path\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "value",
    [
        "postgresql://postgres@127.0.0.1:5432/lowback",
        "postgres://bot:secret@db.example.org/lowback?sslmode=require",
        "POSTGRESQL://postgres@localhost/lowback",
    ],
)
def test_a_postgresql_url_selects_postgresql(value: str) -> None:
    found = database(value)
    assert isinstance(found, PostgresURL) and found.url == value


def test_the_password_never_shows_when_the_url_is_printed() -> None:
    found = database("postgresql://bot:s3cret@db.example.org:5432/lowback")
    assert "s3cret" not in str(found) and "s3cret" not in repr(found)
    assert str(found) == "postgresql://bot:***@db.example.org:5432/lowback"
    assert "s3cret" not in str(Settings(database=found).describe())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mysql://root@localhost/lowback", "not a mysql:// URL"),
        ("sqlite:///var/lib/lowback.db", "not a sqlite:// URL"),
        ("https://example.org/lowback.db", "not a https:// URL"),
        ("postgresql:/postgres@localhost/lowback", "missing the //"),
        ("postgresql://postgres@localhost", "must name a database"),
        ("postgresql:///lowback", "must name a server"),
    ],
)
def test_anything_else_is_refused_with_one_line(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        database(value)
    assert "\n" not in str(caught.value)


def test_the_command_refuses_an_unknown_url_and_creates_nothing(tmp_path: Path) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["LOWBACK_DATABASE"] = "mysql://root@127.0.0.1:3306/lowback"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "progress", "--set", "3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration problem: LOWBACK_DATABASE must be a file path (SQLite) or a "
        "postgresql://user@host/dbname URL, not a mysql:// URL"
    ]
    assert list(tmp_path.iterdir()) == []


def test_quotes_kept_around_a_path_are_refused_and_nothing_is_made_of_them(tmp_path: Path) -> None:
    # `docker run --env-file .env` with LOWBACK_DATABASE="/data/lowback.db" in .env: the quotes
    # come in as part of the value, which read as a path would be a folder called '"' here.
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env.update(
        LOWBACK_DATABASE=f'"{tmp_path / "lowback.db"}"',
        LOWBACK_STATE_DIR=f"'{tmp_path / 'state'}'",
    )
    for command in (["progress", "--set", "3"], ["doctor", "--offline"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *command],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        assert result.returncode == 2, command
        assert result.stderr.strip().splitlines() == [
            'Configuration problem: LOWBACK_DATABASE is in quotes (") that became part of it: '
            "remove them (docker run --env-file keeps a .env file's quotes)",
            "Configuration problem: LOWBACK_STATE_DIR is in quotes (') that became part of it: "
            "remove them (docker run --env-file keeps a .env file's quotes)",
        ], command
        assert list(tmp_path.iterdir()) == []
    # In .env itself the quotes are the file's own and are read as such.
    (tmp_path / ".env").write_text(f'LOWBACK_DATABASE="{tmp_path / "in .env.db"}"\n', "utf-8")
    settings = Settings.from_env({}, dotenv=tmp_path / ".env")
    assert settings.database == tmp_path / "in .env.db"


# -- passwords with characters that mean something in a URL ------------------------------------------

# Each piece of these is looked for in the output: none may show.
PIECES = ("Qw7", "Zk9")


def lowback_with(database: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN",)}
    env.update(LOWBACK_DATABASE=database, **extra)
    return subprocess.run(
        [sys.executable, "-m", "bot", "reminders"],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


@pytest.mark.parametrize("password", ["Qw7/Zk9+=", "Qw7@Zk9", "Qw7?Zk9", "Qw7#Zk9", "Qw7%Zk9"])
def test_a_password_that_breaks_the_url_is_refused_in_one_line_that_hides_it(
    password: str, tmp_path: Path
) -> None:
    """As `openssl rand -base64 32` makes them (about half hold a /): once, the / let the password
    be printed in clear, and ? or # made the URL lose its database."""
    done = lowback_with(f"postgresql://lowback:{password}@127.0.0.1:5432/lowback", tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert not [piece for piece in PIECES if piece in done.stdout + done.stderr], line
    assert "postgresql://lowback:***@127.0.0.1:5432/lowback" in line
    assert "percent-encode it (/ as %2F, ? as %3F, # as %23, @ as %40, % as %25)" in line
    assert "LOWBACK_DATABASE_PASSWORD" in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://lowback:Qw7/Zk9@db/lowback",
        "postgresql://lowback:Qw7@Zk9@db/lowback",
        "postgresql://lowback:Qw7#Zk9@db",
        "postgresql://lowback:Qw7Zk9@db:port/lowback?password=Qw7Zk9",
        "postgres://lowback:Qw7Zk9@[db/lowback",
    ],
)
def test_the_password_is_hidden_even_when_the_url_cannot_be_read(url: str) -> None:
    assert not [piece for piece in PIECES if piece in str(PostgresURL(url))]
    with pytest.raises(SettingsError) as refused:
        database(url)
    assert not [piece for piece in PIECES if piece in str(refused.value)]


NASTY = "Qw7/Zk9+=@?#% 'x\"\\:"


@pytest.mark.parametrize(
    ("url", "password_setting"),
    [
        ("postgresql://lowback@127.0.0.1:{port}/lowback", NASTY),
        (f"postgresql://lowback:{quote(NASTY, safe='')}@127.0.0.1:{{port}}/lowback", None),
        ("postgresql://lowback:Qw7+Zk9=@127.0.0.1:{port}/lowback", None),  # + and = need nothing
    ],
)
async def test_the_server_gets_the_password_exactly_and_no_message_shows_it(
    url: str, password_setting: str | None
) -> None:
    from bot.store.errors import DatabaseError

    environ = {} if password_setting is None else {"LOWBACK_DATABASE_PASSWORD": password_setting}
    async with LoginRecorder() as server:
        environ["LOWBACK_DATABASE"] = url.format(port=server.port)
        settings = Settings.from_env(environ, dotenv=None)
        with pytest.raises(DatabaseError) as refused:
            await open_database(settings.database)
    sent = server.logins[0]
    expected = password_setting or unquote(urlsplit(url).password or "")
    assert sent == ("lowback", "lowback", expected)
    assert "the server refused the login" in str(refused.value)
    assert not [piece for piece in PIECES if piece in str(refused.value) + str(settings.describe())]


def test_a_driver_error_hides_the_password_but_a_short_one_does_not_blot_out_words() -> None:
    url = PostgresURL(f"postgresql://lowback:{quote(NASTY, safe='')}@db/lowback")
    assert url.hide(f"bad login {NASTY} / {quote(NASTY, safe='')}") == "bad login *** / ***"
    short = PostgresURL("postgresql://lowback:ab@db/lowback")
    assert short.hide("cannot reach the database") == "cannot reach the database"


def test_a_password_in_the_url_and_in_the_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="keep only one of them") as refused:
        Settings.from_env(
            {
                "LOWBACK_DATABASE": "postgresql://lowback:Qw7Zk9@db/lowback",
                "LOWBACK_DATABASE_PASSWORD": "Qw7Zk9",
            },
            dotenv=None,
        )
    assert "Qw7" not in str(refused.value)


def test_the_password_setting_leaves_a_sqlite_database_alone(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"LOWBACK_DATABASE": str(tmp_path / "x.db"), "LOWBACK_DATABASE_PASSWORD": "Qw7Zk9"},
        dotenv=None,
    )
    assert settings.database == tmp_path / "x.db"


def test_pg_dump_gets_the_password_decoded_and_off_its_command_line() -> None:
    from bot.ops.postgres import libpq_target

    for url in (
        f"postgresql://lowback:{quote(NASTY, safe='')}@db:5432/lowback",
        f"postgresql://lowback@db:5432/lowback?password={quote(NASTY, safe='')}",
    ):
        uri, env, _ = libpq_target(PostgresURL(url))
        assert env == {"PGPASSWORD": NASTY}
        assert uri == "postgresql://lowback@db:5432/lowback"


# -- shards -----------------------------------------------------------------------------------------


def shards(environ: dict[str, str]) -> Settings:
    return Settings.from_env(environ, dotenv=None)


def test_no_shard_settings_is_one_unsharded_process() -> None:
    settings = shards({})
    assert settings.shard_count is None and settings.shard_ids is None and not settings.sharded


@pytest.mark.parametrize(
    ("value", "ids", "text"),
    [
        ("0-3", (0, 1, 2, 3), "0-3"),
        ("4-7", (4, 5, 6, 7), "4-7"),
        ("0,2, 5-6", (0, 2, 5, 6), "0,2,5,6"),
        ("7", (7,), "7"),
    ],
)
def test_lowback_shards_takes_ids_and_ranges(value: str, ids: tuple[int, ...], text: str) -> None:
    settings = shards({"LOWBACK_SHARD_COUNT": "8", "LOWBACK_SHARDS": value})
    assert settings.shard_ids == ids and settings.shards_text() == text and settings.sharded


def test_each_process_of_a_split_bot_keeps_its_own_heartbeat(tmp_path: Path) -> None:
    first = shards(
        {
            "LOWBACK_SHARD_COUNT": "8",
            "LOWBACK_SHARDS": "0-3",
            "LOWBACK_DATABASE": str(tmp_path / "x.db"),
        }
    )
    second = shards(
        {
            "LOWBACK_SHARD_COUNT": "8",
            "LOWBACK_SHARDS": "4-7",
            "LOWBACK_DATABASE": str(tmp_path / "x.db"),
        }
    )
    assert first.state_base != second.state_base and first.state_base.parent == tmp_path
    pg = shards(
        {"LOWBACK_DATABASE": "postgresql://bot@db/lowback", "LOWBACK_STATE_DIR": str(tmp_path)}
    )
    assert pg.state_base == tmp_path / "lowback-postgresql"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"LOWBACK_SHARDS": "0-3"}, "LOWBACK_SHARDS needs LOWBACK_SHARD_COUNT"),
        (
            {"LOWBACK_SHARD_COUNT": "4", "LOWBACK_SHARDS": "2-5"},
            "names shard 5, but with LOWBACK_SHARD_COUNT=4 the ids are 0 to 3",
        ),
        ({"LOWBACK_SHARD_COUNT": "4", "LOWBACK_SHARDS": "3-1"}, "runs backwards"),
        ({"LOWBACK_SHARD_COUNT": "4", "LOWBACK_SHARDS": "0-1,1"}, "names a shard twice"),
        ({"LOWBACK_SHARD_COUNT": "4", "LOWBACK_SHARDS": "first"}, "ids and ranges like 0-3"),
        ({"LOWBACK_SHARD_COUNT": "0"}, "from 1 up"),
        ({"LOWBACK_SHARD_COUNT": "four"}, "must be a whole number"),
    ],
)
def test_bad_shard_settings_are_refused_in_one_line(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        shards(environ)
    assert "\n" not in str(caught.value)


def test_a_postgresql_url_is_never_taken_for_a_path(tmp_path: Path) -> None:
    """The case from the issue: once, this made a folder named 'postgresql:' and a SQLite file in it."""
    import os
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["LOWBACK_DATABASE"] = f"postgresql://postgres@127.0.0.1:{port}/lowback"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "progress", "--set", "3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert (
        f"cannot connect to the PostgreSQL database at postgresql://postgres@127.0.0.1:{port}/lowback: "
        "no server answers there"
    ) in line
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("form", ["file:{path}", "file://{path}", "FILE:{path}?mode=rwc"])
def test_a_sqlite_file_uri_is_refused_saying_the_path_to_write(form: str, tmp_path: Path) -> None:
    """``LOWBACK_DATABASE=file:/var/lib/lowback/lowback.db`` (SQLite's URI form): SQLite opened the
    file the URI names, while the doctor and the backup looked for a file called 'file:...' and
    found none ("no database yet", "Backup failed"), and a folder named 'file:' was made in the
    working directory. The one line says what to write instead, and nothing is stored anywhere."""
    import os

    data = tmp_path / "data"
    work = tmp_path / "work"
    data.mkdir()
    work.mkdir()
    wanted = data / "lowback.db"
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["LOWBACK_DATABASE"] = form.format(path=wanted)
    for args in (["progress", "--set", "3"], ["doctor", "--offline"], ["backup", "copy.db"]):
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=work,
            timeout=60,
        )
        assert result.returncode == 2, args
        assert result.stdout == ""
        assert result.stderr.strip().splitlines() == [
            "Configuration problem: LOWBACK_DATABASE is the SQLite file's path, not a file: URL; "
            f"write it as LOWBACK_DATABASE={wanted}"
        ]
    assert list(data.iterdir()) == [] and list(work.iterdir()) == []


@pytest.mark.parametrize(("value", "days"), [(None, 30), ("0", 0), ("7", 7), ("3650", 3650)])
def test_unanswered_retention_is_whole_days_and_0_keeps_none(value: str | None, days: int) -> None:
    environ = {} if value is None else {"LOWBACK_UNANSWERED_RETENTION_DAYS": value}
    assert Settings.from_env(environ, dotenv=None).unanswered_retention_days == days


@pytest.mark.parametrize("value", ["-1", "99999999999", "3651", "a month", "2.5"])
def test_nonsense_retention_is_one_line_for_every_command(value: str, tmp_path: Path) -> None:
    import os

    env = dict(os.environ, LOWBACK_DATABASE=str(tmp_path / "x.db"))
    env["LOWBACK_UNANSWERED_RETENTION_DAYS"] = value
    env.pop("DISCORD_TOKEN", None)
    for args in (["progress"], ["doctor", "--offline"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "LOWBACK_UNANSWERED_RETENTION_DAYS must be a whole number" in done.stderr


# -- every number and name in the settings is checked before anything starts -----------------------


def run_lowback(
    args: list[str], environ: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> int:
    """``lowback ARGS`` in this process, with only ``environ`` set among the bot's settings; the
    Discord bot, should it get as far as starting, stops at once with exit code 0."""
    import os

    import bot.app
    from bot.terminal import cli

    async def started(settings: Settings) -> int:
        return 0

    monkeypatch.setattr(bot.app, "run_bot", started)

    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in list(os.environ):
        if name.startswith("LOWBACK_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "x.db"))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return cli.main(args)


GOOD_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
COOLDOWN = "LOWBACK_ASK_COOLDOWN_SECONDS must be a number of seconds from 1 to 86400 (a day)"
RATE = "LOWBACK_ASK_COOLDOWN_RATE must be a whole number of questions from 1 to 100"
GRACE = "LOWBACK_REMINDER_GRACE_MINUTES must be a whole number of minutes from 1 to 1440 (a day)"
LEVEL = "LOWBACK_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
DISCORD_ID = "must be a Discord id, a whole number from 1 to 18446744073709551615"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("LOWBACK_ASK_COOLDOWN_SECONDS", "inf", COOLDOWN),
        ("LOWBACK_ASK_COOLDOWN_SECONDS", "nan", COOLDOWN),
        ("LOWBACK_ASK_COOLDOWN_SECONDS", "-5", COOLDOWN),
        ("LOWBACK_ASK_COOLDOWN_SECONDS", "0", COOLDOWN),
        ("LOWBACK_ASK_COOLDOWN_SECONDS", "1e400", COOLDOWN),
        ("LOWBACK_ASK_COOLDOWN_SECONDS", "ten", COOLDOWN),
        ("LOWBACK_ASK_COOLDOWN_RATE", "0", RATE),
        ("LOWBACK_ASK_COOLDOWN_RATE", "-3", RATE),
        ("LOWBACK_ASK_COOLDOWN_RATE", "2.5", RATE),
        ("LOWBACK_REMINDER_GRACE_MINUTES", "-5", GRACE),
        ("LOWBACK_REMINDER_GRACE_MINUTES", "0", GRACE),
        ("LOWBACK_REMINDER_GRACE_MINUTES", "100000", GRACE),
        ("LOWBACK_LOG_LEVEL", "verbose", LEVEL),
        ("LOWBACK_DEV_GUILD", "-1", f"LOWBACK_DEV_GUILD {DISCORD_ID}"),
        ("LOWBACK_CLIENT_ID", "0", f"LOWBACK_CLIENT_ID {DISCORD_ID}"),
    ],
)
@pytest.mark.parametrize("command", [["run"], ["doctor", "--offline"]])
def test_a_setting_that_makes_no_sense_stops_the_bot_and_the_doctor_in_one_line(
    name: str,
    value: str,
    says: str,
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    environ = {name: value, "DISCORD_TOKEN": GOOD_TOKEN}
    assert run_lowback(command, environ, tmp_path, monkeypatch) == 2
    out, err = capsys.readouterr()
    assert err.splitlines() == [f"Configuration problem: {says}, not {value!r}"]
    assert out == ""
    assert list(tmp_path.iterdir()) == []  # nothing was started or created


def test_the_doctor_names_every_setting_that_makes_no_sense(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {
        "LOWBACK_ASK_COOLDOWN_SECONDS": "inf",
        "LOWBACK_ASK_COOLDOWN_RATE": "0",
        "LOWBACK_REMINDER_GRACE_MINUTES": "-5",
        "LOWBACK_LOG_LEVEL": "verbose",
        "LOWBACK_UNANSWERED_RETENTION_DAYS": "abc",
    }
    assert run_lowback(["doctor", "--offline"], environ, tmp_path, monkeypatch) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"Configuration problem: {LEVEL}, not 'verbose'",
        f"Configuration problem: {GRACE}, not '-5'",
        f"Configuration problem: {COOLDOWN}, not 'inf'",
        f"Configuration problem: {RATE}, not '0'",
        "Configuration problem: LOWBACK_UNANSWERED_RETENTION_DAYS must be a whole number of days "
        "from 0 (keep none) to 3650 (ten years), not 'abc'",
    ]


def test_sensible_numbers_are_taken_as_written() -> None:
    settings = Settings.from_env(
        {
            "LOWBACK_ASK_COOLDOWN_SECONDS": "2.5",
            "LOWBACK_ASK_COOLDOWN_RATE": "1",
            "LOWBACK_REMINDER_GRACE_MINUTES": "1440",
            "LOWBACK_LOG_LEVEL": "debug",
            "LOWBACK_DEV_GUILD": "1187355092318449704",
        },
        dotenv=None,
    )
    assert settings.ask_cooldown_seconds == 2.5
    assert settings.ask_cooldown_rate == 1
    assert settings.reminder_grace_minutes == 1440
    assert settings.log_level == "DEBUG"
    assert settings.dev_guild == 1187355092318449704
    defaults = Settings.from_env({}, dotenv=None)
    assert (defaults.ask_cooldown_seconds, defaults.ask_cooldown_rate) == (10.0, 3)
    assert defaults.reminder_grace_minutes == 60
