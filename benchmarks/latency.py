"""First-use commands against far-away upstreams: fake TMDB and OMDb that answer 100 ms late.

    python benchmarks/latency.py [--runs 3] [--latency 0.1]

Starts its own `SlowTmdb` and `SlowOmdb` (tests/fakes/slow.py) on 127.0.0.1, each answer
`--latency` seconds late, with the default fake catalogue plus invented movies so that
`discover` reads several pages. Each command runs the installed `mydw` in a fresh MYDW_HOME
(nothing cached, a user signed up), and is reported as its wall time MINUS the wall time of
`mydw whoami --json` in the same home (start-up, settings, login: the floor), with the number
of requests each fake received and the most requests one fake had in flight at once.
With `--compare` each command also runs against fakes with no added latency: the difference
is the time spent waiting on the network (round trips x latency), whatever the load of the
machine (on a busy machine the wall times of start-up and database work grow, not that).

Commands: `show 900001`, `mark seen` of five movies by TMDB id, `discover`.
Targets (issue 10): show <= 0.3 s, mark of five <= 0.4 s, discover <= 0.6 s over whoami,
with request counts that do not grow.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _installed import mydw_command  # noqa: E402
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdbTitle, default_titles  # noqa: E402
from tests.fakes.slow import SlowOmdb, SlowTmdb  # noqa: E402
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie, default_catalogue  # noqa: E402

TARGETS = {"show": 0.3, "mark five": 0.4, "discover": 0.6}
MARKED = ["900002", "900003", "900005", "900006", "900007"]
GENRES = (18, 35, 28, 53, 878, 12, 14, 80, 27, 10749)


def catalogue(extra: int = 88) -> tuple[list[FakeMovie], list[FakeOmdbTitle]]:
    """The default fake catalogue plus `extra` invented movies (deterministic)."""
    rng = random.Random(10)
    movies = default_catalogue()
    titles = default_titles()
    for i in range(extra):
        tmdb_id, imdb_id = 910_000 + i, f"tt91{i:05d}"
        tmdb_rating = round(rng.uniform(5.5, 8.6), 1)
        movies.append(FakeMovie(
            tmdb_id, f"Invented Movie {i}", "en", f"{rng.randint(1950, 2024)}-05-01",
            f"Invented Movie {i}", f"An invented movie, number {i}.",
            f"Film inventé {i}", f"Un film inventé, numéro {i}.",
            (rng.choice(GENRES),), imdb_id, f"/invented{i}.jpg", (),
            tmdb_rating, rng.randint(120, 6000), round(rng.uniform(1, 90), 2), 100,
        ))
        imdb_rating = min(9.9, max(1.0, tmdb_rating + rng.uniform(-0.4, 0.4)))
        titles.append(FakeOmdbTitle(imdb_id, f"Invented Movie {i}", "2000",
                                    f"{imdb_rating:.1f}", f"{rng.randint(800, 400_000):,}"))
    return movies, titles


@dataclass
class Sample:
    seconds: float
    tmdb: int
    omdb: int
    peak_tmdb: int
    peak_omdb: int


def run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[1:])} failed ({proc.returncode}): {proc.stderr.strip()}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--as-is", action="store_true",
                        help="do not byte-compile the package first (see _installed.py)")
    parser.add_argument("--compare", action="store_true",
                        help="also run with no latency and report the network wait")
    args = parser.parse_args()
    slow, fast = measure(args.runs, args.latency, compare=args.compare,
                         compile_bytecode=not args.as_is)
    report(args.latency, args.runs, slow, fast)


Results = tuple[dict[str, list[Sample]], list[float]]


def measure(runs: int, latency: float, *, compare: bool,
            compile_bytecode: bool = True) -> tuple[Results, Results | None]:
    """Each run times every command with `latency`, then (with `compare`) with none, on
    the same servers one right after the other (the machine's load alike for both)."""
    movies, titles = catalogue()
    mydw = mydw_command(compile_bytecode=compile_bytecode)
    commands = {
        "show": ["show", "900001", "--json"],
        "mark five": ["mark", "seen", *MARKED, "--json"],
        "discover": ["discover", "--json"],
    }
    latencies = [latency, 0.0] if compare else [latency]
    results: dict[float, dict[str, list[Sample]]] = {
        lat: {name: [] for name in commands} for lat in latencies}
    floors: dict[float, list[float]] = {lat: [] for lat in latencies}
    with SlowTmdb(latency=latency, movies=movies) as tmdb, \
            SlowOmdb(latency=latency, titles=titles) as omdb:
        base = {k: v for k, v in os.environ.items() if not k.startswith("MYDW_")}
        base.update({
            "NO_COLOR": "1",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "MYDW_TMDB_BASE_URL": tmdb.api_url,
            "MYDW_TMDB_API_KEY": FAKE_TMDB_API_KEY,
            "MYDW_OMDB_BASE_URL": omdb.url + "/",
            "MYDW_OMDB_API_KEY": FAKE_OMDB_API_KEY,
        })
        for _ in range(runs):
            for name, command in commands.items():
                for lat in latencies:
                    tmdb.latency = omdb.latency = lat
                    with tempfile.TemporaryDirectory(prefix="mydw-latency-") as home:
                        env = {**base, "MYDW_HOME": home}
                        run([mydw, "signup", "--email", "ada@example.com", "--first-name",
                             "Ada", "--last-name", "Lovelace", "--password-stdin"], env,
                            "correct horse\n")
                        floor = run([mydw, "whoami", "--json"], env)
                        floors[lat].append(floor)
                        tmdb.clear_log()
                        omdb.clear_log()
                        tmdb.reset_peak()
                        omdb.reset_peak()
                        took = run([mydw, *command], env)
                        results[lat][name].append(Sample(
                            took - floor, tmdb.count(), omdb.count(), tmdb.peak_in_flight,
                            omdb.peak_in_flight))
    slow = (results[latency], floors[latency])
    fast = (results[0.0], floors[0.0]) if compare else None
    return slow, fast


def report(latency: float, runs: int, slow: Results, fast: Results | None) -> None:
    results, floors = slow
    print(f"latency {latency * 1000:.0f} ms per answer, {runs} runs, "
          f"{len(catalogue()[0])} movies; `mydw whoami --json` median "
          f"{statistics.median(floors):.2f} s (subtracted below)")
    print(f"{'command':<12} {'over whoami':>12} {'target':>7} {'TMDB':>5} {'OMDb':>5} "
          f"{'in flight':>10} {'network wait':>13}")
    for name, samples in results.items():
        median = statistics.median(s.seconds for s in samples)
        last = samples[-1]
        verdict = "ok" if median <= TARGETS[name] else "SLOW"
        wait = ""
        if fast is not None:
            base = statistics.median(s.seconds for s in fast[0][name])
            wait = f"{median - base:10.2f} s"
        print(f"{name:<12} {median:10.2f} s {TARGETS[name]:5.1f} s {last.tmdb:5d} {last.omdb:5d} "
              f"{last.peak_tmdb:>5d}/{last.peak_omdb:<4d} {wait:>13} {verdict}")
        counts = {(s.tmdb, s.omdb) for s in samples}
        if len(counts) > 1:
            print(f"  (request counts varied between runs: {sorted(counts)})")


if __name__ == "__main__":
    main()
