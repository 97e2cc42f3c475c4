"""What the emails to requesters say. `tickets.notifications` records and sends them (the worker, after
the action commits, whichever channel acted); this words them, registered in `WebConfig.ready()`.

Links point at PUBLIC_BASE_URL: the worker has no request to build them from.

Every email is worded in its reader's language (`translation.override`) with times in their zone: a
requester's is `tickets.languages.requester_language` of their choice, their contact setting and the
language their page spoke when they filed, and their zone the ticket's `requester_timezone` (the
browser's, captured by the form, else their customer's, else UTC); a contact's, their own settings.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation.incidents.models import Incident, IncidentUpdate
from tickets.languages import requester_language
from tickets.models import CustomerContact, Requester, RequesterNotification, Score, Status, Ticket
from tickets.services import confirmation_token

from .presenters import SEVERITY_PLAIN, customer_promise, local_clock_words, local_words

DEVELOPMENT_BASE_URL = "http://localhost:8000"  # `make run` and the Procfile's default port

Kind = RequesterNotification.Kind

# A status as the requester's email words it: "Your ticket ... is now <this>."
STATUS_WORDS = {
    Status.NEW: gettext_lazy("waiting for an engineer"),
    Status.OPEN: gettext_lazy("open: an engineer is working on it"),
    Status.WAITING_ON_CUSTOMER: gettext_lazy("waiting for your answer"),
    Status.RESOLVED: gettext_lazy("resolved"),
    Status.CLOSED: gettext_lazy("closed"),
}
STATUS_SUBJECTS = {
    Status.NEW: gettext_lazy("Waiting for an engineer"),
    Status.OPEN: gettext_lazy("Open again"),
    Status.WAITING_ON_CUSTOMER: gettext_lazy("Waiting for your answer"),
    Status.RESOLVED: gettext_lazy("Resolved"),
    Status.CLOSED: gettext_lazy("Closed"),
}


def requester_mail_language(ticket: Ticket) -> str:
    """The language of the emails to `ticket`'s requester: their choice, else the language their
    customer set for them as a contact, else the language their page spoke when they filed."""
    contact = None
    if not ticket.requester.language and ticket.customer_id is not None:
        contact = (
            CustomerContact.objects.filter(customer_id=ticket.customer_id, email=ticket.requester.email)
            .values_list("language", flat=True)
            .first()
        )
    return requester_language(chosen=ticket.requester.language, contact=contact, negotiated=ticket.language)


def customer_link(ticket: Ticket) -> str:
    """The ticket's private link, absolute: PUBLIC_BASE_URL (a local address in development)."""
    base = settings.PUBLIC_BASE_URL.rstrip("/") or DEVELOPMENT_BASE_URL
    return base + reverse("web:customer-ticket", args=[ticket.access_token])


def rating_link(ticket: Ticket, score: str) -> str:
    """The rating form with `score` chosen: opening it records nothing (mail scanners follow links)."""
    base = settings.PUBLIC_BASE_URL.rstrip("/") or DEVELOPMENT_BASE_URL
    return f"{base}{reverse('web:customer-rate', args=[ticket.access_token])}?score={score}"


def confirmation_link(requester: Requester) -> str:
    """The link that confirms the requester's address (a signed key, valid for a week)."""
    base = settings.PUBLIC_BASE_URL.rstrip("/") or DEVELOPMENT_BASE_URL
    return base + reverse("web:requester-confirm", args=[confirmation_token(requester)])


def _contact(notification: RequesterNotification) -> CustomerContact | None:
    """The customer's contact an incident's notice or update goes to, if they still are one."""
    customer_id = notification.ticket.customer_id
    return CustomerContact.objects.filter(customer_id=customer_id, email=notification.recipient).first()


