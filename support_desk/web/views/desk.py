"""The engineers' pages: the queue (open incidents above the tickets) and one ticket. Every view is for
engineers only (`engineer_required`).

Actions are POSTs to their own URL that redirect back to the ticket (POST-redirect-GET); a refused
action renders the ticket page again with the error next to the form that caused it.
"""

from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from escalation.incidents.selectors import incidents_for_queue, incidents_suggested_for_ticket
from escalation.paging.services.acknowledgements import NothingToAcknowledge, escalation_acknowledge
from escalation.roster.selectors import engineer_shift_at, manager_zone_get
from support_desk.paging import CountedPaginator
from tickets.assignment import AssigneeOffShift, zoned_stamp
from tickets.models import Status, Ticket
from tickets.selectors import address_bouncing, macro_list_visible, macro_render, macro_values, ticket_get
from tickets.services import (
    CheckedFile,
    requester_confirm,
    ticket_assign,
    ticket_change_severity,
    ticket_change_status,
    ticket_respond,
)
from tickets.states import TRANSITIONS, InvalidTransition

from .. import selectors
from ..forms import (
    AssignForm,
    MacroPickForm,
    NoteForm,
    QueueFilterForm,
    ReplyForm,
    SeverityForm,
    StatusForm,
)
from ..language import requester_language_words
from ..permissions import engineer_required
from ..presenters import (
    clock_panels,
    customers_words,
    describe_event,
    ledger_lines,
    page_label,
    person,
    queue_row,
)
from ..selectors import QueueFilters, Scope
from ..uploads import clean_name, with_limited_uploads
from .files import attachment_response

QUEUE_PAGE_SIZE = 25
MY_TICKETS_LIMIT = 10
QUEUE_REFRESH_SECONDS = 20


# --- the queue ----------------------------------------------------------------------------------


def _query_string(filters: QueueFilters, **changes) -> str:
    """The query string of `filters` with `changes`, leaving out defaults so URLs stay short."""
    values = {
        "scope": filters.scope,
        "severity": filters.severity,
        "status": filters.status,
        "search": filters.search,
        **changes,
    }
    defaults = QueueFilters()
    kept = {k: v for k, v in values.items() if v and v != getattr(defaults, k, None)}
    return f"?{urlencode(kept)}" if kept else "?"


def _page_param(number: int) -> int | str:
    return number if number > 1 else ""  # page 1 is the default: left out of URLs


def _queue_context(request: HttpRequest, now: datetime) -> dict:
    filters = QueueFilterForm(request.GET).filters()
    user = request.user
    fractions = selectors.escalation_policy_fractions()
    queue = selectors.queue_get(user=user, filters=filters)
    counts = queue.counts
    page = CountedPaginator(queue.tickets, QUEUE_PAGE_SIZE, count=counts[filters.scope][0])
    page = page.get_page(request.GET.get("page"))
    rows = [queue_row(ticket, fractions, now) for ticket in page.object_list]
    roster = selectors.engineer_list_roster(now=now)
    page_query = _query_string(filters, page=_page_param(page.number))
    open_incidents = incidents_for_queue()
    tabs = [
        {
            "scope": scope,
            "label": label,
            "count": counts[scope][0],
            "more": counts[scope][1],
            "url": _query_string(filters, scope=scope),
            "current": filters.scope == scope,
        }
        for scope, label in ((Scope.MINE, "Mine"), (Scope.UNASSIGNED, "Unassigned"), (Scope.ALL, "All"))
    ]
    return {
        "now": now,
        "zone": manager_zone_get(user),
        "incidents": [
            (incident, customers_words(incident.customer_names)) for incident in open_incidents.incidents
        ],
        "incidents_more": open_incidents.total - len(open_incidents.incidents),
        "filters": filters,
        "filter_form": QueueFilterForm(
            initial={"severity": filters.severity, "status": filters.status, "search": filters.search}
        ),
        "tabs": tabs,
        "more_matches": counts[filters.scope][1],
        "page": page,
        "rows": rows,
        "mine": [
            queue_row(ticket, fractions, now)
            for ticket in selectors.ticket_list_mine(user=user, limit=MY_TICKETS_LIMIT)
        ],
        "mine_more_url": _query_string(filters, scope=Scope.MINE),
        "on_shift": roster.on_shift,
        "upcoming": roster.upcoming,
        "assignable": roster.everyone,
        "previous_url": (
            _query_string(filters, page=_page_param(page.previous_page_number()))
            if page.has_previous()
            else ""
        ),
        "next_url": _query_string(filters, page=page.next_page_number()) if page.has_next() else "",
        "refresh_url": reverse("web:queue-live") + page_query,
        "refresh_seconds": QUEUE_REFRESH_SECONDS,
    }


