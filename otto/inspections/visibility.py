"""The confidentiality rule, in one place.

Coordinators and admins see everything. Inspectors see the visits they are assigned to;
within them, `joint` items of every agency and all items of their own agency. API routes,
sync pull, pages, reports and exports all filter through these functions.
"""

from sqlalchemy import and_, or_, select, true

from otto.accounts.models import User
from otto.changes.models import Change
from otto.errors import Forbidden
from otto.extensions import db, transaction_memo
from otto.inspections.models import Assignment, Visibility, Visit


def _assigned_visit_ids(user: User):
    return select(Assignment.visit_id).where(Assignment.user_id == user.id)


def _assigned(user: User, visit_id):
    """Correlated: the user is assigned to the visit `visit_id` (a column) names."""
    return (
        select(Assignment.id)
        .where(Assignment.visit_id == visit_id, Assignment.user_id == user.id)
        .exists()
    )


def visible_visits(user: User):
    """A WHERE clause selecting the visits `user` may open."""
    if user.is_coordinator:
        return true()
    return Visit.id.in_(_assigned_visit_ids(user))


def visible_items(user: User, model, *, per_row: bool = False):
    """A WHERE clause on an agency-owned model (answer, finding, photo link, change).

    The model must have `visit_id`, `agency_code` and `visibility` columns. `per_row`: the
    same rule as a correlated EXISTS checked on each row, for a query that already picks
    few rows by key (a pull page), so the database never builds the user's whole history
    of visits to check them against.
    """
    if user.is_coordinator:
        return true()
    if per_row:
        return and_(_assigned(user, model.visit_id), _joint_or_own(user, model))
    return and_(model.visit_id.in_(_assigned_visit_ids(user)), _joint_or_own(user, model))


def _joint_or_own(user: User, model):
    """The agency rule: `joint` items, and every item of the user's own agency."""
    return or_(model.visibility == Visibility.JOINT, model.agency_code == user.agency_code)


def visible_signals(user: User):
    """A WHERE clause on Signal (a tip about a business): a signal belongs to no visit, so
    only the agency rule applies: `joint` signals reach every user, `agency` ones only that
    agency's users (and coordinators)."""
    from otto.inspections.models import Signal

    if user.is_coordinator:
        return true()
    return _joint_or_own(user, Signal)


def working_set_visits(user: User):
    """A WHERE clause selecting the visits in the working set of `user`'s devices: those the
    user may open that have not been archived. A visit is archived WORKING_SET_DAYS after it
    was closed or cancelled (otto.inspections.tasks.archive_ended_visits) and comes back
    when it is reopened; planned, ongoing and completed visits are never archived."""
    if user.is_coordinator:
        return Visit.archived_at.is_(None)
    # Checked visit by visit (few are not archived), never against the user's whole history.
    return and_(Visit.archived_at.is_(None), _assigned(user, Visit.id))


def left_working_set(user: User):
    """A WHERE clause selecting the visits `user` may open that have left the working set
    (archived): what the field app lists online, holding nothing of them."""
    return and_(Visit.archived_at.is_not(None), visible_visits(user))


def working_set_changes(user: User):
    """A WHERE clause on the change feed for a pull after a cursor: entries without a visit
    (templates, a participant taken off a visit) reach everyone; a visit's own entries reach
    its participants even once it has left the working set (that entry is the eviction:
    pull finds the visit outside the working set and sends its tombstone); every other entry
    only while its visit is in the working set, by the `visible_items` rule. Each entry is
    checked by correlated EXISTS on primary-key and index lookups, so a page costs the rows
    it reads, at any length of history. Pull re-checks each row's current visibility too."""
    open_visit = (
        select(Visit.id).where(Visit.id == Change.visit_id, Visit.archived_at.is_(None)).exists()
    )
    if user.is_coordinator:
        return or_(Change.visit_id.is_(None), Change.entity == "visit", open_visit)
    return or_(
        Change.visit_id.is_(None),
        and_(
            _assigned(user, Change.visit_id),
            or_(Change.entity == "visit", and_(open_visit, _joint_or_own(user, Change))),
        ),
    )


def get_visible(user: User, model, ident):
    """Load one row of an agency-owned model by primary key, or None if `user` may not see it.

    Uses `visible_items`, so a single-row read follows exactly the same rule as a list.
    """
    pk = model.__mapper__.primary_key[0]
    return db.session.scalar(select(model).where(pk == ident, visible_items(user, model)))


# What an agency-owned item is called in a refusal (by its table).
_ITEM_NAMES = {
    "finding": "finding",
    "photo_link": "photo",
    "follow_up": "follow-up",
    "site_person": "person",
    "person_observation": "observation",
}


