"""The `lowback` command as a newcomer meets it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.terminal.cli import main

LOWBACK = [sys.executable, "-m", "bot"]


def run(args, *, env_extra=None, tmp_path=None, stdin=subprocess.DEVNULL):
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    if tmp_path is not None:
        env["LOWBACK_DATABASE"] = str(tmp_path / "cli.db")
    env.update(env_extra or {})
    return subprocess.run(
        LOWBACK + args,
        capture_output=True,
        text=True,
        env=env,
        stdin=stdin,
        timeout=60,
        cwd=tmp_path or None,
    )


def test_without_a_token_on_a_pipe_it_explains_and_exits_2(tmp_path):
    result = run([], tmp_path=tmp_path)
    assert result.returncode == 2
    assert "discord.com/developers" in result.stderr and "lowback chat" in result.stderr


def test_run_without_a_token_says_where_each_kind_of_install_reads_it_and_exits_2(tmp_path):
    # `lowback run` is what the container and the systemd unit start: no chat offer there.
    result = run(["run"], tmp_path=tmp_path)
    assert result.returncode == 2
    assert "Docker Compose" in result.stderr and "/etc/lowback/lowback.env" in result.stderr
    assert "lowback chat" not in result.stderr


def test_version_says_which_lowback_bot_is_installed(capsys):
    # What an operator is asked first, and what a database "written by a newer version" needs.
    from importlib.metadata import version

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"lowback-bot {version('lowback-bot')}\n"


def test_ask_json_has_the_documented_shape(capsys):
    assert main(["ask", "--json", "can", "i", "still", "do", "RDLs?"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"kind", "topic", "step", "score", "candidates"}
    assert out["kind"] == "answer" and out["topic"] == "deadlifts" and out["step"] is None
    assert all(set(c) == {"topic", "score"} for c in out["candidates"])


def test_ask_json_for_a_step_topic_and_a_red_flag(capsys):
    main(["ask", "--json", "how do i do the booty flex"])
    assert json.loads(capsys.readouterr().out)["step"] == 1
    main(["ask", "--json", "i cant feel anything between my legs and i peed myself"])
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "red_flag" and out["topic"] is None


def test_ask_plain_text_names_the_source(capsys):
    main(["ask", "is the leg press ok for my back"])
    out = capsys.readouterr().out
    assert "Source:" in out and "not medical advice" in out.lower()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (["help"], "usage: lowback [-h]"),
        (["help", "reminders"], "lowback reminders on Europe/Berlin 7:30 21:30"),
        (["--database", "mine.db", "help", "backup"], "usage: lowback backup"),
    ],
)
def test_help_typed_as_a_command_shows_the_help(typed, shown, capsys):
    """`lowback help` (or `scripts/start help`), as git and pip take it, not 'invalid choice'."""
    with pytest.raises(SystemExit) as done:
        main(typed)
    assert done.value.code == 0
    out = capsys.readouterr()
    assert shown in out.out and out.err == ""


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        (["reminder"], "there is no command 'reminder'; did you mean lowback reminders?"),
        (["remindrs", "on"], "did you mean lowback reminders?"),
        (["--database", "x.db", "progres"], "did you mean lowback progress?"),
        (["chta"], "did you mean lowback chat?"),
        (
            ["can", "I", "still", "deadlift?"],
            'To ask a question: lowback ask "can I still deadlift?"',
        ),
        (["is walking ok"], 'To ask a question: lowback ask "is walking ok"'),
        (["lowback"], "the commands are run, chat, ask,"),
    ],
)
def test_a_mistyped_command_or_a_bare_question_is_told_what_to_type(typed, says, capsys):
    with pytest.raises(SystemExit) as done:
        main(typed)
    said = capsys.readouterr()
    assert done.value.code == 2 and said.out == ""
    assert says in said.err and "invalid choice" not in said.err


def test_a_command_typed_in_capitals_is_that_command(capsys):
    """A phone's keyboard or a caps-lock types `lowback Privacy`; it is not refused."""
    assert main(["Privacy"]) == 0
    assert capsys.readouterr().out.startswith("Privacy\n")


