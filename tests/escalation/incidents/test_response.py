"""What an incident calls for: a commander paged once, one ticket per affected customer with its clock
started at the alert's start, proactive notices to the customers' contacts, one page per incident step,
acknowledging, public updates, linking, resolving with the tickets, and editing the impact window."""

from datetime import time, timedelta

import pytest
from django.core import mail

from escalation.incidents.models import (
    Incident,
    IncidentEvent,
    IncidentEventType,
    IncidentStatus,
    IncidentTicket,
    IncidentUpdate,
)
from escalation.incidents.services.incidents import (
    IncidentChangeRefused,
    incident_impact_window_edit,
    incident_update,
    ticket_incident_link,
)
from escalation.incidents.services.ingest import alerts_ingest
from escalation.incidents.services.response import (
    desk_address,
    incident_respond,
    incidents_needing_response,
    incidents_respond_pending,
)
from escalation.paging.models import Alarm, Escalation, Notification
from escalation.paging.services.escalations import alarms_fire_batch
from escalation.paging.services.notifications import notification_send
from tests.escalation.incidents.helpers import alert, integration
from tests.escalation.paging.test_notifications import sid, signed_post
from tests.factories import NOW, CustomerFactory, make_engineer, make_ticket
from tickets.models import CustomerContact, Event, EventType, RequesterNotification, Status, Ticket
from tickets.notifications import requester_notification_send

pytestmark = pytest.mark.django_db

STARTED = NOW - timedelta(minutes=4)


@pytest.fixture
def world():
    """Two customers with contacts, one engineer on shift (the commander to be), one lead."""
    acme = CustomerFactory(name="Acme Streams", plan="premium", domains=["acme.example"])
    zeta = CustomerFactory(name="Zeta TV", domains=["zeta.example"])
    CustomerContact.objects.create(
        customer=acme, email="noc@acme.example", name="Ana", language="pt-br", timezone="America/Sao_Paulo"
    )
    CustomerContact.objects.create(customer=acme, email="cto@acme.example", name="Ben", timezone="Asia/Tokyo")
    CustomerContact.objects.create(customer=acme, email="quiet@acme.example", notify_incidents=False)
    kim = make_engineer("kim", shift_start=time(8), shift_end=time(17), phone="+15005550006")
    make_engineer("lee", shift_start=time(8), shift_end=time(17), phone="+15005550007", lead=True)
    return {"acme": acme, "zeta": zeta, "kim": kim}


def open_incident(customers: str = "Acme Streams,Zeta TV", now=NOW, key="edge-down"):
    source = integration()
    values = tuple(v for v in customers.split(",") if v)
    ingested = alerts_ingest(
        integration=source, alerts=[alert(key=key, occurred_at=STARTED, customers=values)], now=now
    )
    return Incident.objects.get(pk=ingested.to_respond[0]) if ingested.to_respond else Incident.objects.get()


