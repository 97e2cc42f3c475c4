"""Notifications through the real twilio client against a loopback server, and the signed webhooks."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

from escalation.models import Escalation, Notification
from escalation.paging.channels import TransientSendError
from escalation.paging.services.notifications import MAX_ATTEMPTS, backoff_seconds, notification_send
from tests.factories import NOW, EngineerFactory, UserFactory, make_page, make_ticket
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
    assert f"notification {sms.pk} not sent" in caplog.text
    # Logs keep no personal data: never the body (it quotes the ticket's subject) nor the number.
    assert sms.body not in caplog.text and "SD page" not in caplog.text
    assert sms.recipient not in caplog.text


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


def sid(prefix: str, n: int) -> str:
    """A SID in Twilio's alphabet: two letters and 32 hex digits."""
    return f"{prefix}{n:032x}"


def inbound(client, body: str, message: int, sender: str = "+4930123456"):
    return signed_post(
        client, "/twilio/sms/inbound/", {"MessageSid": sid("SM", message), "From": sender, "Body": body}
    )


def test_replying_ack_to_the_sms_acknowledges_the_page(page, twilio, client):
    sms, _ = page
    Notification.objects.filter(recipient="+4930123456").update(status="sent")
    response = inbound(client, " ack ", 1)
    assert response.status_code == 200
    assert f"acknowledged {sms.ticket.reference}" in response.content.decode()
    escalation = Escalation.objects.get()
    assert (escalation.acknowledged_via, escalation.acknowledged_by.username) == ("sms", "lena")
    assert Event.objects.filter(ticket=sms.ticket, type=EventType.ACKNOWLEDGED).count() == 1
    again = inbound(client, "ACK", 2)
    assert "nothing to acknowledge" in again.content.decode()


def test_pressing_one_on_the_call_acknowledges(page, twilio, client):
    _, call = page
    response = signed_post(client, f"/twilio/voice/ack/{call.pk}/", {"CallSid": sid("CA", 1), "Digits": "1"})
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
    from escalation.paging.services.escalations import alarm_fire

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

    from escalation.roster.services.roster import MANAGERS_GROUP

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


# --- replays: each Twilio webhook acts once per MessageSid / CallSid, decided by the database ------------


def sent_page(ticket, engineer, *, at, channel="sms"):
    """A page (fired step) about `ticket` whose notification went out to `engineer`'s phone at `at`."""
    from tests.factories import make_page

    escalation = make_page(ticket, fired_at=at)
    Notification.objects.create(
        ticket=ticket, escalation=escalation, purpose="escalation", channel=channel,
        recipient=str(engineer.phone), recipient_user=engineer.user, body="SD page", status="sent",
        created_at=at, updated_at=at,
    )  # fmt: skip
    return escalation


@pytest.fixture
def three_pages(twilio):
    """Lena was paged about three tickets, the last (newest) about `latest`."""
    lena = EngineerFactory(user=UserFactory(username="lena"), phone="+4930123456")
    tickets = [make_ticket(severity="major") for _ in range(3)]
    pages = [sent_page(ticket, lena, at=NOW + i * MINUTE) for i, ticket in enumerate(tickets)]
    return pages


def test_a_replayed_ack_sms_is_answered_the_same_and_acknowledges_nothing_more(three_pages, client):
    latest = three_pages[-1]
    answers = [inbound(client, "ACK", 7) for _ in range(3)]  # the same signed request, three times
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert f"acknowledged {latest.ticket.reference}" in answers[0].content.decode()
    assert list(Escalation.objects.filter(acknowledged_at__isnull=False)) == [latest]
    assert Event.objects.filter(type=EventType.ACKNOWLEDGED).count() == 1


def test_ack_without_a_reference_acknowledges_only_the_latest_page(three_pages, client):
    latest = three_pages[-1]
    assert f"acknowledged {latest.ticket.reference}" in inbound(client, "ACK", 1).content.decode()
    # A second, distinct ACK does not walk back through older pages one by one.
    assert "nothing to acknowledge" in inbound(client, "ACK", 2).content.decode()
    assert list(Escalation.objects.filter(acknowledged_at__isnull=False)) == [latest]
    # Naming a ticket still acknowledges that one.
    older = three_pages[0]
    assert (
        f"acknowledged {older.ticket.reference}"
        in inbound(client, f"ACK {older.ticket.reference}", 3).content.decode()
    )
    assert Escalation.objects.filter(acknowledged_at__isnull=False).count() == 2


def test_ack_goes_to_the_latest_page_sent_to_that_number_not_the_latest_fired(twilio, client):
    lena = EngineerFactory(user=UserFactory(username="lena"), phone="+4930123456")
    older, newer = make_ticket(severity="major"), make_ticket(severity="major")
    newer_page = sent_page(newer, lena, at=NOW + 5 * MINUTE)
    # Fired earlier, but its notification to Lena went out last (a retried send).
    late = sent_page(older, lena, at=NOW)
    Notification.objects.filter(escalation=late).update(
        created_at=NOW + 9 * MINUTE, updated_at=NOW + 9 * MINUTE
    )
    assert f"acknowledged {older.reference}" in inbound(client, "ACK", 1).content.decode()
    newer_page.refresh_from_db()
    assert newer_page.acknowledged_at is None


