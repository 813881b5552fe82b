"""Small helpers the pages share: local time, paging, reading form fields, and telling the
user a service refused the request."""

import datetime as dt
import re

from flask import flash, request

from otto.errors import DomainError
from otto.extensions import db
from otto.timeutil import LOCAL_TZ
from otto.web.labels import error_message

PER_PAGE = 25
# A path on this site only: browsers read "/\\evil.example" and "/\t/evil.example" (they drop
# tabs and newlines) as "//evil.example", another site.
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\\\x00-\x1f]*")


def local_path(url: str, default: str) -> str:
    """`url` when it is a path on this site (a sign-in's "next"), else `default`."""
    return url if _LOCAL_PATH.fullmatch(url or "") else default


def local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) time in Swedish local time."""
    return value.astimezone(LOCAL_TZ) if value else None


def local_datetime(day: str, time: str) -> dt.datetime:
    """Aware UTC datetime from a local date (YYYY-MM-DD) and time (HH:MM); ValueError if bad."""
    naive = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time))
    try:
        return naive.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01 00:00 local is before the calendar's first UTC day
        raise ValueError(f"{day} {time} is out of range.") from None


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


def refused(error: DomainError, message: str | None = None, *, flash_it: bool = True) -> str:
    """A service refused the page's request: roll back whatever the request wrote (a page
    never commits half a change) and return the refusal as a Swedish sentence (`message`
    in place of the error's own), flashed unless the page shows it itself (`flash_it=False`:
    beside its buttons, or at its form's fields from the error's details)."""
    db.session.rollback()
    text = message or error_message(error)
    if flash_it:
        flash(text, "error")
    return text
