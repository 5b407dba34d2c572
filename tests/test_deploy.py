"""The deployment files: Docker image and build context, Compose file, systemd unit, example settings.

These tests read the files, so they run without a container engine: everything the Dockerfile copies
exists in the build context and is not excluded by .dockerignore, and its health check command
really works. ``deploy/check-image.sh`` builds and runs the image itself where Docker or Podman is
installed; here it is only checked for what it relies on.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from bot.ops.heartbeat import heartbeat_path, touch_heartbeat
from bot.setting_names import SETTINGS
from bot.settings import DEFAULT_KNOWLEDGE, PostgresURL, Settings, read_dotenv
from bot.terminal import cli

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
UNIT = DEPLOY / "lowback.service"
ENV_EXAMPLE = DEPLOY / ".env.example"
REQUIREMENTS = DEPLOY / "requirements.txt"
RUN_DOC = ROOT / "README.md"  # its "Run it for real" section


# -- reading a Dockerfile -----------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def split_args(rest: str) -> list[str]:
    """Arguments of COPY/CMD/...: the JSON (exec) form or the shell-words form."""
    if rest.startswith("["):
        return json.loads(rest)
    return shlex.split(rest)


def stages(instructions: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions:
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, rest))
    return found


def copy_sources(instructions: list[tuple[str, str]]) -> list[str]:
    """Every path COPY/ADD takes from the build context (not from another stage)."""
    sources: list[str] = []
    for keyword, rest in instructions:
        if keyword not in ("COPY", "ADD"):
            continue
        words = split_args(rest)
        flags = [w for w in words if w.startswith("--")]
        if any(f.startswith("--from=") for f in flags):
            continue
        paths = [w for w in words if not w.startswith("--")]
        assert len(paths) >= 2, f"{keyword} {rest}: needs a source and a destination"
        sources.extend(paths[:-1])
    return sources


def env_of(stage: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, rest in stage:
        if keyword == "ENV":
            for word in shlex.split(rest):
                key, _, value = word.partition("=")
                env[key] = value
    return env


# -- .dockerignore, as Docker reads it ------------------------------------------------------------------


def dockerignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(is_exception, regex) per line; ``**`` spans folders, ``*`` and ``?`` stay within one."""
    rules = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line[1:] if exception else line).lstrip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((exception, re.compile(f"^{regex}$")))
    return rules


def excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parent folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for exception, regex in rules:
        if any(regex.match(c) for c in candidates):
            result = not exception
    return result


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    return dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def context(compose: dict) -> Path:
    """The build context the Compose file gives the Dockerfile."""
    return (COMPOSE.parent / compose["services"]["bot"]["build"]["context"]).resolve()


# -- the Docker image -----------------------------------------------------------------------------------


def test_build_context_is_the_repository_root(context: Path, compose: dict) -> None:
    assert context == ROOT
    assert (context / compose["services"]["bot"]["build"]["dockerfile"]).resolve() == DOCKERFILE


def test_every_path_the_dockerfile_copies_exists_and_is_in_the_context(
    instructions: list[tuple[str, str]], context: Path
) -> None:
    sources = copy_sources(instructions)
    assert sources, "the Dockerfile copies nothing?"
    rules = dockerignore_rules((context / ".dockerignore").read_text(encoding="utf-8"))
    for source in sources:
        path = context / source
        assert path.exists(), f"COPY {source}: no such file or folder in the build context"
        assert not excluded(source, rules), f"COPY {source}: excluded by .dockerignore"
        if path.is_dir():
            kept = [
                p
                for p in path.rglob("*")
                if p.is_file() and not excluded(p.relative_to(context).as_posix(), rules)
            ]
            assert kept, f"COPY {source}: every file in it is excluded by .dockerignore"