def test_a_replayed_keypress_acknowledges_once(twilio, client):
    lena = EngineerFactory(user=UserFactory(username="lena"), phone="+4930123456")
    ticket = make_ticket(severity="major")
    page = sent_page(ticket, lena, at=NOW, channel="voice")
    call = Notification.objects.get(escalation=page)
    data = {"CallSid": sid("CA", 5), "Digits": "1"}
    first = signed_post(client, f"/twilio/voice/ack/{call.pk}/", data)
    assert "Acknowledged" in first.content.decode()
    # Acknowledged: a new page on the same ticket must not be acknowledged by the replayed keypress.
    again = make_page(ticket, step=2, fired_at=NOW + MINUTE)
    Notification.objects.filter(pk=call.pk).update(escalation=again)
    replay = signed_post(client, f"/twilio/voice/ack/{call.pk}/", data)
    assert replay.status_code == 200 and replay.content == first.content
    again.refresh_from_db()
    assert again.acknowledged_at is None
    assert Event.objects.filter(type=EventType.ACKNOWLEDGED).count() == 1


def test_a_replayed_status_callback_changes_nothing(page, twilio, client):
    import time_machine

    sms, _ = page
    notification_send(notification_id=sms.pk, now=NOW)
    sms.refresh_from_db()
    data = {"MessageSid": sms.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    with time_machine.travel(NOW + MINUTE, tick=False):
        assert signed_post(client, "/twilio/status/", data).status_code == 204
    Notification.objects.filter(pk=sms.pk).update(last_error="")  # what a later edit would leave
    with time_machine.travel(NOW + 2 * MINUTE, tick=False):
        assert signed_post(client, "/twilio/status/", data).status_code == 204  # a retry: answered
    sms.refresh_from_db()
    assert (sms.status, sms.updated_at, sms.last_error) == ("undelivered", NOW + MINUTE, "")
    # A later status of the same message is new, not a replay.
    data["MessageStatus"] = "delivered"
    with time_machine.travel(NOW + 3 * MINUTE, tick=False):
        signed_post(client, "/twilio/status/", data)
    sms.refresh_from_db()
    assert (sms.status, sms.updated_at) == ("delivered", NOW + 3 * MINUTE)


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_webhook_act_once():
    """Two deliveries of the same request at the same instant: the unique constraint lets one act."""
    import threading
    import time

    from django.db import connection

    from escalation.paging.services.webhooks import twilio_webhook_once

    acted: list[str] = []
    answers: list[str] = []
    start = threading.Barrier(2)

    def act() -> str:
        acted.append(threading.current_thread().name)
        time.sleep(0.3)  # hold the receipt's insert open while the other delivery arrives
        return "<Response>first</Response>"

    def deliver() -> None:
        try:
            start.wait()
            answers.append(twilio_webhook_once(kind="sms", sid=f"SM{7:032x}", now=NOW, act=act))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, name=f"delivery-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(acted) == 1
    assert answers == ["<Response>first</Response>"] * 2


# --- SIDs outside Twilio's alphabet are refused before any query ---------------------------------------


@pytest.mark.parametrize(
    "bad_sid", ["\x00", "SM\x00" + "0" * 31, "SM1", "SM" + "g" * 32, "S1" + "0" * 32, "SM" + "0" * 33]
)
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/twilio/status/", {"MessageSid": None, "MessageStatus": "delivered"}),
        ("/twilio/status/", {"CallSid": None, "CallStatus": "completed"}),
        ("/twilio/sms/inbound/", {"MessageSid": None, "From": "+4930123456", "Body": "ACK"}),
        ("/twilio/voice/ack/1/", {"CallSid": None, "Digits": "1"}),
    ],
)
def test_a_signed_webhook_with_a_sid_outside_twilios_alphabet_is_refused_before_any_query(
    twilio, client, django_assert_num_queries, path, data, bad_sid
):
    data = {key: bad_sid if value is None else value for key, value in data.items()}
    with django_assert_num_queries(0):
        response = signed_post(client, path, data)
    assert response.status_code == 400


def test_a_signed_webhook_without_a_sid_is_refused(twilio, client):
    assert (
        signed_post(client, "/twilio/sms/inbound/", {"From": "+4930123456", "Body": "ACK"}).status_code == 400
    )
    assert signed_post(client, "/twilio/status/", {"MessageStatus": "delivered"}).status_code == 400


def test_a_status_callback_with_odd_status_or_error_code_changes_nothing_and_never_fails(
    page, twilio, client
):
    sms, _ = page
    notification_send(notification_id=sms.pk, now=NOW)
    sms.refresh_from_db()
    odd_status = {"MessageSid": sms.provider_id, "MessageStatus": "deliv\x00ered"}
    assert signed_post(client, "/twilio/status/", odd_status).status_code == 204
    sms.refresh_from_db()
    assert sms.status == "sent"
    odd_error = {"MessageSid": sms.provider_id, "MessageStatus": "failed", "ErrorCode": "3\x00"}
    assert signed_post(client, "/twilio/status/", odd_error).status_code == 204
    sms.refresh_from_db()
    assert (sms.status, sms.last_error) == ("failed", "")


@pytest.mark.parametrize("sender", ["\x00", "+49301\x0023456"])
def test_an_inbound_sms_from_an_odd_number_is_answered_and_acknowledges_nothing(page, twilio, client, sender):
    Notification.objects.update(status="sent")
    response = signed_post(
        client, "/twilio/sms/inbound/", {"MessageSid": sid("SM", 9), "From": sender, "Body": "ACK\x00"}
    )
    assert response.status_code == 200
    assert not Escalation.objects.filter(acknowledged_at__isnull=False).exists()
