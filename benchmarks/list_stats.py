"""`mydw list --json` and `mydw stats` over 10,000 marked movies.

    python benchmarks/list_stats.py [--runs 7] [--movies 10000] [--database-url URL]

Creates a temporary MYDW_HOME, signs up one user with the installed `mydw` (no keyring:
the session goes to the 0600 fallback file), inserts `--movies` movies and one mark each
straight into the database (statuses, years, genres and ratings drawn at random, fixed
seed), then times the installed command as a child process (wall clock, median and best
of `--runs`, and the child's CPU time, steadier on a busy machine). For comparison:
`python -c pass`, `mydw --version` and `mydw whoami --json` (start-up + login check).

Aim (issue 4): well under half a second each.
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
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _installed import mydw_command

PASSWORD = "benchmark password"
GENRES = {28: "Action", 12: "Adventure", 16: "Animation", 35: "Comedy", 80: "Crime",
          99: "Documentary", 18: "Drama", 10751: "Family", 14: "Fantasy", 36: "History",
          27: "Horror", 9648: "Mystery", 10749: "Romance", 878: "Science Fiction",
          53: "Thriller", 10752: "War", 37: "Western"}


def environment(home: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYDW_")}
    env.update({"MYDW_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
                "NO_COLOR": "1"})
    if database_url:
        env["MYDW_DATABASE_URL"] = database_url
    return env


def signup(mydw: str, env: dict[str, str]) -> None:
    subprocess.run(
        [mydw, "signup", "--email", "bench@example.com", "--first-name", "Bench",
         "--last-name", "Mark", "--password-stdin"],
        input=PASSWORD + "\n", text=True, env=env, check=True, capture_output=True,
    )


def populate(env: dict[str, str], count: int) -> None:
    """Insert `count` movies and one mark each for the only user (bulk, in-process)."""
    os.environ.update(env)
    from sqlalchemy import insert, select

    from mydw.db.models import Movie, User, UserMovie
    from mydw.services.context import AppContext

    rng = random.Random(4)
    start = datetime(2024, 1, 1)
    ctx = AppContext()
    with ctx.db.write() as session:
        user_id = session.scalar(select(User.id))
        movies = []
        for i in range(count):
            ids = rng.sample(sorted(GENRES), rng.randint(1, 3))
            movies.append({
                "tmdb_id": 1_000_000 + i, "imdb_id": f"tt{5_000_000 + i}",
                "title_en": f"Benchmark Movie {i}", "title_fr": f"Film d'essai {i}",
                "overview_en": "An overview of a reasonable length. " * 6,
                "overview_fr": "Un résumé d'une longueur raisonnable. " * 6,
                "poster_url": f"https://image.tmdb.org/t/p/w500/poster{i}.jpg",
                "imdb_rating": None if i % 17 == 0 else rng.randint(20, 95) / 10,
                "vote_count": rng.randint(10, 2_000_000),
                "genre_ids": ids, "genres": [GENRES[g] for g in ids],
                "release_year": rng.randint(1920, 2025),
                "original_language": rng.choice(["en", "fr", "ja", "es", "de"]),
                "cached_on": start, "imdb_updated_on": start,
            })
        session.execute(insert(Movie), movies)
        movie_ids = session.scalars(select(Movie.id).order_by(Movie.id)).all()
        session.execute(insert(UserMovie), [
            {"user_id": user_id, "movie_id": movie_id,
             "status": rng.choice(["seen", "seen", "later", "not_interested"]),
             "updated_at": start + timedelta(minutes=n)}
            for n, movie_id in enumerate(movie_ids)
        ])
    ctx.close()


def run_child(args: Sequence[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """(wall, cpu) seconds of one child and its stdout; cpu = the child's user + system time
    (os.wait4), which other work on a busy machine inflates much less than wall time."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {err.read().decode()[:500]}")
        return wall, usage.ru_utime + usage.ru_stime, out.read()


def timed(args: Sequence[str], env: dict[str, str], runs: int) -> tuple[float, float, float, int]:
    """Median wall, best wall and median CPU seconds over `runs`, and the stdout size."""
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        wall, cpu, stdout = run_child(args, env)
        walls.append(wall)
        cpus.append(cpu)
        size = len(stdout)
    return statistics.median(walls), min(walls), statistics.median(cpus), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--movies", type=int, default=10_000)
    parser.add_argument("--database-url", default=None,
                        help="an empty database to use instead of SQLite in the temp home")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mydw-bench-") as tmp:
        env = environment(Path(tmp), options.database_url)
        mydw = mydw_command()
        signup(mydw, env)
        started = time.perf_counter()
        populate(env, options.movies)
        print(f"{options.movies:,} movies and marks inserted in "
              f"{time.perf_counter() - started:.1f} s "
              f"({'PostgreSQL' if options.database_url else 'SQLite'})")
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("mydw --version", [mydw, "--version"]),
            ("mydw whoami --json (start-up + login check)", [mydw, "whoami", "--json"]),
            ("mydw list --json", [mydw, "list", "--json"]),
            ("mydw list --csv", [mydw, "list", "--csv"]),
            ("mydw list --json --status later --genre drama --sort rating --limit 50",
             [mydw, "list", "--json", "--status", "later", "--genre", "drama", "--sort",
              "rating", "--limit", "50"]),
            ("mydw stats --json", [mydw, "stats", "--json"]),
            ("mydw stats", [mydw, "stats"]),
        ]
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'command':<72} {'median':>8} {'best':>8} {'cpu':>8} {'stdout':>9}")
        for label, args in cases:
            median, best, cpu, size = timed(args, env, options.runs)
            print(f"{label:<72} {median * 1000:>6.0f}ms {best * 1000:>6.0f}ms "
                  f"{cpu * 1000:>6.0f}ms {size / 1e6:>7.2f}MB")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
