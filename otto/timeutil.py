"""Time helpers: the server's clock is the only one used for ordering and decisions."""

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)
