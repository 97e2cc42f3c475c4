"""A deactivated engineer loses access at once (issue 11, item 10).

After `PATCH /api/v1/engineers/bob/ {"active": false}` bob's old token still read tickets and wrote
notes, and a new token login succeeded. Deactivation, whichever screen does it, ends bob's sessions,
revokes his API tokens, turns his login off and refuses new logins with a message that says why.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from knox.models import AuthToken

from escalation.models import Engineer
from escalation.roster.services.engineers import manager_ensure
from tests.api.conftest import client_for
from tests.factories import make_engineer, make_ticket

pytestmark = pytest.mark.django_db

PASSWORD = "bobs-Very-long-pass-9"
DEACTIVATED = "deactivated"


@pytest.fixture
def bob(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_engineer("bob", name="Bob Marsh", password=PASSWORD)


@pytest.fixture
def manager(db):
    return manager_ensure(username="maria", name="Maria Santos", password="maria-Very-long-9")


def _bobs_sessions(bob) -> list[Session]:
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(bob.user.pk)]


def _signed_in_everywhere(bob):
    """bob with an API token and two browser sessions, each of which works before the deactivation."""
    login = client_for().post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD})
    token = login.json()["token"]
    browsers = []
    for _ in range(2):
        browser = Client()
        response = browser.post("/accounts/login/", {"username": "bob", "password": PASSWORD})
        assert response.status_code == 302
        assert browser.get("/queue/").status_code == 200
        browsers.append(browser)
    assert client_for(token=token).get("/api/v1/tickets/").status_code == 200
    assert len(_bobs_sessions(bob)) == 2
    return token, browsers


def _assert_locked_out(bob, token, browsers, ticket):
    api = client_for(token=token)
    assert api.get("/api/v1/tickets/").status_code == 401
    note = api.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "still here", "internal": True})
    assert note.status_code == 401
    assert not ticket.messages.filter(body="still here").exists()
    assert not AuthToken.objects.filter(user=bob.user).exists()
    assert _bobs_sessions(bob) == []
    for browser in browsers:
        response = browser.get("/queue/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    bob.user.refresh_from_db()
    assert not bob.user.is_active

    login = client_for().post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD})
    assert login.status_code == 400
    assert DEACTIVATED in " ".join(login.json()["non_field_errors"])
    assert not AuthToken.objects.filter(user=bob.user).exists()

    for login_page in ("/accounts/login/", "/admin/login/"):
        form = Client().post(login_page, {"username": "bob", "password": PASSWORD})
        assert form.status_code == 200  # the form again, saying why
        assert DEACTIVATED in form.content.decode()
    # A wrong password says nothing about the account.
    wrong = Client().post("/accounts/login/", {"username": "bob", "password": "not-his-password"})
    assert DEACTIVATED not in wrong.content.decode()


def test_deactivating_through_the_api_ends_every_way_in(bob, manager):
    ticket = make_ticket()
    token, browsers = _signed_in_everywhere(bob)
    response = client_for(manager).patch(
        "/api/v1/engineers/bob/", {"active": False, "confirm_coverage_gap": True}
    )
    assert response.status_code == 200
    assert response.json()["active"] is False
    _assert_locked_out(bob, token, browsers, ticket)


def test_deactivating_in_the_admin_ends_every_way_in(bob, manager):
    ticket = make_ticket()
    token, browsers = _signed_in_everywhere(bob)
    admin = Client()
    admin.force_login(manager)
    response = admin.post(
        f"/admin/escalation/engineer/{bob.pk}/change/",
        {
            "user": bob.user_id,
            "timezone": "UTC",
            "shift_start": "09:00:00",
            "shift_end": "18:00:00",
            "workdays": "[0, 1, 2, 3, 4]",
            "phone": "",
            "region": bob.region,
            "capacity": "10",
            # "active" unticked
            "confirm_coverage_gap": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Engineer.objects.get(pk=bob.pk).active is False
    _assert_locked_out(bob, token, browsers, ticket)


def test_reactivating_lets_them_sign_in_again_with_a_new_token(bob, manager):
    token, _ = _signed_in_everywhere(bob)
    as_manager = client_for(manager)
    as_manager.patch("/api/v1/engineers/bob/", {"active": False, "confirm_coverage_gap": True})
    assert as_manager.patch("/api/v1/engineers/bob/", {"active": True}).status_code == 200
    bob.user.refresh_from_db()
    assert bob.user.is_active
    login = client_for().post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD})
    assert login.status_code == 200
    assert login.json()["token"] != token  # the old one stays revoked
    assert client_for(token=token).get("/api/v1/tickets/").status_code == 401


def test_other_changes_leave_the_login_alone(bob, manager):
    token, browsers = _signed_in_everywhere(bob)
    response = client_for(manager).patch("/api/v1/engineers/bob/", {"capacity": 3})
    assert response.status_code == 200
    assert client_for(token=token).get("/api/v1/tickets/").status_code == 200
    assert browsers[0].get("/queue/").status_code == 200
    assert len(_bobs_sessions(bob)) == 2
