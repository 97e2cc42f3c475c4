"""The two alert formats read into one shape (pure: no ORM, no clock).

- Prometheus Alertmanager's webhook body (version 4): each alert in `alerts` is one `AlertIn`, its
  `fingerprint` the dedup key (a hash of its labels when missing), `firing` a trigger and `resolved` a
  resolve; the title is `annotations.summary` (else `description`, else `labels.alertname`); the
  severity the `severity` label; the customer the label the integration names (`customer`).
- Events API v2 (PagerDuty's format): `event_action`, `dedup_key`, `payload` {summary, source,
  severity, timestamp, custom_details}; the customer is `payload.custom_details[<label>]` (a string
  or a list of strings). Refusals are listed the way PagerDuty lists them (`errors`).

A customer value is one customer: its name exactly as the desk has it, or its numeric id.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .severity import SOURCE_SEVERITIES, source_severity

TITLE_MAX = 255
SUMMARY_MAX = 1024
DEDUP_KEY_MAX = 255
CUSTOMER_VALUE_MAX = 200
CUSTOMERS_PER_ALERT_MAX = 20
PAYLOAD_MAX_BYTES = 8192  # what is kept of each alert's own JSON
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")


@dataclass(frozen=True)
class AlertIn:
    action: str  # trigger | acknowledge | resolve
    dedup_key: str
    title: str = ""
    source_severity: str = "error"
    customers: tuple[str, ...] = ()
    occurred_at: datetime | None = None  # when it started (trigger) or ended (resolve), if said
    payload: dict = field(default_factory=dict)


def bounded(value) -> dict:
    """`value` as kept on the alert row: itself when its JSON is at most PAYLOAD_MAX_BYTES, else an
    excerpt of that JSON with the full size."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    size = len(text.encode())
    if size <= PAYLOAD_MAX_BYTES:
        return value if isinstance(value, dict) else {"value": value}
    excerpt = text.encode()[:PAYLOAD_MAX_BYTES].decode(errors="ignore")
    return {"truncated": True, "bytes": size, "excerpt": excerpt}


def instant(value) -> datetime | None:
    """An RFC 3339 time (nanoseconds cut to microseconds), None for Go's zero time; ValueError else."""
    if not isinstance(value, str) or not value:
        raise ValueError("not a time")
    text = value.strip()
    if text.startswith("0001-01-01"):
        return None
    if "." in text:  # Go writes up to nine fractional digits; Python reads six
        head, _, rest = text.partition(".")
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{head}.{rest[: min(digits, 6)].ljust(6, '0')}{rest[digits:]}"
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no UTC offset")
    parsed = parsed.astimezone(UTC)
    if not EARLIEST <= parsed < LATEST:
        raise ValueError("out of range")
    return parsed


def _customer_values(value) -> tuple[str, ...] | None:
    """A customer label's value(s), or None when it is not a string or a list of strings."""
    values = [value] if isinstance(value, str | int) and not isinstance(value, bool) else value
    if not isinstance(values, list) or len(values) > CUSTOMERS_PER_ALERT_MAX:
        return None
    cleaned = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, str | int):
            return None
        text = str(item).strip()
        if len(text) > CUSTOMER_VALUE_MAX:
            return None
        if text:
            cleaned.append(text)
    return tuple(dict.fromkeys(cleaned))


def _labels_fingerprint(labels: dict) -> str:
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _string_map(value) -> bool:
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def alertmanager_read(body, *, customer_label: str) -> tuple[list[AlertIn], list[str]]:
    """Alertmanager's webhook body as alerts, or the reasons it is refused (then no alerts)."""
    if not isinstance(body, dict):
        return [], ["The body is not a JSON object."]
    errors = []
    version = body.get("version")
    if version is not None and str(version) != "4":
        errors.append(f"version {version!r} is not supported; Alertmanager sends version 4.")
    raw_alerts = body.get("alerts")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        return [], [*errors, "alerts: a non-empty list of alerts is required."]
    alerts = []
    for position, raw in enumerate(raw_alerts):
        alert, problem = _alertmanager_alert(raw, customer_label=customer_label)
        if problem:
            errors.append(f"alerts[{position}]: {problem}")
        else:
            alerts.append(alert)
        if len(errors) >= 20:
            errors.append("(more errors not listed)")
            break
    return ([], errors) if errors else (alerts, [])


