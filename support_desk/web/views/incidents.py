"""An incident's page: what the alerts opened, who commands it, the customers and tickets it touches,
and its timeline. Engineers only (`engineer_required`; managers are staff too): anonymous visitors
log in first.

The actions (acknowledge, resolve, public update, impact window) will be POSTs to their own URLs that
redirect back here, as on the ticket page; their forms go in `web/partials/incident_actions.html`.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from escalation.incidents.selectors import incident_for_page
from escalation.roster.selectors import manager_zone_get

from .. import selectors
from ..permissions import engineer_required
from ..presenters import customers_words, describe_incident_entry, person, usernames_in


@require_safe
@engineer_required
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    page = incident_for_page(incident_id=incident_id)
    if page is None:
        raise Http404("No incident has this number.")
    incident = page.incident
    names = selectors.user_names_by_username(usernames=usernames_in(page.timeline))
    customers = list(incident.customers.all())
    context = {
        "incident": incident,
        "page": page,
        "customers": customers,
        "customers_text": customers_words(c.name for c in customers),
        "commander_name": person(incident.commander) if incident.commander else "",
        "links": page.ticket_links,
        "timeline": [(entry, describe_incident_entry(entry, names)) for entry in page.timeline],
        "zone": manager_zone_get(request.user),
        "now": timezone.now(),
    }
    return render(request, "web/incident_detail.html", context)
