"""Reporting periods: the ISO week (lägesbild), the tertial (Jan–Apr, May–Aug, Sep–Dec;
tertialanalys) and the calendar year, as Swedish local dates."""

import datetime as dt
from dataclasses import dataclass

from otto.inspections.deadlines import local_time

KINDS = ("week", "tertial", "year")
KIND_LABELS = {"week": "Vecka", "tertial": "Tertial", "year": "År"}


@dataclass(frozen=True)
class Period:
    """A period of whole local days, `start` to `end` inclusive."""

    kind: str
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """The period in Swedish: "vecka 48 2026", "tertial 3 2026", "2026"."""
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"vecka {week} {year}"
        if self.kind == "tertial":
            return f"tertial {(self.start.month - 1) // 4 + 1} {self.start.year}"
        return str(self.start.year)

    @property
    def title(self) -> str:
        """The page heading: "Lägesbild vecka 48 2026", "Tertial 3 2026", "År 2026"."""
        if self.kind == "week":
            return f"Lägesbild {self.label}"
        if self.kind == "tertial":
            return self.label.capitalize()
        return f"År {self.label}"

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[from, until) as aware UTC datetimes: local midnight to the midnight after `end`."""
        return local_time(self.start), local_time(self.end + dt.timedelta(days=1))

    def previous(self) -> "Period":
        """The period of the same kind just before this one."""
        return period_of(self.kind, self.start - dt.timedelta(days=1))


def period_of(kind: str, day: dt.date) -> Period:
    """The week, tertial or year containing `day`."""
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period(kind, start, start + dt.timedelta(days=6))
    if kind == "tertial":
        first_month = (day.month - 1) // 4 * 4 + 1
        start = dt.date(day.year, first_month, 1)
        if first_month == 9:
            return Period(kind, start, dt.date(day.year, 12, 31))
        return Period(kind, start, dt.date(day.year, first_month + 4, 1) - dt.timedelta(days=1))
    if kind == "year":
        return Period(kind, dt.date(day.year, 1, 1), dt.date(day.year, 12, 31))
    raise ValueError(f"Unknown period kind {kind!r}; one of {', '.join(KINDS)}.")
