"""The dossier of one visit as a user may see it: everything the visit page shows, loaded
through the services that apply the confidentiality rule (otto.inspections.visibility).

Coordinators see every agency's items; an inspector sees the joint items and their own
agency's. Internal notes (`Finding.internal`) are shown here, labelled, as their visibility
allows; they never reach a report (otto.reports.content). Each question's outcome comes
from the checker, as in the reports. The audit trail holds before/after values, so
inspectors see only the visit's own events (planning and status), never those of answers,
findings or photos.
"""

import dataclasses
from collections import defaultdict

from sqlalchemy import select

from otto import labels
from otto.accounts.models import Device, User
from otto.audit import AuditEvent
from otto.changes.models import Conflict
from otto.checklists import services as checklists
from otto.checklists.checker import QuestionOutcome, checklist_outcomes
from otto.checklists.logic import is_missing
from otto.checklists.models import VersionStatus
from otto.extensions import db
from otto.inspections import answers, findings, persons, photos, resolution, signatures
from otto.inspections.models import Answer, Finding, Signature, Visit
from otto.inspections.visits import get_visit

TIMELINE_LIMIT = 200
_VISIT_ENTITIES = ("visit", "signature")


@dataclasses.dataclass
class Checklist:
    """One agency's answers to one pinned template version, in the template's order."""

    agency: str
    version: object
    rows: list[tuple[dict, Answer | None]]  # (question, its answer or None)
    unknown: list[Answer]  # answers to questions the version does not have
    outcomes: dict[str, QuestionOutcome]  # question id → the checker's outcome
    newer: object = None  # the template's newest published (or retired) later version
    removed: set[str] = dataclasses.field(default_factory=set)  # answered, gone from `newer`


@dataclasses.dataclass
class Dossier:
    visit: Visit
    checklists: list[Checklist]
    findings: dict[str, dict[str, list[Finding]]]  # agency → severity → findings
    photos: list
    signatures: list[Signature]
    conflicts: list[Conflict]
    timeline: list[AuditEvent]
    users: dict[int, User]
    devices: dict[str, Device]
    persons: list[dict]  # persons on site as the user may see them (persons.list_persons)

    def conflict_subject(self, conflict: Conflict) -> str:
        """What a conflict is about: the question's text, or the finding's description."""
        if conflict.entity == "answer":
            _visit, version_id, question_id = conflict.entity_id.split(":", 2)
            for checklist in self.checklists:
                if str(checklist.version.id) == version_id:
                    for question, _answer in checklist.rows:
                        if question["id"] == question_id:
                            return question["text"]
            return question_id
        for by_severity in self.findings.values():
            for rows in by_severity.values():
                for finding in rows:
                    if finding.id == conflict.entity_id:
                        return finding.description
        return conflict.entity_id


def load_dossier(user: User, visit_id: str) -> Dossier:
    """Everything of a visit `user` may see; NotFound when they may not open the visit."""
    visit = get_visit(user, visit_id)
    visible_answers = answers.list_answers(user, visit.id)
    visible_findings = findings.list_findings(user, visit.id)
    timeline = _timeline(user, visit.id)
    people = {a.updated_by_id for a in visible_answers} | {e.user_id for e in timeline}
    device_ids = {a.device_id for a in visible_answers if a.device_id}
    return Dossier(
        visit=visit,
        checklists=_checklists(visit, visible_answers, visible_findings),
        findings=_group_findings(visible_findings),
        photos=photos.photo_links(user, visit.id),
        signatures=signatures.list_signatures(user, visit.id),
        conflicts=resolution.list_conflicts(user, visit.id),
        timeline=timeline,
        users=_by_id(User, people),
        devices=_by_id(Device, device_ids),
        persons=persons.list_persons(user, visit.id),
    )


def _by_id(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    pk = model.__mapper__.primary_key[0]
    return {
        getattr(row, pk.key): row for row in db.session.scalars(select(model).where(pk.in_(ids)))
    }


def _checklists(
    visit: Visit, visible_answers: list[Answer], visible_findings: list[Finding]
) -> list[Checklist]:
    """The pinned versions of the visit (and any other version answered, e.g. one pinned
    before the plan changed), each with its questions and the visible answers. A visit keeps
    the version it was planned with when a newer one is published; the answered questions
    that the newer version removed are flagged (`removed`), for the reader to weigh.

    An inspector sees the other agencies' checklists only through their joint answers:
    a checklist with no visible answer is still listed, with its questions unanswered.
    """
    by_version: dict[int, dict[str, Answer]] = defaultdict(dict)
    for answer in visible_answers:
        by_version[answer.template_version_id][answer.question_id] = answer
    version_ids = [a.template_version_id for a in visit.assignments if a.template_version_id]
    version_ids += [v for v in by_version if v not in version_ids]
    linked = defaultdict(set)
    for finding in visible_findings:
        if finding.question_id and not finding.deleted:
            linked[finding.agency_code].add(finding.question_id)
    result = []
    for version_id in dict.fromkeys(version_ids):
        version = checklists.get_version(version_id)
        questions = checklists.question_index(version)
        given = by_version.get(version_id, {})
        newer = _newest_later_version(version)
        result.append(
            Checklist(
                agency=version.template.agency_code,
                version=version,
                rows=[(q, given.get(qid)) for qid, q in questions.items()],
                unknown=[a for qid, a in given.items() if qid not in questions],
                outcomes=checklist_outcomes(
                    version.body,
                    {qid: a.value for qid, a in given.items()},
                    linked[version.template.agency_code],
                ),
                newer=newer,
                removed=_removed_in(newer, given) & questions.keys(),
            )
        )
    return sorted(result, key=lambda c: (c.agency, c.version.template.key))


def _newest_later_version(version):
    """The newest version of the same template that came after `version` and was published
    (retired ones included: they were published once); None when `version` is the newest."""
    later = [
        v
        for v in version.template.versions
        if v.version > version.version and v.status != VersionStatus.DRAFT
    ]
    return later[-1] if later else None


def _removed_in(newer, given: dict[str, Answer]) -> set[str]:
    """The answered questions (a value given) that the newer version no longer has: answers
    on an older version the visit kept, or a tablet sent after the plan moved on."""
    if newer is None:
        return set()
    kept = checklists.question_index(newer)
    return {
        qid for qid, answer in given.items() if qid not in kept and not is_missing(answer.value)
    }


def _group_findings(rows: list[Finding]) -> dict[str, dict[str, list[Finding]]]:
    grouped: dict[str, dict[str, list[Finding]]] = {}
    for finding in rows:
        grouped.setdefault(finding.agency_code, {}).setdefault(finding.severity, []).append(finding)
    return {
        agency: {s: by_severity[s] for s in labels.SEVERITY_ORDER if s in by_severity}
        for agency, by_severity in sorted(grouped.items())
    }


def _timeline(user: User, visit_id: str) -> list[AuditEvent]:
    """The visit's audit events, newest first (all for coordinators; see module doc)."""
    query = select(AuditEvent).where(AuditEvent.visit_id == visit_id)
    if not user.is_coordinator:
        query = query.where(AuditEvent.entity.in_(_VISIT_ENTITIES))
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(TIMELINE_LIMIT)
    return list(db.session.scalars(query))
