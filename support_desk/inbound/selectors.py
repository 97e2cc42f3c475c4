"""What engineers and monitoring read of inbound mail."""

from django.conf import settings
from django.db.models import QuerySet

from tickets.models import InboundMail, MailboxState

from .reader import MailboxUrlInvalid, mailbox_config


def mailbox_health() -> dict:
    """The inbound mailbox as `/healthz?detail=1` shows it: off, or its last outcome and next retry."""
    if not settings.MAIL_INBOX_URL:
        return {"ok": True, "enabled": False, "detail": "inbound mail is off: MAIL_INBOX_URL is not set"}
    try:
        key = mailbox_config(settings.MAIL_INBOX_URL).key
    except MailboxUrlInvalid as exc:
        return {"ok": False, "enabled": True, "detail": str(exc)}
    state = MailboxState.objects.filter(key=key).first()
    if state is None:
        return {"ok": True, "enabled": True, "mailbox": key, "detail": "not read yet"}
    return {
        "ok": state.failures == 0,
        "enabled": True,
        "mailbox": key,
        "failures": state.failures,
        "last_ok_at": state.last_ok_at.isoformat() if state.last_ok_at else None,
        "last_error": state.last_error,
        "retry_at": state.retry_at.isoformat() if state.retry_at else None,
    }


def inbound_quarantine_list() -> QuerySet[InboundMail]:
    return InboundMail.objects.filter(status=InboundMail.Status.QUARANTINED).order_by("-received_at", "-pk")
