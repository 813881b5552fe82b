"""What one report of a visit contains, gathered through the confidentiality rule.

Every answer, finding and photo link comes from `visibility.report_items`: an agency's
report holds that agency's items (both visibilities), the joint report only `joint` items of
every agency. Follow-ups follow their findings. The result is plain data for the template.

Internal notes never leave the system: a finding marked `internal` is in no report to the
business (draft, issued or joint), and neither are its photos and follow-ups. The rule is
`REPORTABLE_FINDING` below and nowhere else; the dossier shows such findings, labelled.

Each control point's outcome comes from the checker (`checker.checklist_outcomes`), never
from an evaluation of its own; the summary counts exactly the rows and findings listed.
"""

import dataclasses
import hashlib
import json
from collections import defaultdict

from sqlalchemy import select

from otto import labels
from otto.accounts.models import Agency, User
from otto.checklists import services as checklists
from otto.checklists.checker import OUTCOMES, checklist_outcomes
from otto.checklists.logic import is_missing
from otto.errors import Forbidden, Invalid
from otto.extensions import db
from otto.inspections import read_log
from otto.inspections.models import (
    Answer,
    Finding,
    FollowUp,
    Photo,
    PhotoLink,
    Signature,
    Visit,
)
from otto.inspections.visibility import photo_links_following, report_items
from otto.inspections.visits import case_numbers, get_visit

# The one rule of what a report may say about findings: deleted findings and internal
# notes (`Finding.internal`) are never in a report to the business.
REPORTABLE_FINDING = Finding.deleted_at.is_(None) & Finding.internal.is_(False)


@dataclasses.dataclass
class Row:
    """One question of a checklist with its outcome (one of checker.OUTCOMES)."""

    question_id: str
    text: str
    outcome: str
    value: str
    note: str
    legal_ref: str
    photos: list[str] = dataclasses.field(default_factory=list)  # a photo answer's photos

    @property
    def outcome_label(self) -> str:
        return labels.OUTCOMES[self.outcome]


@dataclasses.dataclass
class Section:
    title: str
    rows: list[Row]


@dataclasses.dataclass
class Checklist:
    agency_code: str
    agency_name: str
    title: str
    version: int
    sections: list[Section]

    def count(self, outcome: str) -> int:
        return sum(row.outcome == outcome for s in self.sections for row in s.rows)


@dataclasses.dataclass
class ReportPhoto:
    sha256: str
    caption: str
    pending: bool  # linked, but the server has not received the bytes yet


@dataclasses.dataclass
class FindingEntry:
    number: int
    finding: Finding
    agency_name: str
    question_text: str
    photos: list[ReportPhoto]
    follow_ups: list[FollowUp]

    @property
    def severity_label(self) -> str:
        return labels.label(labels.SEVERITIES, self.finding.severity)


@dataclasses.dataclass
class Participant:
    name: str
    email: str
    agency_code: str
    agency_name: str


@dataclasses.dataclass
class Summary:
    """The report's first-page counts, each equal to what the report lists."""

    outcomes: dict[str, int]  # outcome → number of control points listed with it
    findings: int  # findings listed
    findings_without_point: int  # of which not tied to a question of the checklist

    @property
    def findings_at_points(self) -> int:
        return self.findings - self.findings_without_point


@dataclasses.dataclass
class ReportContent:
    """Everything one report shows. `agency` is None for the joint report; `case_number`
    is the agency's own (its participation's), the visit's for the joint report."""

    visit: Visit
    agency: Agency | None
    agencies: list[Agency]
    case_number: str
    inspectors: list[Participant]
    coordinator: User | None
    checklists: list[Checklist]
    findings: list[FindingEntry]
    other_photos: list[ReportPhoto]
    signatures: list[Signature]

    @property
    def joint(self) -> bool:
        return self.agency is None

    @property
    def senders(self) -> list[Agency]:
        """Whose letterhead and footer the report carries."""
        return self.agencies if self.agency is None else [self.agency]

    @property
    def summary(self) -> Summary:
        counts = dict.fromkeys(OUTCOMES, 0)
        for checklist in self.checklists:
            for section in checklist.sections:
                for row in section.rows:
                    counts[row.outcome] += 1
        without_point = sum(not e.question_text for e in self.findings)
        return Summary(counts, len(self.findings), without_point)

    @property
    def has_photos(self) -> bool:
        return bool(
            self.other_photos or self.photo_shas - {s.image_sha256 for s in self.signatures}
        )

    @property
    def has_follow_ups(self) -> bool:
        return any(e.follow_ups or e.finding.follow_up_due for e in self.findings)

    @property
    def logos(self) -> dict[str, bytes]:
        """The senders' logos the report may embed, by agency code."""
        return {a.code: a.logo for a in self.senders if a.logo}

    @property
    def photo_shas(self) -> set[str]:
        """Every photo (and signature image) the report may embed."""
        shas = {p.sha256 for e in self.findings for p in e.photos if not p.pending}
        shas |= {p.sha256 for p in self.other_photos if not p.pending}
        shas |= {
            sha for c in self.checklists for s in c.sections for r in s.rows for sha in r.photos
        }
        return shas | {s.image_sha256 for s in self.signatures}


