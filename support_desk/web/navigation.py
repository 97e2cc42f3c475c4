"""What the header shows a logged-in user, without a query on every page.

Whether the user is a manager is read once, at login, and kept in the session; the header's
"Reports" link follows it. It is navigation only: the report pages check the role on every request
(`manager_required`), so a manager demoted mid-session keeps a dead link until they log in again,
never access.
"""

from django.conf import settings

from escalation.roster.services.engineers import is_manager

SESSION_KEY = "web_show_reports"


def remember_role(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = is_manager(user)


def navigation(request) -> dict:
    """Context processor: `show_reports` for the header, and the languages its switcher offers (the
    desk's own, settings.DESK_LANGUAGES, to a signed-in engineer; every language to anyone else)."""
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    desk = bool(user is not None and user.is_authenticated and user.is_staff)
    languages = [
        (code, name) for code, name in settings.LANGUAGES if not desk or code in settings.DESK_LANGUAGES
    ]
    return {"show_reports": bool(session and session.get(SESSION_KEY)), "switcher_languages": languages}
