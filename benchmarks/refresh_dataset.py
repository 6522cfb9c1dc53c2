"""`mydw refresh` from IMDb's dataset: 10,000 cached movies, a 1.6-million-row file.

    python benchmarks/refresh_dataset.py [--runs 5] [--movies 10000] [--rows 1600000]
                                         [--database-url postgresql://...]

Generates (once, cached in benchmarks/.data/, which git ignores) a made-up
`title.ratings.tsv.gz` shaped like IMDb's, and a fresh database with `--movies` cached
movies whose IMDb ids are in the file and which have no rating yet. Then runs the
installed `mydw refresh --source imdb-dataset --dataset-file FILE --json` several times
(ratings reset between runs) and prints the wall time and peak RSS of each child process
(os.wait4 in a tiny launcher: the child's own rusage). For comparison it also times, in
child processes: `python -c pass`, `mydw --version`, a plain gzip + split pass over the
file, and the client's `iter_ratings` streaming parse with the same 10,000 wanted ids.

Aim (issue 5): under 2 s and under 100 MB for the refresh.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _installed import mydw_command

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
LONG_AGO = "2020-01-01 00:00:00"


# -- data ------------------------------------------------------------------------------------


def tconsts(rows: int) -> list[str]:
    """Increasing made-up ids with gaps, as in IMDb's file (deterministic)."""
    rng = random.Random(1)
    ids, current = [], 0
    for _ in range(rows):
        current += rng.randint(1, 20)
        ids.append(f"tt{current:07d}")
    return ids


def dataset(rows: int) -> Path:
    path = DATA / f"title.ratings.{rows}.tsv.gz"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2)
    started = time.perf_counter()
    tmp = path.with_suffix(".part")
    with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as out:
        out.write("tconst\taverageRating\tnumVotes\n")
        chunk: list[str] = []
        for tconst in tconsts(rows):
            chunk.append(
                f"{tconst}\t{rng.randint(10, 100) / 10:.1f}\t{rng.randint(5, 3_000_000)}\n"
            )
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))
    tmp.rename(path)
    size = path.stat().st_size / 1e6
    took = time.perf_counter() - started
    print(f"generated {path.name}: {rows:,} rows, {size:.1f} MB in {took:.1f} s")
    return path


def seed_database(env: dict[str, str], ids: Sequence[str]) -> None:
    """Migrate a fresh database and insert the movies (in this process, same settings)."""
    os.environ.update(env)
    from sqlalchemy import insert

    from mydw.db.models import Movie
    from mydw.services.context import AppContext

    ctx = AppContext()
    with ctx.db.write() as session:
        session.execute(
            insert(Movie),
            [
                {"tmdb_id": i + 1, "imdb_id": imdb_id, "title_en": f"Movie {i + 1}"}
                for i, imdb_id in enumerate(ids)
            ],
        )
    ctx.close()


def reset_ratings() -> None:
    from sqlalchemy import text

    from mydw.services.context import AppContext

    ctx = AppContext()
    with ctx.db.write() as session:
        session.execute(
            text("UPDATE movies SET imdb_rating = NULL, vote_count = NULL, imdb_updated_on = :t"),
            {"t": LONG_AGO},
        )
    ctx.close()


# -- measuring -------------------------------------------------------------------------------


