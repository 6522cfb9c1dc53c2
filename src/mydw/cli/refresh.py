"""`mydw refresh`: keep IMDb ratings fresh, unattended (cron)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mydw.cli import output
from mydw.cli.options import REFRESH_SOURCE, DurationOption, JsonOption, LimitOption
from mydw.cli.state import context

if TYPE_CHECKING:
    from mydw.services.refresh import Progress, RefreshSummary


def refresh(
    source: Annotated[
        str,
        typer.Option(
            "--source",
            click_type=REFRESH_SOURCE,
            help="Where ratings come from: imdb-dataset (IMDb's daily dataset), omdb (one "
            "request per movie), or auto (the dataset when more than 50 movies are due or no "
            "OMDb key is set, else OMDb).",
        ),
    ] = "auto",
    older_than: DurationOption = "7d",  # type: ignore[assignment]  # Click parses the default
    all_: Annotated[
        bool, typer.Option("--all", help="Refresh every cached movie, however fresh.")
    ] = False,
    limit: LimitOption = None,
    dataset_file: Annotated[
        Path | None,
        typer.Option(
            "--dataset-file",
            metavar="PATH",
            help="Read a local copy of title.ratings.tsv.gz instead of downloading it.",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing on success (for cron).")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Refresh the IMDb ratings and vote counts of cached movies.

    Unattended: no login, no keyring (keys from MYDW_OMDB_API_KEY), no prompts.

    A second run while one is going says so and changes nothing (exit 1).

    Exit 0 when the run did its work (titles IMDb lacks count as missing), 5 when the source
    failed or every due movie failed.

    Example (crontab): 17 4 * * * mydw refresh --quiet
    """
    from mydw.services.refresh import refresh as run

    with _progress_bar(enabled=not quiet and sys.stderr.isatty()) as progress:
        summary = run(
            context(),
            source=source,
            older_than=older_than,
            all_=all_,
            limit=limit,
            dataset_file=dataset_file,
            progress=progress,
        )
    _render(summary, quiet=quiet, json_=json_)
    if summary.all_failed:  # nothing refreshed: cron must hear of it
        from mydw.domain.errors import EXIT_UPSTREAM

        raise typer.Exit(EXIT_UPSTREAM)


@contextmanager
def _progress_bar(*, enabled: bool) -> Iterator[Progress | None]:
    """A transient Rich progress bar on stderr (a terminal only), or no callback at all."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    with Bar(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=output.err(),
        transient=True,
    ) as bar:
        task = bar.add_task("Refreshing IMDb ratings", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _render(summary: RefreshSummary, *, quiet: bool, json_: bool) -> None:
    if json_:
        output.emit_json(summary.to_json())
    elif not quiet:
        sys.stdout.write(_one_line(summary) + "\n")
    # Notes are in the JSON document; on failures they explain what went wrong, even --quiet.
    if (not quiet and not json_) or summary.failed:
        for note in summary.notes:
            output.notice(note)
    if summary.failed:
        output.notice(f"{summary.failed} movie(s) could not be refreshed; they stay due")


def _one_line(s: RefreshSummary) -> str:
    if not s.due:
        return "Nothing to refresh: every IMDb rating is fresh."
    line = (
        f"Refreshed {s.checked} movie(s) from {s.source}: {s.updated} updated, "
        f"{s.unchanged} unchanged, {s.missing} missing, {s.failed} failed in {s.seconds:.1f} s."
    )
    if s.remaining:
        line += f" {s.remaining} still due."
    return line


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("refresh")(refresh)
