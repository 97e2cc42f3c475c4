"""A small SLA history whose every number in the report can be worked out by hand (see `history`)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from escalation.models import Escalation, Metric, Region
from escalation.roster.services.engineers import manager_ensure
from escalation.sla.services.clock import sla_record_breach
from tests.api.conftest import client_for
from tests.factories import NOW, CustomerFactory, make_engineer, make_page, make_ticket
from tickets import services
from tickets.models import Plan, Severity, Status

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
JUNE = {"from": "2025-06-01", "to": "2025-06-30"}
# When the report is read: C is still open, 9 days 1 h 45 min past its deadline.
READ_AT = datetime(2025, 6, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fast_passwords_and_empty_cache(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def lena(db):
    return make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin", region=Region.EMEA)


@pytest.fixture
def bob(db):
    return make_engineer("bob", name="Bob Díaz", zone="America/New_York", region=Region.AMERICAS)


@pytest.fixture
def manager(db):
    return manager_ensure(username="maria", name="Maria Santos", email="maria@support.example")


@pytest.fixture
def as_manager(manager):
    return client_for(manager)


@pytest.fixture
def as_engineer(lena):
    return client_for(lena.user)


def acknowledge(page: Escalation, at: datetime) -> None:
    Escalation.objects.filter(pk=page.pk).update(acknowledged_at=at)


@pytest.fixture
def history(lena, bob):
    """Four tickets filed Wednesday 2025-06-11 10:00 UTC:

    A  Kabuki (premium, 24x7), major, lena: answered after 10 min (met), resolved after 2 h (met).
    B  Kabuki, major, bob: step 1 paged at +15 min (acknowledged after 3 min), step 2 at +20 min
       (never acknowledged), breach recorded at +16 min, answered at +40 min (breached by 25 min).
       A warning (step 0) at +12 min, acknowledged, which is not an escalation.
    C  Kabuki, major, nobody: breach recorded at +16 min and still unanswered; step 1 paged at +15 min,
       acknowledged after 10 min.
    D  Pixel (standard, business hours 09:00-18:00 Europe/Berlin), general, lena: filed at 12:00 CEST,
       first response due 16:00 CEST; answered Thursday 10:00 CEST: 7 business hours (6 + 1), 22 wall
       hours, breached by 3 h. Waiting on the customer from 10:00 to 14:00 CEST (4 business hours
       paused), resolved 16:00 CEST: 13 business hours - 4 paused = 9 h (met), 28 wall hours.
    """
    kabuki = CustomerFactory(
        name="Kabuki Live", plan=Plan.PREMIUM, domains=["kabuki.example"], monthly_fee=Decimal("1000.00")
    )
    pixel = CustomerFactory(
        name='Pixel "Rádio", Lisboa',
        plan=Plan.STANDARD,
        timezone=ZoneInfo("Europe/Berlin"),
        domains=["pixel.example"],
        monthly_fee=Decimal("250.00"),
        currency="EUR",
    )

    a = make_ticket(severity=Severity.MAJOR, now=NOW, email="a@kabuki.example", subject="Origin 502 on A")
    services.ticket_assign(ticket=a, assignee=lena.user, actor=None, now=NOW)
    services.ticket_reply(ticket=a, author=lena.user, body="Looking", now=NOW + 10 * MINUTE)
    services.ticket_change_status(ticket=a, status=Status.RESOLVED, actor=None, now=NOW + 2 * HOUR)

    b = make_ticket(severity=Severity.MAJOR, now=NOW, email="b@kabuki.example", subject="=SUM(A1:A9)")
    services.ticket_assign(ticket=b, assignee=bob.user, actor=None, now=NOW)
    acknowledge(make_page(b, step=0, fired_at=NOW + 12 * MINUTE), NOW + 13 * MINUTE)
    acknowledge(make_page(b, step=1, fired_at=NOW + 15 * MINUTE), NOW + 18 * MINUTE)
    sla_record_breach(ticket_id=b.pk, metric=Metric.FIRST_RESPONSE, now=NOW + 16 * MINUTE)
    make_page(b, step=2, fired_at=NOW + 20 * MINUTE)
    services.ticket_reply(ticket=b, author=bob.user, body="Sorry", now=NOW + 40 * MINUTE)

    c = make_ticket(severity=Severity.MAJOR, now=NOW, email="c@kabuki.example", subject="Black screen")
    acknowledge(make_page(c, step=1, fired_at=NOW + 15 * MINUTE), NOW + 25 * MINUTE)
    sla_record_breach(ticket_id=c.pk, metric=Metric.FIRST_RESPONSE, now=NOW + 16 * MINUTE)

    d = make_ticket(severity=Severity.GENERAL, now=NOW, email="d@pixel.example", subject="Stats, “lag”")
    services.ticket_assign(ticket=d, assignee=lena.user, actor=None, now=NOW)
    thursday = NOW + 22 * HOUR  # 2025-06-12 08:00 UTC, 10:00 CEST
    services.ticket_reply(ticket=d, author=lena.user, body="Which player?", now=thursday)
    services.ticket_change_status(ticket=d, status=Status.WAITING_ON_CUSTOMER, actor=None, now=thursday)
    services.ticket_reply(ticket=d, author=None, body="The web one", now=thursday + 4 * HOUR)
    services.ticket_change_status(ticket=d, status=Status.RESOLVED, actor=None, now=thursday + 6 * HOUR)

    return SimpleNamespace(a=a, b=b, c=c, d=d, kabuki=kabuki, pixel=pixel, lena=lena, bob=bob)
