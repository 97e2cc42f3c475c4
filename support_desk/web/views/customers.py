"""The customer's pages: the public form, its confirmation, and the ticket behind the private link.

No account: the unguessable access token in the link is the permission. The pages carry no cache
and ask search engines not to index them.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from support_desk.lockout import client_address
from tickets.models import Ticket
from tickets.selectors import ticket_get_by_access_token
from tickets.services import (
    RATING_CHANGE_DAYS,
    attachment_add,
    customer_for_email,
    normalize_email,
    rating_changeable,
    ticket_file,
    ticket_reply,
)

from .. import selectors
from ..forms import CustomerReplyForm, TicketForm
from ..language import activate_for_requester, chosen_language
from ..presenters import SEVERITY_PLAIN, customer_promise, local_words
from ..ratelimit import REPLIES_PER_TICKET_PER_HOUR, rate_limit_hit
from ..rating_forms import RatingForm
from ..uploads import clean_name, with_limited_uploads
from .files import attachment_response

ROBOTS = "noindex, nofollow"


def _private_link(request: HttpRequest, ticket: Ticket) -> str:
    return request.build_absolute_uri(reverse("web:customer-ticket", args=[ticket.access_token]))


def _attach(message, form, now) -> None:
    upload = form.cleaned_data.get("attachment")
    if upload:
        attachment_add(
            message=message,
            file=upload,
            name=clean_name(upload.name),
            content_type=form.attachment_type,
            now=now,
        )


def _file_ticket(request: HttpRequest, form: TicketForm, now) -> Ticket:
    """The ticket and its attachment, together or not at all. The page's language is kept on the ticket
    (the emails' last fallback); a language chosen with the switcher is remembered on the requester."""
    data = form.cleaned_data
    with transaction.atomic():
        filed = ticket_file(
            subject=data["subject"],
            description=data["description"],
            severity=data["severity"],
            email=data["email"],
            name=data["name"],
            now=now,
            requester_timezone=data["timezone"],
            language=translation.get_language(),
            requester_language=chosen_language(request) or "",
        )
        _attach(filed.message, form, now)
    return filed.ticket


@require_http_methods(["GET", "HEAD", "POST"])
@with_limited_uploads
def ticket_new(request: HttpRequest, oversized: set[str]) -> HttpResponse:
    """The public form. Errors come back next to their fields with everything typed kept."""
    if request.method != "POST":
        return render(request, "web/ticket_form.html", {"form": TicketForm()})
    form = TicketForm(request.POST, request.FILES, oversized=oversized)
    now = timezone.now()
    if form.is_spam:
        form.add_error(None, _("We could not accept this form. Please try again."))
    elif form.is_valid():
        address = normalize_email(form.cleaned_data["email"])
        # The client first: one client posting many addresses (each would be emailed) is stopped before
        # it counts against any requester.
        client = client_address(request) or "unknown"
        if not rate_limit_hit(
            scope="ticket-client",
            identity=client,
            limit=settings.PUBLIC_FORM_TICKETS_PER_CLIENT_PER_HOUR,
            now=now,
        ):
            form.add_error(
                None,
                _(
                    "Many tickets came from your network in the last hour, so we cannot take another one "
                    "now. If your service is down, reply on a ticket you already filed, or try again later."
                ),
            )
            return render(request, "web/ticket_form.html", {"form": form}, status=429)
        if rate_limit_hit(
            scope="ticket",
            identity=address,
            limit=settings.PUBLIC_FORM_TICKETS_PER_REQUESTER_PER_HOUR,
            now=now,
        ):
            ticket = _file_ticket(request, form, now)  # the confirmation email goes out from the worker
            return redirect("web:ticket-received", access_token=ticket.access_token)
        form.add_error(
            "email",
            _(
                "You have filed several tickets from this address in the last hour. To add to one, "
                "reply on its page (the link is in our email), or try again later."
            ),
        )
        return render(request, "web/ticket_form.html", {"form": form}, status=429)
    return render(request, "web/ticket_form.html", {"form": form})


@require_safe
@never_cache
def ticket_received(request: HttpRequest, access_token: str) -> HttpResponse:
    """The confirmation: the reference, the promised first response in the customer's zone, the link."""
    ticket = selectors.ticket_get_for_requester(access_token=access_token)
    if ticket is None:
        raise Http404("No ticket has this link.")
    activate_for_requester(request, ticket)
    now = timezone.now()
    context = {
        "ticket": ticket,
        "language_token": ticket.access_token,
        "promise": customer_promise(ticket, now),
        "first_response_due": local_words(ticket.first_response_due_at, ticket.requester_timezone),
        "link": _private_link(request, ticket),
        "severity": SEVERITY_PLAIN[ticket.severity],
        # At a customer's domain but not a known address: the confirmation link is in their mail.
        "awaiting_confirmation": not ticket.requester_trusted
        and customer_for_email(ticket.requester.email) is not None,
    }
    response = render(request, "web/ticket_received.html", context)
    response["X-Robots-Tag"] = ROBOTS
    return response


# An incident as its customers read it: what the desk is doing about it, not its internal state.
INCIDENT_WORDS = {
    "triggered": gettext_lazy("We are investigating."),
    "acknowledged": gettext_lazy("Our engineers are working on it."),
    "resolved": gettext_lazy("Resolved."),
}


def _incident(ticket: Ticket) -> dict | None:
    """The known incident this ticket is part of, for the banner on the customer's page."""
    try:
        incident = ticket.incident_link.incident
    except ObjectDoesNotExist:
        return None
    return {
        "title": incident.title,
        "started_at": incident.started_at,
        "state": INCIDENT_WORDS[incident.status],
    }


def _rating_context(ticket: Ticket, now) -> dict:
    """The rating panel, once the latest cycle is resolved: the form holds the current rating, if any;
    no form once the rating can no longer be changed."""
    if not selectors.ticket_ratable(ticket):
        return {"ratable": False}
    current = selectors.rating_current(ticket)
    initial = {"score": current.score, "comment": current.comment} if current else {}
    return {
        "ratable": True,
        "changeable": current is None or rating_changeable(current, now),
        "current": current,
        "rating_form": RatingForm(initial=initial),
        "change_days": RATING_CHANGE_DAYS,
    }


def _customer_page(request: HttpRequest, ticket: Ticket, form: CustomerReplyForm, now) -> HttpResponse:
    activate_for_requester(request, ticket)
    context = {
        "language_token": ticket.access_token,
        "incident": _incident(ticket),
        "ticket": ticket,
        "thread": ticket.public_messages,
        "promise": customer_promise(ticket, now),
        "form": form,
        "link": _private_link(request, ticket),
        "zone": ticket.requester_timezone,
        "follow_ups": list(ticket.follow_ups.all()),
        **_rating_context(ticket, now),
    }
    response = render(request, "web/customer_ticket.html", context)
    response["X-Robots-Tag"] = ROBOTS
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@with_limited_uploads
def customer_ticket(request: HttpRequest, access_token: str, oversized: set[str]) -> HttpResponse:
    """Status, the public thread (never internal notes), the promise in words, and a reply box."""
    if request.method != "POST":
        ticket = selectors.ticket_get_for_requester(access_token=access_token)
        if ticket is None:
            raise Http404("No ticket has this link.")
        return _customer_page(request, ticket, CustomerReplyForm(), timezone.now())

    ticket = ticket_get_by_access_token(access_token=access_token)
    if ticket is None:
        raise Http404("No ticket has this link.")
    activate_for_requester(request, ticket)
    form = CustomerReplyForm(request.POST, request.FILES, oversized=oversized)
    now = timezone.now()
    if form.is_valid():
        if not rate_limit_hit(
            scope="reply", identity=ticket.access_token, limit=REPLIES_PER_TICKET_PER_HOUR, now=now
        ):
            form.add_error(None, _("You have sent many replies in the last hour; please wait a little."))
        else:
            with transaction.atomic():
                message = ticket_reply(ticket=ticket, author=None, body=form.cleaned_data["body"], now=now)
                _attach(message, form, now)
            if message.ticket_id == ticket.pk:
                messages.success(request, _("Your reply was sent."))
                return redirect("web:customer-ticket", access_token=ticket.access_token)
            follow_up = message.ticket  # filing it emailed its link (from the worker)
            messages.success(
                request,
                _(
                    "%(closed)s was closed, so your reply opened a new ticket, %(new)s. "
                    "This is its page; we emailed you its link."
                )
                % {"closed": ticket.reference, "new": follow_up.reference},
            )
            return redirect("web:customer-ticket", access_token=follow_up.access_token)
    ticket = selectors.ticket_get_for_requester(access_token=access_token)
    return _customer_page(request, ticket, form, now)


@require_safe
@never_cache
def customer_attachment(request: HttpRequest, access_token: str, attachment_id: int) -> FileResponse:
    """A file on the public thread, for whoever holds the ticket's link."""
    ticket = ticket_get_by_access_token(access_token=access_token)
    attachment = ticket and selectors.attachment_get_for_requester(ticket=ticket, attachment_id=attachment_id)
    if not attachment:
        raise Http404("No such file on this ticket.")
    return attachment_response(attachment)
