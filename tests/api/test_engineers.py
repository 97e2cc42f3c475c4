"""Engineers (managers create logins) and who is on shift at an instant, each in their own timezone."""

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Engineer, Region
from tests.factories import NOW, make_engineer

pytestmark = pytest.mark.django_db

ENGINEERS = "/api/v1/engineers/"
ON_SHIFT = "/api/v1/engineers/on-shift/"
User = get_user_model()

NEW_ENGINEER = {
    "username": "aiko",
    "name": "Aiko Tanaka",
    "email": "aiko@support.example",
    "password": "cherry-blossom-pager-2026",
    "timezone": "Asia/Tokyo",
    "shift_start": "09:00",
    "shift_end": "18:00",
    "workdays": [4, 0, 1, 2, 3],
    "phone": "+81 3-1234-5678",
    "region": "apac",
    "lead": True,
    "capacity": 12,
}


def test_a_manager_creates_an_engineer_who_can_then_get_a_token(as_manager, anon, time_machine):
    time_machine.move_to(NOW, tick=False)  # Wednesday 19:00 in Tokyo: off shift
    response = as_manager.post(ENGINEERS, NEW_ENGINEER)

    assert response.status_code == 201, response.content
    assert response.json() == {
        "username": "aiko",
        "name": "Aiko Tanaka",
        "email": "aiko@support.example",
        "timezone": "Asia/Tokyo",
        "shift_start": "09:00",
        "shift_end": "18:00",
        "workdays": [0, 1, 2, 3, 4],
        "phone": "+81312345678",
        "region": "apac",
        "lead": True,
        "on_call": False,
        "capacity": 12,
        "active": True,
        "on_shift": False,
        "shift_ends_at": None,
        "next_shift_starts_at": "2025-06-12T09:00:00+09:00",
    }
    user = User.objects.get(username="aiko")
    assert user.is_staff and user.engineer.timezone == ZoneInfo("Asia/Tokyo")
    token = anon.post("/api/v1/auth/token/", {"username": "aiko", "password": NEW_ENGINEER["password"]})
    assert token.status_code == 200
    assert len(token.json()["token"]) == 64


def test_without_a_password_the_login_cannot_sign_in(as_manager, anon):
    payload = {k: v for k, v in NEW_ENGINEER.items() if k != "password"}
    assert as_manager.post(ENGINEERS, payload).status_code == 201
    assert not User.objects.get(username="aiko").has_usable_password()


def test_passwords_follow_the_password_rules(as_manager):
    for weak, message in [
        ("12345678", "This password is too common."),
        ("aiko-tanaka", "The password is too similar to the last name."),
        ("x1", "This password is too short. It must contain at least 8 characters."),
    ]:
        response = as_manager.post(ENGINEERS, {**NEW_ENGINEER, "password": weak})
        assert response.status_code == 400
        assert message in response.json()["password"]
    assert not User.objects.filter(username="aiko").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "0301234567", "Enter a valid phone number."),
        ("workdays", [0, 0, 1], "Each workday may appear once."),
        ("workdays", [7], "Ensure this value is less than or equal to 6."),
        ("shift_start", "9am", "Write a time of day as HH:MM, e.g. 09:00 or 22:30."),
        ("shift_end", "24:00", "Write a time of day as HH:MM, e.g. 09:00 or 22:30."),
        ("timezone", "Tokyo", "Unknown timezone 'Tokyo'; use an IANA name such as Europe/Berlin."),
        ("region", "mars", '"mars" is not a valid choice.'),
        ("capacity", 0, "Ensure this value is greater than or equal to 1."),
        ("username", "on-shift", "'on-shift' is reserved; choose another username."),
        ("username", "has space", "Enter a valid username."),
    ],
)
def test_engineer_fields_are_checked(as_manager, field, value, message):
    response = as_manager.post(ENGINEERS, {**NEW_ENGINEER, field: value})
    assert response.status_code == 400
    errors = response.json()[field]
    flattened = [m for item in (errors.values() if isinstance(errors, dict) else [errors]) for m in item]
    assert any(message in m for m in flattened), errors


