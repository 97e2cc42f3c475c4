"""Retention: closed tickets keep their messages and attachments for a customer's period
(`RetentionPolicy`, else PRIVACY_RETENTION_MONTHS), then lose them as an erasure would take them, in
batches. Each batch is one transaction that marks its tickets (`ExpiredTicket`, once per ticket), so a
run that stops half-way resumes where the last committed batch ended, and two runs at once skip each
other's locked tickets. A requester left with no ticket that still holds anything is erased whole."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from tickets.models import Attachment, Message, Rating, Requester, Status, Ticket

from ..models import Erasure, ExpiredTicket, RetentionPolicy
from .erasure import _pseudonym, _requester_erase_locked, _requester_person, _tickets_empty

BATCH_TICKETS = 200
RETENTION_REASON = "retention: closed tickets past their customer's period"


def _expired_q(now: datetime) -> Q:
    """Closed tickets past their customer's period (or the default's)."""
    default = settings.PRIVACY_RETENTION_MONTHS
    by_months: dict[int, list[int]] = {}
    for customer_id, months in RetentionPolicy.objects.values_list("customer_id", "months"):
        by_months.setdefault(months, []).append(customer_id)
    with_policy = [c for ids in by_months.values() for c in ids]
    q = Q(closed_at__lt=now - relativedelta(months=default)) & ~Q(customer_id__in=with_policy)
    for months, ids in by_months.items():
        q |= Q(customer_id__in=ids, closed_at__lt=now - relativedelta(months=months))
    return q


def _candidates(now: datetime):
    return (
        Ticket.objects.filter(status=Status.CLOSED, closed_at__isnull=False)
        .filter(_expired_q(now))
        .exclude(Exists(ExpiredTicket.objects.filter(ticket_id=OuterRef("pk"))))
    )


@dataclass(frozen=True)
class RetentionPlan:
    """What a run would erase now (the dry run)."""

    tickets: int
    messages: int
    attachments: int
    rating_comments: int
    requesters: int  # left with nothing: erased whole

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def retention_plan(*, now: datetime) -> RetentionPlan:
    """The dry run: counts only, nothing written."""
    expiring = _candidates(now)
    ids = expiring.values("pk")
    return RetentionPlan(
        tickets=expiring.count(),
        messages=Message.objects.filter(ticket_id__in=ids).exclude(body="[erased]").count(),
        attachments=Attachment.objects.filter(message__ticket_id__in=ids).count(),
        rating_comments=Rating.objects.filter(ticket_id__in=ids).exclude(comment="").count(),
        requesters=_requesters_left_empty(
            Requester.objects.filter(tickets__in=ids).distinct(), now, ids
        ).count(),
    )


def _requesters_left_empty(requesters, now: datetime, also_expiring) -> "Requester":
    """Of `requesters`, those whose every ticket is emptied or expiring."""
    keeping = (
        Ticket.objects.filter(requester_id=OuterRef("pk"))
        .exclude(pk__in=also_expiring)
        .exclude(Exists(ExpiredTicket.objects.filter(ticket_id=OuterRef("pk"))))
    )
    return requesters.exclude(Exists(keeping))


def retention_erase_batch(*, now: datetime, limit: int = BATCH_TICKETS) -> int:
    """Empty up to `limit` expired tickets in one transaction; returns how many (0: nothing left)."""
    with transaction.atomic():
        tickets = list(
            _candidates(now).select_for_update(skip_locked=True, of=("self",)).order_by("pk")[:limit]
        )
        if not tickets:
            return 0
        counts: Counter = Counter()
        by_requester: dict[int, list[Ticket]] = {}
        for ticket in tickets:
            by_requester.setdefault(ticket.requester_id, []).append(ticket)
        ids = [t.pk for t in tickets]
        for requester_id, theirs in by_requester.items():
            requester = Requester.objects.select_for_update().get(pk=requester_id)
            person = _requester_person(requester, requester.email, theirs)
            _tickets_empty(theirs, person, counts, now, whole_thread=True)
        left = _requesters_left_empty(Requester.objects.filter(pk__in=list(by_requester)), now, ids)
        for requester in left.select_for_update():
            _requester_erase_locked(
                requester=requester, email=requester.email, counts=counts, now=now, pseudonym=_pseudonym(),
                whole_thread=True,
            )  # fmt: skip
        # The record is written once, with its counts (it is never updated), then the tickets' marks.
        erasure = Erasure.objects.create(
            kind=Erasure.Kind.RETENTION, pseudonym="", reason=RETENTION_REASON, at=now,
            counts=dict(sorted((+counts).items())),
        )  # fmt: skip
        ExpiredTicket.objects.bulk_create(
            [ExpiredTicket(ticket_id=pk, erasure=erasure, erased_at=now) for pk in ids]
        )
    return len(tickets)
