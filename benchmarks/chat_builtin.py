"""A built-in chat turn over 10,000 cached movies, against the `mydw whoami --json` floor.

Must hold (issue 9): a built-in turn that needs no network takes at most 100 ms more than
`mydw whoami --json` in the same run. Measured two ways:

* as the user runs it: `mydw chat -m TEXT --builtin --json` as a child process, in rounds
  that time `whoami --json` and then each request, so that the figure is the median of
  each round's difference (a machine that speeds up or slows down during the run moves
  both alike);
* inside one process, to see where the time goes: the extra imports a chat turn needs
  (the built-in's modules and rapidfuzz, as the difference between two child
  interpreters), building the title index (one query + keys for 20,000 titles),
  `understand`, and `respond` answering from the cache (details of a typo'd title,
  offline discover, the watchlist) through the real chat tools.

    python benchmarks/chat_builtin.py [--movies 10000] [--runs 7] [--as-is]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _installed import mydw_command
from search_offline import build_database, clean_env

PASSWORD = "benchmark password"
ALLOWANCE = 0.100  # seconds a built-in turn may add to `whoami --json`
REQUESTS = [
    ("tell me about Amelei", "a typo'd title → get_movie from the cache"),
    ("90s dramas rated above 8", "filters → discover from the cache"),
    ("what's on my watchlist?", "the user's own list"),
]
BASE_IMPORTS = ("import mydw.cli.app, mydw.services.catalog, mydw.services.discover, "
                "mydw.services.marks")
# Timed inside one child, after the imports every command already pays.
CHAT_IMPORTS = (BASE_IMPORTS + "; import time; t = time.perf_counter(); "
                "import mydw.services.chat.builtin, mydw.services.chat.builtin_reply, "
                "rapidfuzz.process, rapidfuzz.fuzz; print(time.perf_counter() - t)")


def signup(mydw: str, env: dict[str, str]) -> None:
    subprocess.run([mydw, "signup", "--email", "bench@example.com", "--first-name", "Bench",
                    "--last-name", "Mark", "--password-stdin"], input=PASSWORD + "\n",
                   text=True, env=env, check=True, capture_output=True)


def populate(count: int, seed: int = 7) -> None:
    """`count` detailed cached movies (search_offline's catalogue: titles in both languages,
    "Amélie" among them), 50 of them on the user's watchlist."""
    from sqlalchemy import insert, select

    from mydw.db.models import User, UserMovie
    from mydw.domain.types import utcnow
    from mydw.services.context import AppContext

    build_database(count, seed)
    ctx = AppContext()
    now = utcnow()
    with ctx.db.write() as session:
        user_id = session.scalar(select(User.id))
        session.execute(insert(UserMovie.__table__), [  # type: ignore[arg-type]
            {"user_id": user_id, "movie_id": i, "status": "later", "updated_at": now}
            for i in range(1, 51)])
    ctx.close()


def child(args: Sequence[str], env: dict[str, str], runs: int,
          outputs: list[str] | None = None, *, warm: bool = True) -> list[float]:
    if warm:
        subprocess.run(args, env=env, capture_output=True, check=False)  # the OS caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
        if outputs is not None:
            outputs.append(proc.stdout)
    return times


def time_chat_rounds(mydw: str, env: dict[str, str], runs: int,
                     ) -> tuple[list[float], dict[str, list[float]]]:
    """Rounds of `whoami --json` then `chat -m TEXT --builtin --json` for each request:
    the floor's times, and each request's difference to the floor of its round."""
    floor_args = [mydw, "whoami", "--json"]
    for args in [floor_args] + [[mydw, "chat", "-m", t, "--builtin", "--json"]
                                for t, _ in REQUESTS]:
        child(args, env, 1)  # warm the OS caches (and the title snapshot)
    floor: list[float] = []
    deltas: dict[str, list[float]] = {text: [] for text, _ in REQUESTS}
    for _ in range(runs):
        base = child(floor_args, env, 1, warm=False)[0]
        floor.append(base)
        for text, _what in REQUESTS:
            took = child([mydw, "chat", "-m", text, "--builtin", "--json"], env, 1,
                         warm=False)[0]
            deltas[text].append(took - base)
    return floor, deltas


