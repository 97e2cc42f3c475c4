"""A Twilio client built from settings, with a timeout on every call."""

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from escalation.paging.channels import NotConfigured, PermanentSendError, TransientSendError

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


def configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER)


def client() -> Client:
    if not configured():
        raise NotConfigured("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER are not all set")
    http = TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS)
    twilio = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http)
    if settings.TWILIO_API_BASE_URL:
        twilio.api.base_url = settings.TWILIO_API_BASE_URL
    return twilio


def callback_url(path: str) -> str | None:
    """An absolute URL Twilio can call back on, when the public base URL is known."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else None


def classify(exc: Exception) -> Exception:
    """The send error a Twilio or transport exception stands for."""
    if isinstance(exc, TwilioRestException):
        if exc.status in RETRYABLE_STATUS or exc.status >= 500:
            return TransientSendError(f"Twilio answered {exc.status}: {exc.msg}")
        return PermanentSendError(f"Twilio refused the request ({exc.status}, code {exc.code}): {exc.msg}")
    # requests' timeouts and connection errors, and anything else on the wire
    return TransientSendError(f"{type(exc).__name__}: {exc}")
