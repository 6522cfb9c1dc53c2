"""`mydw import` and `mydw export`: your history in and out (Letterboxd, IMDb, Trakt, mydw).

Only typer is imported at start-up; the services are imported inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mydw.cli.options import EXPORT_FORMAT, IMPORT_SOURCE, STATUS, JsonOption
from mydw.cli.state import context

if TYPE_CHECKING:
    from mydw.services.transfer import ImportSummary


def import_(
    source: Annotated[str, typer.Argument(
        click_type=IMPORT_SOURCE, metavar="SOURCE", show_default=False,
        help="Where the file comes from: letterboxd, imdb, trakt or mydw (an export of "
        "mydw).")],
    path: Annotated[Path, typer.Argument(help="The export: a ZIP, its folder, or one file.")],
    dry_run: Annotated[bool, typer.Option("--dry-run",
                                          help="Change nothing; say what would change.")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace a not-interested mark by the file's status.")] = False,
    json_: JsonOption = False,
) -> None:
    """Import your history: seen movies, ratings, watch dates and watchlist.

    Movies are found through TMDB (Letterboxd by title and year, IMDb by its id, Trakt by
    TMDB id); rows matching no movie, or several, are written to a report CSV next to the
    file, never guessed. Importing the same file again changes nothing and asks TMDB
    nothing. Exit 0 when the file was read, 1 when it cannot be used.

    Example: mydw import letterboxd letterboxd-ada-2026-12-01.zip --dry-run
    """
    from mydw.cli import output
    from mydw.services import accounts
    from mydw.services.transfer import import_file

    ctx = context()
    user = accounts.current_user(ctx)
    with _progress_bar(enabled=sys.stderr.isatty() and not json_) as progress:
        summary = import_file(ctx, user.id, source, path, dry_run=dry_run,
                              overwrite=overwrite, progress=progress)
    if json_:
        output.emit_json(summary.to_json())
        return
    sys.stdout.write(_one_line(summary) + "\n")
    if summary.report:
        output.notice(f"{summary.unmatched + summary.ambiguous + summary.invalid} row(s) not "
                      f"imported are listed in {summary.report}")


def _one_line(s: ImportSummary) -> str:
    verb = "Would import" if s.dry_run else "Imported"
    return (f"{verb} from {s.format}: {s.seen} seen, {s.later} later, {s.rated} rated, "
            f"{s.viewings} viewing(s), {s.unchanged} unchanged; {s.unmatched} unmatched, "
            f"{s.ambiguous} ambiguous, {s.skipped} skipped (not movies)"
            + (f", {s.invalid} invalid" if s.invalid else "") + ".")


@contextmanager
def _progress_bar(*, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A transient progress bar on stderr at a terminal; nothing for scripts."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from mydw.cli import output

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=output.err(),
                  transient=True) as bar:
        task = bar.add_task("Matching movies on TMDB", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def export(
    format_: Annotated[str, typer.Option(
        "--format", click_type=EXPORT_FORMAT,
        help="json (read back by `mydw import mydw`), csv (spreadsheets) or letterboxd "
        "(Letterboxd's import CSV).")] = "json",
    status: Annotated[str | None, typer.Option(
        "--status", "-s", click_type=STATUS,
        help="Only movies with this status: seen, later or not-interested (letterboxd + "
        "later: a watchlist file).")] = None,
    output_file: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="FILE",
        help="Write to FILE (letterboxd: FILE-1.csv, FILE-2.csv… past 1,000 rows) instead "
        "of stdout.")] = None,
) -> None:
    """Export your history: statuses, ratings and watch dates.

    Example: mydw export --format letterboxd -o letterboxd.csv
    """
    from mydw.cli import output
    from mydw.services import accounts
    from mydw.services.transfer import export as run

    ctx = context()
    user = accounts.current_user(ctx)
    result = run(ctx, user.id, fmt=format_, status=status)
    if output_file is None:
        sys.stdout.write(result.text)
        return
    targets = [output_file] if len(result.parts) == 1 else [
        output_file.with_name(f"{output_file.stem}-{n}{output_file.suffix or '.csv'}")
        for n in range(1, len(result.parts) + 1)]
    from mydw.domain.errors import InvalidInput

    for target, part in zip(targets, result.parts, strict=True):
        try:
            target.write_text(part, encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"output {target}: cannot be written ({exc.strerror or exc})",
                               parameter="output") from exc
    output.notice(f"Exported {result.rows} row(s) to " + ", ".join(str(t) for t in targets))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("import")(import_)
    app.command("export")(export)