@require_safe
@engineer_required
def queue(request: HttpRequest) -> HttpResponse:
    """My tickets and the team queue by time left, with filters in the URL and who is on shift."""
    return render(request, "web/queue.html", _queue_context(request, timezone.now()))


@require_safe
@engineer_required
def queue_live(request: HttpRequest) -> HttpResponse:
    """The part of the queue page that changes, for the page to refresh without reloading."""
    response = render(request, "web/partials/queue_live.html", _queue_context(request, timezone.now()))
    response["Cache-Control"] = "no-store"
    return response


# --- one ticket ---------------------------------------------------------------------------------


def _allowed_statuses(ticket: Ticket) -> list[str]:
    return [status for status in Status.values if status in TRANSITIONS[ticket.status]]


def _ticket_page(request: HttpRequest, reference: str, now: datetime, **bound) -> HttpResponse:
    """The ticket page; `bound` holds the submitted form that failed, shown with its errors."""
    ticket = selectors.ticket_get_for_desk(reference=reference)
    if ticket is None:
        raise Http404("No ticket has this reference.")
    engineers = selectors.engineer_list_assignable()
    events = list(ticket.events.all())
    ledger = selectors.ledger_list_for_ticket(ticket=ticket)
    escalations = selectors.escalation_list_for_ticket(ticket=ticket)
    open_page = next((e for e in escalations if e.acknowledged_at is None), None)
    names = selectors.user_names_by_username(
        usernames={e.data.get(key) for e in events for key in ("from", "to") if isinstance(e.data, dict)}
    )
    try:
        incident_link = ticket.incident_link
    except ObjectDoesNotExist:
        incident_link = None
    allowed = _allowed_statuses(ticket)
    macros = list(macro_list_visible(user=request.user))  # one query, however many
    values = macro_values(ticket=ticket, engineer=request.user)
    rendered = [(macro, macro_render(macro=macro, values=values)) for macro in macros]
    picker = MacroPickForm(request.GET or None, macros=macros)
    context = {
        "ticket": ticket,
        "now": now,
        "zone": manager_zone_get(request.user),
        "thread": ticket.messages.all(),
        "timeline": [(event, describe_event(event, names)) for event in events],
        "panels": clock_panels(ticket, ledger, events, now),
        "ledger": ledger_lines(ledger),
        "escalations": [(escalation, page_label(escalation)) for escalation in escalations],
        "open_page": open_page,
        "open_page_label": page_label(open_page) if open_page else "",
        "assignee_name": person(ticket.assignee) if ticket.assignee else "",
        "requester_language": requester_language_words(ticket),
        "can_take": ticket.assignee_id != request.user.pk and ticket.status != Status.CLOSED,
        "reply_form": bound.get("reply_form") or _reply_form(rendered, picker.chosen(), allowed),
        "note_form": bound.get("note_form") or NoteForm(prefix="note"),
        "macros": rendered,
        "macro_form": picker,
        "status_allowed": allowed,
        "status_form": bound.get("status_form") or StatusForm(allowed=allowed),
        "assign_form": bound.get("assign_form")
        or AssignForm(engineers=engineers, now=now, initial={"assignee": ticket.assignee_id}),
        "severity_form": bound.get("severity_form") or SeverityForm(initial={"severity": ticket.severity}),
        "incident_link": incident_link,
        "bouncing": address_bouncing(ticket.requester.email),
        "incident_suggestions": [] if incident_link else incidents_suggested_for_ticket(ticket=ticket),
    }
    return render(request, "web/ticket_detail.html", context)


