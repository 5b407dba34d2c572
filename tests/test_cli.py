"""The `lowback` command as a newcomer meets it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.cli import main

LOWBACK = [sys.executable, "-m", "bot"]


def run(args, *, env_extra=None, tmp_path=None, stdin=subprocess.DEVNULL):
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    if tmp_path is not None:
        env["LOWBACK_DATABASE"] = str(tmp_path / "cli.db")
    env.update(env_extra or {})
    return subprocess.run(LOWBACK + args, capture_output=True, text=True, env=env, stdin=stdin, timeout=60,
                          cwd=tmp_path or None)


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
    assert report["red_flag"]["interval"] == [0.2065, 1.0]  # one of one says little: Wilson shows it
    assert report["false_red_flags"] == 0
    assert report["misses"][0]["expect"] == ["deadlifts"] and report["misses"][0]["got"].endswith("squats")
    assert main(["eval", str(questions)]) == 0
    assert "MISS" in capsys.readouterr().out


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


def test_chat_remembers_the_step_across_restarts(tmp_path):
    first = subprocess.run(
        LOWBACK + ["chat"], input="how do i do the booty flex\n/easy\nwhat's next?\n/quit\n", capture_output=True,
        text=True, timeout=60, env=_env(tmp_path))
    assert first.returncode == 0, first.stderr
    assert "Moved up to step 2" in first.stdout
    second = subprocess.run(LOWBACK + ["chat"], input="/progress\n", capture_output=True, text=True, timeout=60,
                            env=_env(tmp_path))
    assert "You're on step 2 of 4" in second.stdout


def test_progress_and_mydata_commands(tmp_path):
    assert subprocess.run(LOWBACK + ["progress", "--set", "3"], env=_env(tmp_path), capture_output=True).returncode == 0
    out = subprocess.run(LOWBACK + ["mydata", "--json"], env=_env(tmp_path), capture_output=True, text=True).stdout
    data = json.loads(out)
    assert data["tables"]["people"][0]["step"] == 3
    gone = subprocess.run(LOWBACK + ["mydata", "--delete", "--yes"], env=_env(tmp_path), capture_output=True, text=True)
    assert gone.returncode == 0 and "Deleted" in gone.stdout
    out = subprocess.run(LOWBACK + ["mydata", "--json"], env=_env(tmp_path), capture_output=True, text=True).stdout
    assert all(rows == [] for rows in json.loads(out)["tables"].values())


def _env(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    env["LOWBACK_DATABASE"] = str(tmp_path / "cli.db")
    return env


def test_backup_invite_url_and_doctor_commands(tmp_path):
    env = _env(tmp_path)
    assert subprocess.run(LOWBACK + ["progress", "--set", "2"], env=env, capture_output=True).returncode == 0
    copy = tmp_path / "copy.db"
    done = subprocess.run(LOWBACK + ["backup", str(copy)], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and copy.exists(), done.stderr
    again = subprocess.run(LOWBACK + ["backup", str(copy)], env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "Backup failed" in again.stderr  # never overwrites silently
    env_copy = dict(env, LOWBACK_DATABASE=str(copy))
    shown = subprocess.run(LOWBACK + ["progress"], env=env_copy, capture_output=True, text=True)
    assert "step 2 of 4" in shown.stdout
    url = subprocess.run(LOWBACK + ["invite-url"], env=dict(env, LOWBACK_CLIENT_ID="123456789012345678"),
                         capture_output=True, text=True)
    assert url.returncode == 0 and "client_id=123456789012345678" in url.stdout and "applications.commands" in url.stdout
    assert subprocess.run(LOWBACK + ["invite-url"], env=env, capture_output=True).returncode == 2
    doctor = subprocess.run(LOWBACK + ["doctor", "--offline"], env=env, capture_output=True, text=True)
    assert doctor.returncode == 1 and "token" in doctor.stdout.lower()  # no token: says so and how to fix
