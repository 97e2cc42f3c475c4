"""An incident's page: what the alerts opened, who commands it, the customers and tickets it touches,
and its timeline, with the engineers' actions (acknowledge, public update, commander, resolve with
its tickets) and the managers' (the impact window). Engineers only (`engineer_required`; managers are
staff too): anonymous visitors log in first. Each action POSTs to its own URL and redirects back, as
on the ticket page; an invalid form comes back on the page with its messages and the typed text.

Linking a ticket to an incident is a ticket page action (`ticket_incident`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from escalation.incidents.models import Incident, IncidentStatus
from escalation.incidents.selectors import incident_for_page
from escalation.incidents.services.incidents import (
    IncidentChangeRefused,
    incident_impact_window_edit,
    incident_update,
    ticket_incident_link,
)
from escalation.roster.selectors import manager_zone_get
from escalation.roster.services.engineers import is_manager
from tickets.models import Ticket
from tickets.selectors import ticket_get

from .. import selectors
from ..forms import (
    ImpactWindowForm,
    IncidentCommanderForm,
    IncidentResolveForm,
    IncidentUpdateForm,
    TicketIncidentForm,
)
from ..permissions import engineer_required
from ..presenters import customers_words, describe_incident_entry, person, usernames_in


def _window_initial(incident: Incident, zone) -> dict:
    def local(value):
        return value.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0) if value else None

    return {
        "impact": incident.impact,
        "started_at": local(incident.started_at),
        "impact_ended_at": local(incident.impact_ended_at),
    }


def _incident_page(request: HttpRequest, incident_id: int, *, status: int = 200, **bound) -> HttpResponse:
    page = incident_for_page(incident_id=incident_id)
    if page is None:
        raise Http404("No incident has this number.")
    incident = page.incident
    zone = manager_zone_get(request.user)
    names = selectors.user_names_by_username(usernames=usernames_in(page.timeline))
    customers = list(incident.customers.all())
    engineers = selectors.engineer_list_assignable()
    open_ = incident.status != IncidentStatus.RESOLVED
    context = {
        "incident": incident,
        "page": page,
        "customers": customers,
        "customers_text": customers_words(c.name for c in customers),
        "commander_name": person(incident.commander) if incident.commander else "",
        "links": page.ticket_links,
        "timeline": [(entry, describe_incident_entry(entry, names)) for entry in page.timeline],
        "zone": zone,
        "now": timezone.now(),
        "is_open": open_,
        "can_edit_window": is_manager(request.user),
        "update_form": bound.get("update_form") or IncidentUpdateForm(prefix="update"),
        "resolve_form": bound.get("resolve_form") or IncidentResolveForm(prefix="resolve"),
        "commander_form": bound.get("commander_form")
        or IncidentCommanderForm(
            prefix="commander", engineers=engineers, initial={"commander": incident.commander_id}
        ),
        "window_form": bound.get("window_form")
        or ImpactWindowForm(prefix="window", zone=zone, initial=_window_initial(incident, zone)),
    }
    return render(request, "web/incident_detail.html", context, status=status)


def _back(incident_id: int, anchor: str = ""):
    return redirect(reverse("web:incident", args=[incident_id]) + (f"#{anchor}" if anchor else ""))


def _exists(incident_id: int) -> None:
    if not Incident.objects.filter(pk=incident_id).exists():
        raise Http404("No incident has this number.")


@require_safe
@engineer_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _incident_page(request, incident_id)


def _refused(request, incident_id: int, form, refused: IncidentChangeRefused, name: str) -> HttpResponse:
    field = refused.field if refused.field in form.fields else None
    form.add_error(field, refused.reason)
    return _incident_page(request, incident_id, status=400, **{name: form})


@require_POST
@engineer_required
def incident_acknowledge(request: HttpRequest, incident_id: int) -> HttpResponse:
    _exists(incident_id)
    try:
        incident_update(
            incident_id=incident_id,
            status=IncidentStatus.ACKNOWLEDGED,
            actor=request.user,
            now=timezone.now(),
        )
    except IncidentChangeRefused as refused:
        messages.error(request, refused.reason)
    else:
        messages.success(request, "Incident acknowledged; its tickets' pages are acknowledged too.")
    return _back(incident_id)


@require_POST
@engineer_required
def incident_post_update(request: HttpRequest, incident_id: int) -> HttpResponse:
    _exists(incident_id)
    form = IncidentUpdateForm(request.POST, prefix="update")
    if not form.is_valid():
        return _incident_page(request, incident_id, status=400, update_form=form)
    try:
        incident_update(
            incident_id=incident_id,
            public_update=form.cleaned_data["body"],
            actor=request.user,
            now=timezone.now(),
        )
    except IncidentChangeRefused as refused:
        return _refused(request, incident_id, form, refused, "update_form")
    messages.success(request, "Update posted to the linked tickets and emailed to the customers' contacts.")
    return _back(incident_id, "timeline-title")


@require_POST
@engineer_required
def incident_resolve(request: HttpRequest, incident_id: int) -> HttpResponse:
    _exists(incident_id)
    form = IncidentResolveForm(request.POST, prefix="resolve")
    if not form.is_valid():
        return _incident_page(request, incident_id, status=400, resolve_form=form)
    try:
        incident_update(
            incident_id=incident_id,
            status=IncidentStatus.RESOLVED,
            public_update=form.cleaned_data["final_update"],
            resolve_tickets=form.cleaned_data["resolve_tickets"],
            actor=request.user,
            now=timezone.now(),
        )
    except IncidentChangeRefused as refused:
        return _refused(request, incident_id, form, refused, "resolve_form")
    messages.success(request, "Incident resolved.")
    return _back(incident_id)


@require_POST
@engineer_required
def incident_commander(request: HttpRequest, incident_id: int) -> HttpResponse:
    _exists(incident_id)
    form = IncidentCommanderForm(
        request.POST, prefix="commander", engineers=selectors.engineer_list_assignable()
    )
    if not form.is_valid():
        return _incident_page(request, incident_id, status=400, commander_form=form)
    commander = form.cleaned_data["commander"]
    try:
        incident_update(incident_id=incident_id, commander=commander, actor=request.user, now=timezone.now())
    except IncidentChangeRefused as refused:
        return _refused(request, incident_id, form, refused, "commander_form")
    messages.success(request, f"{person(commander)} commands the incident and is being paged.")
    return _back(incident_id)


@require_POST
@engineer_required
def incident_impact_window(request: HttpRequest, incident_id: int) -> HttpResponse:
    _exists(incident_id)
    if not is_manager(request.user):
        raise PermissionDenied("Only managers correct an impact window")
    form = ImpactWindowForm(request.POST, prefix="window", zone=manager_zone_get(request.user))
    if not form.is_valid():
        return _incident_page(request, incident_id, status=400, window_form=form)
    data = form.cleaned_data
    now = timezone.now()
    try:
        incident_impact_window_edit(
            incident_id=incident_id,
            started_at=data["started_at"],
            impact_ended_at=data["impact_ended_at"],
            reason=data["reason"],
            actor=request.user,
            now=now,
        )
        incident_update(incident_id=incident_id, impact=data["impact"], actor=request.user, now=now)
    except IncidentChangeRefused as refused:
        return _refused(request, incident_id, form, refused, "window_form")
    messages.success(request, "Impact window corrected; the change and its reason are on the timeline.")
    return _back(incident_id)


@require_POST
@engineer_required
def ticket_incident(request: HttpRequest, reference: str) -> HttpResponse:
    """Link the ticket to an incident (a suggestion's button, or a number typed), or unlink it."""
    ticket = ticket_get(reference=reference, tickets=Ticket.objects.all())
    if ticket is None:
        raise Http404("No ticket has this reference.")
    form = TicketIncidentForm(request.POST)
    back = redirect(reverse("web:ticket", args=[ticket.reference]) + "#incident")
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return back
    incident_id = form.cleaned_data["incident"]
    try:
        ticket_incident_link(ticket=ticket, incident_id=incident_id, actor=request.user, now=timezone.now())
    except IncidentChangeRefused as refused:
        messages.error(request, refused.reason)
    else:
        messages.success(
            request, f"Linked to incident {incident_id}." if incident_id else "Unlinked from its incident."
        )
    return back
