"""Periods that questions write ("last week", "in October", "on Oct. 5", "since the summer", "between October 1
and October 10"), read with dateparser relative to the corpus's newest article date (the corpus's "today").

Each becomes a Period (a first and last day, either open). Retrieval boosts the articles published within them,
as it boosts the days facets name; when the question says "only", "between" or "since" they also filter.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_WEEKDAY = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_COUNT = r"(?:\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|a\s+few)"
_ATOM = re.compile(
    r"(?:\b(?P<prep>[Ss]ince|[Bb]etween|[Ff]rom|[Aa]fter|[Bb]efore|[Uu]ntil|[Tt]ill|[Ii]n|[Oo]n|[Dd]uring|[Oo]f|"
    r"[Aa]nd|[Tt]o)\s+)?(?P<the>the\s+)?"
    r"(?P<atom>(?P<iso>(?:19|20)\d{2}-[01]\d-[0-3]\d)"
    r"|"
    rf"(?P<day>{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d{{2}})?)"
    rf"|(?P<month_year>{_MONTH}\.?,?\s+(?:19|20)\d{{2}})"
    rf"|(?P<relative>yesterday|today(?!['’]s)|(?:[Ll]ast|[Tt]his|[Pp]ast|[Pp]revious)\s+(?:week|month|year|{_WEEKDAY})|"
    rf"{_COUNT}\s+(?:days?|weeks?|months?|years?)\s+ago)"
    r"|(?P<season>(?i:spring|summer|autumn|fall|winter)(?:\s+(?:of\s+)?(?P<season_year>(?:19|20)\d{2}))?)"
    rf"|(?P<month>{_MONTH})"
    r"|(?P<year>(?:19|20)\d{2})(?![-/]\d)"
    r")\b(?!\.?\d)")
_ONLY_BEFORE = re.compile(r"\bonly(?:\s+(?:articles?|reports?|news|stories|coverage))?(?:\s+(?:published|written|"
                          r"dated|reported|from))?\s*$", re.I)
_ONLY_AFTER = re.compile(r"^,?\s*only\b", re.I)
_RESTRICTING = ("since", "between")
"""Prepositions that make a period a filter ('since the summer', 'between May 1 and May 5'); so does 'only' said with
the date ('only in October', 'in 2023 only')."""
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_JOINS = {"between": ("and",), "from": ("to", "until", "till")}
"""'between A and B', 'from A to B', 'from A until B': one period from A's first day to B's last."""
_STARTS = {"since": "open_end", "from": "open_end", "after": "after", "until": "open_start", "till": "open_start",
           "before": "before"}


@dataclass(frozen=True)
class Period:
    """Days a question names, as written (`text`), from `start` to `end` inclusive (None: open)."""

    text: str
    start: date | None
    end: date | None

    def matches(self, iso: str | None) -> bool:
        """True when an ISO date (YYYY-MM-DD...) falls within the period."""
        if not iso or len(iso) < 10:
            return False
        day = iso[:10]
        return (self.start is None or day >= self.start.isoformat()) and \
            (self.end is None or day <= self.end.isoformat())

    def label(self) -> str:
        """'2023-10-01 to 2023-10-31', '2023-10-05', 'since 2023-06-01', 'until 2023-10-31'."""
        if self.start is None:
            return f"until {self.end}"
        if self.end is None:
            return f"since {self.start}"
        return str(self.start) if self.start == self.end else f"{self.start} to {self.end}"


@dataclass(frozen=True)
class QuestionDates:
    """The periods a question names and whether it asks for only those ("only", "between", "since")."""

    periods: tuple[Period, ...] = ()
    restrict: bool = False
    rest: str = ""
    """The question with its date expressions taken out ('What happened with Kirkuk since May?' -> 'What happened
    with Kirkuk?'), for what is asked about rather than when."""

    def span(self) -> tuple[str | None, str | None]:
        """The first and last day (ISO) the periods cover together; None where one is open."""
        starts = [p.start for p in self.periods]
        ends = [p.end for p in self.periods]
        since = None if None in starts or not starts else min(starts).isoformat()
        until = None if None in ends or not ends else max(ends).isoformat()
        return since, until

    def describe(self) -> str:
        """'dates: in October = 2023-10-01 to 2023-10-31 (only these)' (empty without periods)."""
        if not self.periods:
            return ""
        read = "; ".join(f"{p.text} = {p.label()}" for p in self.periods)
        return f"dates: {read}" + (" (only these)" if self.restrict else " (preferred)")


def question_dates(question: str, today: date) -> QuestionDates:
    """The periods written in a question, read relative to `today` (the corpus's newest article date)."""
    periods: list[Period] = []
    opener, last_end, restrict, spans = "", -1, False, []
    for match in _ATOM.finditer(question):
        prep = (match["prep"] or "").lower()
        joins = bool(periods) and not question[last_end:match.start()].strip(" ,") and prep in _JOINS.get(opener, ())
        if not joins and not _stands_alone(match, prep):
            continue
        first, last = _days(match, today)
        if first is None:
            continue
        text = match.group().strip()
        if joins:
            earlier = periods.pop()
            periods.append(Period(f"{earlier.text} {text}", earlier.start, last))
            spans[-1] = (spans[-1][0], match.end())
            opener = ""
        else:
            periods.append(_bounded(text, prep, first, last))
            spans.append(match.span())
            opener = prep
            restrict = restrict or prep in _RESTRICTING or _only(question, match)
        last_end = match.end()
    return QuestionDates(tuple(periods), bool(periods) and restrict, _without(question, spans))


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans taken out, spaces tidied."""
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return re.sub(r"\s+([?.!,])", r"\1", " ".join(text.split()))


def _only(question: str, match: re.Match) -> bool:
    """True when 'only' is said with the date ('only in October', 'only articles from May', 'in 2023 only')."""
    return bool(_ONLY_BEFORE.search(question[:match.start()]) or _ONLY_AFTER.match(question[match.end():]))


def warm_up() -> None:
    """Load dateparser's English data now (its first reading takes about 0.4 s), not during a first question."""
    _parse("October 5", date(2000, 1, 1))


def _stands_alone(match: re.Match, prep: str) -> bool:
    """A bare month, year or season is a date only after a preposition ('in May', 'since 2021') or, for a season,
    'the' ('the summer', but not 'the fall of Kabul'): 'May I', 'in the 2023 World Cup' and 'prices fall' are not."""
    placed = bool(prep) and prep not in ("and", "to")
    if match["year"]:
        return placed and not match["the"]
    if match["month"]:
        return placed
    if match["season"] and not match["season_year"]:
        of_something = re.match(r"\s+of\b", match.string[match.end():])
        return (placed or bool(match["the"])) and not of_something
    return True


def _bounded(text: str, prep: str, first: date, last: date) -> Period:
    """The period a preposition makes of the days: 'since X' from X on, 'before X' up to the day before, etc."""
    kind = _STARTS.get(prep)
    if kind == "open_end":
        return Period(text, first, None)
    if kind == "after":
        return Period(text, last + timedelta(days=1), None)
    if kind == "open_start":
        return Period(text, None, last)
    if kind == "before":
        return Period(text, None, first - timedelta(days=1))
    return Period(text, first, last)


def _days(match: re.Match, today: date) -> tuple[date | None, date | None]:
    """The first and last day the date expression names (None, None when dateparser cannot read it)."""
    if match["season"]:
        return _season(match["season"].split()[0].lower(), match["season_year"], today)
    parsed = _parse(match["atom"].replace(".", ""), today)
    if parsed is None:
        return None, None
    day, period = parsed
    if match["relative"] and match["relative"].lower().startswith("past"):
        return _rolling(period, today), today
    if period == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if period == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    return day, day


@lru_cache(maxsize=4096)
def _parse(text: str, today: date) -> tuple[date, str] | None:
    """dateparser's reading of a date expression relative to today: (day, 'day'|'week'|'month'|'year')."""
    from dateparser.date import DateDataParser

    text = re.sub(r"^(past|previous)\b", "last", text, flags=re.I)
    settings = {"RELATIVE_BASE": datetime(today.year, today.month, today.day), "PREFER_DATES_FROM": "past"}
    data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    if data.date_obj is None:
        return None
    return data.date_obj.date(), data.period or "day"


def _rolling(unit: str, today: date) -> date:
    """The first day of 'the past week / month / year': a window of that length ending today."""
    if unit == "week":
        return today - timedelta(days=6)
    if unit == "month":
        return today - timedelta(days=29)
    return today - timedelta(days=364)


def _season(name: str, year: str | None, today: date) -> tuple[date, date]:
    """A season's three months (northern meteorological: summer is June to August); without a year, the latest
    that has begun by today."""
    month = _SEASONS[name]
    start_year = int(year) if year else today.year
    if not year and date(start_year, month, 1) > today:
        start_year -= 1
    first = date(start_year, month, 1)
    end_month, end_year = (month + 2 - 1) % 12 + 1, start_year + (month + 2 > 12)
    return first, date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
