"""Confirming a requester's address through the real interfaces: the public form, the emailed link (its
page, then its button), the engineer's button on the ticket page, and the API, for every role."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from escalation.roster.services.engineers import manager_ensure
from tests.api.conftest import client_for
from tests.factories import NOW, CustomerFactory, UserFactory, make_engineer
from tests.mail import deliver_requester_mail
from tickets.models import EventType, Plan, Requester, Severity, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def premium():
    return CustomerFactory(
        name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"], timezone=ZoneInfo("Europe/Lisbon")
    )


def post_form(client, email: str, subject: str = "Stream down in Lisbon"):
    return client.post(
        "/",
        {
            "severity": Severity.URGENT,
            "subject": subject,
            "description": "Black screen since 10:55.",
            "email": email,
            "name": "Ana",
            "timezone": "Europe/Lisbon",
            "website": "",
        },
    )


def confirmation_link(mailoutbox, settings) -> str:
    [link] = [
        match
        for mail in mailoutbox
        for match in re.findall(r"https://desk\.example\.com(/confirm/[^\s/]+/)", mail.body)
    ]
    return link


def test_the_form_the_email_and_the_link_confirm_an_address_and_upgrade_its_ticket(
    client, premium, mailoutbox, settings
):
    settings.PUBLIC_BASE_URL = "https://desk.example.com"
    response = post_form(client, "ana@streamco.example")
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.plan) == (None, Plan.STANDARD)
    received = client.get(response["Location"]).content.decode()
    assert "Please confirm your address" in received
    assert "StreamCo" not in received  # the page does not tell a stranger whose domain it is

    deliver_requester_mail(now=NOW)
    subjects = sorted(mail.subject for mail in mailoutbox)
    assert subjects == [
        f"[{ticket.reference}] Confirm your address to get your support plan",
        f"[{ticket.reference}] We received your ticket: Stream down in Lisbon",
    ]
    link = confirmation_link(mailoutbox, settings)

    # Following the link (as a mail scanner would) shows a button and confirms nothing.
    page = Client(enforce_csrf_checks=True).get(link)
    assert page.status_code == 200
    assert "Confirm ana@streamco.example" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert Requester.objects.get(email="ana@streamco.example").confirmed_at is None

    # The button (CSRF-checked) confirms; the page then says so and lists the ticket on the plan.
    browser = Client(enforce_csrf_checks=True)
    form_page = browser.get(link)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode()).group(1)
    assert browser.post(link, {}).status_code == 403  # no CSRF token: refused
    done = browser.post(link, {"csrfmiddlewaretoken": token}, follow=True)
    text = done.content.decode()
    assert "Your address is confirmed" in text
    assert "1 open ticket now runs on your organization" in text
    ticket.refresh_from_db()
    assert (ticket.customer, ticket.plan, ticket.requester_trusted) == (premium, Plan.PREMIUM, True)
    assert ticket.first_response_due_at == NOW + timedelta(minutes=30)
    assert ticket.events.filter(type=EventType.REQUESTER_CONFIRMED, data__by="link").count() == 1


def test_a_broken_or_forged_link_is_a_clear_400_and_changes_nothing(client, premium):
    post_form(client, "ana@streamco.example")
    for token in ("nonsense", "x" * 300, "eyJyIjoxLCJlIjoiYUBiLmMifQ:1tXYZ:abc"):
        response = client.get(f"/confirm/{token}/")
        assert response.status_code == 400
        assert "This is not a confirmation link of ours." in response.content.decode()
        assert client.post(f"/confirm/{token}/").status_code == 400
    assert Requester.objects.get().confirmed_at is None


def test_the_form_sends_one_confirmation_an_hour_however_many_tickets(client, premium, mailoutbox):
    for n in range(3):
        assert post_form(client, "ana@streamco.example", subject=f"Problem {n}").status_code == 302
    deliver_requester_mail(now=NOW)
    confirm = [m for m in mailoutbox if "Confirm your address" in m.subject]
    assert len(confirm) == 1
    assert len(mailoutbox) == 4  # three "received", one confirmation


def test_an_engineer_confirms_the_requester_from_the_ticket_page(client, premium):
    post_form(client, "ana@streamco.example")
    ticket = Ticket.objects.get()
    lena = make_engineer("lena", name="Lena Fischer")
    desk = Client()
    desk.force_login(lena.user)
    page = desk.get(f"/tickets/{ticket.reference}/").content.decode()
    assert 'data-testid="requester-unconfirmed"' in page
    assert "Confirm this requester" in page

    assert desk.get(f"/tickets/{ticket.reference}/confirm-requester/").status_code == 405  # POST only
    response = desk.post(f"/tickets/{ticket.reference}/confirm-requester/", follow=True)
    text = response.content.decode()
    assert "ana@streamco.example is confirmed" in text
    assert "Requester confirmed by Lena Fischer" in text
    assert 'data-testid="requester-unconfirmed"' not in text
    ticket.refresh_from_db()
    assert (ticket.plan, ticket.requester.confirmed_by) == (Plan.PREMIUM, lena.user)


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
def test_only_engineers_confirm_from_the_desk(client, premium, who):
    post_form(client, "ana@streamco.example")
    ticket = Ticket.objects.get()
    visitor = Client()
    if who == "not staff":
        visitor.force_login(UserFactory(username="viewer", is_staff=False))
    response = visitor.post(f"/tickets/{ticket.reference}/confirm-requester/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/login/" in response["Location"]
    assert Requester.objects.get().confirmed_at is None


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 401), ("not staff", 403), ("engineer", 200), ("manager", 200)],
)
def test_the_api_confirms_a_requester_for_engineers_and_managers_only(client, premium, role, expected):
    post_form(client, "ana@streamco.example")
    ticket = Ticket.objects.get()
    users = {
        "anonymous": None,
        "not staff": UserFactory(username="viewer", is_staff=False),
        "engineer": make_engineer("lena").user,
        "manager": manager_ensure(username="maria", name="Maria Santos", email="maria@support.example"),
    }
    user = users[role]
    assert user is None or not user.is_superuser
    response = client_for(user).post(f"/api/v1/tickets/{ticket.reference}/confirm-requester/")
    assert response.status_code == expected, response.content
    if expected != 200:
        assert Requester.objects.get().confirmed_at is None
        return
    body = response.json()
    assert body == {
        "email": "ana@streamco.example",
        "confirmed_at": "2025-06-11T10:00:00Z",
        "confirmed_by": user.get_username(),
        "upgraded": [ticket.reference],
    }
    detail = client_for(user).get(f"/api/v1/tickets/{ticket.reference}/").json()
    assert (detail["requester_trusted"], detail["plan"], detail["customer"]["name"]) == (
        True,
        "premium",
        "StreamCo",
    )
    # Again: already confirmed, nothing more to upgrade.
    again = client_for(user).post(f"/api/v1/tickets/{ticket.reference}/confirm-requester/").json()
    assert again["upgraded"] == [] and again["confirmed_by"] == user.get_username()
    assert client_for(user).post("/api/v1/tickets/SD-999999/confirm-requester/").status_code == 404