def require_own_agency(actor, item, change: str = "change it") -> None:
    """Refuse (Forbidden) a change to an agency-owned item (a finding, photo link or
    follow-up the actor may see) unless the actor is a coordinator or of the item's own
    agency: seeing a joint item of another agency never grants changing it."""
    if not actor.is_coordinator and item.agency_code != actor.user.agency_code:
        name = _ITEM_NAMES.get(item.__tablename__, "item")
        raise Forbidden(f"Only the {name}'s own agency may {change}.")


def is_participant(user: User, visit_id: str) -> bool:
    """True when the user is assigned to the visit (remembered for the transaction)."""
    remember_participation(user, [visit_id])
    return transaction_memo()[("participant", user.id, visit_id)]


def remember_participation(user: User, visit_ids) -> None:
    """Look up in one query whether the user is assigned to each of these visits, for
    `is_participant` to answer for the rest of the transaction (a push of answers to many
    visits asks once, not once per visit)."""
    memo = transaction_memo()
    unknown = {visit_id for visit_id in visit_ids if ("participant", user.id, visit_id) not in memo}
    if not unknown:
        return
    query = select(Assignment.visit_id).where(
        Assignment.visit_id.in_(sorted(unknown)), Assignment.user_id == user.id
    )
    assigned = set(db.session.scalars(query))
    for visit_id in unknown:
        memo[("participant", user.id, visit_id)] = visit_id in assigned


def may_act_for_agency(user: User, visit_id: str, agency_code: str) -> bool:
    """True when `user` may act for an agency on a visit (answer its checklists, resolve
    its items' conflicts, request its report): coordinators, and the agency's participants
    of the visit."""
    if user.is_coordinator:
        return True
    return user.agency_code == agency_code and is_participant(user, visit_id)


def report_items(user: User, visit_id: str, model, agency_code: str | None):
    """A WHERE clause on an agency-owned model selecting what one report of a visit shows,
    or None when `user` may not request that report.

    An agency's report (`agency_code`) holds that agency's items of both visibilities and
    may be requested by coordinators and by that agency's participants of the visit. The
    joint report (`agency_code` None) holds `joint` items of every agency and may be
    requested by coordinators and every participant.
    """
    if not may_act_for_agency(user, visit_id, agency_code or user.agency_code):
        return None
    if agency_code is None:
        return and_(model.visit_id == visit_id, model.visibility == Visibility.JOINT)
    return and_(model.visit_id == visit_id, model.agency_code == agency_code)


def visible_persons(user: User):
    """A WHERE clause on SitePerson: the persons of the visits `user` may open. What of each
    person the user sees is `person_in_full`'s decision."""
    from otto.inspections.models import SitePerson

    return SitePerson.visit_id.in_(select(Visit.id).where(visible_visits(user)))


def person_in_full(user: User, person) -> bool:
    """True when `user` sees a person at the site in full (name, identity number, employer):
    coordinators, the recording agency, and everyone when the person is joint. Other
    participants see only that a person was recorded, with the stated role."""
    return (
        user.is_coordinator
        or person.visibility == Visibility.JOINT
        or person.agency_code == user.agency_code
    )


# Derived rules: rows whose visibility follows another row's, and how a change of
# visibility is announced on the change feed. Every write path calls these.


def feed_visibility(before: str | None, after: str) -> str:
    """The visibility of the feed entry announcing a change of an item from `before` to
    `after`: an item that was joint is announced to all, so pull sends the other agencies
    a tombstone when it has become agency-only."""
    return Visibility.JOINT if before == Visibility.JOINT else after


def item_announcement(item, before: str | None) -> dict:
    """The feed fields announcing a change of an agency-owned item (answer, finding, photo
    link): its visit and agency, and its visibility by `feed_visibility` (`before`: the
    item's visibility before this change, None for a new item). Every write of such an item
    announces it with these."""
    return {
        "visit_id": item.visit_id,
        "agency_code": item.agency_code,
        "visibility": feed_visibility(before, item.visibility),
    }


def conflict_follows_row(conflict, row) -> str:
    """Give a conflict its row's current agency and visibility (a conflict and all its
    candidates may be seen exactly by those who may see the row now); returns the
    visibility its feed entry needs (see `feed_visibility`)."""
    before = conflict.visibility if conflict.id is not None else None
    conflict.agency_code = row.agency_code
    conflict.visibility = row.visibility
    return feed_visibility(before, row.visibility)


def follow_row_visibility(row, *, entity: str, entity_id: str) -> None:
    """After `row` changed visibility: its conflicts (open or resolved) follow it and are
    announced on the feed with it, so pull adds or withdraws them on every device."""
    from otto.changes.models import Conflict
    from otto.inspections.conflicts import announce

    query = select(Conflict).where(
        Conflict.entity == entity,
        Conflict.entity_id == entity_id,
        Conflict.visibility != row.visibility,
    )
    for conflict in db.session.scalars(query.order_by(Conflict.id)).all():
        announce(conflict, visibility=conflict_follows_row(conflict, row))


