"""Alerts and integrations for the incident tests."""

from escalation.incidents.formats import AlertIn, bounded
from escalation.incidents.services.integrations import integration_create


def integration(kind: str = "events_v2", **options):
    created, _key = integration_create(name=f"{kind} source", kind=kind, **options)
    return created


def alert(action: str = "trigger", key: str = "disk-full", **fields) -> AlertIn:
    fields.setdefault("title", f"{key} on edge-1")
    fields.setdefault("source_severity", "critical")
    return AlertIn(action=action, dedup_key=key, payload=bounded({"key": key}), **fields)