def test_dockerignore_keeps_secrets_and_clutter_out_of_the_image(context: Path) -> None:
    rules = dockerignore_rules((context / ".dockerignore").read_text(encoding="utf-8"))
    for path in [
        ".env",
        ".git/config",
        ".venv/bin/python",
        "tests/test_ops.py",
        "lowback.db",
        "lowback.db-wal",
        "bot/ops/__pycache__/doctor.cpython-311.pyc",
        "deploy/.env",
    ]:
        assert excluded(path, rules), f"{path} would be sent to the Docker build"
    for path in [
        "pyproject.toml",
        "bot/ops/__main__.py",
        "bot/store/migrations/0001_people.sql",
        "deploy/requirements.txt",
    ]:
        assert not excluded(path, rules), f"{path} is needed by the build but excluded"


def test_image_is_an_official_slim_python_and_runs_as_a_non_root_user(
    instructions: list[tuple[str, str]],
) -> None:
    args = {}
    for keyword, rest in instructions:
        if keyword == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value
    for stage in stages(instructions):
        image = stage[0][1].split()[0]
        image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m.group(1) or m.group(2)], image)
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-[a-z]+)?", image), f"base image {image}"
    final = stages(instructions)[-1]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_database_on_the_volume_and_knowledge_inside_the_package(
    instructions: list[tuple[str, str]],
) -> None:
    build, final = stages(instructions)[0], stages(instructions)[-1]
    env = env_of(final)
    volumes = [v for keyword, rest in final if keyword == "VOLUME" for v in split_args(rest)]
    assert any(env["LOWBACK_DATABASE"].startswith(v.rstrip("/") + "/") for v in volumes)
    # The knowledge base is package data: copied in before `pip install .`, no setting needed.
    assert "LOWBACK_KNOWLEDGE" not in env
    steps = [(keyword, rest) for keyword, rest in build if keyword in ("COPY", "RUN")]
    copied = next(
        i for i, (k, rest) in enumerate(steps) if k == "COPY" and split_args(rest)[0] == "knowledge"
    )
    installed = next(
        i
        for i, (k, rest) in enumerate(steps)
        if k == "RUN" and re.search(r"pip install [^\n]*\s\.(\s|$)", rest)
    )
    assert copied < installed
    assert "setup.py" in " ".join(rest for k, rest in steps[:installed] if k == "COPY")


def test_no_deployment_file_needs_the_knowledge_setting(compose: dict) -> None:
    for unit_file in (UNIT, DEPLOY / "lowback@.service"):
        unit = dict(
            v.split("=", 1)
            for k, v in unit_entries(unit_file.read_text(encoding="utf-8"))["Service"]
            if k == "Environment"
        )
        assert "LOWBACK_KNOWLEDGE" not in unit, unit_file.name
    assert "LOWBACK_KNOWLEDGE" not in compose["services"]["bot"]["environment"]


def test_dependencies_come_from_the_pins(instructions: list[tuple[str, str]]) -> None:
    runs = " ".join(rest for keyword, rest in instructions if keyword == "RUN")
    assert "pip install -r deploy/requirements.txt" in runs
    assert "pip check" in runs


def test_entrypoint_stops_cleanly_and_runs_the_bot(instructions: list[tuple[str, str]]) -> None:
    final = dict(stages(instructions)[-1])
    entrypoint, cmd = split_args(final["ENTRYPOINT"]), split_args(final["CMD"])
    assert final["ENTRYPOINT"].startswith("["), "exec form, so signals reach the process"
    assert entrypoint[:2] == ["/usr/bin/tini", "--"], "an init as PID 1 forwards SIGTERM to the bot"
    assert final.get("STOPSIGNAL", "SIGTERM") == "SIGTERM"
    assert entrypoint[2:] + cmd == ["lowback", "run"]
    with pytest.raises(SystemExit) as exited:
        cli.main(["run", "--help"])
    assert exited.value.code == 0


def test_the_health_check_command_really_checks_the_heartbeat(
    instructions: list[tuple[str, str]], tmp_path: Path
) -> None:
    healthcheck = dict(stages(instructions)[-1])["HEALTHCHECK"]
    command = split_args(healthcheck.split(" CMD ", 1)[1].strip())
    assert command[0] == "python"
    command[0] = sys.executable
    database = tmp_path / "data" / "lowback.db"
    database.parent.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "LOWBACK_DATABASE": str(database)}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    missing = run()
    assert missing.returncode == 1 and "unhealthy: no heartbeat" in missing.stdout
    touch_heartbeat(heartbeat_path(database), datetime.now(UTC))
    fresh = run()
    assert fresh.returncode == 0 and fresh.stdout.startswith("healthy"), fresh.stdout + fresh.stderr


