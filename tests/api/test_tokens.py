"""API tokens (issue 15, item 5): hashed at rest, expiring, revocable one or all at a time.

`POST /api/v1/auth/token/` answers `{token, expires_at}`; `POST /api/v1/auth/logout/` revokes the token
that authenticates it, `.../logout-all/` every token of the caller; managers revoke engineers' tokens
in the admin. Refused tokens are 401s whose `detail` says why.
"""

import hashlib
import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from knox.models import AuthToken

from escalation.roster.services.api_tokens import api_token_issue
from escalation.roster.services.engineers import DEACTIVATED_MESSAGE, MANAGERS_GROUP, manager_ensure
from tests.factories import make_engineer, make_ticket

from .conftest import client_for

pytestmark = pytest.mark.django_db

User = get_user_model()
LOGIN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"
TICKETS = "/api/v1/tickets/"
ISSUED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PASSWORD = "lenas-Very-long-pass-9"


@pytest.fixture
def lena(db):
    return make_engineer("lena", name="Lena Fischer", password=PASSWORD).user


def login(username="lena", password=PASSWORD):
    return client_for().post(LOGIN, {"username": username, "password": password})


def test_a_login_returns_a_new_token_and_when_it_expires(lena, time_machine):
    time_machine.move_to(ISSUED, tick=False)
    first, second = login(), login()

    assert first.status_code == 200, first.content
    assert set(first.json()) == {"token", "expires_at"}
    assert first.json()["expires_at"] == "2026-04-01T09:30:00Z"  # 30 days, the default
    assert first.json()["token"] != second.json()["token"]  # each login its own token
    assert AuthToken.objects.filter(user=lena).count() == 2


def test_the_lifetime_comes_from_the_settings(lena, settings, time_machine):
    settings.API_TOKEN_LIFETIME_DAYS = 0.5
    time_machine.move_to(ISSUED, tick=False)
    assert login().json()["expires_at"] == "2026-03-02T21:30:00Z"


def test_wrong_credentials_are_a_400_and_issue_nothing(lena):
    response = login(password="not-it-at-all")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert login(username="", password="").json().keys() == {"username", "password"}
    assert not AuthToken.objects.exists()


