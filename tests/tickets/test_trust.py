"""Trusted requesters (issue 15, item 1): a customer's email domain is not proof.

A ticket from one of the customer's contacts, or from an address confirmed before, gets the customer's
plan at once. Anyone else at the domain gets a standard-plan ticket without the customer that pages
nobody by voice, and one email an hour with a link to confirm the address; confirming (the link, or an
engineer) gives the open tickets their customer and recomputes their clocks from the filing time.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing

from escalation.models import Notification
from tests.escalation.paging.test_notifications import fire_due
from tests.factories import NOW, CustomerFactory, EngineerFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import (
    CustomerContact,
    Event,
    EventType,
    Plan,
    Requester,
    RequesterNotification,
    Severity,
    Status,
)

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)
CONFIRM = RequesterNotification.Kind.CONFIRM_ADDRESS


@pytest.fixture
def premium():
    return CustomerFactory(
        name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"], timezone=ZoneInfo("Europe/Lisbon")
    )


def file(email: str, *, now=NOW, severity=Severity.MAJOR, **kwargs):
    """A ticket as the public form files it: nobody vouches for the address."""
    return services.ticket_file(
        subject="Live stream down",
        description="All viewers.",
        severity=severity,
        email=email,
        now=now,
        **kwargs,
    ).ticket


def close(ticket, now):
    engineer = UserFactory(username="closer")
    services.ticket_reply(ticket=ticket, author=engineer, body="Fixed.", now=now)
    for status in (Status.RESOLVED, Status.CLOSED):
        services.ticket_change_status(ticket=ticket, status=status, actor=None, now=now)


def confirmations(email: str) -> list[RequesterNotification]:
    return list(RequesterNotification.objects.filter(kind=CONFIRM, recipient=email).order_by("pk"))


def test_an_unconfirmed_address_at_a_customers_domain_files_on_the_standard_plan_without_the_customer(
    premium,
):
    ticket = file("intruder@streamco.example", severity=Severity.URGENT)

    assert (ticket.customer, ticket.plan, ticket.requester_trusted) == (None, Plan.STANDARD, False)
    # Standard and urgent: 1 business hour (the default calendar: Wednesday 10:00 UTC is within it).
    assert ticket.first_response_due_at == NOW + timedelta(hours=1)
    created = Event.objects.get(ticket=ticket, type=EventType.CREATED)
    assert created.data["requester_trusted"] is False
    assert created.data["claimed_customer"] == "StreamCo"
    [confirmation] = confirmations("intruder@streamco.example")
    assert confirmation.ticket == ticket
    assert Requester.objects.get(email="intruder@streamco.example").confirmation_sent_at == NOW


def test_a_customers_contact_gets_the_customers_plan_at_once_and_no_confirmation_email(premium):
    CustomerContact.objects.create(customer=premium, email="noc@streamco.example")
    ticket = file("NOC@streamco.example", severity=Severity.URGENT)

    assert (ticket.customer, ticket.plan, ticket.requester_trusted) == (premium, Plan.PREMIUM, True)
    assert ticket.first_response_due_at == NOW + timedelta(minutes=30)  # premium urgent, around the clock
    assert confirmations("noc@streamco.example") == []
    # A contact of another customer is not a contact of this one.
    other = CustomerFactory(name="Other", domains=["other.example"])
    CustomerContact.objects.create(customer=other, email="ops@streamco.example")
    assert file("ops@streamco.example").requester_trusted is False


def test_an_address_without_a_customer_is_untrusted_and_gets_no_confirmation_email():
    ticket = file("someone@gmail.example")
    assert (ticket.customer, ticket.plan, ticket.requester_trusted) == (None, Plan.STANDARD, False)
    assert "claimed_customer" not in Event.objects.get(ticket=ticket, type=EventType.CREATED).data
    assert confirmations("someone@gmail.example") == []


def test_at_most_one_confirmation_email_an_hour_per_address(premium):
    for minute in range(0, 60, 10):  # six tickets in the hour
        file("new@streamco.example", now=NOW + minute * MINUTE)
    assert len(confirmations("new@streamco.example")) == 1
    file("new@streamco.example", now=NOW + 60 * MINUTE)  # an hour after the first: another
    assert len(confirmations("new@streamco.example")) == 2
    file("other@streamco.example", now=NOW + 61 * MINUTE)  # each address has its own hour
    assert len(confirmations("other@streamco.example")) == 1


def test_confirming_by_the_link_upgrades_the_open_tickets_from_their_filing_time(premium):
    first = file("new@streamco.example", severity=Severity.URGENT)
    second = file("new@streamco.example", severity=Severity.GENERAL, now=NOW + 5 * MINUTE)
    closed = file("new@streamco.example", severity=Severity.GENERAL, now=NOW + 6 * MINUTE)
    close(closed, NOW + 7 * MINUTE)
    requester = Requester.objects.get(email="new@streamco.example")

    at = NOW + 20 * MINUTE
    upgraded = services.requester_confirm(requester=requester, actor=None, now=at)

    assert [t.pk for t in upgraded] == [first.pk, second.pk]  # the closed one is history
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.customer, first.plan, first.requester_trusted) == (premium, Plan.PREMIUM, True)
    # Premium: 30 min (urgent) and 1 h (general) around the clock, counted from when each was filed.
    assert first.first_response_due_at == NOW + 30 * MINUTE
    assert first.resolution_due_at == NOW + timedelta(hours=8)
    assert second.first_response_due_at == NOW + 5 * MINUTE + timedelta(hours=1)
    event = Event.objects.get(ticket=first, type=EventType.REQUESTER_CONFIRMED)
    assert (event.at, event.actor, event.data["by"]) == (at, None, "link")
    assert (event.data["from_plan"], event.data["plan"], event.data["customer"]) == (
        "standard",
        "premium",
        "StreamCo",
    )
    assert event.data["first_response_due_at"] == (NOW + 30 * MINUTE).isoformat()
    requester.refresh_from_db()
    assert (requester.confirmed_at, requester.confirmed_by) == (at, None)

    # Confirming again changes nothing more; the address's next ticket is trusted at once, with no email.
    assert services.requester_confirm(requester=requester, actor=None, now=at + MINUTE) == []
    assert Event.objects.filter(type=EventType.REQUESTER_CONFIRMED).count() == 2
    later = file("new@streamco.example", now=at + timedelta(hours=2))
    assert (later.customer, later.plan, later.requester_trusted) == (premium, Plan.PREMIUM, True)
    assert len(confirmations("new@streamco.example")) == 1


def test_an_engineer_confirms_by_hand(premium):
    ticket = file("new@streamco.example")
    lena = UserFactory(username="lena")
    services.requester_confirm(requester=ticket.requester, actor=lena, now=NOW + MINUTE)
    ticket.refresh_from_db()
    assert (ticket.customer, ticket.requester_trusted) == (premium, True)
    assert ticket.requester.confirmed_by == lena
    event = Event.objects.get(ticket=ticket, type=EventType.REQUESTER_CONFIRMED)
    assert (event.actor, event.data["by"]) == (lena, "engineer")


def test_an_engineer_filing_or_an_incident_vouches_for_the_address(premium):
    by_engineer = file("new@streamco.example", trusted=True)
    assert (by_engineer.customer, by_engineer.plan) == (premium, Plan.PREMIUM)
    opened = file("x@streamco.example", opened_by=UserFactory(username="aiko"))
    assert opened.requester_trusted is True
    assert confirmations("new@streamco.example") == confirmations("x@streamco.example") == []


def test_a_follow_up_keeps_the_trust_of_the_ticket_it_follows(premium):
    trusted = make_ticket(email="noc@streamco.example")
    close(trusted, NOW + MINUTE)
    message = services.ticket_reply(ticket=trusted, author=None, body="again", now=NOW + 2 * MINUTE)
    assert message.ticket.requester_trusted is True
    assert (message.ticket.customer, message.ticket.plan) == (premium, Plan.PREMIUM)


# --- the confirmation link ---------------------------------------------------------------------------


def test_the_confirmation_link_names_its_requester_until_it_expires_or_the_address_changes(
    premium, time_machine
):
    time_machine.move_to(NOW, tick=False)
    requester = file("new@streamco.example").requester
    token = services.confirmation_token(requester)
    assert services.confirmation_requester(token) == requester

    with pytest.raises(services.ConfirmationLinkInvalid, match="not a confirmation link"):
        services.confirmation_requester(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    forged = signing.dumps({"r": requester.pk, "e": requester.email}, salt="another purpose")
    with pytest.raises(services.ConfirmationLinkInvalid, match="not a confirmation link"):
        services.confirmation_requester(forged)
    time_machine.move_to(NOW + timedelta(days=8), tick=False)
    with pytest.raises(services.ConfirmationLinkInvalid, match="expired"):
        services.confirmation_requester(token)
    time_machine.move_to(NOW + timedelta(days=1), tick=False)
    Requester.objects.filter(pk=requester.pk).update(email="changed@streamco.example")
    with pytest.raises(services.ConfirmationLinkInvalid, match="no address we know"):
        services.confirmation_requester(token)


# --- voice pages -------------------------------------------------------------------------------------


@pytest.fixture
def on_call():
    return EngineerFactory(
        user=UserFactory(username="aiko"), phone="+81312345678", timezone=ZoneInfo("Asia/Tokyo"), on_call=True
    )


def test_an_untrusted_major_ticket_pages_by_sms_not_by_voice_until_confirmed(premium, on_call):
    ticket = file("intruder@streamco.example")  # major: 15 minutes around the clock, even on standard
    fire_due(NOW + 12 * MINUTE)  # the warning
    [step1] = fire_due(NOW + 15 * MINUTE)  # the policy's step 1 for major: the on-call engineer by voice
    channels = set(Notification.objects.filter(escalation=step1).values_list("channel", flat=True))
    assert channels == {"sms"}
    assert Notification.objects.filter(ticket=ticket, channel="voice").count() == 0

    trusted = make_ticket(email="noc@streamco.example", severity=Severity.MAJOR, now=NOW + 30 * MINUTE)
    fire_due(NOW + 42 * MINUTE)
    [step] = [e for e in fire_due(NOW + 45 * MINUTE) if e.ticket_id == trusted.pk]
    assert "voice" in set(Notification.objects.filter(escalation=step).values_list("channel", flat=True))
