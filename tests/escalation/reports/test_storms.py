"""A storm in the report: each grouped page is one row with its ticket count; the escalation figures are
unchanged (they still count every step of every ticket)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.models import Escalation, Notification, Page
from escalation.reports.periods import Period
from escalation.reports.selectors.filters import ReportFilters
from escalation.reports.selectors.storms import storm_list
from tests.escalation.reports.conftest import JUNE
from tests.factories import NOW, CustomerFactory, make_page, make_ticket

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)
JUNE_PERIOD = Period(start=NOW.replace(day=1, hour=0), end=NOW.replace(day=30, hour=0), zone=ZoneInfo("UTC"))


def page_of(engineer, count, *, at=NOW, customer="StreamCo"):
    """A window of `engineer`'s SMS opened at `at`: its first ticket went out alone, `count - 1` joined."""
    page = Page.objects.create(
        recipient=str(engineer.phone),
        recipient_user=engineer.user,
        channel="sms",
        sequence=Page.objects.count() + 1,
        opened_at=at,
        closes_at=at + 30 * SECOND,
        status="sent",
        sent_at=at + 30 * SECOND,
        updated_at=at,
    )
    for i in range(count):
        ticket = make_ticket(severity="major", email=f"n{i}@{customer.lower()}.example")
        escalation = make_page(ticket, fired_at=at + i * SECOND / 10)
        Notification.objects.create(
            ticket=ticket,
            escalation=escalation,
            purpose="escalation",
            channel="sms",
            recipient=page.recipient,
            recipient_user=engineer.user,
            body="p",
            status="sent",
            created_at=at,
            updated_at=at,
            page=page,
            grouped=i > 0,
        )
    return page


def test_each_grouped_page_is_one_row_with_its_ticket_count(lena, bob):
    CustomerFactory(name="StreamCo", domains=["streamco.example"])
    CustomerFactory(name="Acme", domains=["acme.example"])
    storm = page_of(lena, 12)
    page_of(bob, 3, at=NOW + 40 * SECOND, customer="Acme")
    page_of(lena, 1, at=NOW + 2 * 3600 * SECOND)  # one ticket alone: an ordinary escalation, not a storm
    page_of(lena, 4, at=NOW - 30 * 86400 * SECOND)  # before the period
    Escalation.objects.filter(notifications__page=storm).update(acknowledged_at=NOW + 60 * SECOND)

    storms = storm_list(filters=ReportFilters(period=JUNE_PERIOD))
    assert [(r.engineer, r.tickets, r.acknowledged) for r in storms.rows] == [("bob", 3, 0), ("lena", 12, 12)]
    assert storms.tickets == 15
    assert [
        r.tickets for r in storm_list(filters=ReportFilters(period=JUNE_PERIOD, engineer="lena")).rows
    ] == [12]
    acme = CustomerFactory._meta.model.objects.get(name="Acme")
    assert [
        r.engineer for r in storm_list(filters=ReportFilters(period=JUNE_PERIOD, customer_id=acme.pk)).rows
    ] == ["bob"]


def test_the_report_page_shows_the_storm_as_one_row_with_its_count(lena, manager, client):
    CustomerFactory(name="StreamCo", domains=["streamco.example"])
    storm = page_of(lena, 7)
    client.force_login(manager)
    response = client.get("/reports/sla/", JUNE)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="storms"' in text
    assert f'<tr data-page="{storm.pk}">' in text
    assert '<td class="num" data-testid="storm-tickets">7</td>' in text
    assert f'href="/pages/{storm.pk}/"' in text
