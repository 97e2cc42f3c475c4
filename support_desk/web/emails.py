"""Mail to requesters from the web pages, sent once the change is committed; a failure never loses it."""

import logging
import smtplib

from django.core.mail import send_mail
from django.template.loader import render_to_string

from tickets.models import Ticket

from .presenters import SEVERITY_PLAIN, Promise

logger = logging.getLogger(__name__)


def send_ticket_received(*, ticket: Ticket, link: str, promise: Promise) -> bool:
    """Email the requester the reference, the promise and the private link. False when it failed.

    The ticket exists whatever happens to the mail: a failure is logged, not raised (the
    confirmation page shows the same link).
    """
    context = {
        "ticket": ticket,
        "link": link,
        "promise": promise,
        "severity": SEVERITY_PLAIN[ticket.severity],
    }
    subject = " ".join(f"[{ticket.reference}] We received your ticket: {ticket.subject}".split())
    return _send(subject[:200], render_to_string("emails/ticket_received.txt", context), ticket)


def send_reply_notice(*, ticket: Ticket, body: str, author_name: str, link: str) -> bool:
    """Email the requester an engineer's public reply, with the link to answer it. False when it failed."""
    context = {"ticket": ticket, "body": body, "author": author_name, "link": link}
    subject = " ".join(f"[{ticket.reference}] New reply: {ticket.subject}".split())
    return _send(subject[:200], render_to_string("emails/reply_notice.txt", context), ticket)


def _send(subject: str, body: str, ticket: Ticket) -> bool:
    try:
        send_mail(subject, body, None, [ticket.requester.email])
    except (smtplib.SMTPException, OSError):
        logger.exception("could not email the requester of %s", ticket.reference)
        return False
    return True
