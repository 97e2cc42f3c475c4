"""A grouped page: the one SMS or call that told an engineer about a storm's tickets, and every ticket it
covers, linked from the SMS. Engineers only (`engineer_required`): anonymous visitors log in first."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from escalation.paging.selectors import page_get_with_tickets
from escalation.roster.selectors import manager_zone_get

from ..permissions import engineer_required


@require_safe
@engineer_required
def page_detail(request: HttpRequest, page_id: int) -> HttpResponse:
    page = page_get_with_tickets(page_id=page_id)
    if page is None:
        raise Http404("No page has this number.")
    members = page.members
    context = {
        "page": page,
        "members": members,
        "tickets": len({n.ticket_id for n in members}),
        "open_count": sum(1 for n in members if n.escalation and n.escalation.acknowledged_at is None),
        "zone": manager_zone_get(request.user),
        "now": timezone.now(),
    }
    return render(request, "web/page_detail.html", context)
