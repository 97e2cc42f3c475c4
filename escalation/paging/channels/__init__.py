"""Notification channels as small backends: SMS and voice through Twilio, email through Django's mail.

Each backend's `send(notification)` returns the provider's id (or "") and raises `TransientSendError`
for failures worth retrying (timeouts, 5xx, rate limits) and `PermanentSendError` for the rest.
"""


class SendError(Exception):
    pass


class TransientSendError(SendError):
    """Worth retrying: a timeout, a 5xx or a rate limit."""


class PermanentSendError(SendError):
    """Retrying will not help: a bad number, a refused request."""


class NotConfigured(SendError):
    """The provider has no credentials here: record and log, do not send."""


class RateLimited(TransientSendError):
    """Twilio (or our own limit per sender number) says wait: nothing was sent; try after `retry_after`."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SenderBusy(RateLimited):
    """Our own limit: the sender number's next free slot is too far off. Nothing reached Twilio."""