def test_every_command_and_argument_says_what_it_is_in_its_help():
    import argparse

    from bot.terminal.parser import build_parser

    def parsers(parser):
        yield parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    for parser in parsers(build_parser()):
        unexplained = [
            action.dest
            for action in parser._actions
            if not action.help and not isinstance(action, argparse._SubParsersAction)
        ]
        assert unexplained == [], (parser.prog, unexplained)
        assert parser.description, parser.prog


def test_eval_json_and_table(tmp_path, capsys):
    questions = tmp_path / "q.yaml"
    questions.write_text(
        "- q: can i still deadlift\n  expect: deadlifts\n"
        "- q: my legs are numb between them and i cant control my bladder\n  expect: red_flag\n"
        "- q: what's the best graphics card for gaming\n  expect: no_match\n"
        "- q: how do i squat with back pain\n  expect: deadlifts\n",
        encoding="utf-8",
    )
    assert main(["eval", "--json", str(questions)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 4 and report["passed"] == 3
    assert report["topics"] == {"total": 2, "passed": 1, "interval": [0.0945, 0.9055]}
    assert report["red_flag"]["passed"] == 1 and report["no_match"]["passed"] == 1
    assert report["red_flag"]["interval"] == [
        0.2065,
        1.0,
    ]  # one of one says little: Wilson shows it
    assert report["false_red_flags"] == 0
    assert report["misses"][0]["expect"] == ["deadlifts"] and report["misses"][0]["got"].endswith(
        "squats"
    )
    assert main(["eval", str(questions)]) == 0
    assert "MISS" in capsys.readouterr().out
    # A held-out part is reported, not read: --totals leaves the missed questions out.
    assert main(["eval", "--totals", str(questions)]) == 0
    out = capsys.readouterr().out
    assert "overall" in out and "MISS" not in out and "squat with back pain" not in out
    assert main(["eval", "--totals", "--json", str(questions)]) == 0
    assert json.loads(capsys.readouterr().out)["misses"] == []


@pytest.mark.parametrize(
    "content, message",
    [
        ("- q: fine\n  expect: deadlifts\n- q: ''\n  expect: squats\n", "item 2"),
        ("- q: fine\n  expect: not-a-topic\n", "unknown topic id"),
        ("just text", "non-empty YAML list"),
        ("- [unclosed\n", "not valid YAML"),
    ],
)
def test_malformed_eval_file_names_the_item(tmp_path, capsys, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    assert main(["eval", str(path)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "content", [b"\xff\xfe- q: x\n", "- q: caf\u00e9\n  expect: deadlifts\n".encode("latin-1")]
)
def test_an_eval_file_that_is_not_utf8_is_one_line(tmp_path, capsys, content):
    path = tmp_path / "other.yaml"  # UTF-16, or Latin-1 from an old editor
    path.write_bytes(content)
    assert main(["eval", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not UTF-8 text" in err and "save it as UTF-8" in err


def test_chat_remembers_the_step_across_restarts(tmp_path):
    first = subprocess.run(
        LOWBACK + ["chat"],
        input="how do i do the booty flex\n/easy\nwhat's next?\n/quit\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path),
    )
    assert first.returncode == 0, first.stderr
    assert "Moved up to step 2" in first.stdout
    second = subprocess.run(
        LOWBACK + ["chat"],
        input="/progress\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path),
    )
    assert "You're on step 2 of 4" in second.stdout


def test_progress_and_mydata_commands(tmp_path):
    assert (
        subprocess.run(
            LOWBACK + ["progress", "--set", "3"], env=_env(tmp_path), capture_output=True
        ).returncode
        == 0
    )
    out = subprocess.run(
        LOWBACK + ["mydata", "--json"], env=_env(tmp_path), capture_output=True, text=True
    ).stdout
    data = json.loads(out)
    assert data["tables"]["people"][0]["step"] == 3
    gone = subprocess.run(
        LOWBACK + ["mydata", "--delete", "--yes"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert gone.returncode == 0 and "Deleted" in gone.stdout
    out = subprocess.run(
        LOWBACK + ["mydata", "--json"], env=_env(tmp_path), capture_output=True, text=True
    ).stdout
    assert all(rows == [] for rows in json.loads(out)["tables"].values())


def _env(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["LOWBACK_DATABASE"] = str(tmp_path / "cli.db")
    return env


def test_backup_invite_url_and_doctor_commands(tmp_path):
    env = _env(tmp_path)
    assert (
        subprocess.run(
            LOWBACK + ["progress", "--set", "2"], env=env, capture_output=True
        ).returncode
        == 0
    )
    copy = tmp_path / "copy.db"
    done = subprocess.run(LOWBACK + ["backup", str(copy)], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and copy.exists(), done.stderr
    again = subprocess.run(LOWBACK + ["backup", str(copy)], env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "Backup failed" in again.stderr  # never overwrites silently
    env_copy = dict(env, LOWBACK_DATABASE=str(copy))
    shown = subprocess.run(LOWBACK + ["progress"], env=env_copy, capture_output=True, text=True)
    assert "step 2 of 4" in shown.stdout
    url = subprocess.run(
        LOWBACK + ["invite-url"],
        env=dict(env, LOWBACK_CLIENT_ID="123456789012345678"),
        capture_output=True,
        text=True,
    )
    assert (
        url.returncode == 0
        and "client_id=123456789012345678" in url.stdout
        and "applications.commands" in url.stdout
    )
    assert subprocess.run(LOWBACK + ["invite-url"], env=env, capture_output=True).returncode == 2
    doctor = subprocess.run(
        LOWBACK + ["doctor", "--offline"], env=env, capture_output=True, text=True
    )
    assert (
        doctor.returncode == 1 and "token" in doctor.stdout.lower()
    )  # no token: says so and how to fix


def test_backup_to_a_dash_is_refused_instead_of_writing_a_file_called_dash(tmp_path):
    assert lowback(tmp_path, "progress", "--set", "2").returncode == 0
    dash = lowback(tmp_path, "backup", "-")
    assert dash.returncode == 2 and dash.stdout == ""
    assert "not to standard output: give it a file name" in dash.stderr
    assert not (tmp_path / "-").exists()


# -- shell manners -------------------------------------------------------------------------------


def lowback(tmp_path, *args, stdin=None):
    return subprocess.run(
        LOWBACK + list(args),
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        cwd=tmp_path,
    )


def test_ask_answers_for_the_saved_person_unless_a_step_is_given(tmp_path):
    assert lowback(tmp_path, "progress", "--set", "3").returncode == 0
    mine = lowback(tmp_path, "ask", "how do i do the booty flex")
    assert "you're past this one (you're on step 3" in mine.stdout
    other = lowback(tmp_path, "ask", "--step", "1", "how do i do the booty flex")
    assert "this is your step right now (step 1" in other.stdout
    assert (
        json.loads(lowback(tmp_path, "ask", "--json", "what's next after this").stdout)["step"] == 4
    )


def test_ask_dash_reads_the_question_from_standard_input(tmp_path):
    done = lowback(tmp_path, "ask", "-", stdin="can i still do\nRDLs?\n")
    assert done.returncode == 0 and "Deadlifts" in done.stdout
    empty = lowback(tmp_path, "ask", "-", stdin="   \n")
    assert empty.returncode == 2 and empty.stdout == "" and empty.stderr.count("\n") == 1
    assert "No question on standard input" in empty.stderr
    assert 'echo "can I still deadlift?" | lowback ask -' in empty.stderr


@pytest.mark.parametrize("args", [["ask", "-"], ["chat"]], ids=" ".join)
def test_stray_bytes_on_standard_input_are_replaced_and_the_question_answered(tmp_path, args):
    # As under a strict UTF-8 locale (en_US.UTF-8 on a desktop): a byte that is no UTF-8 at all.
    env = dict(_env(tmp_path), PYTHONIOENCODING="utf-8:strict")
    done = subprocess.run(
        LOWBACK + args,
        env=env,
        input=b"can i still do RDLs \xff?\n",
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    assert b"Deadlifts" in done.stdout


def test_ask_dash_typed_on_a_terminal_says_how_to_end_the_question(tmp_path):
    termios = pytest.importorskip("termios")
    from tests.support.terminal_pty import Terminal

    t = Terminal(["ask", "-"], tmp_path, extra_env={"LOWBACK_DATABASE": str(tmp_path / "t.db")})
    try:
        t.read_until("Ctrl-D", timeout=20)  # not a blank screen that looks like a hang
        t.press("can I still do RDLs?\r")
        t.press(chr(termios.CEOF))  # Ctrl-D
        t.read_until("Deadlifts", timeout=20)
        assert t.wait() == 0
    finally:
        t.close()


def _in_shell(script, args, tmp_path, cwd):
    """``lowback ARGS`` run by ``sh -c SCRIPT`` (the command is ``"$@"`` in it)."""
    return subprocess.run(
        ["sh", "-c", script, "sh", *LOWBACK, *args],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


@pytest.mark.parametrize("args", [["ask", "-"], ["chat"]], ids=" ".join)
def test_a_closed_standard_input_is_one_line_and_exit_2(tmp_path, args):
    done = _in_shell('exec "$@" <&-', args, tmp_path, tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "Standard input is closed" in done.stderr


@pytest.mark.parametrize(
    "args",
    [["progress", "--set", "3"], ["ask", "can I still deadlift?"], ["privacy"], ["chat"]],
    ids=" ".join,
)
def test_a_closed_standard_output_is_one_line_and_nothing_is_done(tmp_path, args):
    """`lowback progress --set 3 >&-`: the step was changed and then a traceback came, as the
    answer had nowhere to go (and some commands did their work and said nothing at all). Now
    nothing is done, and one line says why."""
    done = _in_shell('exec "$@" >&-', args, tmp_path, tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("Standard output is closed, so nothing could be shown")
    shown = _in_shell('exec "$@"', ["progress"], tmp_path, tmp_path)
    assert "You're on step 1 of 4" in shown.stdout  # --set 3 did not happen unseen


def test_the_bot_runs_with_a_closed_standard_output_and_logs_to_standard_error(tmp_path):
    done = _in_shell('exec "$@" >&-', ["run"], tmp_path, tmp_path)
    assert done.returncode == 2 and "No Discord token found" in done.stderr  # not refused for it


@pytest.mark.parametrize(
    "args", [["ask", "--json", "how do I do the booty flex"], ["eval", "knowledge/eval.yaml"]]
)
def test_output_cut_short_by_the_reader_is_no_traceback(tmp_path, args):
    """`lowback eval ... | head -c 10`: the reader closes the pipe after ten bytes; the command
    stops quietly, not with a traceback about a broken pipe."""
    done = _in_shell('"$@" | head -c 10', args, tmp_path, Path(__file__).resolve().parents[2])
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert len(done.stdout) == 10


def test_the_doctors_verdict_survives_a_reader_that_went_away(tmp_path, monkeypatch):
    """`set -o pipefail; lowback doctor | head -3` in a health check: the reader has gone before
    the doctor writes, and a doctor that found a problem must not exit 0 as if all were well."""
    import os

    from bot.terminal import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "lowback.db"))
    read, write = os.pipe()
    os.close(read)
    with open(write, "w", buffering=1, encoding="utf-8") as gone:
        monkeypatch.setattr(sys, "stdout", gone)
        assert cli.main(["doctor", "--offline"]) == 1  # DISCORD_TOKEN is not set


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
@pytest.mark.parametrize(
    "args", [["kb", "check"], ["privacy"], ["mydata", "--json"], ["ask", "can I still deadlift?"]]
)
def test_output_onto_a_full_disk_is_one_line_and_exit_1(tmp_path, args):
    """`lowback mydata --json > export.json` with the disk full."""
    done = _in_shell('"$@" > /dev/full', args, tmp_path, tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == "lowback: could not write the output: No space left on device\n"


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_output_the_encoding_cannot_hold_is_still_shown(tmp_path, encoding):
    """Under a Latin-1 locale (or PYTHONIOENCODING=ascii) the streak's squares cannot be written:
    they come out as "?", and the rest of the answer is not lost with them."""
    done = subprocess.run(
        [*LOWBACK, "progress"],
        env=dict(_env(tmp_path), PYTHONIOENCODING=encoding),
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    assert b"You're on step 1 of 4" in done.stdout and b"???????  current 0" in done.stdout


def test_ask_without_a_question_is_one_line_and_exit_2(tmp_path):
    done = lowback(tmp_path, "ask")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "lowback ask" in done.stderr


@pytest.mark.parametrize(
    "args", [[""], ["   "], ["", " "], ["\t\n"], ["--json", ""]], ids=lambda a: repr(" ".join(a))
)
def test_an_empty_question_is_told_how_to_ask_as_no_question_is(
    args, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "cli.db"))
    assert main(["ask"]) == 2
    bare = capsys.readouterr()

    code = main(["ask", *args])

    said = capsys.readouterr()
    assert code == 2 and said.out == ""
    assert said.err == bare.err  # how to ask, with an example
    assert 'lowback ask "can I still deadlift?"' in said.err
    assert "What I can help with" not in said.err


def test_piped_output_is_plain_text_with_shell_commands_for_the_actions(tmp_path):
    out = lowback(tmp_path, "progress").stdout
    assert "\x1b" not in out and "**" not in out
    assert (
        "Next: lowback progress --up (it's easy now) · lowback progress --hurts (it hurts)" in out
    )
    moved = lowback(tmp_path, "progress", "--up").stdout
    assert (
        "If the new move tugs your low back, type lowback progress --hurts and you'll go back a step."
        in moved
    )
    data = lowback(tmp_path, "mydata").stdout
    assert "lowback mydata --delete" in data and "/mydata" not in data


def test_mydata_words_its_hints_for_the_terminal_and_privacy_shows_the_notice(tmp_path):
    """Once, `lowback mydata` ended with Discord's "Use the delete option..." under its own
    --delete line, and sent people to a PRIVACY.md that an installed wheel does not have."""
    assert lowback(tmp_path, "progress", "--set", "2").returncode == 0
    data = lowback(tmp_path, "mydata").stdout
    assert "lowback mydata --delete removes all of it at once; nothing is kept afterwards." in data
    assert "option" not in data and "PRIVACY.md" not in data
    assert "The privacy notice says what is kept, why, and for how long: lowback privacy." in data
    notice = lowback(tmp_path, "privacy")
    assert notice.returncode == 0 and notice.stdout.startswith("Privacy\n")
    assert "What is stored about you" in notice.stdout
    assert "In the terminal: lowback mydata --delete" in notice.stdout


def test_reminders_take_positional_words_and_errors_exit_non_zero(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "cli.db"))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)

    def reminders(*words: str):
        capsys.readouterr()
        try:
            code = main(["reminders", *words])
        except SystemExit as done:  # argparse's own refusals
            code = done.code
        return code, capsys.readouterr()

    code, off = reminders()
    assert code == 0
    assert "Turn them on with: lowback reminders on Europe/Berlin 7:30 21:30" in off.out
    code, on = reminders("on", "Europe/Berlin", "7:30", "21:30")
    assert code == 0 and "07:30 and 21:30" in on.out and "Europe/Berlin" in on.out
    # as it is said; once "'at 7am and at 9pm' is not a time of day"
    code, at = reminders("on", "Europe/Berlin", "at", "7am", "and", "at", "9pm")
    assert code == 0 and "Reminders are on: 07:00 and 21:00, every day (Europe/Berlin" in at.out
    for args, says in [
        (("on", "Mars/Olympus", "7:30"), "Mars/Olympus"),
        (("on", "Europe/Berlin", "25:99"), "25:99"),
        (("pause", "soon"), "lowback reminders pause takes a whole number of days, not 'soon'"),
        (("pause", "²"), "Pause for a whole number of days, 1 to 365."),
        (("pause", "0.0001"), "Pause for a whole number of days, 1 to 365."),
        (("pause", "--days", "0"), "Pause for a whole number of days, 1 to 365."),
        (("snooze", "¹"), "Snooze for a whole number of minutes, 1 to 720."),
        (("dance",), "invalid choice"),
    ]:
        code, bad = reminders(*args)
        assert code == 2, args
        assert says in bad.err and bad.out == "", args
        assert "Traceback" not in bad.err
    assert "Reminders are on" in reminders()[1].out  # not paused by any of that
    code, paused = reminders("pause", "3")
    assert code == 0 and "paused until" in paused.out
    assert "Reminders are on" in reminders("on")[1].out  # the times are kept


def test_reminders_read_zones_with_digits_accents_and_24_hour_hours(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "cli.db"))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)

    def reminders(*words: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["reminders", *words])
        said = capsys.readouterr()
        return code, said.out + said.err

    offset = "is a UTC offset, and offsets don't follow daylight saving. Give your city or region"
    for words, says in [
        (("on", "UTC+2", "7:30"), f"'UTC+2' {offset}"),
        (("on", "GMT-5", "7pm"), f"'GMT-5' {offset}"),
        (("on", "Etc/GMT+5", "7:30"), "'Etc/GMT+5' is UTC-5, not UTC+5"),
        (("on", "--timezone", "Etc/GMT+5", "--times", "7:30"), "'Etc/GMT+5' is UTC-5, not UTC+5"),
        (("on", "Europe/London", "7"), "Say 7am or 7pm, or use 24-hour time: 07:00 or 19:00."),
    ]:
        code, said = reminders(*words)
        assert code == 2 and says in said, (words, said)
    assert (
        "Places on UTC+2 for all or part of the year: Europe/Berlin"
        in reminders("on", "UTC+2", "7:30")[1]
    )
    for words, says in [
        (("on", "EST5EDT", "7:30"), "07:30, every day (EST5EDT time)"),
        (("on", "UTC+2", "7:30"), "'UTC+2' " + offset),  # a zone is known now: still the same
        (("on", "Europe/London", "19"), "19:00, every day (Europe/London time)"),
        (("on", "Europe/London", "13"), "13:00, every day"),
        (("on", "Europe/London", "0"), "00:00, every day"),
        (("on", "Europe/London", "730"), "07:30, every day"),
        (("on", "Europe/London", "19h"), "19:00, every day"),
        (("on", "Europe/London", "07:30:00"), "07:30, every day"),
        (("on", "--timezone", "São Paulo", "--times", "7:30"), "(America/Sao_Paulo time)"),
        (("on", "Reykjavík", "7:30"), "(Atlantic/Reykjavik time)"),
        (("on", "Paris,", "France", "7:30"), "(Europe/Paris time)"),
    ]:
        code, said = reminders(*words)
        assert says in said, (words, said)


def test_reminder_options_that_clash_with_the_words_change_nothing_and_say_why(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LOWBACK_DATABASE", str(tmp_path / "cli.db"))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)

    def reminders(*words: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["reminders", *words])
        said = capsys.readouterr()
        return code, said.out + said.err

    assert reminders("on", "Europe/Berlin", "7:30")[0] == 0
    for words, says in [
        (
            ("on", "Asia/Tokyo", "9:00", "--timezone", "America/New_York"),
            "Two time zones given, 'Asia/Tokyo' and --timezone 'America/New_York': give one.",
        ),
        (
            ("on", "Asia/Tokyo", "9:00", "--times", "6:00"),
            "Two sets of times given, '9:00' and --times '6:00': give one.",
        ),
        (("pause", "3", "--days", "5"), "Two pauses given, '3' and --days 5: give one."),
        (("off", "--days", "5"), "--days goes with `lowback reminders pause`"),
        (("snooze", "--days", "2"), "--days goes with `lowback reminders pause`"),
        (("show", "--timezone", "Asia/Tokyo"), "--timezone goes with `lowback reminders on`"),
        (("pause", "--times", "9:00"), "--times goes with `lowback reminders on`"),
    ]:
        code, said = reminders(*words)
        assert code == 2 and says in said, (words, said)
    code, shown = reminders("show")
    assert "07:30, every day (Europe/Berlin time)" in shown and "paused" not in shown
    # Said once in the words and once as an option, or split between them, is no clash.
    assert (
        "09:00, every day (Asia/Tokyo time)"
        in reminders("on", "asia/tokyo", "9:00", "--timezone", "Asia/Tokyo")[1]
    )
    assert (
        "06:00, every day (Asia/Tokyo time)"
        in reminders("on", "6:00", "--timezone", "Asia/Tokyo")[1]
    )
    assert "paused until" in reminders("pause", "2", "--days", "2")[1]


def test_mydata_refuses_an_export_and_a_deletion_at_once_and_keeps_everything(tmp_path):
    assert lowback(tmp_path, "progress", "--set", "3").returncode == 0
    both = lowback(tmp_path, "mydata", "--json", "--delete", "--yes")
    assert both.returncode == 2 and "not allowed with" in both.stderr and both.stdout == ""
    assert "step 3 of 4" in lowback(tmp_path, "progress").stdout


def test_a_broken_knowledge_base_or_database_is_one_clear_message_and_exit_1(tmp_path):
    broken = tmp_path / "kb"
    broken.mkdir()
    env = dict(_env(tmp_path), LOWBACK_KNOWLEDGE=str(broken))
    done = subprocess.run(
        LOWBACK + ["ask", "hi"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "problem(s)" in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "dir.db").mkdir()
    env = dict(_env(tmp_path), LOWBACK_DATABASE=str(tmp_path / "dir.db"))
    done = subprocess.run(
        LOWBACK + ["ask", "hi"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (
        done.returncode == 1
        and "Can't use the database" in done.stderr
        and "Traceback" not in done.stderr
    )


@pytest.mark.parametrize(
    "args", [["invite-url"], ["ask", "can i deadlift"], ["kb", "check"], ["mydata", "--json"]]
)
def test_commands_load_only_what_they_need(tmp_path, args):
    probe = (
        "import sys; from bot.terminal.cli import main; code = main(sys.argv[1:]); "
        "print(sorted(m for m in ('discord', 'aiohttp', 'rich.markdown', 'bot.services.reminders', "
        "'bot.services.routines') if m in sys.modules))"
    )
    env = dict(_env(tmp_path), LOWBACK_CLIENT_ID="123456789012345678")
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_knowledge_base_comes_from_the_installed_package():
    from importlib import resources

    from bot.settings import DEFAULT_KNOWLEDGE, Settings

    assert Path(str(resources.files("bot.knowledge"))) == DEFAULT_KNOWLEDGE
    assert (DEFAULT_KNOWLEDGE / "safety.yaml").is_file()
    assert Settings.from_env(environ={}, dotenv=None).knowledge == DEFAULT_KNOWLEDGE
    assert Settings.from_env(
        environ={"LOWBACK_KNOWLEDGE": "/srv/kb"}, dotenv=None
    ).knowledge == Path("/srv/kb")


def test_doctor_advises_unsetting_the_knowledge_setting_only_when_it_is_used(tmp_path):
    from bot.ops.doctor import check_knowledge
    from bot.settings import DEFAULT_KNOWLEDGE

    assert check_knowledge(DEFAULT_KNOWLEDGE).ok
    own = tmp_path / "kb"
    own.mkdir()
    assert "unset LOWBACK_KNOWLEDGE" in check_knowledge(own).fix


# Ctrl-C while the database is still being opened: SQLite's connection is made in a thread of its
# own, which here takes 0.3 s after the interrupt arrives, as on a slow disk.
CTRL_C_WHILE_OPENING = """
import os, signal, sqlite3, sys, time
real = sqlite3.connect
def slow_connect(*args, **kwargs):
    sqlite3.connect = real
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(1.5)  # the main thread has this long to take the Ctrl-C, however busy the machine
    return real(*args, **kwargs)
sqlite3.connect = slow_connect
from bot.terminal.cli import main
sys.exit(main(sys.argv[1:]))
"""


CTRL_C_BEFORE_THE_LOOP = """
import asyncio, sys
def interrupted(coroutine, **kwargs):
    raise KeyboardInterrupt  # Ctrl-C just as the command starts, before its event loop runs
asyncio.run = interrupted
from bot.terminal.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("args", [["chat"], ["ask", "hi"]])
def test_ctrl_c_as_a_command_starts_exits_130_without_a_warning(tmp_path, args):
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_BEFORE_THE_LOOP, *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 130
    assert done.stderr == "\n"  # not "RuntimeWarning: coroutine ... was never awaited"


@pytest.mark.parametrize("args", [["chat"], ["progress"]])
def test_ctrl_c_while_the_database_opens_exits_130_without_a_traceback(tmp_path, args):
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["LOWBACK_DATABASE"] = str(tmp_path / "cli.db")
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_WHILE_OPENING, *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr, done.stderr
    assert done.stdout == ""


def test_a_red_flag_in_the_chat_holds_the_reminders_for_a_day_and_says_so(tmp_path):
    chat = subprocess.run(
        LOWBACK + ["chat"],
        input=(
            "/reminders on Europe/Berlin 7:30\n"
            "numb between my legs and my leg is getting weaker\n"
            "/reminders show\n/quit\n"
        ),
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path),
    )
    assert chat.returncode == 0, chat.stderr
    answer, shown = chat.stdout.split("paused your routine reminders until", 1)
    assert "emergency" in answer.lower()
    assert "/reminders on" in shown and "paused until" in shown.lower()


def test_database_and_knowledge_typed_after_the_command_are_used(tmp_path, capsys):
    # `lowback progress --set 3 --database mine.db`, as most tools take their options.
    mine, theirs = tmp_path / "mine.db", tmp_path / "theirs.db"
    assert main(["progress", "--set", "3", "--database", str(mine)]) == 0
    assert main(["--database", str(theirs), "progress", "--set", "2"]) == 0
    capsys.readouterr()
    assert main(["mydata", "--json", "--database", str(mine)]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["people"][0]["step"] == 3
    # Typed before the command, an option is not undone by the command's own parsing.
    assert main(["--database", str(theirs), "mydata", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["people"][0]["step"] == 2
    assert main(["kb", "check", "--knowledge", str(tmp_path)]) == 1
    assert f"The knowledge base in {tmp_path} has" in capsys.readouterr().err


def test_database_given_both_before_and_after_the_command_with_two_values_is_refused(
    tmp_path, capsys
):
    mine, theirs = tmp_path / "mine.db", tmp_path / "theirs.db"
    with pytest.raises(SystemExit) as stopped:
        main(["--database", str(mine), "progress", "--set", "3", "--database", str(theirs)])
    assert stopped.value.code == 2
    assert f"--database is given twice, as {mine} and {theirs}" in capsys.readouterr().err
    assert not mine.exists() and not theirs.exists()
