"""Twilio webhooks: delivery status callbacks, inbound SMS (ACK) and the voice keypress.

Every request must carry a valid `X-Twilio-Signature` for the URL Twilio called; anything else is 403
and changes nothing. Each request acts once per MessageSid / CallSid (`twilio_webhook_once`): Twilio's
retries and replayed requests get the first answer and change nothing.
"""

import functools
import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from escalation.paging.models import TwilioWebhookReceipt as Receipt
from escalation.paging.services.acknowledgements import (
    acknowledge_call,
    acknowledge_group_by_phone,
    acknowledge_incident_by_phone,
    acknowledge_incident_call,
)
from escalation.paging.services.notifications import PROVIDER_STATUS, notification_status_update
from escalation.paging.services.webhooks import twilio_webhook_once

logger = logging.getLogger(__name__)


def _called_url(request: HttpRequest) -> str:
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
    return request.build_absolute_uri()


def twilio_signed(view):
    """Refuse (403) any request whose Twilio signature does not match the URL and form parameters."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        signature = request.headers.get("X-Twilio-Signature", "")
        token = settings.TWILIO_AUTH_TOKEN
        if not token or not signature:
            return HttpResponseForbidden("missing Twilio signature")
        params = {key: request.POST.get(key) for key in request.POST}
        if not RequestValidator(token).validate(_called_url(request), params, signature):
            logger.warning(
                "refused a Twilio webhook with a bad signature from %s", request.META.get("REMOTE_ADDR")
            )
            return HttpResponseForbidden("bad Twilio signature")
        return view(request, *args, **kwargs)

    return csrf_exempt(require_POST(wrapper))


def _twiml(answer: str) -> HttpResponse:
    return HttpResponse(answer, content_type="application/xml")


# Twilio's SIDs: a two-letter prefix (SM, MM, CA...) and 32 hex digits. Anything else is refused before
# it reaches a query (a NUL, say, which PostgreSQL refuses with an error).
TWILIO_SID = re.compile(r"[A-Za-z]{2}[0-9a-fA-F]{32}", re.ASCII)


def _sid(request: HttpRequest, *names: str) -> str | None:
    """The first of these SID parameters that is present, if it is a well-formed Twilio SID."""
    sid = next((request.POST[name] for name in names if request.POST.get(name)), "")
    return sid if TWILIO_SID.fullmatch(sid) else None


def _bad_sid() -> HttpResponse:
    return HttpResponseBadRequest("missing or malformed Twilio SID")


@twilio_signed
def status_callback(request: HttpRequest) -> HttpResponse:
    sid = _sid(request, "MessageSid", "CallSid")
    if sid is None:
        return _bad_sid()
    status = (request.POST.get("MessageStatus") or request.POST.get("CallStatus") or "").lower()
    if status not in PROVIDER_STATUS:
        return HttpResponse(status=204)  # a status we do not track: nothing to record
    error = request.POST.get("ErrorCode", "")
    error = error if error.isascii() and error.isdigit() and len(error) <= 10 else ""  # Twilio's are numbers

    now = timezone.now()

    def act() -> str:
        notification_status_update(provider_id=sid, provider_status=status, error=error, now=now)
        return ""

    # One message or call reports several statuses (sent, then delivered): each is acted on once.
    twilio_webhook_once(kind=Receipt.Kind.STATUS, sid=sid, detail=status, now=now, act=act)
    return HttpResponse(status=204)


REFERENCES_NAMED = 3


def _tickets_words(escalations) -> str:
    """`SD-1001`, or `12 tickets (SD-1001, SD-1002, SD-1003 and 9 more)` for a grouped page."""
    references = list(dict.fromkeys(e.ticket.reference for e in escalations))
    if len(references) == 1:
        return references[0]
    named = ", ".join(references[:REFERENCES_NAMED])
    more = f" and {len(references) - REFERENCES_NAMED} more" if len(references) > REFERENCES_NAMED else ""
    return f"{len(references)} tickets ({named}{more})"


@twilio_signed
def inbound_sms(request: HttpRequest) -> HttpResponse:
    sid = _sid(request, "MessageSid")
    if sid is None:
        return _bad_sid()
    body = request.POST.get("Body", "").strip()
    now = timezone.now()

    def act() -> str:
        response = MessagingResponse()
        if body.upper().startswith("ACK"):
            escalations = acknowledge_group_by_phone(phone=request.POST.get("From", ""), text=body, now=now)
            incident = (
                None
                if escalations
                else acknowledge_incident_by_phone(phone=request.POST.get("From", ""), now=now)
            )
            if incident is not None:
                response.message(f"Support Desk: acknowledged incident {incident} and its tickets' pages.")
            elif not escalations:
                response.message("Support Desk: nothing to acknowledge for this number.")
            else:
                response.message(f"Support Desk: acknowledged {_tickets_words(escalations)}. "
                                 "The SLA clock keeps running.")  # fmt: skip
        else:
            response.message("Support Desk: reply ACK (or ACK SD-1234) to acknowledge a page.")
        return str(response)

    return _twiml(twilio_webhook_once(kind=Receipt.Kind.SMS, sid=sid, now=now, act=act))


@twilio_signed
def voice_acknowledge(request: HttpRequest, notification_id: int) -> HttpResponse:
    sid = _sid(request, "CallSid")
    if sid is None:
        return _bad_sid()
    now = timezone.now()

    def act() -> str:
        response = VoiceResponse()
        if request.POST.get("Digits") == "1":
            escalations = acknowledge_call(notification_id=notification_id, now=now)
            incident = (
                None if escalations else acknowledge_incident_call(notification_id=notification_id, now=now)
            )
            if incident is not None:
                response.say(f"Incident {incident} acknowledged. Thank you.")
            elif len(escalations) > 1:
                response.say(f"Acknowledged {len(escalations)} tickets. Thank you.")
            else:
                words = "Acknowledged. Thank you." if escalations else "This page was already acknowledged."
                response.say(words)
        else:
            response.say("Not acknowledged. Goodbye.")
        return str(response)

    # The call's keypress on this page's gather; another gather in the same call is another request.
    answer = twilio_webhook_once(
        kind=Receipt.Kind.GATHER, sid=sid, detail=str(notification_id), now=now, act=act
    )
    return _twiml(answer)
