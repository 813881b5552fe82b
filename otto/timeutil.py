"""Time helpers: the server's clock is the only one used for ordering and decisions, and
Europe/Stockholm is the local time zone in which dates (deadlines, "today") are read."""

import datetime as dt
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Europe/Stockholm")


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def local_today() -> dt.date:
    """Today's date in Sweden, which differs from the UTC date for an hour or two each night."""
    return utcnow().astimezone(LOCAL_TZ).date()
