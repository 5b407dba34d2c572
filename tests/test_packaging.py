"""The wheel, built from exactly what the Docker image's build copies: it builds without a
warning from setuptools, says its licence the current way (an SPDX expression and the licence
files), and carries every data file the bot reads at run time.

``scripts/check-wheel`` (run by ``.ci/run``) installs such a wheel outside the checkout and asks it
a question; this test looks inside the wheel. Building needs the package index (for setuptools).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.test_deploy import DOCKERFILE, ROOT, copy_sources, dockerfile_instructions, stages


def copy_of_the_sources(context: Path) -> Path:
    """The files the Docker build copies, copied into ``context``."""
    build_stage = stages(dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8")))[0]
    for source in copy_sources(build_stage):
        path = ROOT / source
        if path.is_dir():
            shutil.copytree(path, context / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (context / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, context / source)
    return context


def build_wheel(context: Path, dist: Path) -> tuple[zipfile.ZipFile, str]:
    """(the wheel built from ``context`` into ``dist``, everything the build printed)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--wheel-dir", str(dist), "."],
        cwd=context,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = dist.glob("*.whl")
    return zipfile.ZipFile(wheel), done.stdout + done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[zipfile.ZipFile, str]:
    """(the wheel, everything the build printed) for a copy of the Docker build's sources."""
    context = copy_of_the_sources(tmp_path_factory.mktemp("context"))
    return build_wheel(context, tmp_path_factory.mktemp("dist"))


def test_a_file_renamed_since_the_last_build_is_not_installed_twice(tmp_path: Path) -> None:
    """The upgrade the README gives for systemd (git pull, then pip install . again, in the same
    checkout): a knowledge file renamed upstream was installed under both names, the old one
    left in the checkout's build/ folder by the install before, and the bot refused to start
    ("duplicate topic id"); a renamed migration would stop it the same way."""
    context = copy_of_the_sources(tmp_path / "checkout")
    build_wheel(context, tmp_path / "before")
    (context / "knowledge" / "topics" / "why.yaml").rename(
        context / "knowledge" / "topics" / "why-it-hurts.yaml"
    )
    wheel, _ = build_wheel(context, tmp_path / "after")
    topics = sorted(
        name.rsplit("/", 1)[1]
        for name in wheel.namelist()
        if name.startswith("bot/knowledge/topics/")
    )
    assert topics == sorted(p.name for p in (context / "knowledge" / "topics").glob("*.yaml"))
    assert "why.yaml" not in topics


def test_the_build_prints_no_warning_from_setuptools(built: tuple[zipfile.ZipFile, str]) -> None:
    """Once, every install printed some 60 lines of them, one with a deadline (2027-Feb-18) after
    which the old licence table would no longer build."""
    _, output = built
    warnings = [
        line.strip()
        for line in output.splitlines()
        if re.search(r"\w+Warning: ", line) and "Location 'file" not in line
    ]
    assert warnings == []


def test_the_licence_is_an_spdx_expression_with_its_files(
    built: tuple[zipfile.ZipFile, str],
) -> None:
    wheel, _ = built
    (meta,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    metadata = Parser().parsestr(wheel.read(meta).decode("utf-8"))
    assert metadata["License-Expression"] == "MIT AND Apache-2.0"
    assert metadata["License"] is None  # the deprecated free-text field
    assert sorted(metadata.get_all("License-File")) == [
        "LICENSE",
        "bot/models/minilm-static/LICENSE",
        "bot/models/minilm-topics/LICENSE",
    ]
    licences = {
        n.split(".dist-info/licenses/", 1)[1] for n in wheel.namelist() if "/licenses/" in n
    }
    assert licences == {
        "LICENSE",
        "bot/models/minilm-static/LICENSE",
        "bot/models/minilm-topics/LICENSE",
    }
    assert "MIT License" in wheel.read(meta.replace("METADATA", "licenses/LICENSE")).decode()


def test_every_data_file_the_bot_reads_is_in_the_wheel(built: tuple[zipfile.ZipFile, str]) -> None:
    wheel, _ = built
    names = set(wheel.namelist())
    expected = {
        *(
            f"bot/store/{p.relative_to(ROOT / 'bot/store').as_posix()}"
            for p in (ROOT / "bot/store/migrations").glob("*.sql")
        ),
        *(
            f"bot/{p.relative_to(ROOT / 'bot').as_posix()}"
            for p in (ROOT / "bot/models").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ),
        "bot/core/data/zone_aliases.yaml",
        "bot/PRIVACY.md",  # `lowback privacy` shows it
        "bot/knowledge/topics/avoid.yaml",
        "bot/knowledge/eval/real-test.yaml",
    }
    assert sorted(expected - names) == []
