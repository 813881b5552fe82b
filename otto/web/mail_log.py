"""Undelivered e-mail (/admin/e-post): the reminders and digests that failed or wait for a
new attempt, for admins, so a mail the SMTP server never took does not go unnoticed."""

from flask import Blueprint, render_template

from otto.accounts.models import Role
from otto.auth import page_auth
from otto.inspections import reminders
from otto.inspections.models import Delivery, ReminderSent

pages = Blueprint("mail_log", __name__, template_folder="templates")

MAIL_KIND_LABELS = {
    "before": "Påminnelse före tidsfristen",
    "due": "Påminnelse på dagen",
    "digest": "Veckosammanfattning",
}
DELIVERY_LABELS = {Delivery.FAILED: "Misslyckades", Delivery.RETRY: "Nytt försök"}


@pages.get("/admin/e-post")
@page_auth((Role.ADMIN,))
def undelivered(actor):
    """Mails that did not go out, newest first, with the error and the next attempt."""
    rows = [
        {
            "record": record,
            "kind": MAIL_KIND_LABELS[record.kind if isinstance(record, ReminderSent) else "digest"],
            "status": DELIVERY_LABELS[record.status],
        }
        for record in reminders.undelivered()
    ]
    return render_template("mail_log.html", rows=rows)