# The child is started by this tiny launcher, not by the benchmark itself: Linux counts
# the memory of the process that forks into the child's peak RSS (the exec'd child
# inherits the forking mm's high-water mark), and this process holds the 1.6M ids.
LAUNCHER = """
import os, sys, time
report, cmd = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(cmd[0], cmd)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(report, "w") as fh:
    cpu = usage.ru_utime + usage.ru_stime
    fh.write(f"{wall} {cpu} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[tuple[float, float, float], str]:
    """(wall seconds, CPU seconds, peak RSS in MB) of the child alone, and its stdout."""
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "usage"
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", LAUNCHER, str(report_path), *cmd],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        wall, cpu, maxrss_kb, code = report_path.read_text().split()
    if int(code) != 0:
        raise SystemExit(f"{cmd[0]} failed ({code}): {proc.stderr.strip()}")
    return (float(wall), float(cpu), int(maxrss_kb) / 1024), proc.stdout


def report(label: str, samples: list[tuple[float, float, float]]) -> None:
    walls = [w for w, _, _ in samples]
    cpu = statistics.median(c for _, c, _ in samples)
    peak = max(r for _, _, r in samples)
    print(
        f"{label:<40} wall median {statistics.median(walls):5.2f} s "
        f"(min {min(walls):.2f}, max {max(walls):.2f})  CPU {cpu:5.2f} s  peak RSS {peak:5.1f} MB"
    )


PLAIN_PARSE = """
import gzip, sys
n = 0
with gzip.open(sys.argv[1], "rb") as fh:
    for line in fh:
        parts = line.split(b"\\t")
        n += 1
print(n)
"""

CLIENT_PARSE = """
import sys
from pathlib import Path
from mydw.clients.imdb_datasets import iter_ratings
wanted = set(Path(sys.argv[2]).read_text().split())
print(sum(1 for _ in iter_ratings(Path(sys.argv[1]), wanted=wanted)))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--movies", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=1_600_000)
    parser.add_argument(
        "--database-url", default=None, help="a fresh, empty database (default: SQLite)"
    )
    args = parser.parse_args()

    path = dataset(args.rows)
    ids = random.Random(3).sample(tconsts(args.rows), args.movies)
    mydw = mydw_command()
    with tempfile.TemporaryDirectory(prefix="mydw-bench-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MYDW_")}
        env.update(
            {
                "MYDW_HOME": home,
                "NO_COLOR": "1",
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            }
        )
        if args.database_url:
            env["MYDW_DATABASE_URL"] = args.database_url
        seed_database(env, ids)
        wanted_file = Path(home) / "wanted.txt"
        wanted_file.write_text("\n".join(ids))
        print(
            f"dataset {path.name} ({path.stat().st_size / 1e6:.1f} MB gzip, {args.rows:,} rows); "
            f"{args.movies:,} movies; database {'PostgreSQL' if args.database_url else 'SQLite'}; "
            f"{args.runs} runs each"
        )

        Sample = tuple[float, float, float]

        def repeat(cmd: list[str], before: Callable[[], None] | None = None) -> list[Sample]:
            samples = []
            for _ in range(args.runs):
                if before is not None:
                    before()
                sample, stdout = run_child(cmd, env)
                samples.append(sample)
                if "--json" in cmd:
                    repeat.last = json.loads(stdout)  # type: ignore[attr-defined]
            return samples

        report("python -c pass", repeat([sys.executable, "-c", "pass"]))
        report("mydw --version", repeat([mydw, "--version"]))
        report(
            "plain gzip + split of every line",
            repeat([sys.executable, "-c", PLAIN_PARSE, str(path)]),
        )
        report(
            "iter_ratings(wanted=10k ids)",
            repeat([sys.executable, "-c", CLIENT_PARSE, str(path), str(wanted_file)]),
        )
        refresh = [mydw, "refresh", "--source", "imdb-dataset", "--dataset-file", str(path)]
        refresh.append("--json")
        report(
            f"mydw refresh ({args.movies:,} movies updated)",
            repeat(refresh, before=reset_ratings),
        )
        summary = repeat.last  # type: ignore[attr-defined]
        assert summary["updated"] == args.movies, summary
        last = {k: summary[k] for k in ("checked", "updated", "seconds")}
        print(f"  last summary: {json.dumps(last)}")
        # The same movies again: all unchanged, every row still rewritten (imdb_updated_on).
        report("mydw refresh --all (all unchanged)", repeat([*refresh, "--all"]))
        report("mydw refresh (nothing due)", repeat([mydw, "refresh", "--json"]))


if __name__ == "__main__":
    main()
