from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from escalation.models import Engineer, Region
from tickets.models import Customer, CustomerDomain, Severity
from tickets.services import ticket_file

# A Wednesday, in UTC, far from any DST change: tests that need another instant say so.
NOW = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"engineer{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@support.example")
    is_staff = True


class EngineerFactory(DjangoModelFactory):
    class Meta:
        model = Engineer

    user = factory.SubFactory(UserFactory)
    timezone = ZoneInfo("UTC")
    shift_start = time(9)
    shift_end = time(18)
    region = Region.EMEA


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Customer {n}")
    plan = "standard"
    timezone = ZoneInfo("UTC")

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        for domain in extracted or ():
            CustomerDomain.objects.create(customer=self, domain=domain)


_sequence = iter(range(1, 10**9))


def make_ticket(
    *,
    now: datetime = NOW,
    severity: str = Severity.GENERAL,
    email: str | None = None,
    trusted: bool = True,
    **kwargs,
):
    """A ticket filed through the real intake service, so its deadlines and events are real.

    From a trusted requester unless `trusted=False` (as an engineer filing it through the API would):
    the customer's plan and voice pages. Tests of what an unconfirmed requester gets say so."""
    return ticket_file(
        subject=kwargs.pop("subject", "Stream drops every few minutes"),
        description=kwargs.pop("description", "Viewers in Lisbon see the player stall."),
        severity=severity,
        email=email or f"viewer{next(_sequence)}@nowhere.example",
        now=now,
        trusted=trusted,
        **kwargs,
    ).ticket


# --- web pages (tests/web) ------------------------------------------------------------------------


def make_engineer(username: str, *, name: str = "", zone: str = "UTC", password: str | None = None, **fields):
    """An active engineer with a staff login; `password` makes it able to log in through the form."""
    first, _, last = name.partition(" ")
    user = UserFactory(username=username, first_name=first, last_name=last)
    if password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return EngineerFactory(user=user, timezone=ZoneInfo(zone), **fields)


def make_page(ticket, *, metric: str = "first_response", step: int = 1, fired_at: datetime = NOW):
    """A fired escalation step (a page) on `ticket`, as the worker would leave it."""
    from escalation.models import Escalation

    return Escalation.objects.create(
        ticket=ticket, metric=metric, cycle=1, step=step, due_at=fired_at, fired_at=fired_at
    )