def test_a_taken_username_is_refused_in_any_letter_case(as_manager, engineer):
    response = as_manager.post(ENGINEERS, {**NEW_ENGINEER, "username": "LENA"})
    assert response.status_code == 400
    assert response.json() == {"username": ["A login called 'LENA' already exists."]}


def test_a_patch_changes_only_what_it_gives(as_manager, engineer, anon):
    engineer.user.email = "lena@support.example"
    engineer.user.save()
    url = f"{ENGINEERS}lena/"

    response = as_manager.patch(url, {"shift_start": "22:00", "shift_end": "06:00", "on_call": True})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["shift_start"], body["shift_end"], body["on_call"]) == ("22:00", "06:00", True)
    assert (body["name"], body["email"], body["timezone"]) == (
        "Lena Fischer",
        "lena@support.example",
        "Europe/Berlin",
    )
    engineer.refresh_from_db()
    assert (engineer.shift_start, engineer.shift_end) == (time(22), time(6))

    assert as_manager.patch(url, {"password": "night-owl-rota-2026"}).status_code == 200
    token = anon.post("/api/v1/auth/token/", {"username": "lena", "password": "night-owl-rota-2026"})
    assert token.status_code == 200
    assert as_manager.patch(url, {"username": "lena2"}).json()["username"] == "lena"  # stays
    assert as_manager.patch(f"{ENGINEERS}nobody/", {"lead": True}).status_code == 404


def test_engineers_read_the_team_and_only_managers_change_it(as_engineer):
    make_engineer("wei", zone="Asia/Singapore", region=Region.APAC, phone="+6561234567")
    listed = as_engineer.get(ENGINEERS, {"region": "apac"})
    assert [e["username"] for e in listed.json()["results"]] == ["wei"]
    assert listed.json()["results"][0]["phone"] == "+6561234567"
    assert "password" not in listed.json()["results"][0]
    assert as_engineer.get(f"{ENGINEERS}wei/").json()["timezone"] == "Asia/Singapore"
    assert as_engineer.patch(f"{ENGINEERS}wei/", {"lead": True}).status_code == 403
    assert as_engineer.post(ENGINEERS, NEW_ENGINEER).status_code == 403


