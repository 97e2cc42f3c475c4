"""Trusted requesters: who may file under a customer's plan, and page anyone by voice.

An email domain is not proof: anyone can type `noc@customer.example` into the public form. A requester
is trusted when the address is one of the customer's contacts (managed by managers), was confirmed by
the link emailed to it, or was confirmed by an engineer; a ticket an engineer or an incident opens is
trusted too. Anyone else at a customer's domain files a standard-plan ticket without the customer, which
pages nobody by voice (`escalation.paging` sends an SMS in its place), and is sent a link to confirm the
address: at most one such email an hour per address, however many tickets name it.

Confirming (`requester_confirm`) marks the address and upgrades each of its open untrusted tickets: the
customer its domain names, that customer's plan, and clocks recomputed from the filing time as if the
plan had been in force from the start, with a `requester_confirmed` event saying so.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from .. import signals
from ..models import Event, EventType, Requester, RequesterNotification, Status, Ticket
from ..notifications import requester_notification_record
from ..sla import sla_clock
from .requesters import requester_standing

CONFIRMATION_EMAIL_INTERVAL = timedelta(hours=1)
CONFIRMATION_LINK_MAX_AGE = timedelta(days=7)
_SALT = "support_desk.requester-confirmation"


class ConfirmationLinkInvalid(Exception):
    """The confirmation link is malformed, forged, expired or names an address that changed."""


def confirmation_token(requester: Requester) -> str:
    """The signed key of a confirmation link: the requester and its address, under SECRET_KEY. It needs
    no row of its own; it expires after CONFIRMATION_LINK_MAX_AGE."""
    return signing.dumps({"r": requester.pk, "e": requester.email}, salt=_SALT, compress=True)


def confirmation_requester(token: str) -> Requester:
    """The requester a confirmation link names; raises ConfirmationLinkInvalid saying why not."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=CONFIRMATION_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ConfirmationLinkInvalid(_("This confirmation link has expired.")) from exc
    except signing.BadSignature as exc:
        raise ConfirmationLinkInvalid(_("This is not a confirmation link of ours.")) from exc
    requester = Requester.objects.filter(pk=data.get("r"), email=data.get("e")).first()
    if requester is None:
        raise ConfirmationLinkInvalid(_("This confirmation link names no address we know."))
    return requester


def confirmation_request(*, ticket: Ticket, event: Event, now: datetime) -> bool:
    """Email the ticket's requester a link to confirm the address, unless one went out in the last hour
    (or the address is confirmed). The claim on the hour is one UPDATE in the caller's transaction: two
    tickets filed at once cannot both send one. True when the email is recorded."""
    claimed = (
        Requester.objects.filter(pk=ticket.requester_id, confirmed_at__isnull=True)
        .filter(
            Q(confirmation_sent_at__isnull=True)
            | Q(confirmation_sent_at__lte=now - CONFIRMATION_EMAIL_INTERVAL)
        )
        .update(confirmation_sent_at=now)
    )
    if not claimed:
        return False
    requester_notification_record(
        ticket=ticket, event=event, kind=RequesterNotification.Kind.CONFIRM_ADDRESS, now=now
    )
    return True


@transaction.atomic
def requester_confirm(*, requester: Requester, actor: AbstractBaseUser | None, now: datetime) -> list[Ticket]:
    """Confirm the address (`actor=None`: by its emailed link; else the engineer who vouches for it) and
    upgrade its open untrusted tickets. Confirming twice changes nothing more. Returns the tickets
    upgraded."""
    requester = Requester.objects.select_for_update().get(pk=requester.pk)
    if requester.confirmed_at is None:
        requester.confirmed_at, requester.confirmed_by = now, actor
        requester.save(update_fields=["confirmed_at", "confirmed_by"])
    customer = requester_standing(requester.email).customer
    upgraded = []
    pending = (
        Ticket.objects.select_for_update()
        .filter(requester=requester, requester_trusted=False)
        .exclude(status=Status.CLOSED)
        .order_by("pk")
    )
    for ticket in pending:
        ticket.requester = requester
        _trust(ticket, customer=customer, actor=actor, now=now)
        upgraded.append(ticket)
    return upgraded


def _trust(ticket: Ticket, *, customer, actor, now: datetime) -> None:
    """A locked ticket's requester is now trusted: the customer and its plan, clocks recomputed."""
    previous_plan = ticket.plan
    ticket.requester_trusted = True
    if customer is not None and ticket.customer_id is None:
        ticket.customer = customer
        ticket.plan = customer.plan
        # Every open deadline again from its start (the filing time, or the cycle's) under the customer's
        # plan, its calendar and zone; metrics already met keep their record.
        sla_clock().retargeted(ticket=ticket, now=now)
    ticket.updated_at = now
    ticket.save()
    Event.objects.create(
        ticket=ticket,
        type=EventType.REQUESTER_CONFIRMED,
        at=now,
        actor=actor,
        data={
            "by": "engineer" if actor is not None else "link",
            **({"customer": ticket.customer.name} if ticket.customer_id else {}),
            "from_plan": previous_plan,
            "plan": ticket.plan,
            "first_response_due_at": ticket.first_response_due_at.isoformat(),
            "resolution_due_at": ticket.resolution_due_at.isoformat(),
        },
    )
    signals.send_on_commit(signals.ticket_retargeted, ticket)