def _reply_form(rendered, chosen: int | None, allowed: list[str]) -> ReplyForm:
    """An empty reply form, or (without JavaScript, the picker's GET) one filled with the chosen macro."""
    for macro, text in rendered:
        if macro.pk == chosen:
            status = macro.status if macro.status in allowed else ""
            return ReplyForm(prefix="reply", allowed=allowed, initial={"body": text, "status": status})
    return ReplyForm(prefix="reply", allowed=allowed)


def _ticket_for_action(reference: str) -> Ticket:
    ticket = ticket_get(reference=reference, tickets=Ticket.objects.all())  # the services lock and re-read it
    if ticket is None:
        raise Http404("No ticket has this reference.")
    return ticket


def _back(ticket: Ticket, anchor: str = ""):
    return redirect(reverse("web:ticket", args=[ticket.reference]) + (f"#{anchor}" if anchor else ""))


@require_safe
@engineer_required
def ticket_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _ticket_page(request, reference, timezone.now())


def _files(form) -> list[CheckedFile]:
    upload = form.cleaned_data.get("attachment")
    if not upload:
        return []
    return [CheckedFile(file=upload, name=clean_name(upload.name), content_type=form.attachment_type)]


@require_POST
@with_limited_uploads
@engineer_required
def ticket_reply_public(request: HttpRequest, reference: str, oversized: set[str]) -> HttpResponse:
    """The reply, its file and the status chosen with it: all in one transaction, or nothing (the form
    comes back with the typed text and the reason)."""
    ticket = _ticket_for_action(reference)
    form = ReplyForm(
        request.POST, request.FILES, prefix="reply", oversized=oversized, allowed=_allowed_statuses(ticket)
    )
    now = timezone.now()
    if form.is_valid():
        status = form.cleaned_data["status"]
        try:
            message = ticket_respond(
                ticket=ticket,
                author=request.user,
                body=form.cleaned_data["body"],
                status=status,
                files=_files(form),
                now=now,
            )
        except InvalidTransition as refused:
            form.add_error("status", f"Nothing was sent: the status cannot change: {refused.reason}.")
        else:
            words = f" and set {Status(status).label.lower()}" if status else ""
            messages.success(request, f"Reply sent to the customer{words}.")
            return _back(ticket, f"message-{message.pk}")
    return _ticket_page(request, reference, now, reply_form=form)


@require_POST
@with_limited_uploads
@engineer_required
def ticket_note(request: HttpRequest, reference: str, oversized: set[str]) -> HttpResponse:
    ticket = _ticket_for_action(reference)
    form = NoteForm(request.POST, request.FILES, prefix="note", oversized=oversized)
    now = timezone.now()
    if not form.is_valid():
        return _ticket_page(request, reference, now, note_form=form)
    message = ticket_respond(
        ticket=ticket,
        author=request.user,
        body=form.cleaned_data["body"],
        internal=True,
        files=_files(form),
        now=now,
    )
    messages.success(request, "Internal note added.")
    return _back(ticket, f"message-{message.pk}")


