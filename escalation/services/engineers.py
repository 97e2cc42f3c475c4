"""Engineers: staff users with a shift in their own timezone; managers are in the `managers` group."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Engineer

MANAGERS_GROUP = "managers"

User = get_user_model()


def is_manager(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=MANAGERS_GROUP).exists()


def is_engineer(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


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
    for field, value in fields.items():
        setattr(engineer, field, value)
    engineer.full_clean()
    engineer.save()
    return engineer


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


def managers_group_grant_permissions(**kwargs) -> None:
    """Give the `managers` group its admin permissions; run after every migrate (post_migrate)."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    wanted = Q(content_type__app_label__in=MANAGER_APPS) & ~Q(
        content_type__model="ledgerentry", codename__regex=r"^(add|change|delete)_"
    )
    group, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    group.permissions.add(*Permission.objects.filter(wanted))
