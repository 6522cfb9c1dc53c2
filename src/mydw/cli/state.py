"""The state of one command run, carried in Typer's `ctx.obj` (never a process-wide cache).

`run()` creates a `RunState`; commands reach the `AppContext` through `context()`, which a
test can hand in ready-made (with fake upstream transports).
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mydw.services.context import AppContext, Progress


@dataclass
class RunState:
    """What one run of `mydw` shares between the boundary and the command."""

    given: AppContext | None = None
    json: bool = False
    debug: bool = False
    progress: Progress | None = None  # the spinner `run()` installs at a terminal
    _built: AppContext | None = field(default=None, repr=False)

    def app_context(self) -> AppContext:
        resume_gc()  # the command's modules are imported: start-up is over
        if self.given is not None:
            self._install(self.given)
            return self.given
        if self._built is None:
            from mydw.services.context import AppContext

            self._built = AppContext()
            self._install(self._built)
        return self._built

    def _install(self, ctx: AppContext) -> None:
        from mydw.services.context import no_progress

        if self.progress is not None and ctx.progress is no_progress:
            ctx.progress = self.progress

    def close(self) -> None:
        """Close what this run built (a context handed in belongs to its owner)."""
        if self._built is not None:
            self._built.close()
            self._built = None


def current() -> RunState:
    """The RunState of the command being run."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    state = ctx.find_root().obj if ctx is not None else None
    if not isinstance(state, RunState):
        # Called outside run() (a helper used directly): a state of its own.
        state = RunState()
        if ctx is not None:
            ctx.find_root().obj = state
    return state


def context() -> AppContext:
    """The AppContext of the command being run."""
    return current().app_context()


# Start-up creates ~300,000 objects that live until the process ends (modules, SQLAlchemy's
# tables and mappers); the cyclic collector walks them again and again while they are being
# created (~30 ms of `mydw whoami`, measured by benchmarks/startup.py). `main()` pauses it;
# once the command has its context, those objects are frozen out of its sight and it runs as
# usual (a long refresh or import collects like any program).
_gc_paused = False


def pause_gc() -> None:
    global _gc_paused
    if gc.isenabled():
        gc.disable()
        _gc_paused = True


def resume_gc() -> None:
    global _gc_paused
    if _gc_paused:
        _gc_paused = False
        gc.freeze()
        gc.enable()