def test_one_ticket_per_customer_clock_from_the_alert_commander_paged_once(
    world, django_capture_on_commit_callbacks
):
    incident = open_incident()
    responded = incident_respond(incident_id=incident.pk, now=NOW)
    assert len(responded.tickets_opened) == 2 and responded.commander_assigned
    incident.refresh_from_db()
    assert incident.commander == world["kim"].user  # on shift, least loaded, lowest id

    tickets = {t.customer.name: t for t in Ticket.objects.filter(incident_link__incident=incident)}
    acme = tickets["Acme Streams"]
    assert acme.severity == "major" and acme.plan == "premium"
    assert acme.created_at == STARTED  # the clock counts from the outage
    assert acme.first_response_due_at == STARTED + timedelta(minutes=15)
    assert acme.assignee == world["kim"].user
    assert acme.requester.email == "noc@acme.example"  # the first incident contact
    first = acme.messages.get()
    assert first.author == world["kim"].user and not first.internal  # the desk wrote it, not the customer
    assert acme.first_responded_at is None  # and it is no response: the first public update is
    zeta = tickets["Zeta TV"]
    assert zeta.requester.email == desk_address()  # Zeta has no contacts: the desk's own name

    # No "received" email: the contacts who want incident news get the proactive notice.
    notices = RequesterNotification.objects.filter(kind="incident_notice")
    assert sorted(notices.values_list("recipient", flat=True)) == ["cto@acme.example", "noc@acme.example"]
    assert not RequesterNotification.objects.filter(kind="received", ticket__in=tickets.values()).exists()

    pages = Notification.objects.filter(incident=incident)
    assert sorted(pages.values_list("channel", flat=True)) == ["sms", "voice"]  # major: SMS and a call
    assert {p.recipient for p in pages} == {"+15005550006"}
    assert "INCIDENT" in pages.get(channel="sms").body

    again = incident_respond(incident_id=incident.pk, now=NOW + timedelta(seconds=5))
    assert again.tickets_opened == () and again.commander_paged == 0
    assert Notification.objects.filter(incident=incident).count() == 2
    assert Ticket.objects.filter(incident_link__incident=incident).count() == 2
    types = list(IncidentEvent.objects.filter(incident=incident).values_list("type", flat=True))
    assert types.count(IncidentEventType.TICKET_OPENED) == 2
    assert types.count(IncidentEventType.COMMANDER_PAGED) == 1


def test_the_notice_is_worded_in_the_contacts_time_with_the_private_link(world, settings):
    settings.PUBLIC_BASE_URL = "https://desk.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    incident = open_incident("Acme Streams")
    incident_respond(incident_id=incident.pk, now=NOW)
    ticket = Ticket.objects.get(incident_link__incident=incident)
    for row in RequesterNotification.objects.filter(kind="incident_notice").order_by("recipient"):
        assert requester_notification_send(notification_id=row.pk, now=NOW) == "sent"
    by_recipient = {m.to[0]: m for m in mail.outbox}
    tokyo = by_recipient["cto@acme.example"]
    assert "edge-down on edge-1" in tokyo.subject and ticket.reference in tokyo.subject
    assert f"https://desk.example/t/{ticket.access_token}/" in tokyo.body
    assert "18:56" in tokyo.body  # 09:56 UTC is 18:56 in Tokyo
    assert "06:56" in by_recipient["noc@acme.example"].body  # and 06:56 in Sao Paulo


def test_an_info_incident_or_one_without_customers_opens_no_ticket(world):
    incident = open_incident("")
    responded = incident_respond(incident_id=incident.pk, now=NOW)
    assert responded.tickets_opened == () and responded.commander_paged == 2  # internal: still paged
    source = integration()
    alerts_ingest(
        integration=source,
        alerts=[alert(key="cpu", source_severity="info", customers=("Acme Streams",))],
        now=NOW,
    )
    info = Incident.objects.get(dedup_key="cpu")
    assert info.severity is None
    assert incident_respond(incident_id=info.pk, now=NOW).tickets_opened == ()


def test_the_incidents_tickets_page_once_per_step(world):
    incident = open_incident()
    incident_respond(incident_id=incident.pk, now=NOW)
    tickets = list(Ticket.objects.filter(incident_link__incident=incident))
    due = STARTED + timedelta(minutes=15)
    Notification.objects.all().delete()
    assert Alarm.objects.filter(ticket__in=tickets, step=1, metric="first_response").count() == 2
    alarms_fire_batch(now=due + timedelta(seconds=1))  # the warnings
    alarms_fire_batch(now=due + timedelta(seconds=1))  # step 1 of both tickets, in one batch
    steps = Escalation.objects.filter(ticket__in=tickets, metric="first_response", step=1)
    assert steps.count() == 2  # both breached, both on the ledger
    assert steps.filter(paged_for_incident=incident).count() == 1
    paged = steps.get(paged_for_incident=incident)
    assert Notification.objects.filter(escalation__step=1).exclude(escalation=paged).count() == 0
    assert Notification.objects.filter(escalation=paged).exists()
    quiet = steps.exclude(pk=paged.pk).get()
    event = Event.objects.get(ticket=quiet.ticket, type=EventType.ESCALATED, data__step=1)
    assert event.data["paged_with_incident"] == incident.pk