def test_pins_cover_and_satisfy_the_project_dependencies() -> None:
    pins: dict[str, str] = {}
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{line}: not pinned with =="
            pins[canonical(name)] = version
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    for dependency in map(Requirement, declared):
        name = canonical(dependency.name)
        assert name in pins, f"{dependency.name} is not pinned in deploy/requirements.txt"
        assert dependency.specifier.contains(pins[name]), (
            f"{dependency.name}=={pins[name]} does not satisfy {dependency}"
        )
    # What the pinned packages need (as installed here) is pinned too, so the image has no surprises.
    for name in pins:
        for required in metadata.requires(name) or []:
            requirement = Requirement(required)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                assert canonical(requirement.name) in pins, (
                    f"{name} needs {requirement.name}, which is not pinned"
                )


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# -- Docker Compose -------------------------------------------------------------------------------------


def test_compose_runs_the_bot_with_its_volume_and_env_file(compose: dict) -> None:
    bot = compose["services"]["bot"]
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    env_files = bot["env_file"] if isinstance(bot["env_file"], list) else [bot["env_file"]]
    assert any(Path(f if isinstance(f, str) else f["path"]).name == ".env" for f in env_files)
    mounts = {m.split(":")[0]: m.split(":")[1] for m in bot["volumes"]}
    assert "/data" in mounts.values()
    volume = next(name for name, target in mounts.items() if target == "/data")
    assert volume in compose["volumes"], "the /data volume is a named volume declared in the file"
    assert bot["environment"]["LOWBACK_DATABASE"].startswith("/data/")
    assert bot["restart"] in ("unless-stopped", "always", "on-failure")
    assert "DISCORD_TOKEN" not in bot["environment"], (
        "the token belongs in .env, not in the Compose file"
    )


def test_the_postgres_profile_runs_two_bots_splitting_the_shards_after_a_healthy_database(
    compose: dict,
) -> None:
    services = compose["services"]
    assert "profiles" not in services["bot"], "the single SQLite bot stays the default"
    database = services["postgres"]
    assert database["profiles"] == ["postgres"]
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    data = next(m for m in database["volumes"] if m.endswith(":/var/lib/postgresql/data"))
    assert data.split(":")[0] in compose["volumes"], "the database lives on a named volume"
    bots = {name: s for name, s in services.items() if name.startswith("bot-shards-")}
    assert len(bots) == 2
    covered: list[int] = []
    for name, bot in bots.items():
        assert bot["profiles"] == ["postgres"]
        assert bot["depends_on"]["postgres"]["condition"] == "service_healthy", (
            f"{name} must wait for the database"
        )
        env = {k: str(v) for k, v in bot["environment"].items()}
        settings = Settings.from_env(env, dotenv=None)
        assert (
            isinstance(settings.database, PostgresURL)
            and "@postgres:5432/" in settings.database.url
        )
        assert settings.shard_count == 4 and settings.shard_ids is not None
        covered += settings.shard_ids
        state = next(m for m in bot["volumes"] if m.endswith(":" + env["LOWBACK_STATE_DIR"]))
        assert state.split(":")[0] in compose["volumes"]
        assert "DISCORD_TOKEN" not in env
    assert sorted(covered) == [0, 1, 2, 3], "every shard is run by exactly one process"


def interpolate(value: str, variables: dict[str, str]) -> str:
    """A Compose value with ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}`` and ``$$`` filled in,
    as ``docker compose`` does with the variables of ``--env-file``."""

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, colon, default = m.group(1), m.group(2), m.group(3)
        found = variables.get(name)
        if found is None or (colon and found == ""):
            return default or ""
        return found

    filled = re.sub(r"\$\$|\$\{(\w+)(?:(:?)-([^}]*))?\}", one, value)
    assert "${" not in filled, f"{value!r}: a substitution this test does not know"
    return filled


