"""Twilio webhooks act once: the first request for a (kind, SID, detail) is recorded and acted on in one
transaction; a retry or a replay finds the record (the `twilio_webhook_once` constraint decides, even
between concurrent requests) and gets the first answer back, changing nothing."""

from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction

from escalation.paging.models import TwilioWebhookReceipt


@transaction.atomic
def twilio_webhook_once(
    *, kind: str, sid: str, detail: str = "", now: datetime, act: Callable[[], str]
) -> str:
    """Run `act` (which returns the answer to send) unless this webhook was acted on before; the answer.

    A failure inside `act` rolls the receipt back with everything else, so Twilio's retry is acted on.
    """
    try:
        with transaction.atomic():
            receipt = TwilioWebhookReceipt.objects.create(kind=kind, sid=sid, detail=detail, received_at=now)
    except IntegrityError:
        # Acted on before (or just now by a concurrent delivery, which committed before this insert failed).
        return (
            TwilioWebhookReceipt.objects.filter(kind=kind, sid=sid, detail=detail)
            .values_list("response", flat=True)
            .first()
            or ""
        )
    receipt.response = act()
    receipt.save(update_fields=["response"])
    return receipt.response
