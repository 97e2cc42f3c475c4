"""Notifications through the real twilio client against a loopback server, and the signed webhooks."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

from escalation.models import Escalation, Notification
from escalation.notifications import TransientSendError
from escalation.services.notifications import MAX_ATTEMPTS, backoff_seconds, notification_send
from tests.factories import NOW, EngineerFactory, UserFactory, make_ticket
from tickets.models import Event, EventType

pytestmark = pytest.mark.django_db
MINUTE = timedelta(minutes=1)


@pytest.fixture
def page():
    """Step 1 fired for a major ticket assigned to Lena: an SMS to her is queued."""
    lena = EngineerFactory(user=UserFactory(username="lena"), phone="+4930123456")
    ticket = make_ticket(severity="major")
    ticket.assignee = lena.user
    ticket.save()
    escalation = Escalation.objects.create(
        ticket=ticket, metric="first_response", step=1, due_at=NOW + 15 * MINUTE, fired_at=NOW + 15 * MINUTE
    )
    sms = Notification.objects.create(
        ticket=ticket, escalation=escalation, purpose="escalation", channel="sms", recipient="+4930123456",
        recipient_user=lena.user, body="SD page", created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    spoken_reference = " ".join(ticket.reference.replace("-", " "))
    spoken = f"Support Desk escalation, step 1. Ticket {spoken_reference}, severity major."
    call = Notification.objects.create(
        ticket=ticket, escalation=escalation, purpose="escalation", channel="voice", recipient="+4930123456",
        recipient_user=lena.user, body=spoken, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return sms, call


def test_without_credentials_a_notification_is_recorded_and_logged_not_sent(page, settings, caplog):
    settings.TWILIO_ACCOUNT_SID = ""
    sms, _ = page
    assert notification_send(notification_id=sms.pk, now=NOW) == "logged"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("logged", 1)
    assert "SD page" in caplog.text


def test_sms_goes_out_through_the_twilio_client(page, twilio):
    sms, _ = page
    assert notification_send(notification_id=sms.pk, now=NOW) == "sent"
    sms.refresh_from_db()
    assert sms.status == "sent"
    assert sms.provider_id.startswith("SM")
    [request] = twilio.sms()
    assert request.form["To"] == "+4930123456"
    assert request.form["From"] == "+15005550006"
    assert request.form["Body"] == "SD page"
    assert request.form["StatusCallback"] == "https://desk.example.com/twilio/status/"
    assert notification_send(notification_id=sms.pk, now=NOW) == "skipped"  # a replay sends nothing
    assert len(twilio.sms()) == 1


def test_a_voice_call_reads_the_page_and_gathers_a_keypress(page, twilio):
    _, call = page
    assert notification_send(notification_id=call.pk, now=NOW) == "sent"
    [request] = twilio.calls()
    twiml = request.form["Twiml"]
    reference = call.ticket.reference
    assert f"Ticket {' '.join(reference.replace('-', ' '))}, severity major" in twiml
    assert f'action="https://desk.example.com/twilio/voice/ack/{call.pk}/"' in twiml
    assert 'numDigits="1"' in twiml


@pytest.mark.parametrize("failure", [503, 429, "hang"])
def test_transient_failures_are_retried_then_marked_failed(page, twilio, failure):
    sms, _ = page
    twilio.default = failure
    twilio.hang_seconds = 1.0
    for attempt in range(1, MAX_ATTEMPTS):
        with pytest.raises(TransientSendError):
            notification_send(notification_id=sms.pk, now=NOW + attempt * MINUTE)
        sms.refresh_from_db()
        assert (sms.status, sms.attempts) == ("queued", attempt)
    assert notification_send(notification_id=sms.pk, now=NOW + MAX_ATTEMPTS * MINUTE) == "failed"
    sms.refresh_from_db()
    assert sms.status == "failed"
    assert sms.last_error.startswith("gave up")
    assert len(twilio.sms()) == MAX_ATTEMPTS


def test_a_refused_request_fails_at_once(page, twilio):
    sms, _ = page
    twilio.default = 400
    assert notification_send(notification_id=sms.pk, now=NOW) == "failed"
    sms.refresh_from_db()
    assert "refused" in sms.last_error
    assert sms.attempts == 1


def test_a_transient_failure_then_success(page, twilio):
    sms, _ = page
    twilio.answers = [503]
    with pytest.raises(TransientSendError):
        notification_send(notification_id=sms.pk, now=NOW)
    assert notification_send(notification_id=sms.pk, now=NOW + MINUTE) == "sent"
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 2)


def test_backoff_grows_exponentially_with_jitter():
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 32), (20, 300)]:
        for _ in range(20):
            assert ceiling / 2 <= backoff_seconds(attempt) <= ceiling


def signed_post(client, path, data, token="test-auth-token", signature=None):
    url = f"https://desk.example.com{path}"
    signature = signature if signature is not None else RequestValidator(token).compute_signature(url, data)
    return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_status_callbacks_update_delivery(page, twilio, client):
    sms, _ = page
    notification_send(notification_id=sms.pk, now=NOW)
    sms.refresh_from_db()
    response = signed_post(
        client, "/twilio/status/", {"MessageSid": sms.provider_id, "MessageStatus": "delivered"}
    )
    assert response.status_code == 204
    sms.refresh_from_db()
    assert sms.status == "delivered"
    signed_post(client, "/twilio/status/", {"MessageSid": sms.provider_id, "MessageStatus": "sent"})
    sms.refresh_from_db()
    assert sms.status == "delivered"  # a late callback never walks a final status back


@pytest.mark.parametrize("signature", ["", "forged-signature", None])
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/twilio/status/", {"MessageSid": "SM1", "MessageStatus": "failed"}),
        ("/twilio/sms/inbound/", {"From": "+4930123456", "Body": "ACK"}),
        ("/twilio/voice/ack/1/", {"Digits": "1"}),
    ],
)
def test_webhooks_refuse_a_bad_or_missing_signature_and_change_nothing(
    page, twilio, client, path, data, signature
):
    if signature is None:  # signed with the wrong token
        response = signed_post(client, path, data, token="somebody-elses-token")
    else:
        response = client.post(path, data, **({"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}))
    assert response.status_code == 403
    assert not Escalation.objects.filter(acknowledged_at__isnull=False).exists()
    assert not Notification.objects.filter(status="failed").exists()


def test_webhooks_refuse_get(client, twilio):
    assert client.get("/twilio/status/").status_code == 405


def test_replying_ack_to_the_sms_acknowledges_the_page(page, twilio, client):
    sms, _ = page
    response = signed_post(client, "/twilio/sms/inbound/", {"From": "+4930123456", "Body": " ack "})
    assert response.status_code == 200
    assert f"acknowledged {sms.ticket.reference}" in response.content.decode()
    escalation = Escalation.objects.get()
    assert (escalation.acknowledged_via, escalation.acknowledged_by.username) == ("sms", "lena")
    assert Event.objects.filter(ticket=sms.ticket, type=EventType.ACKNOWLEDGED).count() == 1
    again = signed_post(client, "/twilio/sms/inbound/", {"From": "+4930123456", "Body": "ACK"})
    assert "nothing to acknowledge" in again.content.decode()


def test_pressing_one_on_the_call_acknowledges(page, twilio, client):
    _, call = page
    response = signed_post(client, f"/twilio/voice/ack/{call.pk}/", {"Digits": "1"})
    assert response.status_code == 200
    assert "Acknowledged" in response.content.decode()
    assert Escalation.objects.get().acknowledged_via == "voice"


# --- what a page says: the metric's deadline, in the recipient's zone, and how long is left ----------


@pytest.fixture
def major_for_lena():
    """A premium major ticket filed at NOW (first response due 10:15 UTC) assigned to Lena in Sao Paulo."""
    from escalation.models import Engineer
    from tests.factories import CustomerFactory
    from tickets import services

    CustomerFactory(name="StreamCo", plan="premium", domains=["streamco.example"])
    lena = EngineerFactory(
        user=UserFactory(username="lena"), phone="+5511912345678", timezone=ZoneInfo("America/Sao_Paulo")
    )
    EngineerFactory(
        user=UserFactory(username="aiko"), phone="+81312345678", timezone=ZoneInfo("Asia/Tokyo"), on_call=True
    )
    ticket = make_ticket(email="a@streamco.example", severity="major")
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)
    assert Engineer.objects.count() == 2
    return ticket


def fire_due(now):
    from escalation.models import Alarm
    from escalation.services.alarms import alarm_fire

    fired = []
    for alarm_id in Alarm.objects.filter(due_at__lte=now).order_by("due_at").values_list("pk", flat=True):
        fired.append(alarm_fire(alarm_id=alarm_id, now=now))
    return [e for e in fired if e is not None]


def test_a_warning_sms_states_the_deadline_in_the_engineers_zone_and_the_time_left(major_for_lena, twilio):
    [warning] = fire_due(NOW + 12 * MINUTE + timedelta(milliseconds=300))  # 80 % of 15 min, a little late
    sms = Notification.objects.get(escalation=warning)
    assert notification_send(notification_id=sms.pk, now=NOW + 12 * MINUTE) == "sent"
    [request] = twilio.sms()
    body = request.form["Body"]
    # 10:15 UTC is 07:15 in Sao Paulo, whose zone abbreviation is a bare "-03": the zone is named instead.
    assert "first response due at 07:15 Sao Paulo time, in 3 min" in body
    assert "-03" not in body and "10:12" not in body


def test_escalation_pages_state_the_missed_deadline_in_each_recipients_zone(
    major_for_lena, twilio, mailoutbox
):
    from django.contrib.auth.models import Group

    from escalation.services.roster import MANAGERS_GROUP

    manager = EngineerFactory(
        user=UserFactory(username="mira"), phone="+4930555555", timezone=ZoneInfo("Europe/Berlin")
    )
    manager.user.groups.add(Group.objects.get_or_create(name=MANAGERS_GROUP)[0])
    fire_due(NOW + 12 * MINUTE)
    [step1] = fire_due(NOW + 15 * MINUTE)
    call = Notification.objects.get(escalation=step1, channel="voice")
    assert call.recipient == "+81312345678"  # Aiko, on call, in Tokyo
    assert notification_send(notification_id=call.pk, now=NOW + 15 * MINUTE) == "sent"
    twiml = twilio.calls()[0].form["Twiml"]
    assert "First response was due at 19:15 JST" in twiml
    assert "Press 1 to acknowledge" in twiml

    fire_due(NOW + 20 * MINUTE)  # step 2: the lead (nobody is lead here)
    [step3] = fire_due(NOW + 30 * MINUTE)  # step 3: managers by SMS and email, 15 min after the deadline
    email = Notification.objects.get(escalation=step3, channel="email")
    assert notification_send(notification_id=email.pk, now=NOW + 30 * MINUTE) == "sent"
    [mail] = mailoutbox
    # The deadline was 10:15 UTC (12:15 in Berlin, summer time); step 3 fired at 10:30.
    assert "first response overdue since 12:15 CEST (15 min ago), escalation step 3" in mail.body
    assert "12:30" not in mail.body
