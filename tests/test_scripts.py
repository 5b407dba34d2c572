"""scripts/start and scripts/test choose a Python that can run the bot and mend a bad .venv.

They share ``scripts/_python.sh``; its ``ensure_venv`` is run here in bash, with a PATH that holds
only the interpreters each case needs: real ones (this one, and an older Python where the machine
has one), plus what stands in for two real situations, a pyenv shim of a version that is not
installed (on the PATH, but it does not run) and a Debian Python without its venv module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON_SH = ROOT / "scripts" / "_python.sh"
GOOD = Path(sys._base_executable).resolve()  # this Python, outside any virtual environment


def version_of(python: Path | str) -> tuple[int, int, int] | None:
    try:
        done = subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    major, minor, micro = map(int, done.stdout.split())
    return major, minor, micro


def older_python() -> Path | None:
    """A real Python older than 3.11 that can make a virtual environment, if this machine has one."""
    found = [shutil.which(f"python3.{minor}") for minor in (10, 9, 8)]
    # Installed beside this one (pyenv's versions/3.x.y/bin, and the like), or in pyenv's folder.
    for versions in (GOOD.parents[2], Path(os.environ.get("PYENV_ROOT", "~/.pyenv")).expanduser()):
        found += sorted(map(str, versions.glob("3.[0-9]*/bin/python3.[0-9]")))
    found += [f"/usr/bin/python3.{minor}" for minor in (10, 9, 8)]
    for candidate in filter(None, found):
        version = version_of(candidate)
        if version is not None and (3, 8) <= version < (3, 11):
            return Path(candidate)
    return None


OLD = older_python()
needs_old = pytest.mark.skipif(
    OLD is None, reason="no Python older than 3.11 on this machine (pyenv install 3.10 gives one)"
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """A folder that is the whole PATH: ``rm`` only, until a case links interpreters into it."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "rm").symlink_to(shutil.which("rm") or "/bin/rm")
    return folder


def link(folder: Path, name: str, python: Path) -> None:
    (folder / name).symlink_to(python)


def script(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text("#!/bin/sh\n" + text)
    (folder / name).chmod(0o755)


def ensure_venv(venv: Path, path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("bash") or "/bin/bash", "-c", '. "$0" && ensure_venv "$1"', PYTHON_SH, venv],
        env={"PATH": str(path), "HOME": os.environ.get("HOME", "/"), **env},
        capture_output=True,
        text=True,
        timeout=180,
    )


def has_pip(venv: Path) -> bool:
    done = subprocess.run([venv / "bin" / "python", "-m", "pip", "--version"], capture_output=True)
    return done.returncode == 0


@needs_old
def test_a_venv_of_an_older_python_is_made_again_with_a_suitable_one(
    tmp_path: Path, path: Path
) -> None:
    """Once, a .venv made with Python 3.10 gave "requires a different Python" on every run."""
    venv = tmp_path / ".venv"
    subprocess.run([OLD, "-m", "venv", "--without-pip", venv], check=True)
    old = ".".join(map(str, version_of(venv / "bin" / "python") or ()))
    link(path, "python3", GOOD)
    done = ensure_venv(venv, path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"Making {venv} again: it was made with Python {old}, and lowback-bot needs 3.11 or newer."
    )
    assert version_of(venv / "bin" / "python") >= (3, 11) and has_pip(venv)


