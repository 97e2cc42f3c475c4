"""Only superusers manage users, groups and permissions (issue 11, item 8).

A manager (staff in the `managers` group, not a superuser) once made themselves superuser through the
stock user admin and changed a superuser's password there. The user and group admins now answer only
superusers, and the `managers` group holds no `auth` permission at all; managers keep managing
engineers through the engineer screens and the API, which never show superuser status, groups or
permissions.
"""

import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from escalation.roster.services.engineers import MANAGERS_GROUP, manager_ensure
from tests.api.conftest import client_for
from tests.factories import make_engineer

pytestmark = pytest.mark.django_db

User = get_user_model()
ROLES = ("anonymous", "engineer", "manager", "superuser")
ADMIN_LOGIN = "admin-login"

# (method, path, expected for each of ROLES); {target} is the superuser's id, {own} the caller's.
MATRIX = [
    ("get", "/admin/auth/user/", (ADMIN_LOGIN, 403, 403, 200)),
    ("get", "/admin/auth/user/add/", (ADMIN_LOGIN, 403, 403, 200)),
    ("get", "/admin/auth/user/{target}/change/", (ADMIN_LOGIN, 403, 403, 200)),
    ("get", "/admin/auth/user/{own}/change/", (ADMIN_LOGIN, 403, 403, 200)),
    ("get", "/admin/auth/user/{target}/password/", (ADMIN_LOGIN, 403, 403, 200)),
    ("get", "/admin/auth/group/", (ADMIN_LOGIN, 403, 403, 200)),
    ("get", "/admin/auth/group/add/", (ADMIN_LOGIN, 403, 403, 200)),
    ("get", "/admin/auth/group/{group}/change/", (ADMIN_LOGIN, 403, 403, 200)),
]


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    root = User.objects.create_superuser("root", "root@support.example", "root-Very-long-9")
    return {
        "root": root,
        "engineer": make_engineer("lena", name="Lena Fischer").user,
        "manager": manager_ensure(username="maria", name="Maria Santos", password="maria-Very-long-9"),
        "superuser": User.objects.create_superuser("admin2", "admin2@support.example", "adm-Very-long-9"),
        "group": Group.objects.get(name=MANAGERS_GROUP),
    }


