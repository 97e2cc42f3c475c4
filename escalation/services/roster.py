"""The roster as routing and escalation see it: engineers with their shifts and current load."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from tickets.models import Status

from ..models import Engineer
from ..routing import Candidate
from ..shifts import Shift
from .engineers import MANAGERS_GROUP

LOAD_STATUSES = (Status.OPEN, Status.WAITING_ON_CUSTOMER)


def engineer_shift(engineer: Engineer) -> Shift:
    return Shift(
        tz=engineer.timezone,
        start=engineer.shift_start,
        end=engineer.shift_end,
        workdays=frozenset(engineer.workdays),
    )


def roster_candidates() -> list[Candidate]:
    """Every active engineer with the number of tickets they hold open (one query)."""
    engineers = Engineer.objects.filter(active=True, user__is_active=True).annotate(
        load=Count("user__assigned_tickets", filter=Q(user__assigned_tickets__status__in=LOAD_STATUSES))
    )
    return [
        Candidate(
            engineer_id=e.pk,
            user_id=e.user_id,
            shift=engineer_shift(e),
            capacity=e.capacity,
            open_tickets=e.load,
            last_assigned_at=e.last_assigned_at,
            active=e.active,
            on_call=e.on_call,
            lead=e.lead,
        )
        for e in engineers
    ]


def managers():
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=MANAGERS_GROUP))
        .distinct()
    )
