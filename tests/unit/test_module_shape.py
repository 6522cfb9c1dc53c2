"""The shape of the code (issue 8): no two modules import each other, anywhere in src
(lazy and TYPE_CHECKING imports included), and no module over ~400 lines without a reason
written at its top."""

from __future__ import annotations

from pathlib import Path

import grimp

import mydw

LONG = 420  # "about 400"


def test_no_two_modules_import_each_other() -> None:
    graph = grimp.build_graph("mydw")
    pairs = {
        tuple(sorted((module, other)))
        for module in graph.modules
        for other in graph.find_modules_directly_imported_by(module)
        if module in graph.find_modules_directly_imported_by(other)
    }
    assert pairs == set()


def test_long_modules_say_why_at_their_top() -> None:
    root = Path(mydw.__file__).parent
    unexplained = []
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        head = "\n".join(text.splitlines()[:30])
        if text.count("\n") > LONG and "Why this module is long" not in head:
            unexplained.append(str(path.relative_to(root)))
    assert unexplained == []