def service_environment(service: dict, variables: dict[str, str]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {k: interpolate(str(v), variables) for k, v in environment.items()}


def service_mounts(service: dict) -> dict[str, str]:
    """Where each volume of a service is mounted: {target in the container: source}."""
    mounts = {}
    for volume in service.get("volumes") or []:
        source, target = volume.split(":")[:2]
        mounts[target.rstrip("/")] = source
    for target in service.get("tmpfs") or []:
        mounts[target.rstrip("/")] = "tmpfs"
    return mounts


def mounted_at(path: PurePosixPath, mounts: dict[str, str]) -> tuple[str, str] | None:
    """(mount target, source) of the mount that holds ``path`` in the container, if any."""
    for target, source in sorted(mounts.items(), key=lambda m: -len(m[0])):
        if path == PurePosixPath(target) or PurePosixPath(target) in path.parents:
            return target, source
    return None


# Stands in for .env: every character that means something in a URL or to a shell.
COMPOSE_VARIABLES = {"LOWBACK_POSTGRES_PASSWORD": "Zx/9+ab=@?#%$ 'q\"\\:"}


def test_every_service_of_the_image_finds_what_it_needs_in_the_image_or_its_mounts(
    compose: dict, instructions: list[tuple[str, str]]
) -> None:
    """Each service that runs the bot's image, the SQLite bot and the sharded PostgreSQL bots
    alike, starts with the knowledge base that ships in the image (or one it mounts), and keeps
    what it writes on a named volume: the image's root file system is read-only."""
    from bot.core.knowledge.loading import load_knowledge

    image_env = env_of(stages(instructions)[-1])
    services = compose["services"]
    ours = {
        name: service
        for name, service in services.items()
        if service.get("image") == services["bot"]["image"]
        or (service.get("build") or {}).get("dockerfile") == "deploy/Dockerfile"
    }
    assert {"bot", "bot-shards-0-1", "bot-shards-2-3"} <= set(ours)
    for name, service in ours.items():
        env = {**image_env, **service_environment(service, COMPOSE_VARIABLES)}
        settings = Settings.from_env(env, dotenv=None)
        mounts = service_mounts(service)
        if "LOWBACK_KNOWLEDGE" in env:
            mount = mounted_at(PurePosixPath(env["LOWBACK_KNOWLEDGE"]), mounts)
            assert mount is not None and mount[1] != "tmpfs", (
                f"{name}: LOWBACK_KNOWLEDGE={env['LOWBACK_KNOWLEDGE']} is not in the image "
                "(it ships the knowledge base inside the package) and nothing is mounted there"
            )
            knowledge = (COMPOSE.parent / mount[1]).resolve()
        else:
            assert settings.knowledge == DEFAULT_KNOWLEDGE
            knowledge = settings.knowledge
        assert load_knowledge(knowledge).topics, f"{name}: no knowledge base at {knowledge}"
        if isinstance(settings.database, PostgresURL):
            assert settings.state_dir is not None, f"{name}: PostgreSQL needs LOWBACK_STATE_DIR"
            written = PurePosixPath(str(settings.state_dir))
        else:
            written = PurePosixPath(str(settings.database)).parent
        mount = mounted_at(written, mounts)
        assert mount is not None and mount[1] in compose["volumes"], (
            f"{name}: {written} is not on a named volume, and the root file system is read-only"
        )
    for name, service in services.items():
        for source in service_mounts(service).values():
            if source.startswith((".", "/")):
                assert (COMPOSE.parent / source).exists(), f"{name}: {source} does not exist"
            elif source != "tmpfs":
                assert source in compose["volumes"], f"{name}: volume {source} is not declared"


def folders_given_to(user: str, stage: list[tuple[str, str]]) -> set[str]:
    """The folders the RUN steps of ``stage`` make (``mkdir``) and then give to ``user``
    (``chown user`` or ``chown user:group``)."""
    made: set[str] = set()
    given: set[str] = set()
    for keyword, rest in stage:
        if keyword != "RUN":
            continue
        for step in re.split(r"&&|;", rest):
            words = shlex.split(step, comments=True)
            paths = [w.rstrip("/") for w in words[1:] if not w.startswith("-")]
            if words[:1] == ["mkdir"]:
                made.update(paths)
            elif words[:1] == ["chown"] and paths and paths[0].split(":")[0] == user:
                given.update(paths[1:])
    return made & given


def test_every_named_volume_the_image_writes_to_is_its_users_from_the_start(
    compose: dict, instructions: list[tuple[str, str]]
) -> None:
    """A fresh named volume takes the owner of the folder it is mounted over, and one mounted
    where the image has no folder comes up owned by root: the bot, running as its own user,
    could not write there. So the sharded bots' /state (their heartbeat, their lock and their
    command-sync file) stayed unwritable, and Docker reported them unhealthy for ever."""
    final = stages(instructions)[-1]
    user = [rest for keyword, rest in final if keyword == "USER"][-1].split(":")[0]
    theirs = folders_given_to(user, final)
    services = compose["services"]
    for name, service in services.items():
        if service.get("image") != services["bot"]["image"]:
            continue
        for volume in service.get("volumes") or []:
            source, target, *options = volume.split(":")
            if source in compose["volumes"] and "ro" not in options:
                assert target.rstrip("/") in theirs, (
                    f"{name}: the volume {source} is mounted at {target}, which the image does "
                    f"not make and give to {user}"
                )


def test_the_sharded_bots_reach_postgresql_whatever_characters_the_password_holds(
    compose: dict,
) -> None:
    """The password goes to the bot on its own, so a /, @, ?, # or % in it is not read as part of
    the URL; the server gets the same password."""
    services = compose["services"]
    server = service_environment(services["postgres"], COMPOSE_VARIABLES)
    password = COMPOSE_VARIABLES["LOWBACK_POSTGRES_PASSWORD"]
    assert server["POSTGRES_PASSWORD"] == password
    for name in ("bot-shards-0-1", "bot-shards-2-3"):
        env = service_environment(services[name], COMPOSE_VARIABLES)
        database = Settings.from_env(env, dotenv=None).database
        assert isinstance(database, PostgresURL)
        assert database.password == password, name
        assert (urlsplit(database.url).hostname, urlsplit(database.url).path) == (
            "postgres",
            "/lowback",
        )
        assert password not in str(database) and str(database) == (
            "postgresql://lowback:***@postgres:5432/lowback"
        )


# -- systemd --------------------------------------------------------------------------------------------


def unit_entries(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections of a unit file, each a list of (key, value); keys may repeat, as systemd allows."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{line!r} is outside any section"
        key, sep, value = line.partition("=")
        assert sep, f"{line!r} is not KEY=value"
        current.append((key.strip(), value.strip()))
    return sections


def test_unit_has_the_usual_hardening() -> None:
    sections = unit_entries(UNIT.read_text(encoding="utf-8"))
    service = sections["Service"]
    values = dict(service)
    assert values.get("DynamicUser") == "yes" or values.get("User") not in (None, "", "root", "0")
    assert values["ProtectSystem"] == "strict"
    assert values["NoNewPrivileges"] == "yes"
    assert values["Restart"] == "on-failure"
    assert values["EnvironmentFile"].startswith("/etc/")
    assert values["ExecStart"].split()[-1] == "run" and values["ExecStart"].split()[0].endswith(
        "/lowback"
    )
    state = values["StateDirectory"]
    environment = dict(v.split("=", 1) for k, v in service if k == "Environment")
    assert environment["LOWBACK_DATABASE"].startswith(f"/var/lib/{state}/"), (
        "the database is in the StateDirectory"
    )
    for key in (
        "ProtectHome",
        "PrivateTmp",
        "PrivateDevices",
        "RestrictSUIDSGID",
        "LockPersonality",
    ):
        assert values[key] == "yes", key
    assert values["CapabilityBoundingSet"] == ""
    assert sections["Install"] == [("WantedBy", "multi-user.target")]


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian/Ubuntu: apt-get install -y systemd)")
    # verify also checks that ExecStart's program exists; point it at this checkout's `lowback`.
    text = UNIT.read_text(encoding="utf-8")
    program = unit_entries(text)["Service"]
    exec_start = dict(program)["ExecStart"].split()[0]
    here = shutil.which("lowback") or str(Path(sys.executable).with_name("lowback"))
    assert Path(here).exists(), "the lowback console script is not installed in this environment"
    unit = tmp_path / UNIT.name
    unit.write_text(text.replace(exec_start, here), encoding="utf-8")
    result = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines() if UNIT.name in line
    ]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


