"""A Twilio client built from settings, with a timeout on every call, and Twilio's own rate limits kept:
at most TWILIO_MESSAGES_PER_SECOND messages (SMS and calls) per sender number across every worker, and
none before a 429's `Retry-After` has passed (`rate_limit.py`)."""

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from escalation.paging.channels import (
    NotConfigured,
    PermanentSendError,
    RateLimited,
    SenderBusy,
    TransientSendError,
    rate_limit,
)

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}
TOO_MANY_REQUESTS = 429
# A 429 without a usable Retry-After holds nothing back: the send is retried with backoff, like a 503.
RETRY_AFTER_DEFAULT_SECONDS = 0.0
RETRY_AFTER_MAX_SECONDS = 3600.0


class HeaderKeepingHttpClient(TwilioHttpClient):
    """Keeps the last response's headers: TwilioRestException does not carry them, and a 429's
    `Retry-After` is in them."""

    last_headers: dict

    def request(self, *args, **kwargs):
        self.last_headers = {}
        response = super().request(*args, **kwargs)
        self.last_headers = dict(response.headers or {})
        return response


def configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER)


def client() -> Client:
    if not configured():
        raise NotConfigured("TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER are not all set")
    http = HeaderKeepingHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS)
    twilio = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http)
    if settings.TWILIO_API_BASE_URL:
        twilio.api.base_url = settings.TWILIO_API_BASE_URL
    return twilio


def callback_url(path: str) -> str | None:
    """An absolute URL Twilio can call back on, when the public base URL is known."""
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else None


def retry_after_seconds(value: str | None, *, now_timestamp: float) -> float:
    """`Retry-After` in seconds: a number of seconds or an HTTP date; the default when absent or odd."""
    value = (value or "").strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - now_timestamp
        except (TypeError, ValueError, IndexError, OverflowError):
            seconds = RETRY_AFTER_DEFAULT_SECONDS
    if seconds != seconds:  # NaN
        seconds = RETRY_AFTER_DEFAULT_SECONDS
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_SECONDS)


def classify(exc: Exception, twilio: Client | None = None, *, now_timestamp: float = 0.0) -> Exception:
    """The send error a Twilio or transport exception stands for. A 429 is `RateLimited`, carrying how
    long Twilio asked us to wait."""
    if isinstance(exc, TwilioRestException):
        if exc.status == TOO_MANY_REQUESTS:
            headers = getattr(getattr(twilio, "http_client", None), "last_headers", None) or {}
            retry_after = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
            wait = retry_after_seconds(retry_after, now_timestamp=now_timestamp)
            return RateLimited(f"Twilio answered 429 (retry after {wait:g} s): {exc.msg}", retry_after=wait)
        if exc.status in RETRYABLE_STATUS or exc.status >= 500:
            return TransientSendError(f"Twilio answered {exc.status}: {exc.msg}")
        return PermanentSendError(f"Twilio refused the request ({exc.status}, code {exc.code}): {exc.msg}")
    # requests' timeouts and connection errors, and anything else on the wire
    return TransientSendError(f"{type(exc).__name__}: {exc}")


def create(request: Callable[[Client], object]) -> str:
    """Make one create request (a message or a call) from our number within Twilio's limits; the SID.

    Waits for the sender number's next send slot; a 429 holds the number for its `Retry-After`, for every
    worker, and raises `RateLimited`.
    """
    twilio = client()
    sender = settings.TWILIO_FROM_NUMBER
    rate_limit.wait_for_slot(sender)
    try:
        created = request(twilio)
    except Exception as exc:
        now_timestamp = time.time()
        error = classify(exc, twilio, now_timestamp=now_timestamp)
        if isinstance(error, RateLimited) and not isinstance(error, SenderBusy) and error.retry_after > 0:
            rate_limit.hold(sender, seconds=error.retry_after, now_timestamp=now_timestamp)
        raise error from exc
    return created.sid
