"""Start-up time of the installed `mydw`, against bare `python -c pass` on the same machine.

    python benchmarks/startup.py [--runs 30]

Prints median and 90th percentile wall times (ms) of:
- `python -c pass` (the floor), `python -c 'import sqlalchemy.orm'` (the floor of every
  command that opens the database), `mydw --version`, `mydw --help` piped (as scripts see it),
- `mydw --help` on a pseudo-terminal (as people see it: Rich help panels),
- `mydw whoami --json` with nobody logged in (a real command: settings, the database),
- `mydw db current` (the database at head: the start-up check and one query),
then checks the targets of issue 8: `--help` piped at most 120 ms; `whoami --json` and
`db current` at most 1.5x `import sqlalchemy.orm`. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _installed import mydw_command


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


def measure(label: str, fn, cmd: list[str], env: dict[str, str], runs: int) -> float:  # type: ignore[no-untyped-def]
    """Print and return the median (seconds) of `runs` timed runs, after one warm-up."""
    fn(cmd, env)  # warm the page cache
    times = sorted(fn(cmd, env) for _ in range(runs))
    p90 = times[int(len(times) * 0.9) - 1]
    median = statistics.median(times)
    print(f"{label:<34} median {median * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms")
    return median


def check(label: str, value: float, limit: float, what: str) -> bool:
    ok = value <= limit
    print(f"{'ok  ' if ok else 'SLOW'} {label:<30} {value * 1000:6.1f} ms  (target <= {what}: "
          f"{limit * 1000:.1f} ms)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--as-is", action="store_true",
                        help="do not byte-compile the package first (see _installed.py)")
    args = parser.parse_args()
    mydw = mydw_command(compile_bytecode=not args.as_is)
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "MYDW_HOME": home,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        env.pop("MYDW_DATABASE_URL", None)
        print(f"{sys.version.split()[0]} on {os.cpu_count()} cores; {args.runs} runs each; {mydw}")
        # The database exists and is at head: what every later command finds.
        subprocess.run([mydw, "db", "upgrade"], env=env, check=True, capture_output=True)
        runs = args.runs
        measure("python -c pass", run_piped, [sys.executable, "-c", "pass"], env, runs)
        orm = measure("python -c 'import sqlalchemy.orm'", run_piped,
                      [sys.executable, "-c", "import sqlalchemy.orm"], env, runs)
        measure("mydw --version", run_piped, [mydw, "--version"], env, runs)
        helped = measure("mydw --help (piped)", run_piped, [mydw, "--help"], env, runs)
        measure("mydw --help (terminal)", run_tty, [mydw, "--help"], env, runs)
        whoami = measure("mydw whoami --json (nobody)", run_piped, [mydw, "whoami", "--json"],
                         env, runs)
        current = measure("mydw db current", run_piped, [mydw, "db", "current"], env, runs)
        print()
        results = [
            check("mydw --help (piped)", helped, 0.120, "120 ms"),
            check("mydw whoami --json", whoami, 1.5 * orm, "1.5x import sqlalchemy.orm"),
            check("mydw db current", current, 1.5 * orm, "1.5x import sqlalchemy.orm"),
        ]
        if not all(results):
            sys.exit(1)


if __name__ == "__main__":
    main()
