"""An incident's page and its queue row in words: the timeline's entries (alerts, events, public
updates, the commander's pages) and who is affected.

No queries and no clock reads (see the package's docstring)."""

from collections.abc import Iterable, Mapping

from escalation.incidents.models import AlertAction, Impact, IncidentEventType
from escalation.incidents.selectors import EntryKind, TimelineEntry

from .timeline import person

INTERNAL = "internal"


def customers_words(names: Iterable[str]) -> str:
    """`StreamCo, Pixel`, or `internal` for an incident that affects no customer."""
    names = list(names)
    return ", ".join(names) if names else INTERNAL


def _label(choices, value) -> str:
    return choices(value).label.lower() if value in choices.values else str(value)


def _alert_words(alert) -> str:
    verb = {
        AlertAction.TRIGGER: "Alert fired",
        AlertAction.ACKNOWLEDGE: "Alert acknowledged by the sender",
        AlertAction.RESOLVE: "Alert resolved",
    }.get(alert.action, f"Alert {alert.action}")
    text = verb + (f" ({alert.source_severity})" if alert.source_severity else "")
    return text + (f": {alert.summary}" if alert.summary else "")


def _event_words(event, names: Mapping[str, str]) -> str:
    data = event.data if isinstance(event.data, dict) else {}
    by = f" by {person(event.actor)}" if event.actor else ""

    def named(username) -> str:
        return names.get(username, username) if username else "nobody"

    kind = event.type
    if kind == IncidentEventType.OPENED:
        return "Opened by an alert"
    if kind == IncidentEventType.REOPENED:
        return "Reopened: the alert fired again soon after it resolved"
    if kind == IncidentEventType.ACKNOWLEDGED:
        return f"Acknowledged{by}"
    if kind == IncidentEventType.RESOLVED:
        return f"Resolved{by}"
    if kind == IncidentEventType.IMPACT_CHANGED:
        return f"Impact {_label(Impact, data.get('from'))} → {_label(Impact, data.get('to'))}{by}"
    if kind == IncidentEventType.IMPACT_WINDOW_EDITED:
        return f"Impact window edited{by}" + (f": {data['reason']}" if data.get("reason") else "")
    if kind == IncidentEventType.COMMANDER_ASSIGNED:
        text = f"Commander: {named(data.get('commander'))}"
        return text + (f" ({data['by']})" if data.get("by") else by)
    if kind == IncidentEventType.COMMANDER_PAGED:
        channels = ", ".join(data.get("channels") or []) or "no channel"
        return f"Commander {named(data.get('commander'))} paged ({channels})"
    if kind == IncidentEventType.CUSTOMERS_CHANGED:
        parts = []
        if data.get("added"):
            parts.append("added " + ", ".join(map(str, data["added"])))
        if data.get("removed"):
            parts.append(f"removed {len(data['removed'])}")
        return "Customers changed" + (f": {'; '.join(parts)}" if parts else "") + by
    if kind == IncidentEventType.TICKET_OPENED:
        return f"Ticket {data.get('ticket', '?')} opened for {data.get('customer', 'a customer')}"
    if kind == IncidentEventType.TICKET_LINKED:
        return f"Ticket {data.get('ticket', '?')} linked{by}"
    if kind == IncidentEventType.TICKET_UNLINKED:
        return f"Ticket {data.get('ticket', '?')} unlinked{by}"
    if kind == IncidentEventType.PUBLIC_UPDATE:
        return f"Public update posted{by}"
    if kind == IncidentEventType.TICKETS_RESOLVED:
        resolved, refused = data.get("resolved") or [], data.get("refused") or {}
        text = f"Linked tickets resolved: {len(resolved)}"
        return text + (f", {len(refused)} could not be" if refused else "")
    return event.get_type_display()


def _page_words(page) -> str:
    who = person(page.recipient_user) if page.recipient_user else page.recipient
    return f"{page.get_channel_display()} page to {who}: {page.get_status_display().lower()}"


def describe_incident_entry(entry: TimelineEntry, names: Mapping[str, str] | None = None) -> str:
    """One line of the incident's timeline. Events name people by username (as ticket events do);
    `names` maps those usernames to the names the page shows."""
    names = names or {}
    if entry.kind == EntryKind.ALERT:
        return _alert_words(entry.item)
    if entry.kind == EntryKind.EVENT:
        return _event_words(entry.item, names)
    if entry.kind == EntryKind.UPDATE:
        return f"Public update from {person(entry.item.author)}"
    if entry.kind == EntryKind.PAGE:
        return _page_words(entry.item)
    return entry.kind


def usernames_in(entries: Iterable[TimelineEntry]) -> set[str]:
    """The usernames the timeline's events record (commanders), to look their names up at once."""
    return {
        entry.item.data["commander"]
        for entry in entries
        if entry.kind == EntryKind.EVENT
        and isinstance(entry.item.data, dict)
        and isinstance(entry.item.data.get("commander"), str)
    }
