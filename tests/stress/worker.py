"""One stress worker process: runs several `mydw` command lines one after another, each
through `mydw.cli.app.run` as a separate command would (its own AppContext, database
connection and transactions), and prints one JSON line of exit codes on stdout.

    python tests/stress/worker.py '["mark", "seen", "910001"]' '["mark", "later", "910002"]'

Started by tests/stress/test_concurrency.py as N processes at once: one interpreter start
per process instead of one per command (~0.4 s each on a loaded machine).
"""

from __future__ import annotations

import json
import sys


def main(lines: list[str]) -> int:
    from mydw.cli.app import run

    codes = [run(json.loads(line)) for line in lines]
    sys.stdout.write(json.dumps({"codes": codes}) + "\n")
    return max(codes, default=0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
