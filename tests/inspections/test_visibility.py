"""The confidentiality rule and the rules derived from it (otto.inspections.visibility), each
as one table: who (coordinator, admin, the owning agency's participant, another agency's
participant, an inspector not on the visit) against what (joint or agency-only items of
the miljö agency) gives what. Every path that shows, sends, reports or changes an item
uses these functions, so a wrong cell here is a leak or a refusal somewhere a user sees it.
"""

import datetime as dt

import pytest
from sqlalchemy import select

from otto.auth import Actor
from otto.changes.models import Change
from otto.errors import Forbidden
from otto.extensions import db
from otto.inspections import visibility
from otto.inspections.models import Finding, FollowUp, PhotoLink, Visit
from otto.timeutil import utcnow

VIEWERS = ("coordinator", "admin", "miljo", "polis", "outsider")
JOINT, AGENCY = "joint", "agency"


@pytest.fixture
def setting(make_user, make_visit):
    """A visit of a miljö and a police inspector; a miljö inspector not on it; a
    coordinator and an admin."""
    people = {
        "coordinator": make_user(role="coordinator"),
        "admin": make_user(role="admin"),
        "miljo": make_user(agency="miljo"),
        "polis": make_user(agency="polis"),
        "outsider": make_user(agency="miljo"),
    }
    visit = make_visit(
        coordinator=people["coordinator"], inspectors=[people["miljo"], people["polis"]]
    )
    return {"visit": visit, **people}


def _finding(setting, visibility_, agency="miljo") -> Finding:
    finding = Finding(
        visit_id=setting["visit"].id,
        agency_code=agency,
        severity="minor",
        description="Trasig kyl",
        visibility=visibility_,
        created_by_id=setting[agency].id,
    )
    db.session.add(finding)
    db.session.flush()
    return finding


def _link(setting, visibility_, finding=None) -> PhotoLink:
    link = PhotoLink(
        photo_sha256="a" * 64,
        visit_id=setting["visit"].id,
        agency_code="miljo",
        finding_id=finding.id if finding else None,
        visibility=visibility_,
        created_by_id=setting["miljo"].id,
    )
    db.session.add(link)
    db.session.flush()
    return link


def _seen(model, clause, row) -> bool:
    """Whether the WHERE clause on `model` selects `row`."""
    pk = model.__mapper__.primary_key[0]
    return db.session.scalar(select(pk).where(pk == getattr(row, pk.key), clause)) is not None


def _seen_by(setting, model, clause_for, row) -> set[str]:
    """The viewers for whom `clause_for(user)` selects `row`."""
    return {who for who in VIEWERS if _seen(model, clause_for(setting[who]), row)}


def test_who_opens_the_visit(setting):
    seen = _seen_by(setting, Visit, visibility.visible_visits, setting["visit"])
    assert seen == {"coordinator", "admin", "miljo", "polis"}


# (visibility of a miljö item) → viewers who see it
ITEM_SEEN_BY = {
    JOINT: {"coordinator", "admin", "miljo", "polis"},
    AGENCY: {"coordinator", "admin", "miljo"},
}


def test_who_sees_an_item_as_a_list_and_as_one_row(setting):
    for visibility_, seen_by in ITEM_SEEN_BY.items():
        finding = _finding(setting, visibility_)
        in_list = _seen_by(
            setting, Finding, lambda user: visibility.visible_items(user, Finding), finding
        )
        one_row = {
            who
            for who in VIEWERS
            if visibility.get_visible(setting[who], Finding, finding.id) is not None
        }
        assert (visibility_, in_list) == (visibility_, seen_by)
        assert (visibility_, one_row) == (visibility_, seen_by)


# (visibility of the finding, of its photo link) → viewers who see the link. A finding made
# agency-only keeps its photos inside its agency even where a link was left joint.
PHOTO_SEEN_BY = {
    (JOINT, JOINT): {"coordinator", "admin", "miljo", "polis"},
    (AGENCY, JOINT): {"coordinator", "admin", "miljo"},
    (JOINT, AGENCY): {"coordinator", "admin", "miljo"},
    (AGENCY, AGENCY): {"coordinator", "admin", "miljo"},
    (None, JOINT): {"coordinator", "admin", "miljo", "polis"},
    (None, AGENCY): {"coordinator", "admin", "miljo"},
}


def test_who_sees_a_photo_link(setting):
    for (finding_visibility, link_visibility), seen_by in PHOTO_SEEN_BY.items():
        finding = _finding(setting, finding_visibility) if finding_visibility else None
        link = _link(setting, link_visibility, finding)
        seen = _seen_by(setting, PhotoLink, visibility.visible_photo_links, link)
        assert (finding_visibility, link_visibility, seen) == (
            finding_visibility,
            link_visibility,
            seen_by,
        )


def test_a_report_shows_a_photo_link_by_the_same_rule(setting):
    """The report's clause is built by `photo_links_following` from report_items."""
    visit_id = setting["visit"].id
    finding = _finding(setting, AGENCY)
    joint_link = _link(setting, JOINT, finding)
    coordinator = setting["coordinator"]
    clause = visibility.photo_links_following(
        visibility.report_items(coordinator, visit_id, PhotoLink, None),
        visibility.report_items(coordinator, visit_id, Finding, None),
    )
    assert not _seen(PhotoLink, clause, joint_link)  # not in the joint report
    clause = visibility.photo_links_following(
        visibility.report_items(coordinator, visit_id, PhotoLink, "miljo"),
        visibility.report_items(coordinator, visit_id, Finding, "miljo"),
    )
    assert _seen(PhotoLink, clause, joint_link)  # in miljö's own report


