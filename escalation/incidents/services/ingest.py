"""Alerts in, incidents out: idempotent per dedup key, safe when senders post at once.

A batch (one Alertmanager post, or one event) takes a transaction-scoped advisory lock per
(integration, dedup key), in a fixed order, so every alert of a key is applied by one transaction at
a time; the partial unique constraint `incident_open_once` is the last word. The batch is applied in
Python and written with a fixed number of statements whatever its size (locks, incidents read,
customers read, incidents inserted, incidents updated, customers linked, alert rows).

Rules:
- a trigger for a key without an open incident opens one; within INCIDENT_REOPEN_SECONDS of the
  resolve of the key's last incident it reopens that one instead (flapping is one incident);
- a trigger on an open incident whose impact had ended resumes the impact (clears `impact_ended_at`);
- acknowledge: a triggered incident becomes acknowledged;
- resolve: the impact ends (at the alert's `endsAt`, else now); if the integration auto-resolves,
  the incident resolves;
- acknowledge or resolve for a key with no incident (never triggered, or resolved long ago) is
  ignored and not recorded, as PagerDuty does;
- the incident's severity is the highest its alerts mapped to (never lowered by an alert);
- customers: those the alert's label names (name, else numeric id); none found -> the integration's
  default customer; none -> an internal incident. Customers are only ever added.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from escalation import enqueue
from tickets.models import Customer

from .. import severity as sev
from ..formats import AlertIn
from ..models import Alert, Incident, IncidentCustomer, IncidentStatus, Integration
from .incidents import incident_pages_acknowledge

OPEN = ~Q(status=IncidentStatus.RESOLVED)
CHANGED_FIELDS = [
    "title",
    "status",
    "severity",
    "acknowledged_at",
    "resolved_at",
    "impact_ended_at",
    "alert_count",
    "last_alert_at",
    "updated_at",
]


@dataclass(frozen=True)
class Ingested:
    opened: int
    reopened: int
    updated: int
    ignored: int
    dedup_keys: tuple[str, ...]
    # Incidents whose response (commander, tickets, notices) the batch may have changed: opened,
    # reopened, severity raised or customers added. Responded to after commit (`services/response.py`).
    to_respond: tuple[int, ...] = ()


def reopen_window() -> timedelta:
    return timedelta(seconds=settings.INCIDENT_REOPEN_SECONDS)


def _lock_keys(integration_id: int, keys: list[str]) -> None:
    """One advisory lock per (integration, key), taken in hash order so that two batches sharing keys
    queue behind each other instead of deadlocking; released at commit. SQLite (`make run` without
    DATABASE_URL) has no advisory locks and lets one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(h)) FROM ("
            " SELECT DISTINCT hashtextextended(%s || ':' || k, 0) AS h FROM unnest(%s::text[]) AS k"
            " ORDER BY h) AS locks",
            [str(integration_id), keys],
        )


def _current_incidents(integration: Integration, keys: list[str], now: datetime) -> dict[str, Incident]:
    """Per key: its open incident, else its incident resolved within the reopen window, else none.

    Locked (after the key locks, in id order): an engineer's change to one of them (`incident_update`,
    which locks the row only) lands before or after this batch, never overwritten by it."""
    candidates = (
        Incident.objects.filter(integration=integration, dedup_key__in=keys)
        .filter(OPEN | Q(resolved_at__gte=now - reopen_window()))
        .order_by("id")
        .select_for_update()
    )
    current: dict[str, Incident] = {}
    for incident in candidates:
        held = current.get(incident.dedup_key)
        if held is None or _preferred(incident, held):
            current[incident.dedup_key] = incident
    return current


def _preferred(candidate: Incident, held: Incident) -> bool:
    if (candidate.status != IncidentStatus.RESOLVED) != (held.status != IncidentStatus.RESOLVED):
        return candidate.status != IncidentStatus.RESOLVED
    return (
        candidate.resolved_at is not None
        and held.resolved_at is not None
        and (candidate.resolved_at > held.resolved_at)
    )


