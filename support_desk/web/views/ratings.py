"""The requester rates a resolution at `/t/<token>/rate/`: the form on the private page and the links in
the resolution email land here.

A GET never records anything (mail scanners follow links): it shows the form, the score the link named
already chosen. Only the POST records. Limited per ticket like replies.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tickets.models import Score
from tickets.services import RATING_CHANGE_DAYS, RatingRefused, rating_changeable, ticket_rate

from .. import selectors
from ..language import activate_for_requester
from ..ratelimit import RATINGS_PER_TICKET_PER_HOUR, rate_limit_hit
from ..rating_forms import RatingForm
from .customers import ROBOTS

THANKS = {
    Score.GOOD: gettext_lazy("Thank you for your rating."),
    Score.BAD: gettext_lazy("Thank you: we read every bad rating."),
}


def _page(request: HttpRequest, ticket, form: RatingForm, status: int = 200) -> HttpResponse:
    current = selectors.rating_current(ticket)
    context = {
        "ticket": ticket,
        "language_token": ticket.access_token,
        "form": form,
        "current": current,
        "changeable": current is None or rating_changeable(current, timezone.now()),
        "ratable": selectors.ticket_ratable(ticket),
        "change_days": RATING_CHANGE_DAYS,
    }
    response = render(request, "web/customer_rating.html", context, status=status)
    response["X-Robots-Tag"] = ROBOTS
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def customer_rate(request: HttpRequest, access_token: str) -> HttpResponse:
    """The rating form (GET, preselected by `?score=`), or the rating recorded (POST)."""
    ticket = selectors.ticket_get_for_rating(access_token=access_token)
    if ticket is None:
        raise Http404("No ticket has this link.")
    activate_for_requester(request, ticket)
    if request.method != "POST":
        current = selectors.rating_current(ticket)
        score = request.GET.get("score")
        initial = {
            "score": score if score in Score.values else (current.score if current else None),
            "comment": current.comment if current else "",
        }
        return _page(request, ticket, RatingForm(initial=initial))
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _page(request, ticket, form, status=400)
    now = timezone.now()
    if not rate_limit_hit(
        scope="rating", identity=ticket.access_token, limit=RATINGS_PER_TICKET_PER_HOUR, now=now
    ):
        form.add_error(
            None, _("You have rated this ticket many times in the last hour; please wait a little.")
        )
        return _page(request, ticket, form, status=429)
    try:
        ticket_rate(
            ticket=ticket,
            score=form.cleaned_data["score"],
            comment=form.cleaned_data["comment"],
            now=now,
        )
    except RatingRefused as refused:
        form.add_error(None, str(refused))
        return _page(request, selectors.ticket_get_for_rating(access_token=access_token), form, status=409)
    messages.success(request, str(THANKS[form.cleaned_data["score"]]))
    return redirect("web:customer-ticket", access_token=ticket.access_token)
