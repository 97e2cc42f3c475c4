"""Twilio webhooks: delivery status callbacks, inbound SMS (ACK) and the voice keypress.

Every request must carry a valid `X-Twilio-Signature` for the URL Twilio called; anything else is 403
and changes nothing. Each request acts once per MessageSid / CallSid (`twilio_webhook_once`): Twilio's
retries and replayed requests get the first answer and change nothing.
"""

import functools
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from .models import TwilioWebhookReceipt as Receipt
from .services.acknowledgements import acknowledge_by_phone, acknowledge_notification
from .services.notifications import notification_status_update
from .services.webhooks import twilio_webhook_once

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


def _missing_sid() -> HttpResponse:
    return HttpResponseBadRequest("missing Twilio SID")


@twilio_signed
def status_callback(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid") or request.POST.get("CallSid") or ""
    status = request.POST.get("MessageStatus") or request.POST.get("CallStatus") or ""
    if not sid:
        return _missing_sid()

    def act() -> str:
        notification_status_update(
            provider_id=sid, provider_status=status, error=request.POST.get("ErrorCode", ""), now=now
        )
        return ""

    now = timezone.now()
    # One message or call reports several statuses (sent, then delivered): each is acted on once.
    twilio_webhook_once(kind=Receipt.Kind.STATUS, sid=sid, detail=status.lower()[:40], now=now, act=act)
    return HttpResponse(status=204)


@twilio_signed
def inbound_sms(request: HttpRequest) -> HttpResponse:
    sid = request.POST.get("MessageSid", "")
    if not sid:
        return _missing_sid()
    body = request.POST.get("Body", "").strip()
    now = timezone.now()

    def act() -> str:
        response = MessagingResponse()
        if body.upper().startswith("ACK"):
            escalation = acknowledge_by_phone(phone=request.POST.get("From", ""), text=body, now=now)
            if escalation is None:
                response.message("Support Desk: nothing to acknowledge for this number.")
            else:
                response.message(
                    f"Support Desk: acknowledged {escalation.ticket.reference}. The SLA clock keeps running."
                )
        else:
            response.message("Support Desk: reply ACK (or ACK SD-1234) to acknowledge a page.")
        return str(response)

    return _twiml(twilio_webhook_once(kind=Receipt.Kind.SMS, sid=sid, now=now, act=act))


@twilio_signed
def voice_acknowledge(request: HttpRequest, notification_id: int) -> HttpResponse:
    sid = request.POST.get("CallSid", "")
    if not sid:
        return _missing_sid()
    now = timezone.now()

    def act() -> str:
        response = VoiceResponse()
        if request.POST.get("Digits") == "1":
            escalation = acknowledge_notification(notification_id=notification_id, now=now)
            response.say("Acknowledged. Thank you." if escalation else "This page was already acknowledged.")
        else:
            response.say("Not acknowledged. Goodbye.")
        return str(response)

    # The call's keypress on this page's gather; another gather in the same call is another request.
    answer = twilio_webhook_once(
        kind=Receipt.Kind.GATHER, sid=sid, detail=str(notification_id), now=now, act=act
    )
    return _twiml(answer)
