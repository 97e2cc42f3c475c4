"""The header's "Reports" link: shown to managers, decided once at login, never a way in by itself."""

import pytest
from django.contrib.auth.models import Group

from escalation.roster.services.engineers import MANAGERS_GROUP, manager_ensure
from tests.factories import make_engineer

pytestmark = pytest.mark.django_db

REPORTS_LINK = 'href="/reports/sla/"'


def log_in(client, username: str) -> None:
    response = client.post("/accounts/login/", {"username": username, "password": "a-long-passphrase-7"})
    assert response.status_code == 302, response.content[:300]


def test_a_manager_logging_in_sees_the_reports_link_and_an_engineer_does_not(client):
    manager = manager_ensure(username="maria", name="Maria Santos", password="a-long-passphrase-7")
    make_engineer("lena", password="a-long-passphrase-7")

    log_in(client, manager.username)
    page = client.get("/queue/").content.decode()
    assert REPORTS_LINK in page
    assert client.get("/reports/sla/").status_code == 200
    client.post("/accounts/logout/")

    log_in(client, "lena")
    page = client.get("/queue/").content.decode()
    assert REPORTS_LINK not in page
    assert client.get("/reports/sla/").status_code == 403


def test_the_link_is_navigation_only_the_reports_check_the_role_on_every_request(client):
    manager = manager_ensure(username="maria", name="Maria Santos", password="a-long-passphrase-7")
    log_in(client, manager.username)
    manager.groups.remove(Group.objects.get(name=MANAGERS_GROUP))  # demoted while logged in

    assert REPORTS_LINK in client.get("/queue/").content.decode()  # until the next login
    assert client.get("/reports/sla/").status_code == 403


def test_customers_pages_show_no_reports_link(client):
    assert REPORTS_LINK not in client.get("/").content.decode()
