"""Engineers: staff users with a shift in their own timezone; managers are in the `managers` group."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from knox.models import AuthToken

from escalation.roster.models import Engineer

MANAGERS_GROUP = "managers"

User = get_user_model()


def is_manager(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=MANAGERS_GROUP).exists()


def is_engineer(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def login_is_privileged(user) -> bool:
    """A superuser's or a manager's login: only superusers set its password or turn it off."""
    return user.is_superuser or user.groups.filter(name=MANAGERS_GROUP).exists()


# What changes a login's access; the rest of an engineer (shift, zone, capacity...) is the roster's.
LOGIN_FIELDS = frozenset({"password", "active"})


def engineer_change_check(*, engineer: Engineer, by, changes) -> None:
    """Refuse (PermissionDenied) a change to the password or access of a manager's or superuser's login
    by anyone but a superuser (or that person, for their own password): the engineer screens are no
    back door to the user admin, which is for superusers only."""
    touched = LOGIN_FIELDS & set(changes)
    if not touched or by.is_superuser:
        return
    if touched == {"password"} and by.pk == engineer.user_id:
        return
    if login_is_privileged(engineer.user):
        raise PermissionDenied(
            "Only a superuser changes the password or access of a manager's or a superuser's login."
        )


def privileged_logins():
    """Superusers' and managers' logins (a manager may not attach an engineer to one)."""
    return User.objects.filter(models.Q(is_superuser=True) | models.Q(groups__name=MANAGERS_GROUP))


@transaction.atomic
def manager_ensure(*, username: str, name: str = "", email: str = "", password: str | None = None):
    """A staff user in the managers group (created or updated), returned."""
    user, _ = User.objects.get_or_create(username=username)
    first, _, last = name.partition(" ")
    user.first_name, user.last_name, user.email, user.is_staff = first, last, email, True
    if password:
        user.set_password(password)
    user.save()
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    user.groups.add(group)
    return user


@transaction.atomic
def engineer_upsert(
    *, username: str, name: str = "", email: str = "", password: str | None = None, **fields
) -> Engineer:
    """Create or update an engineer and its staff login; `fields` are Engineer model fields."""
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    first, _, last = name.partition(" ")
    user.first_name, user.last_name, user.email, user.is_staff = first, last, email, True
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    engineer = Engineer.objects.filter(user=user).first() or Engineer(user=user)
    was_active = engineer.active if engineer.pk else True
    for field, value in fields.items():
        setattr(engineer, field, value)
    engineer.full_clean()
    engineer.save()
    if engineer.active != was_active:
        engineer_access_set(engineer=engineer, active=engineer.active)
    return engineer


# --- Deactivation: out of the rotation and out of the desk ----------------------------------------

DEACTIVATED_MESSAGE = "This account has been deactivated. Ask a manager to reactivate it."


def engineer_access_set(*, engineer: Engineer, active: bool) -> None:
    """Follow the engineer's `active` flag with their login, whichever screen changed it.

    Deactivating turns the login off, revokes every API token and ends every session at once;
    reactivating turns the login back on (old tokens and sessions stay gone: they sign in afresh).
    """
    user = engineer.user
    if active:
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        return
    login_revoke(user=user)


@transaction.atomic
def login_revoke(*, user) -> None:
    """Turn `user`'s login off: no sign-in, no API token, no session (web or admin)."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    AuthToken.objects.filter(user=user).delete()
    _sessions_end(user)


def _sessions_end(user) -> None:
    """Delete the user's sessions. Django keeps no index from a user to their sessions, so each stored
    session is decoded; deactivation is rare. (With a cache-only session engine nothing is stored in the
    table: the inactive login alone refuses those sessions, as it refuses every session.)"""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    wanted = str(user.pk)
    for session in Session.objects.only("session_key", "session_data").iterator():
        if session.get_decoded().get(SESSION_KEY) == wanted:
            store(session_key=session.session_key).delete()


def login_deactivated(*, username: str, password: str) -> bool:
    """Whether these are the right credentials of a login that has been turned off (to say so, instead of
    "wrong username or password"; a wrong password learns nothing)."""
    user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
    return bool(user is not None and not user.is_active and password and user.check_password(password))


# --- Accounts managed through the API -------------------------------------------------------------


def _check_password(password: str, user) -> None:
    try:
        validate_password(password, user)
    except ValidationError as refusal:
        raise ValidationError({"password": refusal.messages}) from refusal


@transaction.atomic
def engineer_create(
    *, username: str, name: str = "", email: str = "", password: str | None = None, **fields
) -> Engineer:
    """A new engineer and staff login; without a password the login cannot sign in until one is set.

    Raises ValidationError naming the field: a username already taken (in any letter case), a password
    the password rules refuse, or an Engineer field its validators refuse.
    """
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [f"A login called {username!r} already exists."]})
    if password:
        first, _, last = name.partition(" ")
        _check_password(password, User(username=username, email=email, first_name=first, last_name=last))
    return engineer_upsert(username=username, name=name, email=email, password=password, **fields)


@transaction.atomic
def engineer_update(*, engineer: Engineer, password: str | None = None, **changes) -> Engineer:
    """Change what is given (`name`, `email`, `password`, Engineer fields); the username stays."""
    user = User.objects.select_for_update().get(pk=engineer.user_id)
    name = changes.pop("name", user.get_full_name())
    email = changes.pop("email", user.email)
    if password:
        first, _, last = name.partition(" ")
        user.first_name, user.last_name, user.email = first, last, email
        _check_password(password, user)
    return engineer_upsert(username=user.get_username(), name=name, email=email, password=password, **changes)


# What managers may do in the admin: everything on tickets and escalation data; the ledger is read-only
# evidence (the admin refuses changes to it whatever the permissions say). Nothing in `auth`: only
# superusers manage users, groups and permissions (the user and group admins answer nobody else), and
# managers manage engineers' logins through the engineer screens and the API.
MANAGER_APPS = ("tickets", "escalation")
# The login lockout's records (django-axes): managers see them and lift a lockout by deleting its attempts.
MANAGER_LOCKOUT_PERMISSIONS = (
    "view_accessattempt",
    "delete_accessattempt",
    "view_accesslog",
    "view_accessfailurelog",
)


def managers_group_grant_permissions(**kwargs) -> None:
    """Give the `managers` group its admin permissions; run after every migrate (post_migrate)."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    wanted = Q(content_type__app_label__in=MANAGER_APPS) & ~Q(
        content_type__model="ledgerentry", codename__regex=r"^(add|change|delete)_"
    ) | Q(content_type__app_label="axes", codename__in=MANAGER_LOCKOUT_PERMISSIONS)
    # API tokens: managers see and revoke them in the admin (never add or change one: tokens come from a
    # login); whose tokens a manager reaches is narrowed by the admin (api_tokens_visible_to).
    wanted |= Q(content_type__app_label="knox", codename__in=["view_authtoken", "delete_authtoken"])
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    group.permissions.add(*Permission.objects.filter(wanted))