def test_the_raw_token_is_in_no_database_column(lena):
    token = login().json()["token"]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND data_type IN ('character varying', 'text', 'character', 'json', 'jsonb')"
        )
        columns = cursor.fetchall()
        found = []
        for table, column in columns:
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"::text LIKE %s',
                [f"%{token}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    assert len(columns) > 50  # the search looked everywhere
    assert found == []
    stored = AuthToken.objects.get(user=lena)
    assert stored.digest == hashlib.sha512(token.encode()).hexdigest()
    assert token.startswith(stored.token_key) and len(stored.token_key) == 15 and len(token) == 64


def test_a_token_works_until_its_expiry_then_is_a_401_saying_so(lena, time_machine):
    time_machine.move_to(ISSUED, tick=False)
    api = client_for(token=login().json()["token"])
    assert api.get(TICKETS).status_code == 200

    time_machine.move_to(ISSUED + timedelta(days=30, seconds=-1), tick=False)
    assert api.get(TICKETS).status_code == 200

    time_machine.move_to(ISSUED + timedelta(days=30), tick=False)
    for _ in range(2):  # and stays refused as expired, not as unknown
        refused = api.get(TICKETS)
        assert refused.status_code == 401
        assert refused["Content-Type"] == "application/json"
        assert refused.json()["detail"].startswith("Token expired at 2026-04-01T09:30:00Z")
        assert refused["WWW-Authenticate"] == "Token"

    # The next login sweeps the expired token and issues a working one.
    fresh = login()
    assert AuthToken.objects.filter(user=lena).count() == 1
    assert client_for(token=fresh.json()["token"]).get(TICKETS).status_code == 200


def test_logout_revokes_this_token_only(lena):
    this, other = login().json()["token"], login().json()["token"]
    api = client_for(token=this)

    response = api.post(LOGOUT)
    assert (response.status_code, response.json()) == (200, {"revoked": 1})

    refused = api.get(TICKETS)
    assert refused.status_code == 401
    assert "revoked or never issued" in refused.json()["detail"]
    assert api.post(LOGOUT).status_code == 401
    assert client_for(token=other).get(TICKETS).status_code == 200


def test_logout_all_revokes_every_token_of_mine_and_nobody_elses(lena, manager):
    mine = [login().json()["token"] for _ in range(3)]
    theirs = client_for(manager)

    response = client_for(token=mine[0]).post(LOGOUT_ALL)
    assert (response.status_code, response.json()) == (200, {"revoked": 3})

    for token in mine:
        assert client_for(token=token).get(TICKETS).status_code == 401
    assert not AuthToken.objects.filter(user=lena).exists()
    assert theirs.get(TICKETS).status_code == 200


def test_logging_out_needs_a_token_not_a_session(lena, anon):
    anon.force_login(lena)
    assert anon.get(TICKETS).status_code == 200  # the session works for the web UI...
    for path in (LOGOUT, LOGOUT_ALL):
        refused = anon.post(path)  # ...but there is no token to revoke
        assert refused.status_code == 401
        assert refused.json()["detail"]


@pytest.mark.parametrize("role", ["non_staff", "engineer", "manager", "superuser"])
def test_every_login_can_log_out_of_its_own_tokens(role, lena, manager):
    user = {
        "non_staff": lambda: User.objects.create_user("visitor", password="x-Very-long-9"),
        "engineer": lambda: lena,
        "manager": lambda: manager,
        "superuser": lambda: User.objects.create_superuser("root", "root@support.example", "r-Very-long-9"),
    }[role]()
    api = client_for(user)
    assert api.post(LOGOUT).json() == {"revoked": 1}
    assert client_for(user).post(LOGOUT_ALL).json() == {"revoked": 1}


def test_a_requesters_access_token_is_no_api_token(anon):
    ticket = make_ticket()
    for path in (LOGOUT, LOGOUT_ALL):
        assert client_for(token=ticket.access_token).post(path).status_code == 401


def test_a_deactivated_logins_token_is_refused_saying_so(lena):
    api = client_for(token=login().json()["token"])
    User.objects.filter(pk=lena.pk).update(is_active=False)  # not through the engineer screens
    refused = api.get(TICKETS)
    assert refused.status_code == 401
    assert refused.json()["detail"] == DEACTIVATED_MESSAGE


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "no longer accepts tokens issued before"),
        ("Token " + "0" * 64, "revoked or never issued"),
        ("Token " + "G" * 64, "revoked or never issued"),
        ("Token caf\u00e9", "revoked or never issued"),
    ],
)
def test_unknown_and_old_style_tokens_are_401s_with_a_reason(anon, lena, header, reason):
    refused = anon.get(TICKETS, HTTP_AUTHORIZATION=header)
    assert refused.status_code == 401
    assert reason in refused.json()["detail"]


def test_a_logout_is_two_queries_the_token_with_its_user_and_the_revocation(lena, django_assert_num_queries):
    api = client_for(token=login().json()["token"])
    with django_assert_num_queries(2):  # the token with its user, then the revocation
        assert api.post(LOGOUT).status_code == 200


# --- The admin: managers revoke engineers' tokens ---------------------------------------------------


@pytest.fixture
def logins(lena, manager):
    root = User.objects.create_superuser("root", "root@support.example", "root-Very-long-9")
    other_manager = manager_ensure(username="omar", name="Omar Haddad")
    return {"engineer": lena, "manager": manager, "superuser": root, "other_manager": other_manager}


def _tokens(user, n=1) -> list[str]:
    return [AuthToken.objects.get(digest=hashlib.sha512(token.encode()).hexdigest()).digest for token in (
        api_token_issue(user=user, now=datetime.now(UTC))[1] for _ in range(n)
    )]  # fmt: skip


ADMIN = "/admin/knox/authtoken/"