def _as_id(value: str) -> int | None:
    """A customer value read as an id: ASCII digits only ("²" is a digit to `isdigit`, not to `int`)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _customers_named(alerts: Sequence[AlertIn]) -> dict[str, int]:
    """Each customer value the batch names -> a customer id (by exact name, else by numeric id)."""
    values = {value for alert in alerts for value in alert.customers}
    if not values:
        return {}
    ids = {_as_id(value) for value in values} - {None}
    found = Customer.objects.filter(Q(name__in=values) | Q(pk__in=ids)).values_list("pk", "name")
    by_name = {name: pk for pk, name in found}
    by_id = {pk: pk for pk, _ in found}
    named = {}
    for value in values:
        if value in by_name:
            named[value] = by_name[value]
        elif _as_id(value) in by_id:
            named[value] = _as_id(value)
    return named


def alerts_ingest(*, integration: Integration, alerts: Sequence[AlertIn], now: datetime) -> Ingested:
    if not alerts:
        return Ingested(0, 0, 0, 0, ())
    keys = sorted({alert.dedup_key for alert in alerts})
    with transaction.atomic():
        _lock_keys(integration.pk, keys)
        current = _current_incidents(integration, keys, now)
        named = _customers_named(alerts)
        opened: list[Incident] = []
        touched: dict[int, Incident] = {}
        reopened = ignored = 0
        rows: list[tuple[Incident, AlertIn]] = []
        links: list[tuple[Incident, int]] = []
        respond: list[Incident] = []  # by identity: new incidents have no pk yet
        acknowledged: list[Incident] = []
        for alert in alerts:
            incident = current.get(alert.dedup_key)
            if alert.action == "trigger":
                if incident is None:
                    incident = _new_incident(integration, alert, now)
                    opened.append(incident)
                    current[alert.dedup_key] = incident
                    respond.append(incident)
                elif incident.status == IncidentStatus.RESOLVED:
                    incident.status = IncidentStatus.TRIGGERED
                    incident.acknowledged_at = incident.resolved_at = incident.impact_ended_at = None
                    reopened += 1
                    respond.append(incident)
                else:
                    incident.impact_ended_at = None
                severity = sev.highest(
                    incident.severity, sev.mapped(integration.severity_map, alert.source_severity)
                )
                if severity != incident.severity:
                    respond.append(incident)
                incident.severity = severity
            elif incident is None:
                ignored += 1
                continue
            elif alert.action == "acknowledge":
                if incident.status == IncidentStatus.TRIGGERED:
                    incident.status = IncidentStatus.ACKNOWLEDGED
                    incident.acknowledged_at = now
                    acknowledged.append(incident)
            elif incident.status != IncidentStatus.RESOLVED:  # resolve
                if incident.impact_ended_at is None:
                    incident.impact_ended_at = min(alert.occurred_at or now, now)
                if integration.auto_resolve:
                    incident.status = IncidentStatus.RESOLVED
                    incident.resolved_at = now
            incident.alert_count += 1
            incident.last_alert_at = now
            incident.updated_at = now
            if incident.pk is not None:
                touched[incident.pk] = incident
            rows.append((incident, alert))
            customer_ids = [named[value] for value in alert.customers if value in named]
            if not customer_ids and integration.default_customer_id is not None:
                customer_ids = [integration.default_customer_id]
            links.extend((incident, customer_id) for customer_id in customer_ids)

        Incident.objects.bulk_create(opened, batch_size=1000)
        if touched:
            Incident.objects.bulk_update(list(touched.values()), CHANGED_FIELDS, batch_size=1000)
        if links:
            linked_before = set(
                IncidentCustomer.objects.filter(incident_id__in={i.pk for i, _ in links}).values_list(
                    "incident_id", "customer_id"
                )
            )
            respond += [i for i, c in links if (i.pk, c) not in linked_before]
            IncidentCustomer.objects.bulk_create(
                [
                    IncidentCustomer(incident_id=incident.pk, customer_id=customer_id)
                    for incident, customer_id in dict.fromkeys((i, c) for i, c in links)
                ],
                ignore_conflicts=True,
                batch_size=1000,
            )
        Alert.objects.bulk_create(
            [
                Alert(
                    incident_id=incident.pk,
                    action=alert.action,
                    source_severity=alert.source_severity,
                    summary=alert.title,
                    occurred_at=alert.occurred_at or now,
                    received_at=now,
                    payload=alert.payload,
                )
                for incident, alert in rows
            ],
            batch_size=1000,
        )
        for incident in dict.fromkeys(i.pk for i in acknowledged):
            incident_pages_acknowledge(incident_id=incident, user=None, via="alert", now=now)
        to_respond = tuple(
            dict.fromkeys(i.pk for i in respond if i.status != IncidentStatus.RESOLVED and i.severity)
        )
        if to_respond:
            transaction.on_commit(lambda: enqueue.respond_to_incidents(to_respond))
    return Ingested(
        opened=len(opened),
        reopened=reopened,
        updated=len(touched),
        ignored=ignored,
        dedup_keys=tuple(dict.fromkeys(alert.dedup_key for alert in alerts)),
        to_respond=to_respond,
    )


def _new_incident(integration: Integration, alert: AlertIn, now: datetime) -> Incident:
    return Incident(
        title=alert.title or alert.dedup_key[:255],
        status=IncidentStatus.TRIGGERED,
        severity=None,
        started_at=min(alert.occurred_at or now, now),
        dedup_key=alert.dedup_key,
        integration=integration,
        alert_count=0,
        created_at=now,
        updated_at=now,
    )
