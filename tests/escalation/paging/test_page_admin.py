"""The grouped pages in the admin (issue 13): read-only evidence, like the escalations and notifications
they group; readable by managers and superusers, by nobody else; a list in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Escalation, Notification, Page
from escalation.roster.services.engineers import manager_ensure
from tests.factories import NOW, make_engineer, make_page, make_ticket

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "engineer", "manager", "superuser")
READERS = ("manager", "superuser")
LIST = "/admin/escalation/page/"
WINDOW = timedelta(seconds=30)


def grouped_page(ticket, engineer, *, sequence: int, escalations: int, acknowledged: int = 0, step: int = 1):
    """A sent SMS page to `engineer` grouping `escalations` fired steps of `ticket` (steps `step`, `step`+1,
    ...), the first `acknowledged` of them acknowledged by the engineer."""
    at = NOW + sequence * WINDOW
    page = Page.objects.create(
        recipient=str(engineer.phone),
        recipient_user=engineer.user,
        channel="sms",
        sequence=sequence,
        opened_at=at,
        closes_at=at + WINDOW,
        status=Page.Status.SENT,
        body=f"{escalations} tickets breached",
        sent_at=at + WINDOW,
        updated_at=at + WINDOW,
    )
    for i in range(escalations):
        escalation = make_page(ticket, step=step + i, fired_at=at)
        if i < acknowledged:
            Escalation.objects.filter(pk=escalation.pk).update(
                acknowledged_at=at + WINDOW, acknowledged_by=engineer.user, acknowledged_via="sms"
            )
        Notification.objects.create(
            ticket=ticket,
            escalation=escalation,
            purpose=Notification.Purpose.ESCALATION,
            channel="sms",
            recipient=page.recipient,
            recipient_user=engineer.user,
            body="SD page",
            created_at=at,
            updated_at=at,
            page=page,
            grouped=i > 0,
        )
    return page


@pytest.fixture
def world():
    lena = make_engineer("lena", name="Lena Fischer", phone="+4930123456")
    omar = make_engineer("omar", name="Omar Haddad", phone="+4930999888")
    ticket = make_ticket(severity="major")
    return {
        "ticket": ticket,
        "lena": lena,
        "omar": omar,
        # three escalations, all acknowledged by Lena's ACK
        "done": grouped_page(ticket, lena, sequence=1, escalations=3, acknowledged=3, step=1),
        # two escalations, one still open, to Omar
        "open": grouped_page(ticket, omar, sequence=1, escalations=2, acknowledged=1, step=11),
        "engineer": lena.user,
        "manager": manager_ensure(username="maria", name="Maria Santos"),
        "superuser": get_user_model().objects.create_superuser("root", "root@x.example", "root-Very-long-9"),
    }


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])


def _rows(response) -> list[str]:
    return [str(page) for page in response.context["cl"].result_list]


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_pages_in_the_admin(client, world, role):
    _login(client, world, role)
    page = world["done"]
    listing = client.get(LIST)
    detail = client.get(f"{LIST}{page.pk}/change/")
    if role == "anonymous":
        assert listing.status_code == detail.status_code == 302
        assert listing["Location"].startswith("/admin/login/")
    elif role not in READERS:
        assert listing.status_code == detail.status_code == 403
    else:
        assert listing.status_code == detail.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_nobody_adds_changes_or_deletes_a_page(client, world, role):
    _login(client, world, role)
    page = world["open"]
    before = (Page.objects.count(), Notification.objects.count(), Escalation.objects.count())
    add = client.post(f"{LIST}add/", {"recipient": "+4930111222", "channel": "sms", "sequence": "9"})
    change = client.post(f"{LIST}{page.pk}/change/", {"status": "cancelled", "recipient": "+1"})
    delete = client.post(f"{LIST}{page.pk}/delete/", {"post": "yes"})
    bulk = client.post(LIST, {"action": "delete_selected", "_selected_action": [page.pk], "post": "yes"})
    assert (Page.objects.count(), Notification.objects.count(), Escalation.objects.count()) == before
    page.refresh_from_db()
    assert (page.status, page.recipient) == ("sent", "+4930999888")
    if role == "anonymous":
        assert add.status_code == change.status_code == delete.status_code == bulk.status_code == 302
        return
    assert add.status_code == change.status_code == delete.status_code == 403
    assert bulk.status_code == (200 if role in READERS else 403)  # no delete action: "No action selected"
    if role in READERS:
        listing = client.get(LIST).content.decode()
        assert "delete_selected" not in listing
        assert f"{LIST}add/" not in listing
        body = client.get(f"{LIST}{page.pk}/change/").content.decode()
        assert 'name="_save"' not in body
        assert f"{LIST}{page.pk}/delete/" not in body


def test_the_list_shows_recipient_window_escalation_count_and_acknowledgement(client, world):
    client.force_login(world["manager"])
    response = client.get(LIST)
    assert response.status_code == 200
    rows = {page.pk: page for page in response.context["cl"].result_list}
    assert (rows[world["done"].pk].escalation_count, rows[world["done"].pk].open_count) == (3, 0)
    assert (rows[world["open"].pk].escalation_count, rows[world["open"].pk].open_count) == (2, 1)
    body = response.content.decode()
    assert "+4930123456" in body and "+4930999888" in body
    assert "1 of 2 open" in body
    assert "2025-06-11 10:00:30 to 10:01:00 UTC" in body  # the window of sequence 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acknowledged=yes", ["done"]),
        ("acknowledged=no", ["open"]),
        ("status__exact=sent", ["done", "open"]),
        ("status__exact=collecting", []),
        ("q=999888", ["open"]),
        ("q=lena", ["done"]),
        (
            "opened_at__gte=2025-06-11+00:00:00%2B00:00&opened_at__lt=2025-06-12+00:00:00%2B00:00",
            ["done", "open"],
        ),
        ("opened_at__gte=2025-06-12+00:00:00%2B00:00", []),
        ("opened_at__year=2025&opened_at__month=6&opened_at__day=11", ["done", "open"]),
    ],
)
def test_filters_and_search(client, world, query, expected):
    client.force_login(world["manager"])
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert sorted(_rows(response)) == sorted(str(world[name]) for name in expected)


def test_the_detail_lists_the_escalations_it_groups_and_links_to_the_web_page(client, world):
    client.force_login(world["manager"])
    page = world["open"]
    response = client.get(f"{LIST}{page.pk}/change/")
    body = response.content.decode()
    assert f'href="/pages/{page.pk}/"' in body
    for escalation in Escalation.objects.filter(notifications__page=page):
        assert f"/admin/escalation/escalation/{escalation.pk}/change/" in body
    assert body.count("not yet") == 1  # one of its two escalations is still open
    assert "by lena" not in body and "by omar" in body
    assert "1 of 2 open" in body
    # and the web page it links to is there for a manager
    assert client.get(f"/pages/{page.pk}/").status_code == 200


def test_the_list_costs_the_same_queries_for_3_pages_as_for_30(client, world, django_assert_max_num_queries):
    client.force_login(world["superuser"])
    ticket, lena = world["ticket"], world["lena"]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured), len(response.context["cl"].result_list)

    for sequence in range(2, 3):  # 3 pages in all
        grouped_page(ticket, lena, sequence=sequence, escalations=2, acknowledged=1, step=100 + 10 * sequence)
    few, shown = queries()
    assert shown == 3
    for sequence in range(3, 30):  # 30 pages in all
        grouped_page(ticket, lena, sequence=sequence, escalations=2, acknowledged=1, step=100 + 10 * sequence)
    many, shown = queries()
    assert shown == 30
    assert many == few
    with django_assert_max_num_queries(few):
        client.get(LIST)
