"""One page per engineer per storm: the services against the real twilio client and the loopback server,
the signed webhooks acknowledging a whole page, Twilio's rate limits, and the `/pages/<id>/` view."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group

from escalation.models import Escalation, Notification, Page
from escalation.paging.channels import RateLimited, SenderBusy
from escalation.paging.services.acknowledgements import escalation_acknowledge
from escalation.paging.services.notifications import notification_send
from escalation.paging.services.pages import page_send
from escalation.roster.services.roster import MANAGERS_GROUP
from tests.escalation.paging.test_notifications import sid, signed_post
from tests.factories import NOW, CustomerFactory, EngineerFactory, UserFactory, make_page, make_ticket
from tickets.models import Event, EventType

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)
LENA = "+4930123456"


@pytest.fixture
def lena():
    return EngineerFactory(user=UserFactory(username="lena"), phone=LENA)


def queued(ticket, engineer, *, channel="sms", at=NOW, step=1, body=None):
    """Step `step` fired for `ticket` at `at`, with its SMS (or call) to `engineer` queued to send."""
    escalation = make_page(ticket, step=step, fired_at=at)
    return Notification.objects.create(
        ticket=ticket,
        escalation=escalation,
        purpose="escalation",
        channel=channel,
        recipient=str(engineer.phone),
        recipient_user=engineer.user,
        body=body or f"page about {ticket.reference}",
        created_at=at,
        updated_at=at,
    )


@pytest.fixture
def storm(lena, twilio):
    """50 breaches within 25 s, all paged to Lena by SMS: 40 StreamCo tickets and 10 Acme ones."""
    CustomerFactory(name="StreamCo", domains=["streamco.example"])
    CustomerFactory(name="Acme", domains=["acme.example"])
    notifications = []
    for i in range(50):
        domain = "acme" if i % 5 == 0 else "streamco"
        ticket = make_ticket(severity="major", email=f"noc{i}@{domain}.example")
        notifications.append(queued(ticket, lena, at=NOW + i * SECOND / 2))
    return notifications


def send_storm(notifications, channel_gap=SECOND / 2):
    outcomes = [
        notification_send(notification_id=n.pk, now=NOW + i * channel_gap)
        for i, n in enumerate(notifications)
    ]
    return outcomes


def test_a_storm_to_one_engineer_is_one_sms_at_once_and_one_grouped_sms_when_the_window_closes(storm, twilio):
    outcomes = send_storm(storm)
    assert outcomes == ["sent"] + ["grouped"] * 49
    [first] = twilio.sms()
    assert first.form["Body"] == f"page about {storm[0].ticket.reference}"  # the single page, as today

    page = Page.objects.get()
    assert (page.channel, page.recipient, page.opened_at, page.closes_at) == (
        "sms",
        LENA,
        NOW,
        NOW + 30 * SECOND,
    )
    assert page_send(page_id=page.pk, now=NOW + 29 * SECOND) == "early"
    assert page_send(page_id=page.pk, now=NOW + 30 * SECOND) == "sent"
    assert page_send(page_id=page.pk, now=NOW + 31 * SECOND) == "skipped"  # a second delivery sends nothing

    assert len(twilio.sms()) == 2
    body = twilio.sms()[1].form["Body"]
    assert body.startswith("[Support Desk] 49 more tickets breached: StreamCo 40, Acme 9.")
    assert f"All 50: https://desk.example.com/pages/{page.pk}/" in body
    assert body.endswith("Reply ACK to acknowledge all 50.")
    # The most urgent are the earliest due (all first responses of tickets filed at the same time here).
    assert len(re.findall(r"SD-\d+ \(major, ", body)) == 3

    page.refresh_from_db()
    assert page.status == "sent" and page.provider_id.startswith("SM") and page.sent_at == NOW + 30 * SECOND
    # Each ticket keeps its own notification, with its own status.
    assert Notification.objects.filter(page=page).count() == 50
    assert set(Notification.objects.filter(grouped=True).values_list("status", "provider_id")) == {
        ("sent", page.provider_id)
    }
    storm[0].refresh_from_db()
    assert (storm[0].status, storm[0].grouped, storm[0].page) == ("sent", False, page)


def test_a_status_callback_for_the_grouped_sms_updates_the_page_and_each_ticket(storm, twilio, client):
    send_storm(storm)
    page = Page.objects.get()
    page_send(page_id=page.pk, now=NOW + 30 * SECOND)
    page.refresh_from_db()
    response = signed_post(
        client, "/twilio/status/", {"MessageSid": page.provider_id, "MessageStatus": "delivered"}
    )
    assert response.status_code == 204
    page.refresh_from_db()
    assert page.status == "delivered"
    assert set(Notification.objects.filter(grouped=True).values_list("status", flat=True)) == {"delivered"}
    assert Notification.objects.get(grouped=False).status == "sent"  # the first SMS has its own callbacks


def test_replying_ack_to_the_grouped_sms_acknowledges_every_ticket_on_the_page(storm, twilio, client):
    send_storm(storm)
    page = Page.objects.get()
    page_send(page_id=page.pk, now=NOW + 30 * SECOND)
    answers = [
        signed_post(client, "/twilio/sms/inbound/", {"MessageSid": sid("SM", 1), "From": LENA, "Body": "ACK"})
        for _ in range(2)
    ]
    text = answers[0].content.decode()
    assert "acknowledged 50 tickets (SD-" in text and "and 47 more)" in text
    assert answers[1].content == answers[0].content  # a replay is answered the same and does nothing more
    assert Escalation.objects.filter(acknowledged_at__isnull=True).count() == 0
    assert set(Escalation.objects.values_list("acknowledged_via", "acknowledged_by__username")) == {
        ("sms", "lena")
    }
    assert Event.objects.filter(type=EventType.ACKNOWLEDGED).count() == 50
    again = signed_post(
        client, "/twilio/sms/inbound/", {"MessageSid": sid("SM", 2), "From": LENA, "Body": "ACK"}
    )
    assert "nothing to acknowledge" in again.content.decode()


def test_ack_to_the_first_sms_before_the_window_closes_acknowledges_what_was_sent(storm, twilio, client):
    send_storm(storm)
    response = signed_post(
        client, "/twilio/sms/inbound/", {"MessageSid": sid("SM", 1), "From": LENA, "Body": "ACK"}
    )
    assert f"acknowledged {storm[0].ticket.reference}." in response.content.decode()
    assert list(Escalation.objects.filter(acknowledged_at__isnull=False)) == [storm[0].escalation]


def test_a_storm_of_calls_is_one_call_at_once_and_one_grouped_call_and_1_acknowledges_all(
    lena, twilio, client
):
    calls = [
        queued(make_ticket(severity="major"), lena, channel="voice", at=NOW + i * SECOND) for i in range(5)
    ]
    assert send_storm(calls, SECOND) == ["sent"] + ["grouped"] * 4
    page = Page.objects.get()
    assert page_send(page_id=page.pk, now=NOW + 30 * SECOND) == "sent"
    assert len(twilio.calls()) == 2
    twiml = twilio.calls()[1].form["Twiml"]
    assert "Support Desk. 4 more tickets breached" in twiml and "Pressing 1 acknowledges all 5." in twiml
    action = re.search(r'action="https://desk.example.com(/twilio/voice/ack/\d+/)"', twiml).group(1)
    response = signed_post(client, action, {"CallSid": sid("CA", 9), "Digits": "1"})
    assert "Acknowledged 5 tickets" in response.content.decode()
    assert not Escalation.objects.filter(acknowledged_at__isnull=True).exists()
    # SMS and calls are grouped apart: the same person's SMS window is another page.
    queued(make_ticket(severity="major"), lena, at=NOW + 2 * SECOND)
    assert (
        notification_send(notification_id=Notification.objects.latest("pk").pk, now=NOW + 2 * SECOND)
        == "sent"
    )


def test_after_a_grouped_message_the_next_window_chains_and_a_quiet_period_pages_at_once_again(
    storm, lena, twilio
):
    send_storm(storm[:2])
    page = Page.objects.get()
    page_send(page_id=page.pk, now=NOW + 30 * SECOND)
    late = queued(make_ticket(severity="major", email="late@streamco.example"), lena, at=NOW + 40 * SECOND)
    assert notification_send(notification_id=late.pk, now=NOW + 40 * SECOND) == "grouped"
    chained = Page.objects.get(sequence=2)
    assert (chained.opened_at, chained.closes_at) == (NOW + 30 * SECOND, NOW + 60 * SECOND)
    assert page_send(page_id=chained.pk, now=NOW + 60 * SECOND) == "sent"
    assert twilio.sms()[2].form["Body"].startswith("[Support Desk] 1 more ticket breached: StreamCo 1.")
    # A whole window after the last message, the next notification goes out at once, alone.
    assert notification_send(notification_id=storm[2].pk, now=NOW + 90 * SECOND) == "sent"
    assert Page.objects.get(sequence=3).opened_at == NOW + 90 * SECOND
    assert len(twilio.sms()) == 4


def test_a_window_whose_tickets_were_all_acknowledged_sends_nothing_at_its_close(storm, twilio):
    send_storm(storm[:3])
    for notification in storm[1:3]:
        escalation_acknowledge(
            ticket=notification.ticket, user=notification.recipient_user, via="web", now=NOW
        )
    assert set(Notification.objects.filter(grouped=True).values_list("status", flat=True)) == {"cancelled"}
    page = Page.objects.get()
    assert page_send(page_id=page.pk, now=NOW + 30 * SECOND) == "cancelled"
    assert len(twilio.sms()) == 1


def test_a_single_breach_goes_out_at_once_and_its_window_closes_alone(storm, twilio):
    assert notification_send(notification_id=storm[0].pk, now=NOW) == "sent"
    page = Page.objects.get()
    assert page_send(page_id=page.pk, now=NOW + 30 * SECOND) == "alone"
    assert len(twilio.sms()) == 1


# --- Twilio's rate limits ---------------------------------------------------------------------------


def test_a_429_holds_the_sender_number_for_its_retry_after(storm, twilio):
    twilio.answers = [(429, 2)]
    with pytest.raises(RateLimited) as raised:
        notification_send(notification_id=storm[0].pk, now=NOW)
    assert raised.value.retry_after == 2
    storm[0].refresh_from_db()
    assert (storm[0].status, storm[0].attempts) == ("queued", 1)
    # Any send from that number (to anyone) before the Retry-After has passed is held back, unsent.
    mira = EngineerFactory(user=UserFactory(username="mira"), phone="+4930555555")
    other = queued(make_ticket(severity="major"), mira)
    with pytest.raises(SenderBusy) as busy:
        notification_send(notification_id=other.pk, now=NOW)
    assert 1 < busy.value.retry_after <= 2
    other.refresh_from_db()
    assert (other.status, other.attempts) == ("queued", 0)  # nothing reached Twilio: not an attempt
    assert len(twilio.sms()) == 1
    time.sleep(busy.value.retry_after - 0.5)
    # Within the last TWILIO_RATE_LIMIT_MAX_WAIT_SECONDS of the hold, the send waits it out, then goes.
    assert notification_send(notification_id=storm[0].pk, now=NOW + SECOND) == "sent"
    first, second = twilio.sms()
    assert second.at - first.at >= 2.0


def test_a_429_without_retry_after_holds_nothing_back(storm, twilio):
    twilio.answers = [429]
    with pytest.raises(RateLimited):
        notification_send(notification_id=storm[0].pk, now=NOW)
    assert notification_send(notification_id=storm[0].pk, now=NOW + SECOND) == "sent"  # its own slot: 1 s


def test_at_most_the_configured_messages_a_second_leave_one_sender_number(twilio, settings):
    settings.TWILIO_MESSAGES_PER_SECOND = 4.0
    people = [
        EngineerFactory(user=UserFactory(username=f"e{i}"), phone=f"+49301234{i:03d}") for i in range(6)
    ]
    ticket = make_ticket(severity="major")
    for i, person in enumerate(people):
        notification = (
            queued(ticket, person, at=NOW)
            if i == 0
            else Notification.objects.create(
                ticket=ticket,
                escalation=Escalation.objects.get(),
                purpose="escalation",
                channel="sms",
                recipient=str(person.phone),
                recipient_user=person.user,
                body="p",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        assert notification_send(notification_id=notification.pk, now=NOW) == "sent"
    arrivals = [r.at for r in twilio.sms()]
    assert len({int(at * 4) for at in arrivals}) == 6  # one a quarter-second slot
    assert arrivals[-1] - arrivals[0] >= 1.0


# --- /pages/<id>/ ------------------------------------------------------------------------------------


@pytest.fixture
def sent_storm(storm, twilio):
    send_storm(storm)
    page = Page.objects.get()
    page_send(page_id=page.pk, now=NOW + 30 * SECOND)
    return page


def test_the_page_lists_every_ticket_it_covers(sent_storm, client, storm):
    client.force_login(storm[0].recipient_user)
    storm[0].recipient_user.is_staff = True
    storm[0].recipient_user.save()
    response = client.get(f"/pages/{sent_storm.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    for notification in storm:
        assert f'href="/tickets/{notification.ticket.reference}/"' in text
    assert "Page" in text and "50 tickets" in text
    # and each ticket's page links back to it
    assert (
        f'href="/pages/{sent_storm.pk}/"'
        in client.get(f"/tickets/{storm[5].ticket.reference}/").content.decode()
    )


def staff(username, *, manager=False):
    user = UserFactory(username=username, is_staff=True)
    if manager:
        user.groups.add(Group.objects.get_or_create(name=MANAGERS_GROUP)[0])
    return user


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("customer link holder", 302),
        ("logged in, not staff", 403),
        ("engineer", 200),
        ("manager, not superuser", 200),
    ],
)
def test_only_engineers_see_a_page(sent_storm, client, storm, role, expected):
    if role == "customer link holder":
        assert client.get(f"/t/{storm[0].ticket.access_token}/").status_code == 200
    elif role == "logged in, not staff":
        client.force_login(UserFactory(username="someone", is_staff=False))
    elif role == "engineer":
        client.force_login(staff("eng"))
    elif role == "manager, not superuser":
        client.force_login(staff("mgr", manager=True))
    response = client.get(f"/pages/{sent_storm.pk}/")
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")
    assert ("SD-" in response.content.decode()) is (expected == 200)


def test_an_unknown_page_is_404_and_an_odd_id_never_a_500(client):
    client.force_login(staff("eng"))
    assert client.get("/pages/999999/").status_code == 404
    assert client.get("/pages/99999999999999999999999/").status_code == 404
    assert client.get("/pages/abc/").status_code == 404


def test_the_page_costs_the_same_queries_for_five_tickets_or_fifty(
    storm, twilio, client, django_assert_max_num_queries
):
    client.force_login(staff("eng"))
    send_storm(storm[:5])
    small = Page.objects.get()
    page_send(page_id=small.pk, now=NOW + 30 * SECOND)
    with django_assert_max_num_queries(5):
        assert client.get(f"/pages/{small.pk}/").status_code == 200
    for i, notification in enumerate(storm[5:]):
        notification_send(notification_id=notification.pk, now=NOW + 31 * SECOND + i * SECOND / 4)
    big = Page.objects.get(sequence=2)
    assert big.notifications.count() == 45
    with django_assert_max_num_queries(5):
        assert client.get(f"/pages/{big.pk}/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_workers_opening_a_window_at_once_open_one_and_page_once(twilio):
    """Two sends to one quiet recipient at the same instant: `page_window_once` lets one open the window
    (and go out at once); the other joins it, grouped."""
    import threading

    from django.db import connection

    lena = EngineerFactory(user=UserFactory(username="lena"), phone=LENA)
    notifications = [queued(make_ticket(severity="major"), lena) for _ in range(4)]
    start = threading.Barrier(len(notifications))
    outcomes: list[str] = []

    def send(notification) -> None:
        try:
            start.wait()
            outcomes.append(notification_send(notification_id=notification.pk, now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in notifications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["grouped", "grouped", "grouped", "sent"]
    page = Page.objects.get()
    assert page.notifications.count() == 4 and page.notifications.filter(grouped=True).count() == 3
    assert len(twilio.sms()) == 1


def test_the_sweep_sends_again_the_close_of_a_window_whose_task_was_lost(storm, twilio):
    from escalation.paging.services.notifications import notifications_requeue_stale

    Notification.objects.filter(pk__in=[n.pk for n in storm[3:]]).delete()
    send_storm(storm[:3])
    page = Page.objects.get()
    assert notifications_requeue_stale(now=NOW + 60 * SECOND) == 0  # closed 30 s ago: its task may still run
    assert notifications_requeue_stale(now=NOW + 3 * 60 * SECOND) == 1  # lost: its close is sent again
    page.refresh_from_db()
    assert page.updated_at == NOW + 3 * 60 * SECOND
    assert page_send(page_id=page.pk, now=NOW + 3 * 60 * SECOND) == "sent"
    assert notifications_requeue_stale(now=NOW + 6 * 60 * SECOND) == 0