def test_a_venv_without_pip_is_made_again(tmp_path: Path, path: Path) -> None:
    """Once, such a .venv gave "No module named pip" on every run."""
    venv = tmp_path / ".venv"
    subprocess.run([GOOD, "-m", "venv", "--without-pip", venv], check=True)
    link(path, "python3", GOOD)
    done = ensure_venv(venv, path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == f"Making {venv} again: it has no pip."
    assert has_pip(venv)


def test_a_venv_whose_python_is_gone_is_made_again(tmp_path: Path, path: Path) -> None:
    venv = tmp_path / ".venv"
    subprocess.run([GOOD, "-m", "venv", "--without-pip", venv], check=True)
    (venv / "bin" / "python").unlink()
    (venv / "bin" / "python").symlink_to(tmp_path / "removed" / "python3.11")
    link(path, "python3", GOOD)
    done = ensure_venv(venv, path)
    assert done.returncode == 0 and "it has no Python" in done.stderr
    assert has_pip(venv)


def test_a_venv_left_behind_by_a_moved_checkout_is_made_again(tmp_path: Path, path: Path) -> None:
    """`mv lowback-bot ~/projects/` after the first `scripts/start`: every run then stopped with
    ".venv/bin/lowback: cannot execute: required file not found", as the venv's scripts name the
    Python of the folder it was made in."""
    subprocess.run([GOOD, "-m", "venv", tmp_path / "before" / ".venv"], check=True)
    (tmp_path / "before").rename(tmp_path / "after")
    venv = tmp_path / "after" / ".venv"
    link(path, "python3", GOOD)
    done = ensure_venv(venv, path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"Making {venv} again: it was made in another folder (was the checkout moved or renamed?)."
    )
    ran = subprocess.run([venv / "bin" / "pip", "--version"], capture_output=True, text=True)
    assert ran.returncode == 0 and str(venv) in ran.stdout


def test_a_good_venv_is_kept_as_it_is(tmp_path: Path, path: Path) -> None:
    venv = tmp_path / ".venv"
    subprocess.run([GOOD, "-m", "venv", venv], check=True)
    (venv / "installed-before").touch()
    done = ensure_venv(venv, path)  # no interpreter on the PATH: none is needed
    assert done.returncode == 0 and done.stderr == ""
    assert (venv / "installed-before").exists()


@needs_old
def test_when_python3_is_too_old_a_newer_one_is_found_by_its_versioned_name(
    tmp_path: Path, path: Path
) -> None:
    venv = tmp_path / ".venv"
    link(path, "python3", OLD)
    script(path, "python3.13", 'echo "pyenv: python3.13: command not found" >&2; exit 127\n')
    link(path, "python3.11", GOOD)
    done = ensure_venv(venv, path)
    assert done.returncode == 0, done.stderr
    assert version_of(venv / "bin" / "python")[:2] == version_of(GOOD)[:2]


@needs_old
def test_with_no_suitable_python_it_says_what_to_install_and_keeps_what_is_there(
    tmp_path: Path, path: Path
) -> None:
    venv = tmp_path / ".venv"
    subprocess.run([OLD, "-m", "venv", "--without-pip", venv], check=True)
    link(path, "python3", OLD)
    script(path, "python3.12", 'echo "pyenv: python3.12: command not found" >&2; exit 127\n')
    old = ".".join(map(str, version_of(OLD) or ()))
    done = ensure_venv(venv, path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[:2] == [
        "lowback-bot needs Python 3.11 or newer, with its venv module, and none was found.",
        f"Found: python3 {old} (too old).",
    ]
    assert "  Debian or Ubuntu: sudo apt install python3.11 python3.11-venv" in lines
    assert "  anything else: https://www.python.org/downloads/" in lines
    assert "LOWBACK_PYTHON=/path/to/python3.12" in lines[-1]
    assert (venv / "bin" / "python").exists(), "nothing better to put in its place"


def test_a_python_without_its_venv_module_is_named_with_the_package_to_install(
    tmp_path: Path, path: Path
) -> None:
    """As on Debian or Ubuntu without python3.X-venv: `import ensurepip` fails."""
    hidden = tmp_path / "no-ensurepip"
    (hidden / "ensurepip").mkdir(parents=True)
    (hidden / "ensurepip" / "__init__.py").write_text(
        "raise ImportError('ensurepip is disabled')\n"
    )
    script(path, "python3", f'PYTHONPATH="{hidden}" exec "{GOOD}" "$@"\n')
    minor = ".".join(map(str, version_of(GOOD)[:2]))
    done = ensure_venv(tmp_path / ".venv", path)
    assert done.returncode == 1
    assert "(without its venv module)" in done.stderr
    assert f"on Debian or Ubuntu, sudo apt install python{minor}-venv" in done.stderr
    assert not (tmp_path / ".venv").exists()


def test_lowback_python_names_the_interpreter(tmp_path: Path, path: Path) -> None:
    venv = tmp_path / ".venv"
    done = ensure_venv(venv, path, LOWBACK_PYTHON=str(GOOD))
    assert done.returncode == 0, done.stderr
    assert has_pip(venv)
    missing = ensure_venv(tmp_path / "other", path, LOWBACK_PYTHON=str(tmp_path / "nope"))
    assert missing.returncode == 1 and f"LOWBACK_PYTHON={tmp_path / 'nope'}" in missing.stderr


def test_the_readme_commands_use_the_shared_interpreter_choice() -> None:
    venv_sh = (ROOT / "scripts" / "_venv.sh").read_text(encoding="utf-8")
    assert '. "$root/scripts/_python.sh"' in venv_sh and 'ensure_venv "$venv"' in venv_sh
    assert "python3 -m venv" not in venv_sh
    for name in ("start", "test", "check"):
        assert '. "$(dirname "$0")/_venv.sh"' in (ROOT / "scripts" / name).read_text()
    check_wheel = (ROOT / "scripts" / "check-wheel").read_text(encoding="utf-8")
    assert "ensure_venv" in check_wheel and "python3 -m" not in check_wheel


# -- scripts/start without a token, as the README's first command meets a newcomer ----------------


def _no_token_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "LOWBACK_STARTED_AS")}
    env["LOWBACK_DATABASE"] = str(tmp_path / "start.db")
    return env


