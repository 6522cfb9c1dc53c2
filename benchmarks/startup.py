"""Start-up time of the installed `mydw`, against bare `python -c pass` on the same machine.

    python benchmarks/startup.py [--runs 30]

Prints median and 90th percentile wall times (ms) of:
- `python -c pass` (the floor), `mydw --version`, `mydw --help` piped (as scripts see it),
- `mydw --help` on a pseudo-terminal (as people see it: Rich help panels),
- `mydw whoami --json` with nobody logged in (a real command: settings, keyring fallback).
"""

from __future__ import annotations

import argparse
import os
import pty
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def mydw_path() -> str:
    candidate = Path(sys.executable).parent / "mydw"
    return str(candidate) if candidate.exists() else (shutil.which("mydw") or "mydw")


def run_piped(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start


def run_tty(cmd: list[str], env: dict[str, str]) -> float:
    primary, secondary = pty.openpty()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    while True:  # drain the terminal so the child never blocks on a full buffer
        try:
            if not os.read(primary, 65536):
                break
        except OSError:
            break
    proc.wait()
    elapsed = time.perf_counter() - start
    os.close(primary)
    return elapsed


def measure(label: str, fn, cmd: list[str], env: dict[str, str], runs: int) -> None:  # type: ignore[no-untyped-def]
    fn(cmd, env)  # warm the page cache
    times = sorted(fn(cmd, env) for _ in range(runs))
    p90 = times[int(len(times) * 0.9) - 1]
    print(
        f"{label:<34} median {statistics.median(times) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    mydw = mydw_path()
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "MYDW_HOME": home,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        env.pop("MYDW_DATABASE_URL", None)
        print(f"{sys.version.split()[0]} on {os.cpu_count()} cores; {args.runs} runs each; {mydw}")
        measure("python -c pass", run_piped, [sys.executable, "-c", "pass"], env, args.runs)
        measure("mydw --version", run_piped, [mydw, "--version"], env, args.runs)
        measure("mydw --help (piped)", run_piped, [mydw, "--help"], env, args.runs)
        measure("mydw --help (terminal)", run_tty, [mydw, "--help"], env, args.runs)
        measure(
            "mydw whoami --json (nobody)", run_piped, [mydw, "whoami", "--json"], env, args.runs
        )


if __name__ == "__main__":
    main()
