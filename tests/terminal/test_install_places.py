"""Where an install keeps its files, as an operator meets it: a user with no home folder, a
database setting that names the wrong thing."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest

from bot.terminal.cli import main


@pytest.fixture
def homeless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user this machine knows no home folder for, as under ``env -i`` or a container started
    with a user id its image does not list: no HOME, no XDG folders, no entry in the password
    database. Runs in an empty folder of its own, which it returns."""
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    return here


def test_without_a_home_folder_a_command_with_its_database_set_still_answers(
    homeless: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The terminal tests set LOWBACK_DATABASE (tests/terminal/conftest.py), as the Dockerfile and
    # the systemd unit do: only the caches would want the home folder, and they are optional.
    assert main(["ask", "can I still deadlift?"]) == 0
    out = capsys.readouterr()
    assert "deadlift" in out.out.lower() and out.err == ""
    assert main(["progress"]) == 0
    assert "step 1 of 4" in capsys.readouterr().out
    assert list(homeless.iterdir()) == []  # no "~" folder made where it was run


def test_without_a_home_folder_or_a_database_setting_it_says_where_to_put_the_database(
    homeless: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LOWBACK_DATABASE")
    assert main(["progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("Configuration problem: LOWBACK_DATABASE is not set")
    assert "no home folder" in err and "set LOWBACK_DATABASE to a file" in err
    assert list(homeless.iterdir()) == []
    # Named on the command line, the database needs no home folder either.
    assert main(["--database", str(homeless.parent / "given.db"), "progress", "--set", "2"]) == 0
    assert "step 2" in capsys.readouterr().out
    assert (homeless.parent / "given.db").exists()


def test_a_database_setting_naming_a_file_of_another_kind_says_so_and_leaves_it_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LOWBACK_DATABASE=.env, or an export, named by mistake: not "damaged, move it aside and copy
    your newest backup in its place", which would have the operator write over that file."""
    notes = tmp_path / "settings.env"
    notes.write_text("DISCORD_TOKEN=\nLOWBACK_LOG_LEVEL=INFO\n", encoding="utf-8")
    monkeypatch.setenv("LOWBACK_DATABASE", str(notes))
    assert main(["progress"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert f"{notes} is not a SQLite database" in line and "LOWBACK_DATABASE" in line
    assert "damaged" not in line and "backup" not in line
    assert main(["doctor", "--offline"]) == 1
    report = capsys.readouterr().out.splitlines()
    [at] = [i for i, said in enumerate(report) if said.startswith("[FAIL] database")]
    assert f"{notes} is not a SQLite database" in report[at] and "damaged" not in report[at]
    assert "backup" not in report[at + 1] and "LOWBACK_DATABASE" in report[at + 1]
    assert main(["backup", str(tmp_path / "copy.db")]) == 1
    assert f"{notes} is not a SQLite database" in capsys.readouterr().err
    assert notes.read_text(encoding="utf-8") == "DISCORD_TOKEN=\nLOWBACK_LOG_LEVEL=INFO\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "cache") == ["settings.env"]


def test_a_database_file_that_a_crash_left_full_of_zeros_is_still_called_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    zeros = tmp_path / "lowback.db"
    zeros.write_bytes(bytes(8192))
    monkeypatch.setenv("LOWBACK_DATABASE", str(zeros))
    assert main(["progress"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "is damaged" in line and "copy your newest backup in its place" in line


def test_a_database_setting_naming_a_folder_says_which_file_to_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LOWBACK_DATABASE=/srv/lowback, the folder meant for it: "unable to open database file"
    told nobody what to change."""
    folder = tmp_path / "srv"
    folder.mkdir()
    monkeypatch.setenv("LOWBACK_DATABASE", str(folder))
    for command in (["progress"], ["ask", "can I still deadlift?"], ["backup", "copy.db"]):
        assert main(command) == 1
        [line] = capsys.readouterr().err.splitlines()
        assert f"{folder} is a folder, not a database file" in line
        assert f"LOWBACK_DATABASE (or --database) at a file, e.g. {folder / 'lowback.db'}" in line
    assert list(folder.iterdir()) == []


def test_a_file_named_as_the_database_folder_is_said_to_be_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """LOWBACK_DATABASE=notes/lowback.db where notes is a file: not "(File exists)"."""
    notes = tmp_path / "notes"
    notes.write_text("shopping\n", encoding="utf-8")
    monkeypatch.setenv("LOWBACK_DATABASE", str(notes / "lowback.db"))
    assert main(["progress"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert f"{notes} is a file, not a folder" in line
    assert "File exists" not in line
    assert notes.read_text(encoding="utf-8") == "shopping\n"


def test_a_database_folder_that_cannot_be_made_says_what_to_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``sudo -u nobody lowback ask ...``: the default folder under /nonexistent cannot be made.
    (Here a file stands where a folder must be made, which stops the superuser too.)"""
    blocker = tmp_path / "data"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    monkeypatch.setenv("LOWBACK_DATABASE", str(blocker / "lowback-bot" / "lowback.db"))
    assert main(["ask", "can I still deadlift?"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert f"cannot create the folder {blocker / 'lowback-bot'} for the database" in line
    assert f"{blocker} is a file, not a folder" in line  # not "(Not a directory)"
    assert "[Errno" not in line
    assert (
        "point LOWBACK_DATABASE (or --database) at a file in a folder this user may write" in line
    )


POSTGRES = "postgresql://lowback@127.0.0.1:1/lowback"  # never reached: refused before
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_without_a_home_folder_a_bot_on_postgresql_asks_for_its_state_folder(
    homeless: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """With PostgreSQL the heartbeat and command-sync files go to LOWBACK_STATE_DIR, by default
    the user's data folder: the bot and its health check say so, not a traceback."""
    from bot.ops.heartbeat import healthcheck_main

    monkeypatch.setenv("LOWBACK_DATABASE", POSTGRES)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    said = "LOWBACK_STATE_DIR is not set and this user has no home folder to keep its heartbeat in"
    assert main(["run"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"Configuration problem: {said}")
    assert healthcheck_main(["healthcheck"]) == 1
    assert capsys.readouterr().out.startswith(f"unhealthy: configuration problem: {said}")
    monkeypatch.setenv("LOWBACK_STATE_DIR", str(homeless))
    assert healthcheck_main(["healthcheck"]) == 1  # no bot runs: no heartbeat, said so
    assert "no heartbeat at" in capsys.readouterr().out


@pytest.fixture
def without_asyncpg(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot installed without its PostgreSQL driver (``pip install --no-deps .``): asyncpg
    cannot be imported, nor anything that imports it."""
    import sys

    monkeypatch.setitem(sys.modules, "asyncpg", None)  # import asyncpg: ModuleNotFoundError
    for name in ("bot.store.pg", "bot.store.shared"):
        monkeypatch.delitem(sys.modules, name, raising=False)


def test_a_postgresql_database_without_its_driver_says_what_to_install(
    without_asyncpg: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOWBACK_DATABASE", POSTGRES)
    assert main(["progress"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "PostgreSQL database needs the asyncpg package" in line and "pip install" in line
    assert main(["doctor", "--offline"]) == 1
    report = capsys.readouterr().out.splitlines()
    [at] = [i for i, said in enumerate(report) if said.startswith("[FAIL] database")]
    assert "needs the asyncpg package" in report[at] and "pip install" in report[at + 1]
    assert main(["kb", "check"]) == 0  # what needs no database is not stopped


def test_a_knowledge_file_named_instead_of_its_folder_points_at_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `lowback --knowledge mine/scope.yaml ask ...`: one file of the knowledge base, not its folder.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "scope.yaml").write_text("topics: []\n", encoding="utf-8")
    assert main(["--knowledge", str(mine / "scope.yaml"), "ask", "can I still deadlift?"]) == 1
    err = capsys.readouterr().err
    assert f"is a file, not a knowledge directory (the folder holding it: {mine})" in err
    assert "not found" not in err


def test_a_backup_into_a_file_taken_for_a_folder_says_it_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `lowback backup backups/today.db` where backups is a file: not "File exists".
    monkeypatch.chdir(tmp_path)
    assert main(["progress", "--set", "2"]) == 0
    Path("backups").write_text("old notes\n", encoding="utf-8")
    assert main(["backup", "backups/today.db"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "backups is a file, not a folder" in line
    assert "File exists" not in line
    assert Path("backups").read_text(encoding="utf-8") == "old notes\n"
