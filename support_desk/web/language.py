"""Which language a page speaks (issue 17).

Django's LocaleMiddleware, with two changes:

- The engineers' pages (a signed-in staff user) stay in English unless the engineer chose a language
  with the header's switcher (the language cookie): their browser's Accept-Language is not asked.
- Anyone else: the cookie (the switcher's choice), else Accept-Language, as Django does.
- The REST API and the admin: always English. A customer page
  about one ticket then refines this with what is known of its requester (`activate_for_requester`):
  the order is `tickets.languages`'.

The switcher (`set_language` below) remembers the choice in the cookie and, on a ticket's page, on its
requester too, so the worker's emails follow it.
"""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _

from tickets.languages import requester_language, supported
from tickets.models import Requester, Ticket


def chosen_language(request: HttpRequest) -> str | None:
    """The language the visitor chose with the switcher (the cookie), when the desk speaks it."""
    return supported(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))


def _is_desk_user(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


# The REST API and the admin answer in English whatever the client asks: integrations parse messages
# and enum labels, and one language for them is the contract (docs/decisions.md, "Languages").
ENGLISH_ONLY_PREFIXES = ("/api/", "/admin/")


class DeskLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith(ENGLISH_ONLY_PREFIXES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
            return
        language = chosen_language(request)
        if language is None:
            if _is_desk_user(request):
                language = settings.LANGUAGE_CODE
            else:
                language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def negotiated_language(request: HttpRequest) -> str:
    """What the browser asked for (Accept-Language), as Django negotiates it."""
    return translation.get_language_from_request(request, check_path=False)


def activate_for_requester(request: HttpRequest, ticket: Ticket) -> str:
    """On a page of `ticket` for its requester: speak the requester's language (the switcher's cookie,
    else their remembered choice, else their contact setting, else Accept-Language). `ticket` comes from
    a selector that annotates `contact_language` (no query here)."""
    language = requester_language(
        chosen=chosen_language(request) or ticket.requester.language,
        contact=getattr(ticket, "contact_language", None),
        negotiated=negotiated_language(request),
    )
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()
    return request.LANGUAGE_CODE


def activate_for_address(request: HttpRequest, requester: Requester) -> str:
    """As `activate_for_requester`, for a page about a requester's address (the confirmation link),
    where no ticket names a customer contact: the cookie, their remembered choice, Accept-Language."""
    language = requester_language(
        chosen=chosen_language(request) or requester.language,
        contact=None,
        negotiated=negotiated_language(request),
    )
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()
    return request.LANGUAGE_CODE


def requester_language_words(ticket: Ticket) -> str:
    """For the engineer: the language the desk speaks to `ticket`'s requester and why (`日本語 (ja),
    their choice`); `ticket` annotated with `contact_language` (web selectors)."""
    names = dict(settings.LANGUAGES)
    contact = getattr(ticket, "contact_language", None)
    code = requester_language(chosen=ticket.requester.language, contact=contact, negotiated=ticket.language)
    if supported(ticket.requester.language):
        why = _("their choice")
    elif supported(contact):
        why = _("their contact setting")
    elif supported(ticket.language):
        why = _("their browser")
    else:
        why = _("the default")
    return f"{names[code]} ({code}), {why}"
