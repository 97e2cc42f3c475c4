"""What the header shows a logged-in user, without a query on every page.

Whether the user is a manager is read once, at login, and kept in the session; the header's
"Reports" link follows it. It is navigation only: the report pages check the role on every request
(`manager_required`), so a manager demoted mid-session keeps a dead link until they log in again,
never access.
"""

from escalation.roster.services.engineers import is_manager

SESSION_KEY = "web_show_reports"


def remember_role(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = is_manager(user)


def navigation(request) -> dict:
    """Context processor: `show_reports` for the header."""
    session = getattr(request, "session", None)
    return {"show_reports": bool(session and session.get(SESSION_KEY))}