def _assignments(visit: Visit) -> list:
    """The visit's assignments in planning order: a report must come out the same each time
    (its fingerprint decides whether a closed visit's report is issued again)."""
    return sorted(visit.assignments, key=lambda a: a.id)


def participating_agencies(visit: Visit) -> list[str]:
    """The codes of the agencies taking part in a visit, in planning order, once each."""
    return list(dict.fromkeys(a.agency_code for a in _assignments(visit)))


def load_content(user: User, visit_id: str, agency_code: str | None) -> ReportContent:
    """The content of a visit's report for `agency_code` (None: the joint report).

    NotFound when the user may not open the visit; Invalid when the agency did not take
    part in it (or does not exist); Forbidden when the user may not request this report.
    """
    visit = get_visit(user, visit_id)
    codes = participating_agencies(visit)
    if agency_code is not None and agency_code not in codes:
        raise Invalid(
            f"The agency {agency_code!r} did not take part in this visit.",
            {"agency": [f"One of {', '.join(codes)}."]},
            code="unknown_agency",
        )
    clauses = {
        model: report_items(user, visit.id, model, agency_code)
        for model in (Answer, Finding, PhotoLink)
    }
    if clauses[Answer] is None:
        raise Forbidden("You may not request this report.")
    agencies = {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(codes)))}
    answers = list(db.session.scalars(select(Answer).where(clauses[Answer])))
    finding_clause = clauses[Finding] & REPORTABLE_FINDING
    findings = list(db.session.scalars(select(Finding).where(finding_clause)))
    questions = _question_texts(visit, answers)
    checklist_parts = _checklists(visit, agency_code, answers, findings, agencies)
    links = _photo_links(clauses[PhotoLink], finding_clause)
    read_log.saw(user, [*answers, *findings, *(link for link, _ in links)])
    entries = _finding_entries(findings, links, agencies, questions)
    finding_ids = {f.id for f in findings}
    return ReportContent(
        visit=visit,
        agency=agencies.get(agency_code) if agency_code else None,
        agencies=[agencies[c] for c in codes if c in agencies],
        case_number=agency_case_number(visit, agency_code),
        inspectors=_inspectors(visit, agency_code, agencies),
        coordinator=db.session.get(User, visit.coordinator_id) if visit.coordinator_id else None,
        checklists=checklist_parts,
        findings=entries,
        other_photos=[p for link, p in links if link.finding_id not in finding_ids],
        signatures=_signatures(visit.id),
    )


def agency_case_number(visit: Visit, agency_code: str | None) -> str:
    """The case number a report carries: the agency's own on its participation, the visit's
    (the coordinator's) for the joint report; "" when the agency has given none."""
    if agency_code is None:
        return visit.case_number
    return case_numbers(visit).get(agency_code, "")


def fingerprint(content: ReportContent, html: str) -> str:
    """The SHA-256 of a report's content: its HTML (rendered without the issue stamp) and
    the photos it embeds, so a changed photo or text means a new version."""
    digest = hashlib.sha256(html.encode())
    digest.update(json.dumps(sorted(content.photo_shas)).encode())
    for code, logo in sorted(content.logos.items()):
        digest.update(code.encode() + hashlib.sha256(logo).digest())
    return digest.hexdigest()


def _inspectors(visit: Visit, agency_code, agencies) -> list[Participant]:
    seen, result = set(), []
    for assignment in _assignments(visit):
        if agency_code and assignment.agency_code != agency_code:
            continue
        if assignment.user_id in seen:
            continue
        seen.add(assignment.user_id)
        agency = agencies.get(assignment.agency_code)
        result.append(
            Participant(
                name=assignment.user.name,
                email=assignment.user.email,
                agency_code=assignment.agency_code,
                agency_name=agency.name if agency else assignment.agency_code,
            )
        )
    return result


def _signatures(visit_id: str) -> list[Signature]:
    """The representative's signatures: the visit's, not an agency's compartment (every
    participant sees them in the dossier)."""
    query = (
        select(Signature)
        .where(Signature.visit_id == visit_id)
        .order_by(Signature.signed_at, Signature.id)
    )
    return list(db.session.scalars(query))


def _question_texts(visit, answers) -> dict[tuple[str, str], str]:
    """(agency, question id) → question text, for findings that point at a question; the
    newest version's text where versions differ."""
    texts = {}
    version_ids = {a.template_version_id for a in visit.assignments if a.template_version_id}
    version_ids |= {a.template_version_id for a in answers}
    for version_id in sorted(version_ids, reverse=True):
        version = checklists.get_version(version_id)
        for qid, question in checklists.question_index(version).items():
            texts.setdefault((version.template.agency_code, qid), question["text"])
    return texts