def _incident_mail(notification: RequesterNotification, context: dict, now: datetime) -> tuple[str, str]:
    """An incident's notice or update to one of the customer's contacts: in their language (Django's
    translation, active while it is worded) and their local time."""
    ticket = notification.ticket
    contact = _contact(notification)
    zone = contact.timezone if contact is not None else (ticket.customer.timezone if ticket.customer else UTC)
    language = contact.language if contact is not None else settings.LANGUAGE_CODE
    data = notification.event.data
    incident = Incident.objects.filter(pk=data.get("incident")).first()
    title = incident.title if incident is not None else ticket.subject
    started = incident.started_at if incident is not None else ticket.created_at
    with translation.override(language):
        context |= {
            "name": contact.name if contact is not None else "",
            "title": title,
            "since": local_clock_words(started, zone, today=now),
            "since_iso": started.astimezone(zone).isoformat(timespec="minutes"),
        }
        if notification.kind == Kind.INCIDENT_NOTICE:
            subject = f"[{ticket.reference}] " + translation.gettext("We detected a problem: %(title)s") % {
                "title": title
            }
            return subject, render_to_string("emails/incident_notice.txt", context)
        update = IncidentUpdate.objects.filter(pk=data.get("update")).first()
        context |= {"body": update.body if update is not None else ""}
        subject = f"[{ticket.reference}] " + translation.gettext("Update: %(title)s") % {"title": title}
        return subject, render_to_string("emails/incident_update.txt", context)


class RequesterMailTemplates:
    """The `tickets.notifications.RequesterMail` of this deployment: the templates in templates/emails/."""

    def render(self, *, notification: RequesterNotification, now: datetime) -> tuple[str, str]:
        ticket = notification.ticket
        context = {"ticket": ticket, "link": customer_link(ticket)}
        if notification.kind in (Kind.INCIDENT_NOTICE, Kind.INCIDENT_UPDATE):
            return _incident_mail(notification, context, now)
        with translation.override(requester_mail_language(ticket)):
            return self._requester_mail(notification, context, now)

    def language(self, *, notification: RequesterNotification) -> str:
        if notification.kind in (Kind.INCIDENT_NOTICE, Kind.INCIDENT_UPDATE):
            contact = _contact(notification)
            return contact.language if contact is not None else settings.LANGUAGE_CODE
        return requester_mail_language(notification.ticket)

    def _requester_mail(
        self, notification: RequesterNotification, context: dict, now: datetime
    ) -> tuple[str, str]:
        ticket = notification.ticket
        zone = ticket.requester_timezone
        prefix = f"[{ticket.reference}] "
        if notification.kind == Kind.CONFIRM_ADDRESS:
            context |= {"confirm_link": confirmation_link(ticket.requester)}
            subject = prefix + _("Confirm your address to get your support plan")
            return subject, render_to_string("emails/confirm_address.txt", context)
        if notification.kind == Kind.RECEIVED:
            context |= {"promise": customer_promise(ticket, now), "severity": SEVERITY_PLAIN[ticket.severity]}
            subject = prefix + _("We received your ticket: %(subject)s") % {"subject": ticket.subject}
            return subject, render_to_string("emails/ticket_received.txt", context)
        if notification.kind == Kind.DUPLICATE:
            target = ticket.duplicate_of
            # The other ticket's private link only when it is the same requester's: never someone else's.
            same = target is not None and target.requester_id == ticket.requester_id
            context |= {"target": target, "target_link": customer_link(target) if same else None}
            subject = prefix + (
                _("Continued in %(reference)s") % {"reference": target.reference}
                if target
                else _("Continued in another ticket")
            )
            return subject, render_to_string("emails/duplicate_notice.txt", context)
        if notification.kind == Kind.REPLY:
            message = notification.message
            context |= {
                "body": message.body,
                "author": message.author.first_name if message.author else "",
                "when": local_words(message.created_at, zone),
            }
            subject = prefix + _("New reply: %(subject)s") % {"subject": ticket.subject}
            return subject, render_to_string("emails/reply_notice.txt", context)
        status = notification.event.data["to"]
        # The promise as it stands now, only while the ticket is still where this news left it.
        promise = customer_promise(ticket, now) if ticket.status == status else None
        context |= {
            "status": STATUS_WORDS[status],
            "promise": promise,
            "when": local_words(notification.event.at, zone),
        }
        if status == Status.RESOLVED:
            context |= {
                "rate_good": rating_link(ticket, Score.GOOD),
                "rate_bad": rating_link(ticket, Score.BAD),
            }
        subject = prefix + _("%(status)s: %(subject)s") % {
            "status": STATUS_SUBJECTS[status],
            "subject": ticket.subject,
        }
        return subject, render_to_string("emails/status_notice.txt", context)