def test_a_follow_up_follows_its_findings_visibility(setting):
    for visibility_, seen_by in ITEM_SEEN_BY.items():
        finding = _finding(setting, visibility_)
        follow_up = FollowUp(
            visit_id=finding.visit_id,
            finding_id=finding.id,
            agency_code="miljo",
            kind="document",
            due_date=dt.date(2030, 1, 1),
        )
        db.session.add(follow_up)
        db.session.flush()
        seen = _seen_by(setting, FollowUp, visibility.visible_follow_ups, follow_up)
        assert (visibility_, seen) == (visibility_, seen_by)


# Who may change a miljö item: coordinators and its own agency, whatever its visibility
# (an outsider would not find the item in the first place).
CHANGED_BY = {"coordinator", "admin", "miljo", "outsider"}


def test_who_may_change_an_item_of_an_agency(setting):
    finding = _finding(setting, JOINT)
    items = {
        "finding": (finding, "Only the finding's own agency may change it."),
        "photo": (_link(setting, JOINT, finding), "Only the photo's own agency may change it."),
        "follow-up": (
            FollowUp(visit_id=finding.visit_id, agency_code="miljo", kind="document"),
            "Only the follow-up's own agency may change it.",
        ),
    }
    for name, (item, refusal) in items.items():
        allowed = set()
        for who in VIEWERS:
            try:
                visibility.require_own_agency(Actor(setting[who]), item)
                allowed.add(who)
            except Forbidden as error:
                assert error.message == refusal
        assert (name, allowed) == (name, CHANGED_BY)


def test_a_refusal_names_what_was_refused(setting):
    link = _link(setting, JOINT)
    with pytest.raises(Forbidden, match="Only the photo's own agency may remove it."):
        visibility.require_own_agency(Actor(setting["polis"]), link, "remove it")


# (agency acted for) → viewers who may act for it on the visit (answer its checklists,
# resolve its conflicts)
ACTS_FOR = {
    "miljo": {"coordinator", "admin", "miljo"},
    "polis": {"coordinator", "admin", "polis"},
}


def test_who_may_act_for_an_agency_on_the_visit(setting):
    visit_id = setting["visit"].id
    for agency, expected in ACTS_FOR.items():
        allowed = {
            who for who in VIEWERS if visibility.may_act_for_agency(setting[who], visit_id, agency)
        }
        assert (agency, allowed) == (agency, expected)


# (report: None for the joint one, or an agency's) → who may request it, and which miljö
# items (by visibility) it holds
REPORTS = {
    None: ({"coordinator", "admin", "miljo", "polis"}, {JOINT}),
    "miljo": ({"coordinator", "admin", "miljo"}, {JOINT, AGENCY}),
    "polis": ({"coordinator", "admin", "polis"}, set()),
}


def test_who_may_request_which_report_and_what_it_holds(setting):
    visit_id = setting["visit"].id
    findings = {v: _finding(setting, v) for v in (JOINT, AGENCY)}
    for report, (requesters, holds) in REPORTS.items():
        allowed = set()
        for who in VIEWERS:
            clause = visibility.report_items(setting[who], visit_id, Finding, report)
            if clause is None:
                continue
            allowed.add(who)
            held = {v for v, f in findings.items() if _seen(Finding, clause, f)}
            assert (report, who, held) == (report, who, holds)
        assert (report, allowed) == (report, requesters)


# (visibility before the change, after it) → visibility of the feed entry announcing it:
# an item that was joint is announced to all, so the other agencies' devices learn that it
# left them.
FEED_VISIBILITY = {
    (None, JOINT): JOINT,
    (None, AGENCY): AGENCY,
    (JOINT, JOINT): JOINT,
    (JOINT, AGENCY): JOINT,
    (AGENCY, JOINT): JOINT,
    (AGENCY, AGENCY): AGENCY,
}


def test_how_a_change_of_an_item_is_announced(setting):
    finding = _finding(setting, JOINT)
    for (before, after), announced in FEED_VISIBILITY.items():
        finding.visibility = after
        assert visibility.feed_visibility(before, after) == announced
        assert visibility.item_announcement(finding, before) == {
            "visit_id": finding.visit_id,
            "agency_code": "miljo",
            "visibility": announced,
        }


# (visit of the feed entry, its visibility) → viewers whose pull reads it
CHANGE_SEEN_BY = {
    ("none", JOINT): set(VIEWERS),
    ("visit", JOINT): {"coordinator", "admin", "miljo", "polis"},
    ("visit", AGENCY): {"coordinator", "admin", "miljo"},
}


def test_who_reads_a_feed_entry(setting):
    for (where, visibility_), seen_by in CHANGE_SEEN_BY.items():
        change = Change(
            entity="finding",
            entity_id="x",
            visit_id=setting["visit"].id if where == "visit" else None,
            agency_code="miljo",
            visibility=visibility_,
        )
        db.session.add(change)
        db.session.flush()
        seen = _seen_by(setting, Change, visibility.working_set_changes, change)
        assert (where, visibility_, seen) == (where, visibility_, seen_by)


def test_an_archived_visit_announces_only_its_eviction(setting):
    setting["visit"].archived_at = utcnow()
    entries = {
        entity: Change(
            entity=entity,
            entity_id="x",
            visit_id=setting["visit"].id,
            agency_code="miljo",
            visibility=JOINT,
        )
        for entity in ("finding", "visit")
    }
    db.session.add_all(entries.values())
    db.session.flush()
    read = {
        e: _seen_by(setting, Change, visibility.working_set_changes, c) for e, c in entries.items()
    }
    assert read == {"finding": set(), "visit": {"coordinator", "admin", "miljo", "polis"}}
