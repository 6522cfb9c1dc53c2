"""The built-in assistant's shared types and sizes (imported by builtin.py and
builtin_reply.py, so that neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mydw.services.chat.titles import TitleMatch
from mydw.services.chat.tools import ToolCall

if TYPE_CHECKING:
    from mydw.services.chat.tools import ToolOutcome
    from mydw.services.views import MovieView

PAGE = 5  # suggestions per reply
LIST_PAGE = 10  # the user's own movies per reply
STATS_SHOWN = 5
MAX_LIMIT = 100  # the services' own cap
LATEST_YEAR = 2035  # a larger trailing number is part of the title ("Blade Runner 2049")
PAGED = ("recommend", "list_my_movies", "search_movies")
KINDS = ("title", "similar", "filters", "mood", "status", "mine", "stats", "help", "answer",
         "more", "unknown")


@dataclass(frozen=True)
class Understanding:
    kind: str
    call: ToolCall | None = None
    status: str | None = None  # set_status / mine / stats: the status concerned
    match: TitleMatch | None = None  # the cached title the request named, when one did
    choice: int | None = None  # answer: the 1-based candidate picked
    cancelled: bool = False  # answer: "none of them"
    page: int = PAGE  # how many movies the reply shows


@dataclass
class BuiltinReply:
    content: str  # the reply, in the reply language
    outcomes: list[ToolOutcome] = field(default_factory=list)  # `movies`: what was shown
    pending: dict[str, Any] | None = None  # stored on the assistant message as `pending`

    @property
    def movies(self) -> list[MovieView]:
        return [m for outcome in self.outcomes for m in outcome.movies]

    @property
    def actions(self) -> list[dict[str, Any]]:
        return [a for outcome in self.outcomes for a in outcome.actions]
