"""POST /api/v1/tickets/<ref>/messages/ with a status to set and files: all written, or nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import NOW, make_ticket
from tickets.models import Attachment, Event, Message, RequesterNotification, Status, Ticket
from tickets.selectors import ticket_get_public
from tickets.services import ticket_assign

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture(autouse=True)
def frozen(time_machine, settings, tmp_path):
    time_machine.move_to(NOW, tick=False)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ticket(engineer):
    ticket = make_ticket(name="Ana Lima")
    return ticket_assign(ticket=ticket, assignee=engineer.user, actor=None, now=NOW)


def _url(ticket) -> str:
    return f"/api/v1/tickets/{ticket.reference}/messages/"


def _written(ticket) -> tuple[int, int, int, int]:
    return (
        Message.objects.filter(ticket=ticket).count(),
        Event.objects.filter(ticket=ticket).count(),
        RequesterNotification.objects.filter(ticket=ticket).count(),
        Attachment.objects.count(),
    )


def test_a_reply_that_resolves_is_one_step(as_engineer, ticket):
    response = as_engineer.post(_url(ticket), {"body": "Fixed.", "status": "resolved"}, format="json")
    assert response.status_code == 201, response.json()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.first_responded_at == NOW
    types = list(Event.objects.filter(ticket=ticket).values_list("type", flat=True))
    assert types[-2:] == ["replied", "status_changed"]


def test_a_refused_status_writes_nothing_and_names_the_field(as_engineer, engineer):
    ticket = make_ticket()  # new and unassigned: it cannot be opened by hand
    before = _written(ticket)
    response = as_engineer.post(_url(ticket), {"body": "On it.", "status": "open"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ["nobody is assigned; assign the ticket to open it"]}
    assert _written(ticket) == before
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.first_responded_at is None and fresh.status == Status.NEW


def test_a_refused_status_with_files_stores_no_file(as_engineer, engineer):
    ticket = make_ticket()
    before = _written(ticket)
    response = as_engineer.post(
        _url(ticket),
        {"body": "See the trace.", "status": "open", "attachments": [SimpleUploadedFile("t.png", PNG)]},
        format="multipart",
    )
    assert response.status_code == 400 and "status" in response.json()
    assert _written(ticket) == before


def test_files_on_a_reply_are_checked_like_the_customers(as_engineer, ticket):
    response = as_engineer.post(
        _url(ticket),
        {
            "body": "Traces attached.",
            "attachments": [
                SimpleUploadedFile("t.png", PNG),
                SimpleUploadedFile("log.txt", b"502 at 09:40\n"),
            ],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert [(a["name"], a["content_type"]) for a in response.json()["attachments"]] == [
        ("t.png", "image/png"),
        ("log.txt", "text/plain"),
    ]
    # The customer sees a public reply's files.
    public = ticket_get_public(access_token=ticket.access_token)
    assert [a.name for a in public.messages[-1].public_attachments] == ["t.png", "log.txt"]


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        (SimpleUploadedFile("t.png", b"MZ\x90\x00 not a png"), "its contents are not a PNG image"),
        (SimpleUploadedFile("run.exe", b"MZ\x90\x00"), "Attach a PNG, JPEG"),
    ],
)
def test_a_wrong_type_is_refused_and_nothing_is_written(as_engineer, ticket, upload, says):
    before = _written(ticket)
    response = as_engineer.post(
        _url(ticket), {"body": "Here.", "status": "resolved", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 400
    assert says in response.json()["attachments"][0]
    assert _written(ticket) == before


def test_an_oversized_file_is_cut_off_while_streaming_and_refused(as_engineer, ticket, settings):
    big = SimpleUploadedFile("big.txt", b"a" * (5 * 1024 * 1024 + 1))
    before = _written(ticket)
    response = as_engineer.post(_url(ticket), {"body": "Big log.", "attachments": [big]}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"attachments": ["A file is larger than 5 MiB."]}
    assert _written(ticket) == before


def test_files_on_an_internal_note_never_reach_the_customer(as_engineer, ticket, anon):
    response = as_engineer.post(
        _url(ticket),
        {
            "body": "Customer's HAR, internal.",
            "internal": "true",
            "attachments": [SimpleUploadedFile("h.json", b"{}")],
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    attachment = Attachment.objects.get()
    public = anon.get(f"/api/v1/public/tickets/{ticket.access_token}/").json()
    assert "Customer's HAR, internal." not in [m["body"] for m in public["messages"]]
    assert all(m["attachments"] == [] for m in public["messages"])
    assert not RequesterNotification.objects.filter(message=attachment.message).exists()