def _checklists(visit, agency_code, answers, findings, agencies) -> list[Checklist]:
    """The agency's pinned checklists with every question and its outcome; in the joint
    report, each agency's checklist with only the questions that have a joint answer or a
    joint finding."""
    by_version: dict[int, dict[str, Answer]] = defaultdict(dict)
    for answer in answers:
        by_version[answer.template_version_id][answer.question_id] = answer
    version_ids = [
        a.template_version_id
        for a in _assignments(visit)
        if a.template_version_id and (agency_code is None or a.agency_code == agency_code)
    ]
    version_ids += [v for v in by_version if v not in version_ids]
    linked = defaultdict(set)
    for finding in findings:
        if finding.question_id:
            linked[finding.agency_code].add(finding.question_id)
    result = []
    for version_id in dict.fromkeys(version_ids):
        version = checklists.get_version(version_id)
        code = version.template.agency_code
        given = by_version.get(version_id, {})
        values = {qid: a.value for qid, a in given.items()}
        outcomes = checklist_outcomes(version.body, values, linked[code])
        stored = _stored_photos(values.values())
        shared = given.keys() | linked[code]  # what the joint report lists of this checklist
        sections = []
        for section in version.body["sections"]:
            rows = [
                _row(question, given.get(question["id"]), outcomes[question["id"]], stored)
                for question in section["questions"]
                if agency_code is not None or question["id"] in shared
            ]
            if rows:
                sections.append(Section(section["title"], rows))
        if agency_code is None and not sections:
            continue  # nothing of this agency's checklist is shared
        agency = agencies.get(code)
        result.append(
            Checklist(
                agency_code=code,
                agency_name=agency.name if agency else code,
                title=version.template.title,
                version=version.version,
                sections=sections,
            )
        )
    order = {code: n for n, code in enumerate(participating_agencies(visit))}
    return sorted(result, key=lambda c: (order.get(c.agency_code, 99), c.title))


def _value_text(question: dict, value) -> str:
    return "" if is_missing(value) else labels.answer_value(value, question)


def _row(question: dict, answer: Answer | None, outcome, stored: set[str]) -> Row:
    value = answer.value if answer else None
    shown = outcome.visible and question["type"] == "photo"
    return Row(
        question_id=question["id"],
        text=question["text"],
        outcome=outcome.outcome,
        value=_value_text(question, value),
        note=answer.note if answer else "",
        legal_ref=question.get("legal_ref", ""),
        photos=[sha for sha in labels.photo_shas(value) if sha in stored] if shown else [],
    )


def _stored_photos(values) -> set[str]:
    """Of the photos the answers name, those whose bytes the server has."""
    named = {sha for value in values for sha in labels.photo_shas(value)}
    if not named:
        return set()
    return set(db.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(named))))


def _photo_links(link_clause, finding_clause) -> list[tuple[PhotoLink, ReportPhoto]]:
    """The report's photo links: the rule applied to the link and, for a finding's photo,
    to its finding too (a finding made agency-only keeps its photos inside its agency)."""
    query = (
        select(PhotoLink, Photo.sha256)
        .outerjoin(Photo, Photo.sha256 == PhotoLink.photo_sha256)
        .where(photo_links_following(link_clause, finding_clause), PhotoLink.deleted_at.is_(None))
        .order_by(PhotoLink.created_at, PhotoLink.id)
    )
    return [
        (link, ReportPhoto(link.photo_sha256, link.caption, pending=stored is None))
        for link, stored in db.session.execute(query)
    ]


def _finding_entries(findings, links, agencies, questions) -> list[FindingEntry]:
    photos_by_finding = defaultdict(list)
    for link, photo in links:
        if link.finding_id:
            photos_by_finding[link.finding_id].append(photo)
    follow_ups = defaultdict(list)
    if findings:
        query = (
            select(FollowUp)
            .where(FollowUp.finding_id.in_([f.id for f in findings]))
            .order_by(FollowUp.due_date, FollowUp.id)
        )
        for follow_up in db.session.scalars(query):
            follow_ups[follow_up.finding_id].append(follow_up)
    rank = {severity: n for n, severity in enumerate(labels.SEVERITY_ORDER)}
    ordered = sorted(findings, key=lambda f: (rank.get(f.severity, 9), f.created_at, f.id))
    entries = []
    for number, finding in enumerate(ordered, start=1):
        agency = agencies.get(finding.agency_code)
        entries.append(
            FindingEntry(
                number=number,
                finding=finding,
                agency_name=agency.name if agency else finding.agency_code,
                question_text=questions.get((finding.agency_code, finding.question_id), ""),
                photos=photos_by_finding.get(finding.id, []),
                follow_ups=follow_ups.get(finding.id, []),
            )
        )
    return entries
