"""The ticket's timeline and its pages in words, and engineers as the assign list names them.

No queries and no clock reads (see the package's docstring)."""

from collections.abc import Mapping

from escalation.models import Escalation, Metric
from tickets.assignment import AssigneeShift, zoned_stamp
from tickets.models import Event, EventType, Status

# --- the timeline -------------------------------------------------------------------------------


def assignee_label(shift: AssigneeShift) -> str:
    """An engineer in the assignee list: on shift now until when, or when their next shift starts, in
    their own zone with its name."""
    if shift.on_shift:
        return f"{shift.name}: on shift until {zoned_stamp(shift.shift_ends_at, shift.zone)}"
    if shift.next_shift_starts_at is None:
        return f"{shift.name}: off shift, no shift on the roster"
    return f"{shift.name}: off shift, next shift {zoned_stamp(shift.next_shift_starts_at, shift.zone)}"


def person(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def _metric_words(metric: str | None) -> str:
    return {Metric.FIRST_RESPONSE: "first response", Metric.RESOLUTION: "resolution"}.get(metric, "SLA")


def _status_words(status: str | None) -> str:
    return Status(status).label.lower() if status in Status.values else str(status)


def describe_event(event: Event, names: Mapping[str, str] | None = None) -> str:
    """One line of the ticket's timeline. Events record engineers by username (a rename must not
    rewrite history); `names` maps those usernames to the names the rest of the page shows."""
    data, actor = event.data or {}, person(event.actor)
    names = names or {}

    def named(username: str | None) -> str | None:
        return names.get(username, username) if username else username

    kind = event.type
    if kind == EventType.CREATED:
        text = f"Filed as {data.get('severity', '?')} on the {data.get('plan', '?')} plan"
        text += f", following up {data['follow_up_of']}" if data.get("follow_up_of") else ""
        text += " by email" if data.get("channel") == "email" else ""
        if data.get("claimed_customer"):
            text += (
                f"; the address is at {data['claimed_customer']}'s domain but unconfirmed: no customer, "
                "no voice pages, and a link to confirm it emailed (at most one an hour)"
            )
        return text
    if kind == EventType.MAIL_IGNORED:
        return f"An automatic email from {data.get('from', '?')} was ignored ({data.get('reason', '?')})"
    if kind == EventType.ADDRESS_BOUNCING:
        address, reason = data.get("address", "?"), data.get("reason", "?")
        return f"Mail to {address} bounces ({reason}): no more email goes to it"
    if kind == EventType.REQUESTER_CONFIRMED:
        who = f"by {actor}" if event.actor else "by the requester, with the emailed link"
        text = f"Requester confirmed {who}"
        if data.get("customer") and data.get("plan") != data.get("from_plan"):
            text += f": {data['customer']}'s {data['plan']} plan, deadlines recomputed from the filing time"
        elif data.get("customer"):
            text += f": {data['customer']}, deadlines recomputed from the filing time"
        return text + "; voice pages allowed"
    if kind == EventType.RATED:
        verb = "changed their rating of" if data.get("changed") else "rated"
        text = f"The customer {verb} resolution {data.get('cycle', '?')}: {data.get('score', '?')}"
        return text + (f" \N{EM DASH} \u201c{data['comment']}\u201d" if data.get("comment") else "")
    if kind in (EventType.ASSIGNED, EventType.HANDED_OFF):
        verb = "Handed off" if kind == EventType.HANDED_OFF else "Assigned"
        who = f" by {actor}" if event.actor else ""
        before, after = named(data.get("from")), named(data.get("to"))
        if data.get("to") is None:
            text = f"Unassigned (was {before}){who}"
        elif event.actor and kind == EventType.ASSIGNED and data["to"] == event.actor.get_username():
            text = f"{actor} took it" + (f" from {before}" if before else "")
        elif before:
            text = f"{verb} from {before} to {after}{who}"
        else:
            text = f"{verb} to {after}{who}"
        return text + (f": {data['reason']}" if data.get("reason") else "")
    if kind == EventType.REPLIED:
        return f"{actor} replied to the customer" + (
            " (first response)" if data.get("first_response") else ""
        )
    if kind == EventType.NOTE:
        return f"{actor} added an internal note"
    if kind == EventType.CUSTOMER_REPLIED:
        return "The customer replied" + (" by email" if data.get("channel") == "email" else "")
    if kind == EventType.STATUS_CHANGED:
        text = f"Status {_status_words(data.get('from'))} → {_status_words(data.get('to'))}"
        text += f" by {actor}" if event.actor else ""
        return text + (f" ({data['reason']})" if data.get("reason") else "")
    if kind == EventType.SEVERITY_CHANGED:
        return f"Severity {data.get('from')} → {data.get('to')}" + (f" by {actor}" if event.actor else "")
    if kind == EventType.REOPENED:
        return f"Reopened: resolution cycle {data.get('cycle')} started"
    if kind == EventType.FOLLOW_UP:
        return f"Follow-up {data.get('follow_up')} opened by the customer"
    if kind == EventType.WARNED:
        return f"Warning: the {_metric_words(data.get('metric'))} deadline is near"
    if kind == EventType.BREACHED:
        return f"Breached: the {_metric_words(data.get('metric'))} deadline passed"
    if kind == EventType.ESCALATED:
        text = f"Escalated to level {data.get('step')} ({_metric_words(data.get('metric'))})"
        if data.get("paged_with_incident"):
            text += f"; paged once for incident {data['paged_with_incident']}, not for this ticket"
        return text
    if kind == EventType.INCIDENT_LINKED:
        if data.get("opened_for_incident"):
            return f"Opened for incident {data.get('incident')}"
        return f"Linked to incident {data.get('incident')}" + (f" by {actor}" if event.actor else "")
    if kind == EventType.INCIDENT_UNLINKED:
        return f"Unlinked from incident {data.get('incident')}" + (f" by {actor}" if event.actor else "")
    if kind == EventType.INCIDENT_NOTICE:
        contacts = data.get("contacts") or []
        what = "Incident update" if data.get("kind") == "incident_update" else "Incident notice"
        return (
            f"{what} emailed to {len(contacts)} contact{'s' if len(contacts) != 1 else ''}: "
            + ", ".join(contacts[:5])
            + (" and more" if len(contacts) > 5 else "")
        )
    if kind == EventType.ACKNOWLEDGED:
        return (
            f"{actor} acknowledged the level {data.get('step')} page "
            f"({_metric_words(data.get('metric'))}) via {data.get('via', '?')}"
        )
    return event.get_type_display()


def page_label(escalation: Escalation) -> str:
    step = "warning" if escalation.step == 0 else f"level {escalation.step}"
    return f"{_metric_words(escalation.metric).capitalize()} {step}"
