"""The per-field merge rule of the sync protocol, in one place.

Each synced row keeps, per field, the row version, mutation, user, device and time of the
field's last change (`field_meta`). An incoming value for a field is accepted when:
- it equals the current value (equal values are never a conflict), or
- the field has not changed since the version the writer based its edit on, or
- the field's current value came from the writer's own previous mutation (`prev_id`): a
  chain of offline edits on one tablet is not a conflict.
Otherwise it is a hard conflict. Plain API calls (`strict`) are refused with 409; synced
mutations keep every candidate value, the last received becomes current, and the field is
flagged for a coordinator. Client clocks are stored for display only.

Delete versus edit: setting `deleted` conflicts with any edit of another field that the
deleting writer had not seen (an edit by the deleting device itself counts as seen: one
`prev_id` cannot name every field a tablet edited offline before deleting), and editing a
row deleted since the writer's base conflicts with the deletion.

Who may see a recorded conflict is a confidentiality rule, so the domain records it: the
caller passes `record_conflict` (otto.inspections.conflicts.merge does, for answers and
findings).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from otto import errors
from otto.changes.models import Conflict
from otto.timeutil import utcnow


@dataclass(frozen=True)
class Write:
    """Who writes, and on what basis: the sync mutation's id, prev_id and base_version.

    `base_version=None` is a blind write (no check), used by plain API calls that send no
    version and by a coordinator's conflict resolution.
    """

    actor: Any
    mutation_id: str | None = None
    prev_id: str | None = None
    base_version: int | None = None
    client_time: Any = None
    strict: bool = True


@dataclass
class MergeResult:
    changed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    version: int | None = None  # the row's version right after this merge


def _seen(meta: dict, write: Write) -> bool:
    """True when the writer had seen this field's current value."""
    if write.base_version is None:
        return True
    if meta.get("v", 0) <= write.base_version:
        return True
    return write.prev_id is not None and meta.get("m") == write.prev_id


def _by_device(meta: dict, write: Write) -> bool:
    """True when the field's current value was written by the writer's own device."""
    device_id = write.actor.device_id
    return device_id is not None and meta.get("d") == device_id


def _json_value(value):
    """A field value as the conflict's JSON keeps it (a date as its ISO text)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _candidate(value, meta: dict | None, write: Write | None) -> dict:
    value = _json_value(value)
    if write is not None:
        return {
            "value": value,
            "user_id": write.actor.user.id,
            "device_id": write.actor.device_id,
            "mutation_id": write.mutation_id,
            "at": utcnow().isoformat(),
            "client_time": write.client_time.isoformat() if write.client_time else None,
        }
    meta = meta or {}
    return {
        "value": value,
        "user_id": meta.get("u"),
        "device_id": meta.get("d"),
        "mutation_id": meta.get("m"),
        "at": meta.get("t"),
        "client_time": meta.get("c"),
    }


def _compare(row, incoming: dict, write: Write) -> tuple[list[str], dict]:
    """The incoming fields that differ from the row's, and of those the contested ones
    (field → current value): changed since the writer's base, and not by its prev_id."""
    meta_all = row.field_meta or {}
    changed, contested = [], {}
    for name, value in incoming.items():
        current = getattr(row, name)
        if current == value:
            continue
        meta = meta_all.get(name, {})
        seen = _seen(meta, write)
        if name == "deleted" and value:
            seen = seen and all(
                _seen(m, write) or _by_device(m, write)
                for f, m in meta_all.items()
                if f != "deleted"
            )
        if not seen:
            contested[name] = current
        changed.append(name)
    return changed, contested


def contested_fields(row, incoming: dict, write: Write) -> list[str]:
    """The fields `merge` would record a hard conflict on (or refuse, in strict mode)."""
    return sorted(_compare(row, incoming, write)[1])


def merge(
    row,
    incoming: dict,
    write: Write,
    *,
    record_conflict: Callable[[str, list[dict]], Conflict],
) -> MergeResult:
    """Apply `incoming` field values to `row` under the per-field rule.

    `row` has `version`, `field_meta`, `visit_id`, `agency_code` and `visibility`. Raises
    errors.Conflict (code `version_conflict`) in strict mode, before changing anything.
    Increments the row version once when any field changed. Each hard conflict is handed to
    `record_conflict(field, [older, newer candidate])`, which returns its Conflict row.
    """
    meta_all_before = row.field_meta or {}
    meta_all = dict(meta_all_before)
    changed, contested = _compare(row, incoming, write)
    result = MergeResult(changed=changed)
    if contested and write.strict:
        raise errors.Conflict(
            "Changed by someone else since your version.",
            {"server_version": row.version, "fields": sorted(contested)},
            code="version_conflict",
        )
    if not result.changed:
        result.version = row.version
        return result
    row.version = result.version = (row.version or 0) + 1
    stamp = {
        "v": row.version,
        "m": write.mutation_id,
        "u": write.actor.user.id,
        "d": write.actor.device_id,
        "t": utcnow().isoformat(),
        "c": write.client_time.isoformat() if write.client_time else None,
    }
    for name in result.changed:
        setattr(row, name, incoming[name])
        meta_all[name] = stamp
    row.field_meta = meta_all
    # Recorded after every field is set: a conflict takes the row's visibility as this very
    # write leaves it (a write that edits and makes the row agency-only at once).
    for name in result.changed:
        if name in contested:
            older = _candidate(contested[name], meta_all_before.get(name), None)
            newer = _candidate(incoming[name], None, write)
            result.conflicts.append(record_conflict(name, [older, newer]))
    return result