def test_a_manager_who_is_not_a_superuser_sees_and_revokes_engineers_tokens(client, logins):
    manager = logins["manager"]
    assert not manager.is_superuser
    engineers = _tokens(logins["engineer"], 2)
    own = _tokens(manager)
    untouchable = _tokens(logins["superuser"]) + _tokens(logins["other_manager"])
    client.force_login(manager)

    listing = client.get(ADMIN)
    assert listing.status_code == 200
    shown = {token.digest for token in listing.context["cl"].result_list}
    assert shown == set(engineers + own)
    assert client.get(f"{ADMIN}{engineers[0]}/change/").status_code == 200
    assert client.get(f"{ADMIN}{untouchable[0]}/change/").status_code == 302  # "does not exist"
    assert client.get(f"{ADMIN}add/").status_code == 403

    revoke = client.post(
        ADMIN, {"action": "delete_selected", "_selected_action": [engineers[0]], "post": "yes"}
    )
    assert revoke.status_code == 302
    assert set(AuthToken.objects.values_list("digest", flat=True)) == {engineers[1], *own, *untouchable}

    # Tokens a manager does not see are not revoked, whatever the form says.
    client.post(ADMIN, {"action": "delete_selected", "_selected_action": untouchable, "post": "yes"})
    client.post(ADMIN, {"action": "revoke_all_of_their_logins", "_selected_action": untouchable})
    assert AuthToken.objects.filter(digest__in=untouchable).count() == 2

    everything = client.post(
        ADMIN, {"action": "revoke_all_of_their_logins", "_selected_action": [engineers[1]]}
    )
    assert everything.status_code == 302
    assert not AuthToken.objects.filter(user=logins["engineer"]).exists()


def test_a_superuser_revokes_anyones_tokens(client, logins):
    tokens = _tokens(logins["other_manager"], 2) + _tokens(logins["superuser"])
    client.force_login(logins["superuser"])
    assert {t.digest for t in client.get(ADMIN).context["cl"].result_list} == set(tokens)
    client.post(ADMIN, {"action": "revoke_all_of_their_logins", "_selected_action": tokens[:1]})
    assert list(AuthToken.objects.values_list("digest", flat=True)) == tokens[2:]


@pytest.mark.parametrize(("role", "status"), [("engineer", 403), ("anonymous", 302)])
def test_engineers_and_strangers_do_not_reach_the_tokens(client, logins, role, status):
    target = _tokens(logins["engineer"])
    if role != "anonymous":
        client.force_login(logins[role])
    assert client.get(ADMIN).status_code == status
    client.post(ADMIN, {"action": "delete_selected", "_selected_action": target, "post": "yes"})
    assert AuthToken.objects.filter(digest__in=target).exists()


def test_the_managers_group_may_view_and_delete_tokens_and_nothing_more(logins):
    granted = Group.objects.get(name=MANAGERS_GROUP).permissions.filter(content_type__app_label="knox")
    assert set(granted.values_list("codename", flat=True)) == {"view_authtoken", "delete_authtoken"}


# --- The migration from rest_framework.authtoken -----------------------------------------------------


def test_the_migration_drops_the_plain_text_tokens(lena):
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE "authtoken_token" (key varchar(40) PRIMARY KEY, created timestamptz, '
            'user_id integer NOT NULL REFERENCES "auth_user" (id) DEFERRABLE INITIALLY DEFERRED)'
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", ["9944b0" * 6 + "abcd", lena.pk])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as when the row was written long before
    kind = ContentType.objects.create(app_label="authtoken", model="token")
    view = Permission.objects.create(content_type=kind, codename="view_token", name="Can view token")
    Group.objects.get_or_create(name=MANAGERS_GROUP)[0].permissions.add(view)

    migration = importlib.import_module("escalation.migrations.0014_drop_plaintext_api_tokens")
    with connection.schema_editor() as editor:
        migration.drop_plaintext_tokens(global_apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not ContentType.objects.filter(app_label="authtoken").exists()
    assert not Permission.objects.filter(codename="view_token").exists()
    with connection.schema_editor() as editor:
        migration.drop_plaintext_tokens(global_apps, editor)  # a database that never had them


# --- The published contract ---------------------------------------------------------------------------


def test_the_schema_describes_the_token_scheme_and_the_logout_endpoints(anon):
    schema = anon.get("/api/schema/", {"format": "json"}).json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "expires_at" in scheme["description"] and "revoked" in scheme["description"]
    login_answer = schema["paths"][LOGIN]["post"]["responses"]["200"]["content"]["application/json"]
    assert login_answer["schema"]["$ref"] == "#/components/schemas/Token"
    assert set(schema["components"]["schemas"]["Token"]["required"]) == {"token", "expires_at"}
    for path in (LOGOUT, LOGOUT_ALL):
        operation = schema["paths"][path]["post"]
        assert operation["security"] == [{"tokenAuth": []}]
        assert "401" in operation["responses"]