def test_without_a_token_the_help_names_the_env_file_it_reads(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        env=_no_token_env(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert f"in the .env file of the folder it starts in, here {tmp_path / '.env'}" in done.stderr
    assert "`lowback invite-url`" in done.stderr and "`lowback chat`" in done.stderr
    # Started in a folder deleted since: the same help, without the file's place.
    gone = subprocess.run(
        ["sh", "-c", 'mkdir gone && cd gone && rmdir ../gone && exec "$@"', "sh", sys.executable]
        + ["-m", "bot"],
        env={**_no_token_env(tmp_path), "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert gone.returncode == 2 and "Traceback" not in gone.stderr
    assert "in the .env file of the folder it starts in\n" in gone.stderr


def _start_would_install() -> bool:
    stamp = ROOT / ".venv" / ".installed"
    return not stamp.is_file() or any(
        (ROOT / name).stat().st_mtime > stamp.stat().st_mtime
        for name in ("pyproject.toml", "setup.py")
    )


def _checkout_settings() -> list[str]:
    """The settings in the checkout's own .env, which scripts/start reads wherever it is typed: a
    developer's token there would start the Discord bot, their database would be written to."""
    from bot.dotenv import read_dotenv

    return sorted(read_dotenv(ROOT / ".env"))


def _skip_unless_start_runs_as_on_a_fresh_clone() -> None:
    if _start_would_install():  # never while tests run from .venv; scripts/test installs it whole
        pytest.skip("scripts/start would install the project into .venv first")
    if settings := _checkout_settings():
        pytest.skip(f"the checkout's .env sets {', '.join(settings)}, which scripts/start reads")


def test_scripts_start_without_a_token_names_commands_that_can_be_typed(tmp_path: Path) -> None:
    """A fresh clone has no `lowback` on the PATH: the help names scripts/start as it was typed,
    and the .env file it reads, which is the checkout's (scripts/start starts there)."""
    _skip_unless_start_runs_as_on_a_fresh_clone()
    start = ROOT / "scripts" / "start"
    done = subprocess.run(
        ["bash", str(start)],
        env=_no_token_env(tmp_path),
        cwd=tmp_path,  # started from another folder
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert f"`{start} invite-url`" in done.stderr and f"`{start} chat`" in done.stderr
    assert "`lowback" not in done.stderr
    assert f"in the .env file of the folder it starts in, here {ROOT / '.env'}" in done.stderr


def test_scripts_start_from_another_folder_finds_the_files_named_there(tmp_path: Path) -> None:
    """It runs in the checkout (for its .env), but a file typed on its command line is where it
    was typed: the questions to judge, the database given with --database, the backup."""
    _skip_unless_start_runs_as_on_a_fresh_clone()
    (tmp_path / "my-questions.yaml").write_text(
        "- q: can I still deadlift?\n  expect: deadlifts\n", encoding="utf-8"
    )
    env = _no_token_env(tmp_path)
    del env["LOWBACK_DATABASE"]

    def start(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(ROOT / "scripts" / "start"), *args],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    judged = start("eval", "my-questions.yaml", "--totals")
    assert judged.returncode == 0, judged.stderr
    assert "overall          1      1  100.0%" in judged.stdout  # its one question, answered
    assert start("--database", "mine.db", "progress", "--set", "3").returncode == 0
    backed = start("--database", "mine.db", "backup", "copy.db")
    assert backed.returncode == 0, backed.stderr
    assert (tmp_path / "mine.db").is_file() and (tmp_path / "copy.db").is_file()
    assert not (ROOT / "mine.db").exists() and not (ROOT / "copy.db").exists()
    # A path set in the shell is where it was typed too.
    env["LOWBACK_DATABASE"] = "from-the-shell.db"
    assert start("progress", "--set", "2").returncode == 0
    assert (tmp_path / "from-the-shell.db").is_file()
    assert not (ROOT / "from-the-shell.db").exists()
