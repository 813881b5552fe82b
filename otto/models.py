"""Imports every model module, so metadata is complete for Alembic and for tests."""

from otto.accounts.models import (  # noqa: F401
    Agency,
    Device,
    LoginThrottle,
    User,
    WebSession,
)
from otto.analysis.models import SelectionWeight  # noqa: F401
from otto.audit import AuditEvent  # noqa: F401
from otto.changes.models import Change, Conflict, SyncState  # noqa: F401
from otto.checklists.models import Template, TemplateVersion  # noqa: F401
from otto.inspections.models import (  # noqa: F401
    Answer,
    Assignment,
    Business,
    DigestSent,
    Finding,
    FollowUp,
    Photo,
    PhotoLink,
    ReminderSent,
    Signal,
    Signature,
    Visit,
)
from otto.inspections.read_log import ReadEvent  # noqa: F401
from otto.reports.models import Report  # noqa: F401
from otto.sync.models import SyncMutation  # noqa: F401