def _login(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
        return world[role]
    return None


@pytest.mark.parametrize(("method", "path", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_only_superusers_reach_the_user_and_group_admin(client, world, method, path, expected, role):
    caller = _login(client, world, role)
    url = path.format(target=world["root"].pk, own=(caller or world["root"]).pk, group=world["group"].pk)
    response = getattr(client, method)(url)
    want = expected[ROLES.index(role)]
    if want == ADMIN_LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == want, f"{role} {method} {url}"


@pytest.mark.parametrize("role", ["anonymous", "engineer", "manager"])
def test_nobody_but_a_superuser_can_grant_superuser_status(client, world, role):
    caller = _login(client, world, role)
    target = caller or world["engineer"]
    response = client.post(
        f"/admin/auth/user/{target.pk}/change/",
        {
            "username": target.username,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "groups": [world["group"].pk],
            "user_permissions": list(Permission.objects.values_list("pk", flat=True)[:5]),
        },
    )
    assert response.status_code in (302, 403)
    target.refresh_from_db()
    assert not target.is_superuser
    assert not target.user_permissions.exists()


@pytest.mark.parametrize("role", ["anonymous", "engineer", "manager"])
def test_nobody_but_a_superuser_can_set_another_users_password(client, world, role):
    _login(client, world, role)
    root = world["root"]
    response = client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "taken-Over-2026!", "password2": "taken-Over-2026!", "usable_password": "true"},
    )
    assert response.status_code in (302, 403)
    root.refresh_from_db()
    assert not root.check_password("taken-Over-2026!")
    assert root.check_password("root-Very-long-9")


def test_a_superuser_still_manages_users(client, world):
    client.force_login(world["superuser"])
    root = world["root"]
    response = client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "a-New-pass-2026", "password2": "a-New-pass-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    root.refresh_from_db()
    assert root.check_password("a-New-pass-2026")


def test_the_managers_group_holds_no_auth_permission(world):
    granted = world["group"].permissions.filter(content_type__app_label="auth")
    assert list(granted.values_list("codename", flat=True)) == []
    # ...and still everything it needs for the desk's own data.
    assert world["group"].permissions.filter(codename="change_engineer").exists()


def test_the_migration_takes_auth_permissions_away_from_an_existing_managers_group(world):
    group = world["group"]
    group.permissions.add(*Permission.objects.filter(content_type__app_label="auth"))
    migration = importlib.import_module("escalation.migrations.0005_managers_lose_auth_permissions")
    migration.managers_lose_auth_permissions(global_apps, schema_editor=None)
    assert not group.permissions.filter(content_type__app_label="auth").exists()
    assert group.permissions.filter(codename="change_engineer").exists()


def test_a_manager_still_manages_engineers_in_the_admin_and_the_api(client, world):
    client.force_login(world["manager"])
    engineer = world["engineer"].engineer
    assert client.get(f"/admin/escalation/engineer/{engineer.pk}/change/").status_code == 200
    index = client.get("/admin/").content.decode()
    assert "/admin/escalation/engineer/" in index
    assert "/admin/auth/" not in index

    api = client_for(world["manager"])
    response = api.patch("/api/v1/engineers/lena/", {"capacity": 7, "is_superuser": True, "groups": [1]})
    assert response.status_code == 200
    exposed = {"is_superuser", "is_staff", "groups", "user_permissions", "permissions"}
    assert not exposed & set(response.json())
    world["engineer"].refresh_from_db()
    assert not world["engineer"].is_superuser
    assert not world["engineer"].groups.exists()


# --- The engineer screens are no back door to a privileged login ------------------------------------


def _engineer_row_for(user):
    from escalation.models import Engineer, Region

    return Engineer.objects.create(user=user, region=Region.EMEA)


@pytest.mark.parametrize("target", ["root", "other manager"])
@pytest.mark.parametrize("change", [{"password": "taken-Over-2026!"}, {"active": False}])
def test_a_manager_cannot_set_a_privileged_logins_password_or_access_through_the_api(world, target, change):
    if target == "root":
        user = world["root"]
    else:
        user = manager_ensure(username="mo", password="mo-Very-long-pass-9")
    _engineer_row_for(user)
    response = client_for(world["manager"]).patch(
        f"/api/v1/engineers/{user.username}/", {**change, "confirm_coverage_gap": True}
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.is_active
    assert not user.check_password("taken-Over-2026!")
    # A superuser may; a manager may still change their own password and anyone's shift.
    as_root = client_for(world["superuser"])
    assert as_root.patch(f"/api/v1/engineers/{user.username}/", {"capacity": 4}).status_code == 200
    assert (
        client_for(world["manager"]).patch(f"/api/v1/engineers/{user.username}/", {"capacity": 5}).status_code
        == 200
    )


def test_a_manager_changes_their_own_password_and_an_engineers(world):
    manager = world["manager"]
    _engineer_row_for(manager)
    api = client_for(manager)
    assert api.patch("/api/v1/engineers/maria/", {"password": "maria-New-pass-2026"}).status_code == 200
    assert api.patch("/api/v1/engineers/lena/", {"password": "lena-New-pass-2026"}).status_code == 200
    world["engineer"].refresh_from_db()
    assert world["engineer"].check_password("lena-New-pass-2026")


def test_a_manager_cannot_attach_an_engineer_row_to_a_privileged_login_in_the_admin(client, world):
    client.force_login(world["manager"])
    page = client.get("/admin/escalation/engineer/add/")
    assert page.status_code == 200
    choices = page.context["adminform"].form.fields["user"].queryset
    assert not choices.filter(pk__in=[world["root"].pk, world["superuser"].pk, world["manager"].pk]).exists()
    response = client.post(
        "/admin/escalation/engineer/add/",
        {
            "user": world["root"].pk,
            "timezone": "UTC",
            "shift_start": "09:00:00",
            "shift_end": "18:00:00",
            "workdays": "[0, 1, 2, 3, 4]",
            "region": "emea",
            "capacity": "10",
            "active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with an error
    assert not hasattr(User.objects.get(pk=world["root"].pk), "engineer")
