"""E-mail: messages rendered from Jinja templates (plain text and HTML, in Swedish) and sent
through SMTP with the app's settings (SMTP_HOST/PORT/USER/PASSWORD/STARTTLS, MAIL_FROM).

Templates live in otto/templates/mail/ as `<name>.txt` and `<name>.html`; the first line of
the text template is the subject.

A failure before the message is handed over (no connection, TLS or login refused) raises
SmtpUnavailable: the mail certainly did not leave and may be tried again. Any later failure
raises as it is: the server may have taken the mail, and a mail must not arrive twice.
"""

import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

from flask import render_template


class SmtpUnavailable(Exception):
    """The SMTP server could not be reached or refused the session; nothing was sent."""


@dataclass(frozen=True)
class Mail:
    """One e-mail to one recipient."""

    to: str
    subject: str
    text: str
    html: str


def render_mail(to: str, template: str, **context) -> Mail:
    """Render `mail/<template>.txt` and `.html`; the text's first line is the subject."""
    subject, _, text = render_template(f"mail/{template}.txt", **context).partition("\n")
    html = render_template(f"mail/{template}.html", **context)
    return Mail(to=to, subject=subject.strip(), text=text.lstrip("\n"), html=html)


def send_mail(mail: Mail, config: Mapping) -> None:
    """Send one e-mail through the configured SMTP server; raises on any failure."""
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    try:
        smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30)
    except (OSError, smtplib.SMTPException) as error:
        raise SmtpUnavailable(f"{type(error).__name__}: {error}") from error
    with smtp:
        try:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            raise SmtpUnavailable(f"{type(error).__name__}: {error}") from error
        smtp.send_message(message)
