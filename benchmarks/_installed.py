"""The `mydw` the benchmarks time: the one installed next to this Python, as a user has it.

`pip install` (the README's install) byte-compiles the package; an editable install does
not, and where PYTHONDONTWRITEBYTECODE=1 is set (as on the machine these figures come from)
no run ever writes the bytecode either: each start-up then compiles some 100 modules from
source (~70 ms that no installed copy pays). `mydw_command()` byte-compiles the package the
command imports, as pip does, before anything is timed, and says so.

Not a benchmark itself (nox runs every `benchmarks/*.py` but the `_`-prefixed).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def mydw_command(*, compile_bytecode: bool = True) -> str:
    candidate = Path(sys.executable).parent / "mydw"
    found = str(candidate) if candidate.exists() else shutil.which("mydw")
    if not found:
        sys.exit("the mydw command is not installed next to this Python (pip install .)")
    if compile_bytecode:
        python = Path(found).parent / "python"
        interpreter = str(python) if python.exists() else sys.executable
        where = subprocess.run(
            [interpreter, "-c", "import mydw, os; print(os.path.dirname(mydw.__file__))"],
            capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run([interpreter, "-m", "compileall", "-q", where], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"(bytecode of {where} compiled, as `pip install` does)")
    return found