def test_acknowledging_the_incident_acknowledges_its_tickets_pages(world):
    incident = open_incident()
    incident_respond(incident_id=incident.pk, now=NOW)
    due = STARTED + timedelta(minutes=15)
    alarms_fire_batch(now=due + timedelta(seconds=1))
    alarms_fire_batch(now=due + timedelta(seconds=1))
    assert Escalation.objects.filter(acknowledged_at__isnull=True).count() >= 2
    kim = world["kim"].user
    incident_update(incident_id=incident.pk, status="acknowledged", actor=kim, now=due + timedelta(minutes=1))
    assert not Escalation.objects.filter(acknowledged_at__isnull=True).exists()
    assert set(Escalation.objects.values_list("acknowledged_via", flat=True)) == {"incident"}
    assert not Notification.objects.filter(incident=incident, status="queued").exists()


def test_a_public_update_replies_on_every_linked_ticket_and_tells_each_customer_once(world):
    incident = open_incident()
    incident_respond(incident_id=incident.pk, now=NOW)
    own = make_ticket(email="viewer@acme.example", now=NOW)
    kim = world["kim"].user
    ticket_incident_link(ticket=own, incident_id=incident.pk, actor=kim, now=NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=2)
    incident_update(
        incident_id=incident.pk, public_update="Traffic rerouted via Frankfurt.", actor=kim, now=later
    )
    linked = Ticket.objects.filter(incident_link__incident=incident)
    assert linked.count() == 3
    for ticket in linked:
        assert ticket.messages.filter(body="Traffic rerouted via Frankfurt.", internal=False).count() == 1
        assert ticket.first_responded_at == later  # the update is each ticket's first response
    updates = RequesterNotification.objects.filter(kind="incident_update")
    # Acme's contacts who want incident news, less the incident ticket's requester (she has the reply).
    assert sorted(updates.values_list("recipient", flat=True)) == ["cto@acme.example"]
    assert IncidentUpdate.objects.get().author == kim


