"""A requester confirms their address by the link emailed to it (issue 15: trusted requesters).

The link's GET only shows what confirming does, behind a button: mail scanners and link previews follow
links, and must not confirm anything. The POST confirms (CSRF-protected) and comes back to the page,
which then lists the tickets now on the customer's plan.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tickets.models import Status, Ticket
from tickets.services import ConfirmationLinkInvalid, confirmation_requester, requester_confirm

from ..language import activate_for_address
from ..presenters import local_words

ROBOTS = "noindex, nofollow"


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def requester_confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        requester = confirmation_requester(token)
    except ConfirmationLinkInvalid as invalid:
        response = render(request, "web/confirm_address.html", {"error": str(invalid)}, status=400)
        response["X-Robots-Tag"] = ROBOTS
        return response
    activate_for_address(request, requester)
    if request.method == "POST":
        upgraded = requester_confirm(requester=requester, actor=None, now=timezone.now())
        text = _("Thank you: your address is confirmed.")
        if upgraded:
            text += " " + ngettext(
                "%(count)d open ticket now runs on your organization's plan.",
                "%(count)d open tickets now run on your organization's plan.",
                len(upgraded),
            ) % {"count": len(upgraded)}
        messages.success(request, text)
        return redirect("web:requester-confirm", token=token)
    tickets = list(
        Ticket.objects.filter(requester=requester)
        .exclude(status=Status.CLOSED)
        .select_related("customer")
        .order_by("-created_at")[:20]
    )
    rows = [
        {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "plan": ticket.get_plan_display(),
            "trusted": ticket.requester_trusted,
            "first_response_due": local_words(ticket.first_response_due_at, ticket.requester_timezone)
            if ticket.first_responded_at is None
            else None,
        }
        for ticket in tickets
    ]
    context = {"requester": requester, "confirmed": requester.confirmed_at is not None, "tickets": rows}
    response = render(request, "web/confirm_address.html", context)
    response["X-Robots-Tag"] = ROBOTS
    return response
