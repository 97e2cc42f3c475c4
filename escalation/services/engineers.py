"""Engineers: staff users with a shift in their own timezone; managers are in the `managers` group."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
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
