"""Filters: the outlets (included, excluded) and the date range an answer, a search or a timeline may draw on.

They restrict both retrieval sides: the dense query (Chroma `where` on the allowed article ids, so indexes built
before filters existed need no re-indexing) and the BM25 ranking (a mask over the snapshot's passages).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping

from ..errors import InvalidFilters


@dataclass(frozen=True)
class Filters:
    """Outlets to keep (any of, case-insensitive; none given: all), outlets to leave out, and the first and last
    publication day (YYYY-MM-DD, inclusive; an undated article is left out when either is set)."""

    sources: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    def __post_init__(self):
        """Store the outlets as tuples and the days as YYYY-MM-DD; InvalidFilters for anything else."""
        object.__setattr__(self, "sources", _names(self.sources, "sources"))
        object.__setattr__(self, "exclude_sources", _names(self.exclude_sources, "exclude_sources"))
        object.__setattr__(self, "since", _day(self.since, "since"))
        object.__setattr__(self, "until", _day(self.until, "until"))
        if self.since and self.until and self.since > self.until:
            raise InvalidFilters(f"since ({self.since}) is after until ({self.until}): give a range whose start "
                                 f"comes first")

    @classmethod
    def of(cls, value: "Filters | Mapping | None") -> "Filters":
        """Filters from Filters, a dict with some of the four keys (JSON), or None (no filter)."""
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        if not isinstance(value, Mapping):
            raise InvalidFilters("filters must be an object with sources, exclude_sources, since, until")
        unknown = sorted(set(value) - {"sources", "exclude_sources", "since", "until"})
        if unknown:
            raise InvalidFilters(f"unknown filter {unknown[0]!r}: use sources, exclude_sources, since, until")
        return cls(**value)

    @property
    def active(self) -> bool:
        """True when anything is filtered."""
        return bool(self.sources or self.exclude_sources or self.since or self.until)

    def admits(self, source: str | None, day: str | None) -> bool:
        """True when an article with that outlet and date (ISO) passes the filters."""
        outlet = (source or "").casefold()
        if self.sources and outlet not in {s.casefold() for s in self.sources}:
            return False
        if outlet and outlet in {s.casefold() for s in self.exclude_sources}:
            return False
        if self.since or self.until:
            day = (day or "")[:10]
            return bool(day) and (not self.since or day >= self.since) and (not self.until or day <= self.until)
        return True

    def within(self, since: str | None, until: str | None) -> "Filters | None":
        """These filters narrowed to a date range as well (None when the two ranges do not overlap)."""
        since = max(filter(None, (self.since, since)), default=None)
        until = min(filter(None, (self.until, until)), default=None)
        if since and until and since > until:
            return None
        return Filters(self.sources, self.exclude_sources, since, until)

    def describe(self) -> str:
        """'outlets Reuters, AP; not CNN; since 2023-10-01; until 2023-10-31' (empty when nothing is filtered)."""
        parts = [f"outlets {', '.join(self.sources)}" if self.sources else "",
                 f"not {', '.join(self.exclude_sources)}" if self.exclude_sources else "",
                 f"since {self.since}" if self.since else "", f"until {self.until}" if self.until else ""]
        return "; ".join(p for p in parts if p)

    def to_dict(self) -> dict:
        """{"sources", "exclude_sources", "since", "until"} (JSON-ready)."""
        return {"sources": list(self.sources), "exclude_sources": list(self.exclude_sources), "since": self.since,
                "until": self.until}


def no_match(filters: Filters) -> str:
    """The refusal when no article passes the filters."""
    return f"No article matches the filters ({filters.describe()})."


def _names(value: Iterable[str] | str | None, field: str) -> tuple[str, ...]:
    """Outlet names as a tuple, stripped, empty ones out (one name may be given as a string)."""
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else list(value) if isinstance(value, Iterable) else None
    if names is None or not all(isinstance(n, str) for n in names):
        raise InvalidFilters(f"{field} must be a list of outlet names")
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


def _day(value: str | date | None, field: str) -> str | None:
    """A day as YYYY-MM-DD (from a date or such a string); InvalidFilters for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = value.strip() if isinstance(value, str) else ""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidFilters(f"{field} must be a date written YYYY-MM-DD, not {str(value)[:40]!r}") from None
