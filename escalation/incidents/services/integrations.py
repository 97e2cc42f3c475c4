"""Integrations: created with a key shown once, and given a new key (the old one stops at once)."""

from django.db import transaction

from tickets.models import Customer

from ..keys import key_hash, key_prefix, new_key
from ..models import Integration
from ..severity import DEFAULT_SEVERITY_MAP


def integration_create(
    *,
    name: str,
    kind: str,
    customer_label: str = "customer",
    default_customer: Customer | None = None,
    severity_map: dict | None = None,
    auto_resolve: bool = False,
    enabled: bool = True,
) -> tuple[Integration, str]:
    """The new integration and its key (the only time the key exists outside the sender)."""
    key = new_key()
    integration = Integration(
        name=name,
        kind=kind,
        key_hash=key_hash(key),
        key_prefix=key_prefix(key),
        customer_label=customer_label,
        default_customer=default_customer,
        severity_map={**DEFAULT_SEVERITY_MAP, **(severity_map or {})},
        auto_resolve=auto_resolve,
        enabled=enabled,
    )
    integration.full_clean()
    integration.save()
    return integration, key


def integration_rotate_key(*, integration_id: int) -> tuple[Integration, str]:
    key = new_key()
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(pk=integration_id)
        integration.key_hash = key_hash(key)
        integration.key_prefix = key_prefix(key)
        integration.save(update_fields=["key_hash", "key_prefix"])
    return integration, key


def integration_update(*, integration_id: int, **changes) -> Integration:
    """Changes name, enabled, customer_label, default_customer, severity_map or auto_resolve."""
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(pk=integration_id)
        if "severity_map" in changes:
            changes["severity_map"] = {**DEFAULT_SEVERITY_MAP, **changes["severity_map"]}
        for name, value in changes.items():
            setattr(integration, name, value)
        integration.full_clean()
        integration.save()
    return integration
