"""The engineers' pages: who may see them, the queue, and the ticket page with its actions."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from escalation.models import Escalation
from tests.factories import NOW, CustomerFactory, UserFactory, make_engineer, make_page, make_ticket
from tests.mail import deliver_requester_mail
from tickets import services
from tickets.models import Event, EventType, Message, Plan, RequesterNotification, Severity, Status, Ticket

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(minutes=30)  # the pages are looked at half an hour after the tickets were filed


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def ticket():
    return make_ticket(now=NOW, severity=Severity.URGENT, subject="Origin returns 502")


def html(response) -> str:
    return response.content.decode()


def queue_refs(response) -> list[str]:
    return [row.ticket.reference for row in response.context["rows"]]


# --- who may see what ------------------------------------------------------------------------------


def _pages(ticket: Ticket) -> list[str]:
    attachment = services.attachment_add(
        message=ticket.messages.get(),
        file=SimpleUploadedFile("log.txt", b"502 502 502\n"),
        name="log.txt",
        content_type="text/plain",
        now=NOW,
    )
    ref = ticket.reference
    return ["/queue/", "/queue/live/", f"/tickets/{ref}/", f"/tickets/{ref}/files/{attachment.pk}/"]


ACTIONS = [
    ("reply", {"reply-body": "On it."}),
    ("note", {"note-body": "Edge logs show 502s."}),
    ("status", {"status": Status.WAITING_ON_CUSTOMER}),
    ("assign", {"assignee": ""}),
    ("take", {}),
    ("severity", {"severity": Severity.MAJOR}),
    ("acknowledge", {}),
]


def _footprint(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        Message.objects.filter(ticket=ticket).count(),
        Event.objects.filter(ticket=ticket).count(),
        ticket.status,
        ticket.severity,
        ticket.assignee_id,
    )


def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(client, ticket):
    for url in _pages(ticket):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}"
    before = _footprint(ticket)
    for action, data in ACTIONS:
        response = client.post(f"/tickets/{ticket.reference}/{action}/", data)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert _footprint(ticket) == before


def test_the_requesters_private_link_opens_no_engineer_page(client, ticket):
    assert client.get(f"/t/{ticket.access_token}/").status_code == 200
    for url in _pages(ticket):
        assert client.get(url)["Location"].startswith("/accounts/login/"), url


def test_a_logged_in_user_who_is_not_an_engineer_is_refused(client, ticket):
    client.force_login(UserFactory(username="viewer", is_staff=False))
    for url in _pages(ticket):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "This page is for support engineers" in html(response)
    before = _footprint(ticket)
    for action, data in ACTIONS:
        assert client.post(f"/tickets/{ticket.reference}/{action}/", data).status_code == 403
    assert _footprint(ticket) == before


def test_an_engineer_sees_every_page(desk, ticket):
    for url in _pages(ticket):
        assert desk.get(url).status_code == 200, url


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_every_action_is_a_post_that_redirects_back_to_the_ticket(desk, ticket, action, data):
    make_page(ticket, fired_at=NOW + timedelta(minutes=20))
    url = f"/tickets/{ticket.reference}/{action}/"
    assert desk.get(url).status_code == 405
    response = desk.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/tickets/{ticket.reference}/")


def test_every_form_on_the_ticket_page_carries_a_csrf_token(desk, ticket):
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page, re.S)
    assert len(forms) >= 6
    assert all("csrfmiddlewaretoken" in form for form in forms)


def test_unknown_references_are_not_found(desk):
    for reference in ("SD-999999", "SD-1", "nonsense", "SD-12x"):
        assert desk.get(f"/tickets/{reference}/").status_code == 404
        assert desk.post(f"/tickets/{reference}/take/").status_code == 404


def test_logging_in_leads_to_the_queue_and_logging_out_to_the_form(client):
    make_engineer("maya", password="a-long-test-password-7")
    page = html(client.get("/accounts/login/"))
    assert '<label for="id_username">Username</label>' in page
    response = client.post("/accounts/login/", {"username": "maya", "password": "a-long-test-password-7"})
    assert response["Location"] == "/queue/"
    assert client.get("/queue/").status_code == 200
    assert client.post("/accounts/logout/")["Location"] == "/"
    assert client.get("/queue/").status_code == 302


# --- the queue -------------------------------------------------------------------------------------


def test_the_queue_is_sorted_by_time_left_with_stopped_clocks_last(desk, lena):
    general = make_ticket(now=NOW, severity=Severity.GENERAL)  # due 14:00
    major = make_ticket(now=NOW, severity=Severity.MAJOR)  # due 10:15: already overdue at 10:30
    urgent = make_ticket(now=NOW, severity=Severity.URGENT)  # due 11:00
    waiting = make_ticket(now=NOW - timedelta(hours=1), severity=Severity.MAJOR)
    services.ticket_assign(ticket=waiting, assignee=lena.user, actor=lena.user, now=NOW)
    services.ticket_reply(ticket=waiting, author=lena.user, body="Which edge?", now=NOW)
    services.ticket_change_status(ticket=waiting, status=Status.WAITING_ON_CUSTOMER, actor=lena.user, now=NOW)

    response = desk.get("/queue/")

    assert queue_refs(response) == [major.reference, urgent.reference, general.reference, waiting.reference]
    states = {row.ticket.reference: row.state for row in response.context["rows"]}
    assert states == {
        major.reference: "breached",
        urgent.reference: "ok",
        general.reference: "ok",
        waiting.reference: "stopped",
    }
    page = html(response)
    assert f'data-reference="{major.reference}"' in page
    assert "overdue 15m 00s" in page
    assert "paused" in page


def test_each_row_carries_its_due_and_warning_instants_for_the_live_countdown(desk):
    general = make_ticket(now=NOW, severity=Severity.GENERAL)
    page = html(desk.get("/queue/"))
    # 4 business hours from 10:00 UTC: due 14:00; the policy warns at 80 %, after 3 h 12 m.
    assert (
        '<span class="countdown" data-due="2025-06-11T14:00:00+00:00" data-warn="2025-06-11T13:12:00+00:00" '
        'data-state="ok">3h 30m</span>'
    ) in page
    assert "first response due Wed 16:00 CEST" in page  # Lena reads Berlin time
    assert f'data-server-now="{LATER.isoformat()}"' in page
    with time_machine.travel(datetime(2025, 6, 11, 13, 30, tzinfo=UTC), tick=False):
        row = desk.get("/queue/").context["rows"][0]
    assert (row.ticket, row.state, row.countdown) == (general, "warning", "30m 00s")


def test_filters_scope_severity_and_status_are_kept_in_the_url(desk, lena):
    mine = make_ticket(now=NOW, severity=Severity.URGENT)
    services.ticket_assign(ticket=mine, assignee=lena.user, actor=lena.user, now=NOW)
    theirs = make_ticket(now=NOW, severity=Severity.URGENT)
    services.ticket_assign(ticket=theirs, assignee=make_engineer("aiko").user, actor=None, now=NOW)
    unassigned_general = make_ticket(now=NOW, severity=Severity.GENERAL)
    unassigned_major = make_ticket(now=NOW, severity=Severity.MAJOR)

    assert set(queue_refs(desk.get("/queue/?scope=mine"))) == {mine.reference}
    assert set(queue_refs(desk.get("/queue/?scope=unassigned"))) == {
        unassigned_general.reference,
        unassigned_major.reference,
    }
    assert set(queue_refs(desk.get("/queue/?severity=urgent"))) == {mine.reference, theirs.reference}
    response = desk.get("/queue/?scope=unassigned&severity=major")
    assert queue_refs(response) == [unassigned_major.reference]
    # The tabs count under the other filters and keep them in their links.
    tabs = {tab["scope"]: tab for tab in response.context["tabs"]}
    assert {scope: tab["count"] for scope, tab in tabs.items()} == {"mine": 0, "unassigned": 1, "all": 1}
    assert tabs["mine"]["url"] == "?scope=mine&severity=major"
    assert tabs["all"]["url"] == "?severity=major"
    page = html(response)
    assert '<option value="major" selected>Major</option>' in page
    assert '<input type="hidden" name="scope" value="unassigned">' in page
    assert 'data-live-url="/queue/live/?scope=unassigned&amp;severity=major"' in page


def test_the_status_filter_shows_resolved_and_closed_only_when_asked(desk, lena):
    active = make_ticket(now=NOW)
    done = make_ticket(now=NOW)
    services.ticket_assign(ticket=done, assignee=lena.user, actor=lena.user, now=NOW)
    services.ticket_reply(ticket=done, author=lena.user, body="Fixed.", now=NOW)
    services.ticket_change_status(ticket=done, status=Status.RESOLVED, actor=lena.user, now=NOW)

    assert queue_refs(desk.get("/queue/")) == [active.reference]
    assert queue_refs(desk.get("/queue/?status=resolved")) == [done.reference]
    assert set(queue_refs(desk.get("/queue/?status=any"))) == {active.reference, done.reference}


def test_nonsense_in_the_query_string_falls_back_to_the_defaults(desk):
    ticket = make_ticket(now=NOW)
    response = desk.get("/queue/?scope=everyone&severity=apocalyptic&status=%00&page=banana")
    assert response.status_code == 200
    assert queue_refs(response) == [ticket.reference]


def test_the_queue_is_paginated_and_pages_keep_the_filters(desk):
    for _ in range(30):
        make_ticket(now=NOW, severity=Severity.GENERAL)
    first = desk.get("/queue/?severity=general")
    assert len(first.context["rows"]) == 25
    assert first.context["next_url"] == "?severity=general&page=2"
    second = desk.get("/queue/?severity=general&page=2")
    assert len(second.context["rows"]) == 5
    assert second.context["previous_url"] == "?severity=general"
    assert "Page 2 of 2 · 30 tickets" in html(second)
    assert 'data-live-url="/queue/live/?severity=general&amp;page=2"' in html(second)


def test_my_tickets_are_listed_above_the_team_queue(desk, lena):
    mine = make_ticket(now=NOW, subject="Mine to fix")
    services.ticket_assign(ticket=mine, assignee=lena.user, actor=lena.user, now=NOW)
    make_ticket(now=NOW, subject="Someone else's")
    response = desk.get("/queue/")
    assert [row.ticket for row in response.context["mine"]] == [mine]
    page = html(response)
    assert page.index('data-testid="my-tickets"') < page.index('data-testid="team-queue"')


def test_the_shift_strip_shows_who_is_on_now_in_their_own_time(desk, lena):
    make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo")  # 19:30 in Tokyo: off
    make_engineer("maya", name="Maya Johnson", zone="America/New_York")  # 06:30 in New York: off
    make_engineer(
        "rafael", name="Rafael Souza", zone="America/Sao_Paulo", shift_start=time(7), shift_end=time(16)
    )
    make_engineer("gone", name="Gone Away", zone="Europe/London", active=False)

    response = desk.get("/queue/")

    on_shift = [entry.engineer.user.username for entry in response.context["on_shift"]]
    assert on_shift == ["lena", "rafael"]  # 12:30 in Berlin, 07:30 in Sao Paulo
    upcoming = [entry.engineer.user.username for entry in response.context["upcoming"]]
    assert upcoming == ["maya", "aiko"]  # 09:00 New York is 13:00 UTC; Tokyo opens tomorrow 00:00 UTC
    page = html(response)
    assert '<span data-clock-tz="Europe/Berlin"><span data-clock-time>12:30</span> CEST</span>' in page
    assert (
        '<span data-clock-tz="America/Sao_Paulo"><span data-clock-time>07:30</span> Sao Paulo time</span>'
        in page
    )
    assert "Maya Johnson at Wed 15:00 CEST (09:00 EDT local)" in page
    assert "Gone Away" not in page


def test_the_live_part_is_served_alone_for_the_page_to_swap_in(desk):
    ticket = make_ticket(now=NOW)
    response = desk.get("/queue/live/?scope=all")
    page = html(response)
    assert response["Cache-Control"] == "no-store"
    assert "<html" not in page and "<head" not in page
    assert f'data-reference="{ticket.reference}"' in page
    assert "On shift now" in page
    assert "data-server-now" in page


# --- the ticket page -------------------------------------------------------------------------------


def test_public_replies_and_internal_notes_look_different(desk, lena, ticket):
    services.ticket_reply(ticket=ticket, author=lena.user, body="We are on it.", now=NOW)
    services.ticket_reply(
        ticket=ticket, author=lena.user, body="Origin pool 3 is down.", internal=True, now=NOW
    )

    page = html(desk.get(f"/tickets/{ticket.reference}/"))

    note = re.search(r'<li class="message message--note".*?</li>', page, re.S).group(0)
    assert "Origin pool 3 is down." in note and "Internal note" in note
    reply = re.search(r'<li class="message message--engineer".*?</li>', page, re.S).group(0)
    assert "We are on it." in reply and "to the customer" in reply
    customer = re.search(r'<li class="message message--customer".*?</li>', page, re.S).group(0)
    assert ticket.description in customer
    assert "Wed 11 Jun, 12:00 CEST" in page  # times in Lena's zone


def test_taking_a_ticket_assigns_it_and_opens_it(desk, lena, ticket):
    assert "Take it" in html(desk.get(f"/tickets/{ticket.reference}/"))
    response = desk.post(f"/tickets/{ticket.reference}/take/", follow=True)
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (lena.user, Status.OPEN)
    assert "The ticket is yours." in html(response)
    assert "Take it" not in html(response)
    assert ticket.events.filter(type=EventType.ASSIGNED, actor=lena.user).exists()


def test_the_assignee_list_says_who_is_on_shift_and_when_the_others_start(desk, lena, ticket):
    make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo")
    make_engineer("ana", name="Ana Lima", zone="America/Sao_Paulo")
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    # Wednesday 10:30 UTC: 12:30 in Berlin, 19:30 in Tokyo, 07:30 in Sao Paulo; each in their own zone.
    assert "Lena Fischer: on shift until Wed 11 Jun, 18:00 CEST (Europe/Berlin)" in page
    assert "Aiko Tanaka: off shift, next shift Thu 12 Jun, 09:00 JST (Asia/Tokyo)" in page
    assert "Ana Lima: off shift, next shift Wed 11 Jun, 09:00 Sao Paulo time (America/Sao_Paulo)" in page


def test_assigning_someone_off_shift_asks_for_confirmation_and_keeps_the_choice(desk, lena, ticket):
    aiko = make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo")
    url = f"/tickets/{ticket.reference}/assign/"

    asked = desk.post(url, {"assignee": aiko.user.pk})

    assert asked.status_code == 200
    page = html(asked)
    assert (
        "Aiko Tanaka is off shift; their next shift starts Thu 12 Jun, 09:00 JST (Asia/Tokyo). Nothing was "
        "changed." in page
    )
    assert re.search(rf'<option value="{aiko.user.pk}"[^>]*selected', page)  # the choice is kept
    assert 'name="confirm_off_shift"' in page and 'type="checkbox"' in page
    assert "Assign anyway" in page
    ticket.refresh_from_db()
    assert ticket.assignee is None

    confirmed = desk.post(url, {"assignee": aiko.user.pk, "confirm_off_shift": "on"}, follow=True)
    ticket.refresh_from_db()
    assert ticket.assignee == aiko.user
    assert (
        "Assigned to Aiko Tanaka, who is off shift: it stays with them until "
        "Thu 12 Jun, 18:00 JST (Asia/Tokyo)." in html(confirmed)
    )


def test_reassigning_to_any_active_engineer_or_back_to_the_queue(desk, lena, ticket):
    aiko = make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo")
    gone = make_engineer("gone", active=False)
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    assert "Aiko Tanaka: off shift" in page and "gone" not in page

    desk.post(f"/tickets/{ticket.reference}/assign/", {"assignee": aiko.user.pk, "confirm_off_shift": "on"})
    ticket.refresh_from_db()
    assert ticket.assignee == aiko.user

    refused = desk.post(f"/tickets/{ticket.reference}/assign/", {"assignee": gone.user.pk})
    assert refused.status_code == 200
    assert "Select a valid choice." in html(refused)
    ticket.refresh_from_db()
    assert ticket.assignee == aiko.user

    desk.post(f"/tickets/{ticket.reference}/assign/", {"assignee": ""})
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (None, Status.NEW)


def test_a_public_reply_is_the_first_response_and_a_note_is_not(desk, lena, ticket, mailoutbox, settings):
    settings.PUBLIC_BASE_URL = "https://desk.example.com"
    RequesterNotification.objects.all().delete()  # the filing's confirmation
    desk.post(f"/tickets/{ticket.reference}/note/", {"note-body": "Checking edge logs."})
    ticket.refresh_from_db()
    assert ticket.first_responded_at is None
    assert ticket.messages.last().internal is True
    assert deliver_requester_mail(now=LATER) == []  # the customer never hears of notes

    response = desk.post(f"/tickets/{ticket.reference}/reply/", {"reply-body": "We see it too."})
    message = ticket.messages.last()
    assert response["Location"] == f"/tickets/{ticket.reference}/#message-{message.pk}"
    ticket.refresh_from_db()
    assert ticket.first_responded_at == LATER
    assert (message.internal, message.author) == (False, lena.user)
    assert not mailoutbox  # the worker sends it, after the request
    deliver_requester_mail(now=LATER)
    [mail] = mailoutbox
    assert mail.to == [ticket.requester.email]
    assert mail.subject == f"[{ticket.reference}] New reply: Origin returns 502"
    assert "Lena replied on your ticket" in mail.body and "We see it too." in mail.body
    assert f"https://desk.example.com/t/{ticket.access_token}/" in mail.body


def test_an_empty_reply_comes_back_with_the_error_and_the_other_box_untouched(desk, ticket):
    response = desk.post(f"/tickets/{ticket.reference}/reply/", {"reply-body": ""})
    page = html(response)
    assert response.status_code == 200
    assert 'id="id_reply-body_error"' in page and "Write the reply first." in page
    assert "Write the note first." not in page
    assert ticket.messages.count() == 1


def test_the_status_form_offers_only_moves_the_state_machine_allows(desk, ticket):
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    select = re.search(r'<select name="status".*?</select>', page, re.S).group(0)
    assert re.findall(r'value="(\w*)"', select) == ["", "open", "waiting_on_customer", "resolved"]


def test_a_refused_status_change_shows_the_state_machines_reason_on_the_form(desk, lena, ticket):
    response = desk.post(f"/tickets/{ticket.reference}/status/", {"status": Status.RESOLVED})
    page = html(response)
    assert response.status_code == 200
    assert 'id="id_status_error"' in page
    assert "Cannot change status: reply to the customer before resolving." in page
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW

    response = desk.post(f"/tickets/{ticket.reference}/status/", {"status": Status.CLOSED})
    assert "new tickets can only move to open, resolved, waiting_on_customer" in html(response)


def test_resolving_after_a_reply_then_closing(desk, lena, ticket):
    desk.post(f"/tickets/{ticket.reference}/take/")
    desk.post(f"/tickets/{ticket.reference}/reply/", {"reply-body": "Fixed the origin."})
    response = desk.post(f"/tickets/{ticket.reference}/status/", {"status": Status.RESOLVED}, follow=True)
    assert "Status is now resolved." in html(response)
    desk.post(f"/tickets/{ticket.reference}/status/", {"status": Status.CLOSED})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    assert "A closed ticket does not change" in page
    assert 'name="status"' not in page
    refused = desk.post(f"/tickets/{ticket.reference}/assign/", {"assignee": ""})
    assert "Cannot reassign: a closed ticket cannot be reassigned." in html(refused)


def test_changing_severity_recomputes_the_deadlines(desk, ticket):
    desk.post(f"/tickets/{ticket.reference}/severity/", {"severity": Severity.MAJOR})
    ticket.refresh_from_db()
    assert ticket.severity == Severity.MAJOR
    assert ticket.first_response_due_at == NOW + timedelta(minutes=15)


def test_acknowledging_the_open_page(desk, lena, ticket):
    page_fired = make_page(ticket, fired_at=NOW + timedelta(minutes=25))
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    assert "First response level 1 page" in page and "Acknowledge page" in page

    response = desk.post(f"/tickets/{ticket.reference}/acknowledge/", follow=True)

    page_fired.refresh_from_db()
    assert (page_fired.acknowledged_by, page_fired.acknowledged_via, page_fired.acknowledged_at) == (
        lena.user,
        "web",
        LATER,
    )
    page = html(response)
    assert "Acknowledged: first response level 1. The SLA clock keeps running." in page
    assert "Acknowledge page" not in page
    assert "acknowledged by Lena Fischer via web" in page
    again = desk.post(f"/tickets/{ticket.reference}/acknowledge/", follow=True)
    assert "There is no page waiting for acknowledgement." in html(again)
    assert Escalation.objects.filter(acknowledged_at__isnull=True).count() == 0


def test_the_sla_panel_shows_each_clock_and_why_it_is_due_then(desk, lena):
    berlin_customer = CustomerFactory(
        name="Pixel Radio", plan=Plan.STANDARD, timezone=ZoneInfo("Europe/Berlin"), domains=["pixel.example"]
    )
    friday_half_past_5 = datetime(2025, 6, 13, 15, 30, tzinfo=UTC)  # 17:30 in Berlin
    ticket = make_ticket(now=friday_half_past_5, email="dev@pixel.example", severity=Severity.URGENT)
    assert ticket.customer == berlin_customer
    with time_machine.travel(friday_half_past_5 + timedelta(minutes=10), tick=False):
        page = html(desk.get(f"/tickets/{ticket.reference}/"))
    assert "Monday to Friday, 09:00-18:00 Europe/Berlin time" in page
    assert "Started Friday 2025-06-13 17:30 CEST (Europe/Berlin), inside business hours 09:00-18:00." in page
    assert "Used 30m of Friday&#x27;s window (until 18:00 CEST)." in page
    assert "Skipped Saturday and Sunday (no business hours)." in page
    assert "Used 30m of Monday&#x27;s window (09:00-09:30 CEST)." in page
    assert "Due Monday 2025-06-16 09:30 CEST." in page
    assert "<dt>Target</dt><dd>1 business hour</dd>" in page  # first response
    assert "<dt>Target</dt><dd>24 business hours</dd>" in page  # resolution, never "1d"
    assert "<dt>Elapsed</dt><dd>10 business minutes</dd>" in page
    assert "of business time" not in page


def test_an_around_the_clock_target_is_in_plain_hours(desk, lena):
    CustomerFactory(
        name="Kabuki", plan=Plan.PREMIUM, timezone=ZoneInfo("Asia/Tokyo"), domains=["kabuki.example"]
    )
    ticket = make_ticket(now=NOW, email="noc@kabuki.example", severity=Severity.MAJOR)
    with time_machine.travel(NOW + timedelta(minutes=90), tick=False):
        page = html(desk.get(f"/tickets/{ticket.reference}/"))
    assert "<dt>Target</dt><dd>15 minutes</dd>" in page
    assert "<dt>Target</dt><dd>4 hours</dd>" in page  # a premium major ticket's resolution
    assert "<dt>Elapsed</dt><dd>1 hour 30 minutes</dd>" in page
    assert "business" not in re.search(r'data-testid="sla-panel".*?</section>', page, re.S).group(0)


def test_the_timeline_lists_every_event_in_words(desk, lena, ticket):
    desk.post(f"/tickets/{ticket.reference}/take/")
    desk.post(f"/tickets/{ticket.reference}/reply/", {"reply-body": "Looking."})
    desk.post(f"/tickets/{ticket.reference}/status/", {"status": Status.WAITING_ON_CUSTOMER})
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    timeline = re.search(r'data-testid="timeline">.*?</ol>', page, re.S).group(0)
    for line in (
        "Filed as urgent on the standard plan",
        "Lena Fischer took it",
        "Lena Fischer replied to the customer (first response)",
        "Status open → waiting on customer by Lena Fischer",
    ):
        assert line in timeline
    assert "Wed 11 Jun, 12:30:00 CEST" in timeline


def test_the_timeline_names_engineers_as_the_rest_of_the_page_does(desk, lena, ticket):
    aiko = make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo")
    services.ticket_assign(
        ticket=ticket, assignee=aiko.user, actor=lena.user, now=NOW, confirm_off_shift=True
    )
    services.ticket_assign(
        ticket=ticket, assignee=lena.user, actor=None, now=NOW, event_type=EventType.HANDED_OFF, reason="test"
    )
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    timeline = re.search(r'data-testid="timeline">.*?</ol>', page, re.S).group(0)
    assert "Assigned to Aiko Tanaka by Lena Fischer" in timeline
    assert "Handed off from Aiko Tanaka to Lena Fischer: test" in timeline
    assert "aiko" not in timeline


def test_an_engineer_can_download_any_attachment_of_the_ticket(desk, lena, ticket):
    note = services.ticket_reply(ticket=ticket, author=lena.user, body="dump", internal=True, now=NOW)
    attachment = services.attachment_add(
        message=note,
        file=SimpleUploadedFile("dump.json", b"{}"),
        name="dump.json",
        content_type="application/json",
        now=NOW,
    )
    other = make_ticket(now=NOW)
    url = f"/tickets/{ticket.reference}/files/{attachment.pk}/"
    assert f'href="{url}"' in html(desk.get(f"/tickets/{ticket.reference}/"))
    assert desk.get(url).status_code == 200
    assert desk.get(f"/tickets/{other.reference}/files/{attachment.pk}/").status_code == 404


def test_the_status_form_needs_a_choice(desk, ticket):
    response = desk.post(f"/tickets/{ticket.reference}/status/", {"status": ""})
    assert "Choose a status." in html(response)


def test_a_holiday_in_the_tickets_calendar_is_named_in_the_explanation(desk):
    from escalation.models import BusinessCalendar, Holiday

    business = BusinessCalendar.objects.get(kind=BusinessCalendar.Kind.BUSINESS)
    Holiday.objects.create(calendar=business, date=datetime(2025, 6, 12).date(), name="Company day")
    ticket = make_ticket(now=NOW, severity=Severity.GENERAL)  # Wednesday 10:00 UTC, 24 business hours
    page = html(desk.get(f"/tickets/{ticket.reference}/"))
    assert "Skipped Thursday 2025-06-12 (holiday)." in page
    # 8 h on Wednesday, none on Thursday, 9 h on Friday, 7 h on Monday.
    assert ticket.resolution_due_at == datetime(2025, 6, 16, 16, 0, tzinfo=UTC)
    assert "Due Monday 2025-06-16 16:00 UTC." in page


def test_pages_name_zones_without_an_abbreviation_by_their_place(desk, lena):
    CustomerFactory(
        name="Rio Live", plan=Plan.STANDARD, timezone=ZoneInfo("America/Sao_Paulo"), domains=["rio.example"]
    )
    lena.timezone = ZoneInfo("Asia/Singapore")
    lena.save()
    ticket = make_ticket(now=NOW, email="ops@rio.example", severity=Severity.URGENT)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        page = html(desk.get(f"/tickets/{ticket.reference}/"))
        customer_page = html(desk.get(f"/t/{ticket.access_token}/"))
    assert "Sao Paulo time (America/Sao_Paulo)" in page  # the requester's clock
    for text in (page, customer_page):
        assert not re.search(r"\d\d:\d\d(:\d\d)? [+-]\d\d", text), re.search(
            r".{40}\d\d:\d\d [+-]\d\d.{20}", text
        )
