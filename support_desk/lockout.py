"""Login lockout (django-axes): who a login attempt counts against, what a locked-out client sees, and
what a successful login clears.

Axes counts every failed `authenticate()` (the engineers' login page, the admin's, the API token
endpoint) against the username typed and the client address; LOGIN_FAILURE_LIMIT failures against
either refuse every login for it, the right password included, until LOGIN_LOCKOUT_MINUTES have passed
since the last failure or a manager deletes the access attempts in the admin (Axes, Access attempts).
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

LOCKED_OUT_STATUS = 429


def client_address(request: HttpRequest) -> str | None:
    """The client's address exactly as the API throttles see it: `REST_FRAMEWORK["NUM_PROXIES"]`
    (API_NUM_PROXIES) decides how much of X-Forwarded-For to trust (0: only the socket's peer)."""
    return BaseThrottle().get_ident(request) or None


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The username an attempt counts against, stripped and case-folded: `Lena` and `lena ` are one
    username to the lockout, so changing the letter case does not buy an attacker more guesses."""
    if credentials:
        value = credentials.get("username")
    else:
        data = getattr(request, "data", None)
        value = (data if hasattr(data, "get") else request.POST).get("username")
    return value.strip().casefold() if isinstance(value, str) else None


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"Too many failed logins for this username or from this address: logins are refused for "
        f"{minutes} minutes, even with the right password. A manager can lift the lockout sooner."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page the form already rendered (the lockout message in its
    errors, the username kept), answered with 429; anything else gets the message as text."""
    if (
        original_response is not None
        and original_response.status_code == 200
        and original_response.get("Content-Type", "").startswith("text/html")
    ):
        original_response.status_code = LOCKED_OUT_STATUS
        return original_response
    return HttpResponse(lockout_message(), status=LOCKED_OUT_STATUS, content_type="text/plain; charset=utf-8")


def lockout_reset_for_username(sender, request, user, **kwargs) -> None:
    """A successful login clears the failures counted against its username, from every address.

    Not Axes's own AXES_RESET_ON_SUCCESS: that also deletes every failure counted from the login's
    address, whatever username they tried, so an attacker with any working login could wipe the count
    of their guesses at other people's passwords by logging in to their own account between them."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.filter(
        username=lockout_username(request, {"username": user.get_username()})
    ).delete()