def photo_links_following(link_clause, finding_clause):
    """A WHERE clause on PhotoLink: `link_clause` on the link and, for a finding's photo,
    `finding_clause` on its finding too, so a finding made `agency` after its photos were
    linked keeps them inside its agency. Every photo-link filter (pages, API, pull,
    reports) is built with this."""
    from otto.inspections.models import Finding, PhotoLink

    finding = select(Finding.id).where(Finding.id == PhotoLink.finding_id, finding_clause)
    return and_(link_clause, or_(PhotoLink.finding_id.is_(None), finding.exists()))


def visible_photo_links(user: User, *, per_row: bool = False):
    """A WHERE clause on PhotoLink selecting the photo links `user` may see: the
    confidentiality rule on the link and its finding (`photo_links_following`); `per_row`
    as for `visible_items`."""
    from otto.inspections.models import Finding, PhotoLink

    return photo_links_following(
        visible_items(user, PhotoLink, per_row=per_row),
        visible_items(user, Finding, per_row=per_row),
    )


# Photos by possession. A photo's SHA-256 is no key: knowing it grants nothing. A user holds
# a photo when they uploaded its bytes, or when they could download it at the moment they
# linked it (or used it as a signature). A photo may be downloaded by coordinators, by its
# holders, and through a link the user may see whose author holds the photo; a link or
# signature by someone who holds nothing grants nothing (and is told nothing either).


def _holds(user_id, sha256):
    from otto.inspections.models import PhotoHolder

    return (
        select(PhotoHolder.id)
        .where(PhotoHolder.photo_sha256 == sha256, PhotoHolder.user_id == user_id)
        .exists()
    )


def may_download_photo(user: User, sha256: str) -> bool:
    """True when `user` may download (and so use) the photo with these bytes."""
    from otto.inspections.models import PhotoLink

    if user.is_coordinator:
        return True
    if db.session.scalar(select(_holds(user.id, sha256))):
        return True
    query = select(PhotoLink.id).where(
        PhotoLink.photo_sha256 == sha256,
        PhotoLink.deleted_at.is_(None),
        visible_photo_links(user),
        _holds(PhotoLink.created_by_id, PhotoLink.photo_sha256),
    )
    return db.session.scalar(query.limit(1)) is not None


def may_get_original(user: User, photo) -> bool:
    """True when `user` (who may download the photo) may have its original bytes, which
    carry the camera's EXIF location: coordinators, and users of the agency whose inspector
    uploaded it (the owning agency). Everyone else gets a derived copy, stripped of EXIF."""
    if user.is_coordinator or photo.uploaded_by_id == user.id:
        return True
    if photo.uploaded_by_id is None or user.agency_code is None:
        return False
    uploader = db.session.get(User, photo.uploaded_by_id)
    return uploader is not None and uploader.agency_code == user.agency_code


def record_holder(user: User, sha256: str) -> None:
    """Record that `user` holds the photo (uploaded its bytes)."""
    from otto.extensions import insert_or_ignore
    from otto.inspections.models import PhotoHolder

    insert_or_ignore(
        PhotoHolder, {"photo_sha256": sha256, "user_id": user.id}, ["photo_sha256", "user_id"]
    )


def claim_photo(user: User, sha256: str) -> bool:
    """On linking a photo or signing with it: the user holds it from now on when the server
    has the bytes and the user may download them; returns whether the server has the
    bytes and the user may use them (False also for bytes the server has not received)."""
    from otto.inspections.models import Photo

    if db.session.get(Photo, sha256) is None or not may_download_photo(user, sha256):
        return False
    record_holder(user, sha256)
    return True


def visible_follow_ups(user: User):
    """A WHERE clause on FollowUp: a follow-up follows its finding's current visibility
    (coordinators see every one)."""
    from otto.inspections.models import Finding, FollowUp

    if user.is_coordinator:
        return true()
    return FollowUp.finding_id.in_(select(Finding.id).where(visible_items(user, Finding)))


def is_agency_only(item) -> bool:
    """True when an item is for its own agency only (what the read log records): an answer,
    finding, photo link, conflict or signal with `agency` visibility, a follow-up of such a
    finding, an agency's report (a report of one agency holds its agency-only items)."""
    if item.__tablename__ == "follow_up":
        return item.finding is not None and item.finding.visibility == Visibility.AGENCY
    if item.__tablename__ == "report":
        return item.agency_code is not None
    return getattr(item, "visibility", None) == Visibility.AGENCY
