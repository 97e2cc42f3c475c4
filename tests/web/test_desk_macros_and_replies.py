"""The ticket page: the canned-reply picker, replying and setting a status at once, engineers' files."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import NOW, make_engineer, make_ticket
from tickets.models import Attachment, Event, Macro, Message, RequesterNotification, Status, Ticket
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db

LATER = NOW + timedelta(minutes=30)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def ticket(lena):
    ticket = make_ticket(now=NOW, name="Ana Lima", requester_timezone=ZoneInfo("America/Sao_Paulo"))
    return ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)


def _macro(name="Resolved", body="Hi {{requester_name}}, {{reference}} is fixed. {{engineer_name}}", **kw):
    return Macro.objects.create(name=name, body=body, created_at=NOW, updated_at=NOW, **kw)


def _written(ticket) -> tuple:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return (
        Message.objects.filter(ticket=ticket).count(),
        Event.objects.filter(ticket=ticket).count(),
        RequesterNotification.objects.filter(ticket=ticket).count(),
        Attachment.objects.count(),
        fresh.status,
        fresh.first_responded_at,
    )


def test_the_picker_lists_shared_and_own_macros_filled_in_for_this_ticket(desk, lena, ticket):
    _macro(status="resolved")
    _macro(name="Mine", body="{{due_local}}", owner=lena.user)
    _macro(name="Omar's", owner=make_engineer("omar").user)
    page = desk.get(f"/tickets/{ticket.reference}/").content.decode()
    assert '<select name="macro"' in page and 'id="id_macro"' in page
    assert "Resolved (shared)" in page and ">Mine</option>" in page and "Omar" not in page
    assert f"Hi Ana Lima, {ticket.reference} is fixed. Lena Fischer" in page
    due = ticket.resolution_due_at.astimezone(ZoneInfo("America/Sao_Paulo"))
    assert f"{due:%H:%M} Sao Paulo time" in page
    assert 'data-macro-status="resolved"' in page
    # The reply and note boxes keep their ids (the keyboard shortcuts focus them).
    assert 'id="id_reply-body"' in page and 'id="id_note-body"' in page
    assert page.count('enctype="multipart/form-data"') == 2
    assert "<script>" not in page  # under the CSP: the picker's code is in static/web/desk.js


def test_without_javascript_the_picker_fills_the_reply_box_and_its_status(desk, ticket):
    macro = _macro(status="waiting_on_customer", body="Could you send a HAR, {{requester_name}}?")
    response = desk.get(f"/tickets/{ticket.reference}/", {"macro": macro.pk})
    form = response.context["reply_form"]
    assert form.initial == {"body": "Could you send a HAR, Ana Lima?", "status": "waiting_on_customer"}
    assert "Could you send a HAR, Ana Lima?</textarea>" in response.content.decode()
    # Another engineer's personal macro, or nonsense, fills in nothing.
    other = _macro(name="x", owner=make_engineer("omar").user)
    for value in (other.pk, "abc", 10**6):
        assert desk.get(f"/tickets/{ticket.reference}/", {"macro": value}).context["reply_form"].initial == {}


def test_the_page_runs_the_same_queries_for_one_macro_or_twenty(desk, lena, ticket):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert desk.get(f"/tickets/{ticket.reference}/").status_code == 200
        return len(queries)

    _macro()
    desk.get(f"/tickets/{ticket.reference}/")
    few = count()
    for n in range(10):
        _macro(name=f"s{n}")
        _macro(name=f"p{n}", owner=lena.user)
    assert count() == few


def test_a_reply_can_resolve_in_one_step(desk, ticket):
    response = desk.post(
        f"/tickets/{ticket.reference}/reply/", {"reply-body": "Fixed.", "reply-status": "resolved"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert list(ticket.events.values_list("type", flat=True))[-2:] == ["replied", "status_changed"]


def test_a_refused_status_sends_nothing_and_keeps_the_typed_text(desk):
    ticket = make_ticket(now=NOW)  # new and unassigned: it cannot be opened by hand
    before = _written(ticket)
    response = desk.post(
        f"/tickets/{ticket.reference}/reply/",
        {
            "reply-body": "Typed with care.",
            "reply-status": "open",
            "reply-attachment": SimpleUploadedFile("a.png", PNG),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was sent: the status cannot change: nobody is assigned" in page
    assert "Typed with care.</textarea>" in page
    assert _written(ticket) == before


def test_engineers_attach_files_to_replies_checked_like_the_customers(desk, ticket):
    response = desk.post(
        f"/tickets/{ticket.reference}/reply/",
        {"reply-body": "Trace attached.", "reply-attachment": SimpleUploadedFile("trace.png", PNG)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.content_type, attachment.message.internal) == (
        "trace.png",
        "image/png",
        False,
    )
    # The customer sees and downloads a public reply's file.
    customer = desk.get(f"/t/{ticket.access_token}/").content.decode()
    assert "trace.png" in customer
    assert desk.get(f"/t/{ticket.access_token}/files/{attachment.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (("trace.png", b"GIF89a not a png"), "its contents are not a PNG image"),
        (("tool.exe", b"MZ\x90\x00"), "Attach a PNG, JPEG"),
        (("big.txt", b"a" * (5 * 1024 * 1024 + 1)), "larger than 5 MiB"),
    ],
)
@pytest.mark.parametrize("box", ["reply", "note"])
def test_a_wrong_or_oversized_file_is_refused_with_the_typed_text_kept(desk, ticket, box, upload, says):
    before = _written(ticket)
    response = desk.post(
        f"/tickets/{ticket.reference}/{box}/",
        {f"{box}-body": "Words I typed.", f"{box}-attachment": SimpleUploadedFile(*upload)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert says in page and "Words I typed.</textarea>" in page
    assert _written(ticket) == before


def test_files_on_an_internal_note_never_reach_the_customer(desk, ticket, client):
    response = desk.post(
        f"/tickets/{ticket.reference}/note/",
        {"note-body": "Their HAR, internal only.", "note-attachment": SimpleUploadedFile("har.json", b"{}")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.message.internal
    assert "har.json" in desk.get(f"/tickets/{ticket.reference}/").content.decode()
    client.logout()
    customer = client.get(f"/t/{ticket.access_token}/").content.decode()
    assert "har.json" not in customer and "Their HAR" not in customer
    assert client.get(f"/t/{ticket.access_token}/files/{attachment.pk}/").status_code == 404
    assert not RequesterNotification.objects.filter(message=attachment.message).exists()


def test_uploading_needs_an_engineer_and_a_csrf_token(client, ticket):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_engineer("omar").user)
    before = _written(ticket)
    response = strict.post(
        f"/tickets/{ticket.reference}/note/",
        {"note-body": "x", "note-attachment": SimpleUploadedFile("a.txt", b"x")},
    )
    assert response.status_code == 403
    anonymous = client.post(f"/tickets/{ticket.reference}/reply/", {"reply-body": "x"})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert _written(ticket) == before
