"""Signals: tips about a business (from a partner such as a housing company, the police, a
situation-picture mail) that make it worth a visit. Recorded by coordinators, shown on the
business page and counted by the risk-based selection (otto.analysis.selection), always
through `visible_signals`: a police tip with `agency` visibility stays with the police.
"""

import datetime as dt

from sqlalchemy import select

from otto import audit, limits
from otto.errors import Forbidden, Invalid
from otto.extensions import db
from otto.inspections.businesses import get_business
from otto.inspections.models import Signal, Visibility
from otto.inspections.visibility import visible_signals
from otto.labels import AGENCIES


def signal_snapshot(signal: Signal) -> dict:
    """The audited fields of a signal."""
    fields = ("business_id", "source", "received_on", "text", "agency_code", "visibility")
    return {field: getattr(signal, field) for field in fields}


def record_signal(
    actor,
    business_id: int,
    *,
    source: str,
    received_on: dt.date,
    text: str,
    visibility: str = Visibility.JOINT,
    agency_code: str | None = None,
) -> Signal:
    """Record a tip about a business (coordinators). An `agency` signal names the agency it
    belongs to. Audited; Invalid names each bad field and nothing is written."""
    if not actor.is_coordinator:
        raise Forbidden("Only coordinators record signals.")
    get_business(business_id)
    source, text, agency_code = source.strip(), text.strip(), agency_code or None
    errors = limits.length_errors(
        {"source": (source, limits.PERSON_NAME), "text": (text, limits.SIGNAL_TEXT)}
    )
    if not source:
        errors["source"] = ["Must not be empty."]
    if visibility not in set(Visibility):
        errors["visibility"] = [f"Must be one of {', '.join(Visibility)}."]
    if agency_code is not None and agency_code not in AGENCIES:
        errors["agency_code"] = ["Unknown agency."]
    elif visibility == Visibility.AGENCY and agency_code is None:
        errors["agency_code"] = ["An agency-only signal must name its agency."]
    if errors:
        raise Invalid("The signal has invalid fields.", errors)
    signal = Signal(
        business_id=business_id,
        source=source,
        received_on=received_on,
        text=text,
        visibility=visibility,
        agency_code=agency_code,
        created_by_id=actor.user.id,
    )
    db.session.add(signal)
    db.session.flush()
    audit.record(actor, "create", "signal", signal.id, after=signal_snapshot(signal))
    return signal


def business_signals(user, business_id: int):
    """A query for the signals about a business that `user` may see, newest first."""
    return (
        select(Signal)
        .where(Signal.business_id == business_id, visible_signals(user))
        .order_by(Signal.received_on.desc(), Signal.id.desc())
    )
