"""Small helpers the coordinator pages share: local time, paging and reading form fields."""

import datetime as dt

from flask import request

from otto.extensions import db
from otto.timeutil import LOCAL_TZ

PER_PAGE = 25


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time in Swedish local time."""
    return value.astimezone(LOCAL_TZ) if value else None


def local_datetime(day: str, time: str) -> dt.datetime:
    """Aware UTC datetime from a local date (YYYY-MM-DD) and time (HH:MM); ValueError if bad."""
    naive = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time))
    return naive.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def page_number() -> int:
    """The requested page (`sida`), 1 when missing or nonsense."""
    return max(request.args.get("sida", 1, type=int) or 1, 1)


def paginate(query, per_page: int = PER_PAGE):
    """One page of a select() query: only that page's rows and a count are loaded."""
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False, count=True)


def form_text(name: str, default: str = "") -> str:
    """A form field, stripped."""
    return (request.form.get(name) or default).strip()


def arg_choice(name: str, choices) -> str | None:
    """A query argument, if it is one of `choices`; anything else means no filter."""
    value = request.args.get(name) or None
    return value if value in choices else None
