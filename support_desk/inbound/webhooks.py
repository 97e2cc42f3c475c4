"""Inbound email by webhook (optional): the big providers' inbound routes through django-anymail, for a
deployment without an IMAP mailbox. Anymail checks the provider's signature (and WEBHOOK_SECRET's basic
auth) and hands over the message; it is handled exactly as one read from the mailbox
(`inbound_mail_handle`): once per Message-ID, so a provider's retry changes nothing. An error answers
500, and the provider tries again later: the message is not lost.

Mounted at /anymail/ only when MAIL_INBOUND_WEBHOOKS is on (README "Configuration")."""

from django.urls import include, path
from django.utils import timezone

from .services import inbound_mail_handle


def inbound_webhook_received(sender, event, esp_name: str, **kwargs) -> None:
    """Anymail's `inbound` signal: one message from provider `esp_name`."""
    inbound_mail_handle(raw=event.message.as_bytes(), mailbox=f"webhook:{esp_name}"[:200], now=timezone.now())


def webhook_urlpatterns() -> list:
    return [path("anymail/", include("anymail.urls"))]
