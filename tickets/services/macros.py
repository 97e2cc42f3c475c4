"""Canned replies: creating, changing and deleting them (reading and filling in: `tickets.selectors`).

Who may edit which: a shared macro (no owner) by managers only; a personal one by its owner only (nobody
else even sees it). Whether the actor is a manager is decided by the caller (the roster knows managers;
`tickets` does not import it) and passed as `manager`.
"""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ..macros import PLACEHOLDERS, unknown_placeholders
from ..models import Macro, Status

UNSET = object()
# What a macro may set: any status a person asks for (`new` is what unassigning makes, never asked for).
MACRO_STATUSES = [value for value in Status.values if value != Status.NEW]
MACRO_STATUS_CHOICES = [(value, label) for value, label in Status.choices if value != Status.NEW]


def macro_may_edit(*, macro_owner_id: int | None, actor: AbstractBaseUser, manager: bool) -> bool:
    """Shared ones by managers, personal ones by their owner."""
    return manager if macro_owner_id is None else macro_owner_id == actor.pk


def _check(*, name: str, body: str, status: str, owner_id: int | None, exclude_pk: int | None) -> None:
    errors: dict[str, list[str]] = {}
    unknown = unknown_placeholders(body)
    if unknown:
        known = ", ".join(f"{{{{{key}}}}}" for key in PLACEHOLDERS)
        errors["body"] = [
            f"Unknown placeholder{'s' if len(unknown) > 1 else ''}: "
            + ", ".join(f"{{{{{name}}}}}" for name in unknown)
            + f". Known: {known}."
        ]
    if status and status not in MACRO_STATUSES:
        errors["status"] = [f"{status!r} is not a status a reply can set."]
    clash = Macro.objects.filter(name=name, owner_id=owner_id)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        errors["name"] = [
            f"A {'shared' if owner_id is None else 'personal'} canned reply is already called {name!r}."
        ]
    if errors:
        raise ValidationError(errors)


def _refuse(shared: bool) -> PermissionDenied:
    return PermissionDenied(
        "Only managers may change shared canned replies."
        if shared
        else "Only its owner may change a personal canned reply."
    )


@transaction.atomic
def macro_create(
    *,
    actor: AbstractBaseUser,
    manager: bool,
    name: str,
    body: str,
    status: str = "",
    shared: bool,
    now: datetime,
) -> Macro:
    """Raises PermissionDenied for an engineer creating a shared one, ValidationError naming the field."""
    owner_id = None if shared else actor.pk
    if not macro_may_edit(macro_owner_id=owner_id, actor=actor, manager=manager):
        raise _refuse(shared)
    _check(name=name, body=body, status=status, owner_id=owner_id, exclude_pk=None)
    return Macro.objects.create(
        name=name, body=body, status=status, owner_id=owner_id, created_at=now, updated_at=now
    )


@transaction.atomic
def macro_update(
    *,
    macro: Macro,
    actor: AbstractBaseUser,
    manager: bool,
    now: datetime,
    name: str | object = UNSET,
    body: str | object = UNSET,
    status: str | object = UNSET,
    shared: bool | object = UNSET,
) -> Macro:
    """Change what is given. The actor must be able to edit the macro as it is and as it becomes (an
    engineer cannot share a personal one; a manager who unshares one makes it their own)."""
    macro = Macro.objects.select_for_update().get(pk=macro.pk)
    if not macro_may_edit(macro_owner_id=macro.owner_id, actor=actor, manager=manager):
        raise _refuse(macro.shared)
    if shared is not UNSET:
        owner_id = None if shared else (macro.owner_id or actor.pk)
        if not macro_may_edit(macro_owner_id=owner_id, actor=actor, manager=manager):
            raise _refuse(bool(shared))
        macro.owner_id = owner_id
    if name is not UNSET:
        macro.name = name
    if body is not UNSET:
        macro.body = body
    if status is not UNSET:
        macro.status = status
    _check(
        name=macro.name, body=macro.body, status=macro.status, owner_id=macro.owner_id, exclude_pk=macro.pk
    )
    macro.updated_at = now
    macro.save()
    return macro


@transaction.atomic
def macro_delete(*, macro: Macro, actor: AbstractBaseUser, manager: bool) -> None:
    if not macro_may_edit(macro_owner_id=macro.owner_id, actor=actor, manager=manager):
        raise _refuse(macro.shared)
    Macro.objects.filter(pk=macro.pk).delete()
