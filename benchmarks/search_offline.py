"""Offline search over 10,000 cached movies: how long `mydw search Q --offline --json` takes.

Builds a throwaway MYDW_HOME with a SQLite database holding N cached movies (inserted
directly, with their folded titles, in a few hundred milliseconds), then times the
INSTALLED `mydw` (the one next to this interpreter) for a few queries — median and best
of several runs — and, for comparison, the process floor (`mydw --version`) and the
service call alone, in-process.

    python benchmarks/search_offline.py [--movies 10000] [--runs 7]
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _installed import mydw_command

QUERIES = [
    ("amelie", "rare, accent-insensitive (matches 'Amélie')"),
    ("CHATEAU noel", "two words, case- and accent-insensitive"),
    ("the", "very common: thousands of matches, ranked"),
    ("zzzz", "no match"),
]

# What `mydw search` imports before it touches the database (Typer, SQLAlchemy and the
# models), to separate start-up from the search itself.
IMPORTS = "import mydw.cli.app, mydw.services.accounts, mydw.services.catalog"

WORDS = [
    "the", "last", "night", "château", "noël", "été", "river", "garden", "stranger", "city",
    "lumière", "ombre", "forêt", "cœur", "machine", "ghost", "winter", "café", "naïve",
    "orchard", "lighthouse", "canyon", "résistance", "mémoire", "dream", "paper", "island",
    "crème", "brûlée", "secret", "midnight", "océan", "voyage", "déjà", "vu", "silence",
]  # fmt: skip


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYDW_")}
    env.update(MYDW_HOME=str(home), NO_COLOR="1",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    return env


def build_database(count: int, seed: int = 42) -> float:
    """Insert `count` movies (and their catalog rows) into the database of MYDW_HOME."""
    from sqlalchemy import insert

    from mydw.db.models import Movie, MovieCatalog
    from mydw.domain.types import fold, utcnow
    from mydw.services.context import AppContext

    rng = random.Random(seed)
    ctx = AppContext()
    ctx.db.ensure_ready()
    started = time.perf_counter()
    now = utcnow()
    movies, catalog = [], []
    for i in range(1, count + 1):
        title_en = " ".join(rng.sample(WORDS, rng.randint(1, 4))).title()
        title_fr = " ".join(rng.sample(WORDS, rng.randint(1, 4))).capitalize()
        if i == count // 2:
            title_en, title_fr = "Amélie", "Le Fabuleux Destin d'Amélie Poulain"
        movies.append({
            "id": i, "tmdb_id": 10_000_000 + i, "imdb_id": f"tt{9_000_000 + i:07d}",
            "title_en": title_en, "title_fr": title_fr,
            "overview_en": "An overview. " * 8, "overview_fr": "Un résumé. " * 8,
            "poster_url": f"https://image.tmdb.org/t/p/w500/p{i}.jpg",
            "imdb_rating": round(rng.uniform(3, 9), 1), "vote_count": rng.randint(0, 10**6),
            "genres": ["Drama"], "genre_ids": [18], "release_year": rng.randint(1930, 2025),
            "original_language": "en", "cached_on": now, "imdb_updated_on": now,
        })
        catalog.append({"movie_id": i, "search_text": f"{fold(title_en)}\n{fold(title_fr)}",
                        "details_on": now})
    with ctx.db.write() as session:
        session.execute(insert(Movie.__table__), movies)  # type: ignore[arg-type]
        session.execute(insert(MovieCatalog.__table__), catalog)  # type: ignore[arg-type]
    ctx.close()
    return time.perf_counter() - started


def time_command(args: list[str], env: dict[str, str], runs: int) -> tuple[list[float], str]:
    subprocess.run(args, env=env, capture_output=True, check=False)  # warm the OS caches
    times, out = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            sys.exit(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        out = proc.stdout
    return times, out


def time_service(query: str, runs: int) -> float:
    from mydw.services import catalog
    from mydw.services.context import AppContext

    ctx = AppContext()
    try:
        catalog.search(ctx, query, offline=True)  # warm: engine, connection
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            catalog.search(ctx, query, offline=True)
            times.append(time.perf_counter() - started)
    finally:
        ctx.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()

    mydw = mydw_command()
    with tempfile.TemporaryDirectory(prefix="mydw-bench-") as tmp:
        home = Path(tmp) / "home"
        env = clean_env(home)
        os.environ.clear()
        os.environ.update(env)
        built = build_database(options.movies)
        print(f"database: {options.movies:,} cached movies inserted in {built * 1000:.0f} ms "
              f"(SQLite, {home})")
        print(f"mydw: {mydw}; {options.runs} runs each, median (best)\n")

        floors = [
            ("mydw --version (process floor)", [mydw, "--version"]),
            ("imports of a search (no query run)", [sys.executable, "-c", IMPORTS]),
        ]
        for label, args in floors:
            floor, _ = time_command(args, env, options.runs)
            print(f"  {label:44} {statistics.median(floor) * 1000:6.0f} ms "
                  f"({min(floor) * 1000:.0f})")
        for query, what in QUERIES:
            args = [mydw, "search", query, "--offline", "--json"]
            times, out = time_command(args, env, options.runs)
            import json

            found = len(json.loads(out))
            service = time_service(query, options.runs)
            label = f"search {query!r} --offline --json"
            print(f"  {label:44} {statistics.median(times) * 1000:6.0f} ms "
                  f"({min(times) * 1000:.0f}); service alone {service * 1000:5.1f} ms; "
                  f"{found} shown — {what}")


if __name__ == "__main__":
    main()
