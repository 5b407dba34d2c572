"""How long `lowback ask` and `lowback invite-url` take from start to answer, as a person runs them.

    .venv/bin/python -m tests.bench.startup [--runs 9] [--lowback PATH]

Each command is started as its own process (the installed `lowback` script, from a folder outside
the checkout) and timed until it exits, several times; the script prints the median and the worst.
`ask` is timed twice: with its output on a pipe (plain text) and on a pseudo-terminal (rich
panels, as in a terminal window). The first `ask` runs once untimed to fill the caches (the built
knowledge base and the parsed YAML, see bot/services/caches.py), and its time is printed as the
cold start. A fresh database and cache folder are used, so your own are never touched. The issue's targets: ask under 400 ms, invite-url under 200 ms. Wall-clock times
depend on what else the machine is doing, so the median CPU time (user + system) is printed too.
"""

from __future__ import annotations

import argparse
import os
import pty
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "is the leg press ok"


CPU: list[float] = []  # CPU seconds (user + system) of each timed run, in order


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_piped(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    cpu = children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        cmd,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    elapsed = time.perf_counter() - start
    CPU.append(children_cpu() - cpu)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.decode()[-500:]}"
        )
    return elapsed


def run_in_terminal(cmd: list[str], env: dict[str, str], cwd: str) -> float:
    master, slave = pty.openpty()
    cpu = children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, close_fds=True
    )
    os.close(slave)
    output = b""
    while True:  # keep reading so the program never blocks on a full terminal
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    code = proc.wait()
    elapsed = time.perf_counter() - start
    CPU.append(children_cpu() - cpu)
    os.close(master)
    if code != 0 or b"\xe2\x94\x82" not in output:  # a panel's side, so it really drew rich output
        raise SystemExit(
            f"{' '.join(cmd)} in a terminal failed ({code}): {output.decode(errors='replace')[-500:]}"
        )
    return elapsed


def report(name: str, times: list[float], target_ms: float) -> None:
    ms = sorted(t * 1000 for t in times)
    cpu = statistics.median(CPU[-len(times) :]) * 1000
    median, worst = statistics.median(ms), ms[-1]
    verdict = "under" if worst < target_ms else ("median under" if median < target_ms else "OVER")
    print(
        f"  {name:<30} median {median:5.0f} ms  worst {worst:5.0f} ms  best {ms[0]:5.0f} ms  "
        f"CPU {cpu:4.0f} ms  ({len(ms)} runs; target {target_ms:.0f} ms: {verdict})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--lowback",
        default=str(Path(sys.executable).with_name("lowback")),
        help="the lowback script to time (default: the one beside this Python)",
    )
    args = parser.parse_args()
    lowback = args.lowback
    if not Path(lowback).exists() and not shutil.which(lowback):
        raise SystemExit(f"no lowback script at {lowback}")
    with tempfile.TemporaryDirectory(prefix="lowback-bench-") as tmp:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DISCORD_TOKEN", "LOWBACK_KNOWLEDGE", "NO_COLOR")
        }
        env.update(
            LOWBACK_DATABASE=str(Path(tmp) / "bench.db"),
            XDG_CACHE_HOME=str(Path(tmp) / "cache"),
            LOWBACK_CLIENT_ID="123456789012345678",
            TERM="xterm-256color",
            COLUMNS="100",
        )
        ask = [lowback, "ask", QUESTION]
        invite = [lowback, "invite-url"]
        cold = run_piped(ask, env, tmp)  # also creates the database
        print(f"lowback start-up ({lowback}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f})")
        print(f"  {'ask, cold (empty caches)':<30} {cold * 1000:5.0f} ms")
        report("ask, output on a pipe", [run_piped(ask, env, tmp) for _ in range(args.runs)], 400)
        report(
            "ask, output on a terminal",
            [run_in_terminal(ask, env, tmp) for _ in range(args.runs)],
            400,
        )
        report("invite-url", [run_piped(invite, env, tmp) for _ in range(args.runs)], 200)
        report(
            "python -c pass (the floor)",
            [run_piped([sys.executable, "-c", "pass"], env, tmp) for _ in range(args.runs)],
            200,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