def test_the_engineer_list_runs_the_same_queries_for_one_or_twenty(
    as_manager, engineer, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as one:
        assert as_manager.get(ENGINEERS).json()["count"] == 1
    for i in range(19):
        make_engineer(f"eng{i:02}", region=Region.AMERICAS, active=i % 2 == 0)
    with django_assert_max_num_queries(len(one)):
        assert as_manager.get(ENGINEERS).json()["count"] == 20
    assert as_manager.get(ENGINEERS, {"active": "false"}).json()["count"] == 9


def test_each_engineer_says_whether_they_are_on_shift_now_and_when_the_next_shift_starts(
    as_engineer, engineer, time_machine
):
    """What an integration reads before assigning: on shift now (until when), or the next start, in the
    engineer's own zone."""
    make_engineer("aiko", zone="Asia/Tokyo", region=Region.APAC)
    time_machine.move_to(NOW, tick=False)  # Wednesday 10:00 UTC: 12:00 in Berlin, 19:00 in Tokyo
    listed = {e["username"]: e for e in as_engineer.get(ENGINEERS).json()["results"]}
    lena = listed["lena"]
    assert (lena["on_shift"], lena["shift_ends_at"]) == (True, "2025-06-11T18:00:00+02:00")
    assert listed["lena"]["next_shift_starts_at"] == "2025-06-12T09:00:00+02:00"
    assert (listed["aiko"]["on_shift"], listed["aiko"]["shift_ends_at"]) == (False, None)
    assert listed["aiko"]["next_shift_starts_at"] == "2025-06-12T09:00:00+09:00"
    assert as_engineer.get(f"{ENGINEERS}aiko/").json()["on_shift"] is False


# --- On shift -------------------------------------------------------------------------------------


@pytest.fixture
def follow_the_sun(engineer):
    """Tokyo and Berlin (lena) 09:00-18:00 on weekdays, a New York night shift, a Tokyo engineer out."""
    make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo", region=Region.APAC, lead=True)
    make_engineer(
        "nate", zone="America/New_York", region=Region.AMERICAS, shift_start=time(22), shift_end=time(6)
    )
    make_engineer("gone", zone="Asia/Tokyo", region=Region.APAC, active=False)


def on_shift(client, at: str | None = None) -> dict:
    response = client.get(ON_SHIFT, {"at": at} if at else {})
    assert response.status_code == 200, response.content
    return response.json()


def test_who_is_on_shift_is_read_in_each_engineers_own_timezone(as_engineer, follow_the_sun):
    # Wednesday 02:30 UTC: 11:30 in Tokyo, 04:30 in Berlin, Tuesday 22:30 in New York (night shift).
    body = on_shift(as_engineer, "2025-06-11T02:30:00Z")
    assert body["at"] == "2025-06-11T02:30:00Z"
    assert body["count"] == 2
    assert [
        (e["username"], e["local_time"], e["shift_started_at"], e["shift_ends_at"]) for e in body["results"]
    ] == [  # the soonest end first: Tokyo's 18:00 is 09:00 UTC, New York's 06:00 is 10:00 UTC
        ("aiko", "2025-06-11T11:30:00+09:00", "2025-06-11T09:00:00+09:00", "2025-06-11T18:00:00+09:00"),
        ("nate", "2025-06-10T22:30:00-04:00", "2025-06-10T22:00:00-04:00", "2025-06-11T06:00:00-04:00"),
    ]
    assert (body["results"][0]["lead"], body["results"][0]["region"]) == (True, "apac")


def test_on_shift_follows_daylight_saving_time(as_engineer, follow_the_sun):
    # 07:30 UTC is 08:30 in Berlin before the clocks go forward on 2025-03-30, 09:30 after.
    assert "lena" not in [e["username"] for e in on_shift(as_engineer, "2025-03-24T07:30:00Z")["results"]]
    after = on_shift(as_engineer, "2025-03-31T07:30:00+00:00")["results"]
    lena = next(e for e in after if e["username"] == "lena")
    assert lena["local_time"] == "2025-03-31T09:30:00+02:00"
    # An instant given with an offset means that instant: 09:30 CEST is 07:30 UTC.
    assert "lena" in [e["username"] for e in on_shift(as_engineer, "2025-03-31T09:30:00+02:00")["results"]]


def test_on_shift_defaults_to_now_and_refuses_what_is_not_an_instant(
    as_engineer, follow_the_sun, time_machine
):
    time_machine.move_to(NOW, tick=False)  # Wednesday 10:00 UTC: Berlin 12:00, Tokyo 19:00, New York 06:00
    body = on_shift(as_engineer)
    assert body["at"] == "2025-06-11T10:00:00Z"
    assert [e["username"] for e in body["results"]] == ["lena"]
    for bad in ("tomorrow", "2025-13-01T00:00:00Z", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"):
        response = as_engineer.get(ON_SHIFT, {"at": bad})
        assert response.status_code == 400, bad
        assert set(response.json()) == {"at"}


def test_on_shift_runs_one_query_for_the_whole_team(
    as_engineer, follow_the_sun, django_assert_max_num_queries
):
    for i in range(20):
        make_engineer(f"extra{i}", zone="Europe/London", region=Region.EMEA)
    with django_assert_max_num_queries(2):  # the token, the engineers
        assert on_shift(as_engineer, "2025-06-11T10:00:00Z")["count"] == 21
    assert Engineer.objects.count() == 24