def real_execute(ctx: Any, user_id: int, lang: str) -> Callable[[Any], Any]:
    """The chat tools, as a turn runs them (offline: nothing here asks TMDB)."""
    from mydw.services.chat import tools

    return lambda call: tools.execute(ctx, user_id, call, lang=lang)


def time_in_process(runs: int) -> dict[str, list[float]]:
    from sqlalchemy import select

    from mydw.db.models import User
    from mydw.services.chat.builtin import respond, understand
    from mydw.services.chat.titles import TitleIndex
    from mydw.services.context import AppContext

    figures: dict[str, list[float]] = {"index": [], "understand": []}
    ctx = AppContext()
    with ctx.db.read() as session:
        user_id = int(session.scalar(select(User.id)))
    execute = real_execute(ctx, user_id, "en")
    respond(ctx, user_id, REQUESTS[0][0], lang="en", history=[], execute=execute)  # warm
    for _ in range(runs):
        started = time.perf_counter()
        titles = TitleIndex.from_database(ctx)
        assert len(titles) > 0
        figures["index"].append(time.perf_counter() - started)
        started = time.perf_counter()
        for text, _what in REQUESTS:
            understand(text, lang="en", titles=titles)
        figures["understand"].append((time.perf_counter() - started) / len(REQUESTS))
    for text, _what in REQUESTS:
        times, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = respond(ctx, user_id, text, lang="en", history=[], execute=execute)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        figures[f"cpu {text}"] = cpu
        if not answer.outcomes or not answer.outcomes[0].ok:
            raise RuntimeError(f"{text!r} was not answered: {answer.content}")
        figures[text] = times
    ctx.close()
    return figures


def ms(values: Sequence[float], *, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{statistics.median(values) * 1000:{sign}6.1f} ms ({min(values) * 1000:{sign}.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--movies", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--as-is", action="store_true",
                        help="do not byte-compile the package first (see _installed.py)")
    options = parser.parse_args()
    mydw = mydw_command(compile_bytecode=not options.as_is)
    with tempfile.TemporaryDirectory(prefix="mydw-bench-") as tmp:
        env = clean_env(Path(tmp) / "home")
        os.environ.clear()
        os.environ.update(env)
        signup(mydw, env)
        populate(options.movies)
        print(f"{options.movies:,} cached movies (SQLite); {options.runs} runs, median (best)\n")
        floor, deltas = time_chat_rounds(mydw, env, options.runs)
        printed: list[str] = []
        child([sys.executable, "-c", CHAT_IMPORTS], env, options.runs, printed)
        chat_imports = [float(out) for out in printed]
        imports = statistics.median(chat_imports)
        print(f"  mydw whoami --json (the floor)           {ms(floor)}")
        print("  mydw chat -m … --builtin --json, over the floor of the same round:")
        for text, _what in REQUESTS:
            print(f"    {text!r:34} {ms(deltas[text], signed=True)}")
        slowest = max(statistics.median(d) for d in deltas.values())
        verdict = "within" if slowest <= ALLOWANCE else "OVER"
        print(f"  slowest request: {slowest * 1000:+.0f} ms over the floor: {verdict} the"
              f" {ALLOWANCE * 1000:.0f} ms allowance\n")
        print("  where the time goes (in-process):")
        print(f"  extra imports of a built-in turn         {ms(chat_imports)}")
        figures = time_in_process(options.runs)
        print(f"  title index over {options.movies:,} movies         {ms(figures['index'])}")
        print(f"  understand (per request)                 {ms(figures['understand'])}")
        worst = 0.0
        for text, what in REQUESTS:
            worst = max(worst, statistics.median(figures[text]))
            print(f"  respond {text!r:34} {ms(figures[text])}; CPU {ms(figures['cpu ' + text])}"
                  f" — {what}")
        print(f"  imports + slowest respond ≈ {(imports + worst) * 1000:.0f} ms")

if __name__ == "__main__":
    main()
