"""The language switcher's POST (`templates/web/partials/language_switcher.html`).

Remembers the choice in the language cookie (a year), and when it comes from a ticket's page (its
access token in `token`), on the ticket's requester too, so the worker's emails speak it from then on.
Then back to the page it came from (only an address on this site).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tickets.languages import supported
from tickets.selectors import ticket_get_by_access_token
from tickets.services import requester_language_set


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = supported(request.POST.get("language"))
    if language is None:
        codes = ", ".join(code for code, _ in settings.LANGUAGES)
        return HttpResponseBadRequest(f"language: choose one of {codes}.", content_type="text/plain")
    token = request.POST.get("token", "")
    if token:
        ticket = ticket_get_by_access_token(access_token=token)
        if ticket is not None:
            requester_language_set(requester=ticket.requester, language=language)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("web:ticket-new")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
