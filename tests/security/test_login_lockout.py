"""Brute-force protection on the logins (issue 15, item 3), with django-axes.

On main, 100 wrong passwords then the right one were all accepted. Now LOGIN_FAILURE_LIMIT (5) failures
against a username (from any addresses) or from a client address (for any usernames) refuse every
login for it, the right password included, with 429 and a message on the login form (username kept),
for LOGIN_LOCKOUT_MINUTES (15) after the last failure, or until a manager deletes the access attempts
in the admin. The engineers' login page, the admin's and the API token endpoint share the count.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from escalation.roster.services.engineers import manager_ensure
from tests.api.conftest import client_for
from tests.factories import make_engineer

pytestmark = pytest.mark.django_db

PASSWORD = "bobs-Very-long-pass-9"
LOCKED = "Too many failed logins"
LIMIT = 5
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def bob(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_engineer("bob", name="Bob Marsh", password=PASSWORD)


def _login(path="/accounts/login/", username="bob", password=PASSWORD, address="203.0.113.1", **extra):
    browser = Client()
    response = browser.post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)
    return browser, response


def _signed_in(browser) -> bool:
    return SESSION_KEY in browser.session


def _fail(times: int, *, path="/accounts/login/", username="bob", address="203.0.113.1", **extra):
    responses = [_login(path, username, "wrong-guess", address, **extra)[1] for _ in range(times)]
    return responses[-1]


def _assert_refused_with_the_form(response, username="bob"):
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert "15 minutes" in page
    assert 'name="password"' in page  # the form again
    assert f'value="{username}"' in page  # with the username as typed


def test_on_main_a_hundred_wrong_passwords_were_accepted_now_the_fifth_failure_locks(bob):
    for _ in range(LIMIT - 1):
        response = _fail(1)
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    _assert_refused_with_the_form(_fail(1))  # the failure that reaches the limit already says so

    browser, response = _login()
    _assert_refused_with_the_form(response)
    assert not _signed_in(browser)


def test_a_username_locks_out_whatever_address_the_guesses_and_the_login_come_from(bob):
    for n in range(LIMIT):
        _fail(1, address=f"198.51.100.{n + 1}")

    browser, response = _login(address="192.0.2.77")  # an address that never failed
    _assert_refused_with_the_form(response)
    assert not _signed_in(browser)
    # Another username from that address is not affected.
    make_engineer("carol", password=PASSWORD)
    browser, response = _login(username="carol", address="192.0.2.77")
    assert response.status_code == 302
    assert _signed_in(browser)


def test_the_username_is_counted_whatever_its_letter_case_and_spaces(bob):
    for n, spelling in enumerate(("BOB", "Bob", " bob", "bob ", "bOb")):
        _fail(1, username=spelling, address=f"198.51.100.{n + 1}")
    browser, response = _login(address="192.0.2.77")
    assert response.status_code == 429
    assert not _signed_in(browser)


def test_an_address_locks_out_every_username_it_tries(bob):
    for n in range(LIMIT):
        _fail(1, username=f"guess{n}", address="198.51.100.9")

    browser, response = _login(address="198.51.100.9")
    _assert_refused_with_the_form(response)
    assert not _signed_in(browser)
    # bob from his own address is not affected.
    browser, response = _login(address="192.0.2.10")
    assert response.status_code == 302
    assert _signed_in(browser)


def test_the_admin_login_locks_out_too_and_shares_the_count_with_the_login_page(bob):
    _fail(LIMIT - 1, path="/admin/login/", address="198.51.100.1")
    _fail(1, path="/accounts/login/", address="198.51.100.2")

    for path in ("/admin/login/", "/accounts/login/"):
        browser, response = _login(path, address="192.0.2.77")
        _assert_refused_with_the_form(response)
        assert not _signed_in(browser)


def test_the_token_endpoint_keeps_its_throttle_and_counts_towards_the_lockout(bob):
    api = client_for()
    for _ in range(LIMIT - 1):
        refused = api.post(
            "/api/v1/auth/token/", {"username": "bob", "password": "nope"}, REMOTE_ADDR="10.9.9.9"
        )
        assert refused.status_code == 400
    locked = api.post("/api/v1/auth/token/", {"username": "bob", "password": "nope"}, REMOTE_ADDR="10.9.9.9")
    assert locked.status_code == 429
    assert LOCKED in locked.json()["detail"]

    # The right password at the token endpoint and at the login page: refused.
    right = client_for().post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD})
    assert right.status_code == 429
    assert LOCKED in right.json()["detail"]
    assert "token" not in right.json()
    _assert_refused_with_the_form(_login(address="192.0.2.77")[1])

    # The throttle (10 a minute per address) still answers on its own, for any username.
    statuses = [
        api.post(
            "/api/v1/auth/token/", {"username": f"u{n}", "password": "x"}, REMOTE_ADDR="10.8.8.8"
        ).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
    assert "Retry-After" in api.post(
        "/api/v1/auth/token/", {"username": "u", "password": "x"}, REMOTE_ADDR="10.8.8.8"
    )


def test_the_lockout_ends_fifteen_minutes_after_the_last_failure(bob):
    _fail(LIMIT)
    with time_machine.travel(T0 + timedelta(minutes=14, seconds=59), tick=False):
        browser, response = _login()
        assert response.status_code == 429  # refused, and not counted: the lockout does not grow
        assert not _signed_in(browser)
    with time_machine.travel(T0 + timedelta(minutes=15, seconds=1), tick=False):
        browser, response = _login()
        assert response.status_code == 302
        assert _signed_in(browser)


def test_the_numbers_come_from_the_environment_settings(bob, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=3)
    _fail(2)
    response = _login()[1]
    assert response.status_code == 429
    assert "3 minutes" in response.content.decode()
    with time_machine.travel(T0 + timedelta(minutes=3, seconds=1), tick=False):
        assert _login()[1].status_code == 302


def test_a_successful_login_clears_its_usernames_failures(bob):
    _fail(LIMIT - 1, address="198.51.100.1")
    assert _login(address="198.51.100.1")[1].status_code == 302
    assert not AccessAttempt.objects.filter(username="bob").exists()
    # A fresh count: four more failures still leave the right password working.
    _fail(LIMIT - 1, address="198.51.100.1")
    assert _login(address="198.51.100.1")[1].status_code == 302


def test_logging_in_to_ones_own_account_does_not_wipe_ones_guesses_at_others(bob):
    """Axes's own reset-on-success would clear every failure from the address; ours clears the username's."""
    make_engineer("mallory", password="mallorys-Very-long-9")
    for n in range(LIMIT - 1):
        _fail(1, username=f"guess{n}", address="198.51.100.66")
    assert (
        _login(username="mallory", password="mallorys-Very-long-9", address="198.51.100.66")[1].status_code
        == 302
    )
    _fail(1, username="guess-last", address="198.51.100.66")
    assert _login(address="198.51.100.66")[1].status_code == 429


def test_the_client_address_follows_api_num_proxies(bob, settings):
    # No trusted proxy: X-Forwarded-For is the client's to forge and changes nothing.
    for n in range(LIMIT):
        _fail(1, username=f"guess{n}", address="10.0.0.1", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert _login(address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")[1].status_code == 429
    AccessAttempt.objects.all().delete()

    # Behind one proxy (10.0.0.1): the address it saw counts, and clients behind it are told apart.
    rest_framework = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.REST_FRAMEWORK = rest_framework
    for n in range(LIMIT):
        _fail(1, username=f"guess{n}", address="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert _login(address="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")[1].status_code == 429
    assert _login(address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")[1].status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


@pytest.fixture
def manager(db):
    """A manager who is not a superuser."""
    user = manager_ensure(username="maria", name="Maria Santos", password="maria-Very-long-9")
    assert not user.is_superuser
    return user


def test_a_manager_who_is_not_a_superuser_lifts_a_lockout_in_the_admin(bob, manager):
    for n in range(LIMIT):
        _fail(1, address=f"198.51.100.{n + 1}")
    assert _login(address="192.0.2.77")[1].status_code == 429

    admin = Client()
    admin.force_login(manager)
    listing = admin.get("/admin/axes/accessattempt/?q=bob")
    assert listing.status_code == 200
    assert "198.51.100.5" in listing.content.decode()
    ids = [str(pk) for pk in AccessAttempt.objects.filter(username="bob").values_list("pk", flat=True)]
    assert len(ids) == LIMIT
    unlocked = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.exists()

    browser, response = _login(address="192.0.2.77")
    assert response.status_code == 302
    assert _signed_in(browser)


@pytest.mark.parametrize("who", ["anonymous", "engineer", "manager", "superuser"])
def test_who_may_see_and_delete_the_lockouts(bob, manager, who, django_user_model):
    _fail(LIMIT)
    attempt = AccessAttempt.objects.get()
    admin = Client()
    if who == "engineer":
        admin.force_login(make_engineer("erin").user)
    elif who == "manager":
        admin.force_login(manager)
    elif who == "superuser":
        admin.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))

    listing = admin.get("/admin/axes/accessattempt/")
    delete = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    if who == "anonymous":
        assert listing.status_code == delete.status_code == 302
        assert listing["Location"].startswith("/admin/login/")
        assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    elif who == "engineer":
        assert listing.status_code == delete.status_code == 403
        assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    else:
        assert listing.status_code == 200
        assert delete.status_code == 302
        assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
