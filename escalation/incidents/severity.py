"""From a monitoring tool's severity to a ticket severity (pure).

Senders speak the Events API v2 scale (critical, error, warning, info); each integration maps it to the
desk's severities. `info` maps to nothing by default: recorded on the incident, no ticket severity.
An Alertmanager `severity` label outside that scale (or missing) counts as `error`."""

from django.core.exceptions import ValidationError

from tickets.models import Severity

SOURCE_SEVERITIES = ("critical", "error", "warning", "info")
UNKNOWN_SOURCE_SEVERITY = "error"
DEFAULT_SEVERITY_MAP = {
    "critical": Severity.MAJOR.value,
    "error": Severity.URGENT.value,
    "warning": Severity.GENERAL.value,
    "info": None,
}
_RANK = {None: 0, Severity.GENERAL.value: 1, Severity.URGENT.value: 2, Severity.MAJOR.value: 3}


def validate_severity_map(value) -> None:
    """A map from some of the four source severities to a ticket severity or null."""
    if not isinstance(value, dict):
        raise ValidationError('An object such as {"critical": "major", "info": null}.')
    for source, target in value.items():
        if source not in SOURCE_SEVERITIES:
            raise ValidationError(f"Unknown source severity {source!r}; use {', '.join(SOURCE_SEVERITIES)}.")
        if target is not None and target not in Severity.values:
            raise ValidationError(
                f"{source}: {target!r} is not a ticket severity ({', '.join(Severity.values)}) or null."
            )


def source_severity(raw) -> str:
    """The sender's severity on the Events v2 scale; anything else counts as `error`."""
    value = raw.strip().lower() if isinstance(raw, str) else ""
    return value if value in SOURCE_SEVERITIES else UNKNOWN_SOURCE_SEVERITY


def mapped(severity_map: dict, source: str) -> str | None:
    """The ticket severity an alert of `source` severity means, by the integration's map (the default
    map for a source it leaves out)."""
    if source in severity_map:
        return severity_map[source]
    return DEFAULT_SEVERITY_MAP.get(source)


def highest(a: str | None, b: str | None) -> str | None:
    return a if _RANK.get(a, 0) >= _RANK.get(b, 0) else b