@require_POST
@engineer_required
def ticket_status(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_for_action(reference)
    form = StatusForm(request.POST, allowed=_allowed_statuses(ticket))
    now = timezone.now()
    if form.is_valid():
        try:
            ticket = ticket_change_status(
                ticket=ticket, status=form.cleaned_data["status"], actor=request.user, now=now
            )
        except InvalidTransition as refused:
            form.add_error("status", f"Cannot change status: {refused.reason}.")
        else:
            messages.success(request, f"Status is now {ticket.get_status_display().lower()}.")
            return _back(ticket)
    return _ticket_page(request, reference, now, status_form=form)


@require_POST
@engineer_required
def ticket_assign_to(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_for_action(reference)
    now = timezone.now()
    form = AssignForm(request.POST, engineers=selectors.engineer_list_assignable(), now=now)
    if form.is_valid():
        assignee = form.cleaned_data["assignee"]
        try:
            ticket = ticket_assign(
                ticket=ticket,
                assignee=assignee,
                actor=request.user,
                now=now,
                confirm_off_shift=form.cleaned_data["confirm_off_shift"],
            )
        except InvalidTransition as refused:
            form.add_error("assignee", f"Cannot reassign: {refused.reason}.")
        except AssigneeOffShift as refused:
            form.ask_to_confirm_off_shift(refused)
        else:
            messages.success(request, _assigned_words(ticket, now))
            return _back(ticket)
    return _ticket_page(request, reference, now, assign_form=form)


def _assigned_words(ticket: Ticket, now: datetime) -> str:
    if ticket.assignee is None:
        return "Back in the team queue."
    shift = engineer_shift_at(ticket.assignee.engineer, now)
    if shift.on_shift or ticket.assignment_pinned_until is None:
        return f"Assigned to {shift.name}."
    held = zoned_stamp(ticket.assignment_pinned_until, shift.zone)
    return f"Assigned to {shift.name}, who is off shift: it stays with them until {held}."


@require_POST
@engineer_required
def ticket_take(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_for_action(reference)
    try:
        ticket_assign(ticket=ticket, assignee=request.user, actor=request.user, now=timezone.now())
    except InvalidTransition as refused:
        messages.error(request, f"Cannot take this ticket: {refused.reason}.")
    else:
        messages.success(request, "The ticket is yours.")
    return _back(ticket)


@require_POST
@engineer_required
def ticket_confirm_requester(request: HttpRequest, reference: str) -> HttpResponse:
    """An engineer vouches for the requester's address: their open tickets get their customer's plan."""
    ticket = _ticket_for_action(reference)
    upgraded = requester_confirm(requester=ticket.requester, actor=request.user, now=timezone.now())
    references = ", ".join(t.reference for t in upgraded)
    messages.success(
        request,
        f"{ticket.requester.email} is confirmed"
        + (f"; its open tickets are trusted now: {references}." if upgraded else "."),
    )
    return _back(ticket)


@require_POST
@engineer_required
def ticket_severity(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_for_action(reference)
    form = SeverityForm(request.POST)
    now = timezone.now()
    if form.is_valid():
        try:
            ticket = ticket_change_severity(
                ticket=ticket, severity=form.cleaned_data["severity"], actor=request.user, now=now
            )
        except InvalidTransition as refused:
            form.add_error("severity", f"Cannot change severity: {refused.reason}.")
        else:
            messages.success(
                request, f"Severity is now {ticket.severity}; the open deadlines were recomputed."
            )
            return _back(ticket)
    return _ticket_page(request, reference, now, severity_form=form)


@require_POST
@engineer_required
def ticket_acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket_for_action(reference)
    try:
        escalation = escalation_acknowledge(ticket=ticket, user=request.user, via="web", now=timezone.now())
    except NothingToAcknowledge:
        messages.info(request, "There is no page waiting for acknowledgement.")
    else:
        messages.success(
            request, f"Acknowledged: {page_label(escalation).lower()}. The SLA clock keeps running."
        )
    return _back(ticket)


@require_safe
@engineer_required
def desk_attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    ticket = _ticket_for_action(reference)
    attachment = selectors.attachment_get_for_desk(ticket=ticket, attachment_id=attachment_id)
    if attachment is None:
        raise Http404("No such file on this ticket.")
    return attachment_response(attachment)
