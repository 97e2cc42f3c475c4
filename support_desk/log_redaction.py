"""Keep requesters' access tokens, and addresses in query strings, out of every log line (issue 15, item 6;
issue 18).

A private link (`/t/<token>/`, `/api/v1/public/tickets/<token>/`) is the key to a ticket: whoever reads
it in a log can read and answer the ticket; a statement link (`/statements/<token>/`) opens a customer's
SLA statements; a confirmation link (`/confirm/<key>/`) confirms a requester's address.
`RedactAccessTokens` rewrites such paths, wherever they appear in a line (request line, Referer, a
message, a traceback), and `token=`-style query values, to `<redacted>`. It is installed on every
handler: Django's LOGGING (settings.py), gunicorn's access and error logs (support_desk/gunicorn_conf.py)
and Celery's (support_desk/celery.py).
"""

import logging
import re

REDACTED = "<redacted>"

# The segment after a private-link prefix, whatever its length or alphabet (a mistyped token is still
# most of a token); and the value of a token-like query parameter.
_PATH_TOKEN = re.compile(r"(/t/|/api/v1/public/tickets/|/statements/|/confirm/)[^/?#\s\"'<>]+")
# An address or search words in a query (`?email=`, `?search=`) are personal data: kept out (issue 18).
_QUERY_TOKEN = re.compile(
    r"([?&;](?:access_token|access-token|token|email|search)=)[^&#\s\"'<>]+", re.IGNORECASE
)


def redact(text: str) -> str:
    """`text` with every access token replaced by `<redacted>`."""
    return _QUERY_TOKEN.sub(rf"\g<1>{REDACTED}", _PATH_TOKEN.sub(rf"\g<1>{REDACTED}", text))


class RedactAccessTokens(logging.Filter):
    """A handler filter: rewrites the record's message, traceback and stack with `redact`; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: the handler reports it as logging always has
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_on_handlers(*loggers: logging.Logger) -> None:
    """Add the filter to each handler of `loggers` that lacks it (for handlers LOGGING does not make)."""
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactAccessTokens) for f in handler.filters):
                handler.addFilter(RedactAccessTokens())
