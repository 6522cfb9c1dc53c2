"""Placeholder: filled in by the refresh work (see the issues). Registers no command yet."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
