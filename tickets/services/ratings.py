"""The requester's rating of a resolution: good or bad with an optional comment, once per resolution cycle.

A rating is an event on the ticket's timeline (`rated`). It changes nothing else: not the status, not the
clocks, not the SLA ledger.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import RATABLE_STATUSES, RATING_COMMENT_MAX_LENGTH, Event, EventType, Rating, Score, Ticket

# A requester may change their rating of a cycle for this long after first giving it (a click on the
# wrong link of the email, second thoughts), then it stands: a report's past weeks stop moving.
RATING_CHANGE_DAYS = 7
_ASSIGNMENTS = (EventType.ASSIGNED, EventType.HANDED_OFF)


class RatingRefused(ValueError):
    """The rating cannot be recorded; the message says why, in the requester's words."""


@dataclass(frozen=True)
class Rated:
    rating: Rating
    changed: bool  # an earlier rating of the same cycle was replaced


def rating_changeable(rating: Rating, now: datetime) -> bool:
    """Whether the requester may still replace `rating` at `now`: within RATING_CHANGE_DAYS of giving it."""
    return now - rating.created_at <= timedelta(days=RATING_CHANGE_DAYS)


def _engineer_at_resolution(ticket: Ticket):
    """The assignee when the cycle was resolved: the current one unless reassigned since (a resolved ticket
    can be); then the last assignment at or before the resolution, from the timeline (one more query)."""
    if ticket.assigned_at is None or ticket.assigned_at <= ticket.resolved_at:
        return ticket.assignee_id
    event = (
        Event.objects.filter(ticket=ticket, type__in=_ASSIGNMENTS, at__lte=ticket.resolved_at)
        .order_by("at", "pk")
        .last()
    )
    username = event.data.get("to") if event is not None else None
    if not username:
        return None
    return get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()


@transaction.atomic
def ticket_rate(*, ticket: Ticket, score: str, comment: str = "", now: datetime) -> Rated:
    """Record the requester's rating of the ticket's latest resolution.

    Raises RatingRefused when the ticket is not resolved or closed, for an unknown score, or when the
    cycle was rated more than RATING_CHANGE_DAYS ago (until then a new rating replaces the old one)."""
    if score not in Score.values:
        raise RatingRefused(_("Choose good or bad."))
    comment = comment.strip()
    if len(comment) > RATING_COMMENT_MAX_LENGTH:
        raise RatingRefused(
            _("Keep the comment to %(count)d characters.") % {"count": RATING_COMMENT_MAX_LENGTH}
        )
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status not in RATABLE_STATUSES or ticket.resolved_at is None:
        raise RatingRefused(
            _("This ticket is not resolved yet: you can rate it once our engineers have resolved it.")
        )
    existing = Rating.objects.filter(ticket=ticket, cycle=ticket.resolution_cycle).first()
    if existing is not None:
        if not rating_changeable(existing, now):
            raise RatingRefused(
                _("You rated this resolution on %(date)s; a rating can be changed for %(days)d days only.")
                % {"date": f"{existing.created_at:%Y-%m-%d}", "days": RATING_CHANGE_DAYS}
            )
        existing.score, existing.comment, existing.updated_at = score, comment, now
        existing.save(update_fields=["score", "comment", "updated_at"])
        rating = existing
    else:
        rating = Rating.objects.create(
            ticket=ticket,
            cycle=ticket.resolution_cycle,
            score=score,
            comment=comment,
            engineer_id=_engineer_at_resolution(ticket),
            customer_id=ticket.customer_id,
            severity=ticket.severity,
            resolved_at=ticket.resolved_at,
            created_at=now,
            updated_at=now,
        )
    Event.objects.create(
        ticket=ticket,
        type=EventType.RATED,
        at=now,
        actor=None,
        data={
            "score": score,
            "cycle": rating.cycle,
            **({"comment": comment} if comment else {}),
            **({"changed": True} if existing is not None else {}),
        },
    )
    return Rated(rating=rating, changed=existing is not None)
