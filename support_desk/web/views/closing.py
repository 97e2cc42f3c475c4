"""Engineers' desk tools beside the ticket page: close as spam (and block the sender) or as a duplicate,
block and unblock a sender, and bulk actions from the queue. POSTs that redirect back with a message."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from escalation.roster.selectors import engineer_get_assignable
from tickets.models import Severity, Status, Ticket
from tickets.selectors import ticket_get
from tickets.services import (
    BULK_MAX_TICKETS,
    BulkAction,
    blocked_sender_add,
    blocked_sender_remove,
    ticket_bulk_apply,
    ticket_close_as_duplicate,
    ticket_close_as_spam,
)
from tickets.states import InvalidTransition

from ..permissions import engineer_required


def _ticket(reference: str) -> Ticket:
    ticket = ticket_get(reference=reference, tickets=Ticket.objects.select_related("requester"))
    if ticket is None:
        raise Http404("No ticket has this reference.")
    return ticket


def _back(ticket: Ticket, anchor: str = "close"):
    return redirect(reverse("web:ticket", args=[ticket.reference]) + f"#{anchor}")


@require_POST
@engineer_required
def ticket_close_spam(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket(reference)
    block = request.POST.get("block_sender") == "on"
    try:
        ticket_close_as_spam(ticket=ticket, actor=request.user, now=timezone.now(), block_sender=block)
    except InvalidTransition as refused:
        messages.error(request, f"Cannot close as spam: {refused.reason}.")
    else:
        blocked = f" {ticket.requester.email} is blocked." if block else ""
        messages.success(request, f"Closed as spam; the requester was not told.{blocked}")
    return _back(ticket)


@require_POST
@engineer_required
def ticket_close_duplicate(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket(reference)
    asked = request.POST.get("duplicate_of", "").strip()
    target = ticket_get(reference=asked) if asked else None
    try:
        if target is None:
            raise ValueError(f"no ticket {asked!r}" if asked else "name the ticket this one duplicates")
        ticket_close_as_duplicate(ticket=ticket, duplicate_of=target, actor=request.user, now=timezone.now())
    except (InvalidTransition, ValueError) as refused:
        reason = refused.reason if isinstance(refused, InvalidTransition) else str(refused)
        messages.error(request, f"Cannot close as a duplicate: {reason}.")
    else:
        messages.success(request, f"Closed as a duplicate of {target.reference}; the requester was told.")
    return _back(ticket)


@require_POST
@engineer_required
def sender_block(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket(reference)
    now = timezone.now()
    if request.POST.get("action") == "unblock":
        blocked_sender_remove(address=ticket.requester.email, actor=request.user, now=now, ticket=ticket)
        messages.success(request, f"{ticket.requester.email} is no longer blocked.")
    else:
        blocked_sender_add(address=ticket.requester.email, actor=request.user, now=now, ticket=ticket)
        messages.success(request, f"{ticket.requester.email} is blocked: their new tickets close as spam.")
    return _back(ticket, "who-title")


@require_POST
@engineer_required
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """The queue's bulk form: the rows ticked, one action, each ticket on its own (`ticket_bulk_apply`)."""
    references = request.POST.getlist("tickets")[: BULK_MAX_TICKETS + 1]
    # One select names the action and its value ("status:resolved", "severity:major", "assign",
    # "close_spam"); assigning reads the engineer's username from its own field (empty: unassign).
    action, _, raw = request.POST.get("bulk_action", "").partition(":")
    if action == BulkAction.ASSIGN:
        raw = request.POST.get("assignee", "").strip()
    back = redirect(reverse("web:queue") + ("?" + request.POST["query"] if request.POST.get("query") else ""))
    if not references or len(references) > BULK_MAX_TICKETS:
        messages.error(request, f"Select between 1 and {BULK_MAX_TICKETS} tickets.")
        return back
    value: object = raw
    if action == BulkAction.ASSIGN:
        engineer = engineer_get_assignable(username=raw) if raw else None
        if raw and engineer is None:
            messages.error(request, f"No active engineer is called {raw!r}.")
            return back
        value = engineer.user if engineer else None
    elif action == BulkAction.CLOSE_SPAM:
        value = request.POST.get("block_sender") == "on"
    elif not (
        (action == BulkAction.STATUS and raw in Status.values and raw != Status.NEW)
        or (action == BulkAction.SEVERITY and raw in Severity.values)
    ):
        messages.error(request, "Choose an action and a value.")
        return back
    try:
        results = ticket_bulk_apply(
            references=references, action=action, value=value, actor=request.user, now=timezone.now()
        )
    except ValueError as refused:
        messages.error(request, str(refused))
        return back
    done = [r.reference for r in results if r.ok]
    failed = [f"{r.reference} ({r.error})" for r in results if not r.ok]
    if done:
        messages.success(request, f"Done for {len(done)}: {', '.join(done)}.")
    if failed:
        messages.error(request, f"Not done for {len(failed)}: {'; '.join(failed)}.")
    return back