def _alertmanager_alert(raw, *, customer_label: str) -> tuple[AlertIn | None, str]:
    if not isinstance(raw, dict):
        return None, "not an object."
    status = raw.get("status")
    if status not in ("firing", "resolved"):
        return None, "status must be firing or resolved."
    labels = raw.get("labels", {})
    annotations = raw.get("annotations") or {}
    if not _string_map(labels):
        return None, "labels must be an object of strings."
    if not _string_map(annotations):
        return None, "annotations must be an object of strings."
    fingerprint = raw.get("fingerprint")
    if fingerprint is None or fingerprint == "":
        fingerprint = _labels_fingerprint(labels)
    if not isinstance(fingerprint, str) or len(fingerprint) > DEDUP_KEY_MAX:
        return None, f"fingerprint must be a string of at most {DEDUP_KEY_MAX} characters."
    try:
        starts = instant(raw["startsAt"]) if raw.get("startsAt") else None
        ends = instant(raw["endsAt"]) if raw.get("endsAt") else None
    except ValueError:
        return None, "startsAt and endsAt must be RFC 3339 times between 1970 and 2200."
    customers = _customer_values(labels[customer_label]) if customer_label in labels else ()
    if customers is None:
        return None, f"the {customer_label} label is too long."
    title = (
        annotations.get("summary") or annotations.get("description") or labels.get("alertname") or fingerprint
    )
    return (
        AlertIn(
            action="trigger" if status == "firing" else "resolve",
            dedup_key=fingerprint,
            title=title.strip()[:TITLE_MAX] or fingerprint,
            source_severity=source_severity(labels.get("severity")),
            customers=customers,
            occurred_at=starts if status == "firing" else ends,
            payload=bounded(raw),
        ),
        "",
    )


def event_read(body, *, customer_label: str, new_dedup_key) -> tuple[AlertIn | None, list[str]]:
    """One Events API v2 event, or PagerDuty-style reasons it is refused. `new_dedup_key()` names a
    trigger sent without one (as PagerDuty does)."""
    if not isinstance(body, dict):
        return None, ["Event object must be a JSON object."]
    errors = []
    action = body.get("event_action")
    if action in (None, ""):
        errors.append("'event_action' is missing or blank")
    elif action not in EVENT_ACTIONS:
        errors.append("'event_action' must be one of: trigger, acknowledge, resolve")
    dedup_key = body.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > DEDUP_KEY_MAX):
        errors.append(f"'dedup_key' must be a string of at most {DEDUP_KEY_MAX} characters")
    elif action in ("acknowledge", "resolve") and not dedup_key:
        errors.append("'dedup_key' is missing or blank")
    payload = body.get("payload")
    title, severity, customers, occurred_at = "", "error", (), None
    if action == "trigger":
        if not isinstance(payload, dict):
            errors.append("'payload' is missing or not an object")
        else:
            summary = payload.get("summary")
            if not isinstance(summary, str) or not summary.strip():
                errors.append("'payload.summary' is missing or blank")
            elif len(summary) > SUMMARY_MAX:
                errors.append(f"'payload.summary' is longer than {SUMMARY_MAX} characters")
            else:
                title = summary.strip()[:TITLE_MAX]
            source = payload.get("source")
            if not isinstance(source, str) or not source.strip():
                errors.append("'payload.source' is missing or blank")
            if payload.get("severity") not in SOURCE_SEVERITIES:
                errors.append("'payload.severity' must be one of: critical, error, warning, info")
            else:
                severity = payload["severity"]
            if payload.get("timestamp") is not None:
                try:
                    occurred_at = instant(payload["timestamp"])
                except ValueError:
                    errors.append("'payload.timestamp' must be an ISO 8601 time between 1970 and 2200")
            details = payload.get("custom_details")
            if isinstance(details, dict) and customer_label in details:
                customers = _customer_values(details[customer_label])
                if customers is None:
                    errors.append(f"'payload.custom_details.{customer_label}' must name customers")
    if errors:
        return None, errors
    if not dedup_key:
        dedup_key = new_dedup_key()
    kept = {key: value for key, value in body.items() if key != "routing_key"}
    return (
        AlertIn(
            action=action,
            dedup_key=dedup_key,
            title=title,
            source_severity=severity,
            customers=customers or (),
            occurred_at=occurred_at,
            payload=bounded(kept),
        ),
        [],
    )
