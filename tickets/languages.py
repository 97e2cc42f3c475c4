"""Which language the desk speaks to a requester. Pure: no ORM, no clock, no request.

The order (issue 17): the requester's own choice (the switcher on the customer's pages, remembered in a
cookie and on the requester), else the language their customer set for them as a contact, else what
their browser asked for (Accept-Language, negotiated by Django; kept on the ticket as it was when they
filed, for the emails), else English. Codes are settings.LANGUAGES' (`ja`, `zh-hans`, `pt-br`...).
"""

from .models import ContactLanguage

DEFAULT_LANGUAGE = ContactLanguage.ENGLISH.value


def supported(code: str | None) -> str | None:
    """`code` when the desk speaks it (any case, `pt_BR` or `pt-br`), else None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    return code if code in ContactLanguage.values else None


def requester_language(*, chosen: str | None, contact: str | None, negotiated: str | None) -> str:
    """The first of the requester's choice, their contact setting and the negotiated language that
    the desk speaks; English when none."""
    for candidate in (chosen, contact, negotiated):
        code = supported(candidate)
        if code is not None:
            return code
    return DEFAULT_LANGUAGE