TEMPLATE = DEPLOY / "lowback@.service"


def test_the_template_unit_takes_its_shards_from_the_instance_name(tmp_path: Path) -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    sections = unit_entries(text)
    values = dict(sections["Service"])
    assert values["ExecStart"].split()[:2] == ["/usr/bin/env", "LOWBACK_SHARDS=%i"]
    assert values["ExecStart"].split()[-1] == "run"
    environment = dict(v.split("=", 1) for k, v in sections["Service"] if k == "Environment")
    assert "LOWBACK_DATABASE" not in environment, "PostgreSQL's URL comes from the env file"
    assert environment["LOWBACK_STATE_DIR"] == f"/var/lib/{values['StateDirectory']}"
    base = dict(unit_entries(UNIT.read_text(encoding="utf-8"))["Service"])
    for key in (
        "User",
        "ProtectSystem",
        "NoNewPrivileges",
        "Restart",
        "CapabilityBoundingSet",
        "SystemCallFilter",
    ):
        assert values.get(key) == base.get(key), f"{key} differs from lowback.service"
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (Debian/Ubuntu: apt-get install -y systemd)")
    here = shutil.which("lowback") or str(Path(sys.executable).with_name("lowback"))
    unit = tmp_path / "lowback@0-3.service"
    unit.write_text(text.replace("/opt/lowback/.venv/bin/lowback", here), encoding="utf-8")
    result = subprocess.run([tool, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    complaints = [
        line for line in (result.stdout + result.stderr).splitlines() if unit.name in line
    ]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


# -- settings and docs ----------------------------------------------------------------------------------


def test_env_example_lists_every_setting_and_loads() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    source = (ROOT / "bot" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'\b(?:get|text|whole|real|optional_whole)\("([A-Z][A-Z0-9_]+)"', source))
    assert "DISCORD_TOKEN" in read and "LOWBACK_CLIENT_ID" in read
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]+)=", text, flags=re.M))
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
    assert listed <= read, f"not settings: {sorted(listed - read)}"
    assert set(SETTINGS) == read, (
        "bot/setting_names.py must know every setting to point at a misspelt one"
    )
    for line in text.splitlines():
        if not line.startswith("#") and "=" in line:
            assert " #" not in line, (
                f"{line!r}: systemd would read the comment as part of the value"
            )
    settings = Settings.from_env({}, dotenv=ENV_EXAMPLE)
    assert settings.token is None
    assert read_dotenv(ENV_EXAMPLE) == {"DISCORD_TOKEN": ""}


def test_run_it_for_real_uses_only_commands_that_exist() -> None:
    text = RUN_DOC.read_text(encoding="utf-8")
    for name in (
        "deploy/Dockerfile",
        "deploy/compose.yaml",
        "deploy/lowback.service",
        "deploy/.env.example",
    ):
        assert name in text, f"the doc does not mention {name}"
    commands = set(re.findall(r"\blowback (doctor|backup|invite-url|run|kb|chat|eval)\b", text))
    assert {"doctor", "backup", "invite-url"} <= commands
    for command in commands:
        with pytest.raises(SystemExit) as exited:
            cli.main([command, "--help"])
        assert exited.value.code == 0, f"`lowback {command}` is in the doc but not in the CLI"


def test_the_image_check_script_parses_and_everything_it_uses_exists() -> None:
    script = DEPLOY / "check-image.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text()
    used = set(
        re.findall(
            r"\b((?:tests|deploy|knowledge)/[\w./-]+\.(?:py|yaml|sh)|deploy/Dockerfile)\b", text
        )
    )
    assert {
        "tests/support/fake_discord.py",
        "tests/support/throwaway_ca.py",
        "deploy/Dockerfile",
    } <= used
    assert [path for path in sorted(used) if not (ROOT / path).exists()] == []
