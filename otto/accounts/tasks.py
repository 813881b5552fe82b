"""Scheduled work of the accounts domain (registered in otto.scheduler, also CLI commands)."""

import datetime as dt

from flask import current_app

from otto.accounts import sessions, throttle
from otto.extensions import db

# Ended or idle web sessions are kept this long for the people page's history of sign-ins.
SESSION_DAYS = 90


def prune_sign_ins(now: dt.datetime) -> dict[str, int]:
    """Delete web sessions over SESSION_DAYS past their end or last use, and login counts
    that would be forgotten anyway; returns how many of each."""
    pruned = {
        "sessions": sessions.prune(now - dt.timedelta(days=SESSION_DAYS)),
        "login_counts": throttle.prune(now, throttle.Policy.from_config(current_app.config)),
    }
    db.session.commit()
    return pruned