def test_resolving_with_the_tickets_sends_the_final_word_and_resolves_them(world):
    incident = open_incident()
    incident_respond(incident_id=incident.pk, now=NOW)
    kim = world["kim"].user
    later = NOW + timedelta(hours=1)
    incident_update(
        incident_id=incident.pk,
        status="resolved",
        public_update="Fixed: a bad route was withdrawn.",
        resolve_tickets=True,
        actor=kim,
        now=later,
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.impact_ended_at == later
    assert set(Ticket.objects.filter(incident_link__incident=incident).values_list("status", flat=True)) == {
        Status.RESOLVED
    }
    event = IncidentEvent.objects.get(type=IncidentEventType.TICKETS_RESOLVED)
    assert len(event.data["resolved"]) == 2 and event.data["refused"] == {}


def test_linking_rules(world):
    incident = open_incident()
    incident_respond(incident_id=incident.pk, now=NOW)
    kim = world["kim"].user
    opened = Ticket.objects.filter(incident_link__incident=incident).first()
    with pytest.raises(IncidentChangeRefused):
        ticket_incident_link(ticket=opened, incident_id=None, actor=kim, now=NOW)
    own = make_ticket(email="viewer@zeta.example", now=NOW)
    ticket_incident_link(ticket=own, incident_id=incident.pk, actor=kim, now=NOW)
    ticket_incident_link(ticket=own, incident_id=incident.pk, actor=kim, now=NOW)  # twice: one link
    assert IncidentTicket.objects.filter(ticket=own).count() == 1
    ticket_incident_link(ticket=own, incident_id=None, actor=kim, now=NOW)
    assert not IncidentTicket.objects.filter(ticket=own).exists()
    types = list(Event.objects.filter(ticket=own).values_list("type", flat=True))
    assert types.count(EventType.INCIDENT_LINKED) == 1 and types.count(EventType.INCIDENT_UNLINKED) == 1
    with pytest.raises(IncidentChangeRefused):
        ticket_incident_link(ticket=own, incident_id=999999, actor=kim, now=NOW)


def test_the_impact_window_is_edited_with_a_reason_and_an_event(world):
    incident = open_incident()
    kim = world["kim"].user
    with pytest.raises(IncidentChangeRefused) as refused:
        incident_impact_window_edit(incident_id=incident.pk, started_at=NOW, reason=" ", actor=kim, now=NOW)
    assert refused.value.field == "reason"
    with pytest.raises(IncidentChangeRefused):
        incident_impact_window_edit(
            incident_id=incident.pk, impact_ended_at=STARTED - timedelta(1), reason="x", actor=kim, now=NOW
        )
    incident_impact_window_edit(
        incident_id=incident.pk,
        started_at=STARTED - timedelta(minutes=6),
        impact_ended_at=NOW,
        reason="The CDN logs show errors from 09:50",
        actor=kim,
        now=NOW + timedelta(minutes=5),
    )
    incident.refresh_from_db()
    assert incident.started_at == STARTED - timedelta(minutes=6) and incident.impact_ended_at == NOW
    event = IncidentEvent.objects.get(type=IncidentEventType.IMPACT_WINDOW_EDITED)
    assert event.data["reason"] == "The CDN logs show errors from 09:50" and event.actor == kim
    assert event.data["started_at"] == {
        "from": STARTED.isoformat(),
        "to": (STARTED - timedelta(minutes=6)).isoformat(),
    }


def test_the_sweep_finds_what_a_lost_task_left(world):
    incident = open_incident()
    assert incidents_needing_response() == [incident.pk]
    assert incidents_respond_pending(now=NOW) == 1
    assert incidents_needing_response() == []
    # A customer added later gets its ticket from the next response.
    newcomer = CustomerFactory(name="Nova")
    incident_update(
        incident_id=incident.pk,
        customers=[world["acme"], world["zeta"], newcomer],
        actor=world["kim"].user,
        now=NOW + timedelta(minutes=1),
    )
    assert incidents_needing_response() == [incident.pk]
    incidents_respond_pending(now=NOW + timedelta(minutes=2))
    assert Ticket.objects.filter(incident_link__incident=incident, customer=newcomer).count() == 1


def test_the_commander_answers_the_page_by_sms_or_by_call_and_acknowledges_the_incident(
    world, twilio, client
):
    incident = open_incident()
    incident_respond(incident_id=incident.pk, now=NOW)
    sms = Notification.objects.get(incident=incident, channel="sms")
    call = Notification.objects.get(incident=incident, channel="voice")
    assert notification_send(notification_id=sms.pk, now=NOW) == "sent"  # through the loopback Twilio
    [sent] = twilio.sms()
    assert sent.form["To"] == "+15005550006" and f"INCIDENT {incident.pk}" in sent.form["Body"]

    answer = signed_post(
        client, "/twilio/sms/inbound/", {"MessageSid": sid("SM", 7), "From": "+15005550006", "Body": "ACK"}
    )
    assert answer.status_code == 200
    assert f"acknowledged incident {incident.pk}" in answer.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED and incident.acknowledged_at is not None
    assert IncidentEvent.objects.get(incident=incident, type="acknowledged").actor == world["kim"].user

    # The call, answered later, finds the incident acknowledged: nothing more to do.
    pressed = signed_post(client, f"/twilio/voice/ack/{call.pk}/", {"CallSid": sid("CA", 8), "Digits": "1"})
    assert pressed.status_code == 200 and "already acknowledged" in pressed.content.decode()


def test_pressing_1_on_the_commander_call_acknowledges_the_incident(world, twilio, client):
    incident = open_incident()
    incident_respond(incident_id=incident.pk, now=NOW)
    call = Notification.objects.get(incident=incident, channel="voice")
    pressed = signed_post(client, f"/twilio/voice/ack/{call.pk}/", {"CallSid": sid("CA", 9), "Digits": "1"})
    assert f"Incident {incident.pk} acknowledged" in pressed.content.decode()
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
