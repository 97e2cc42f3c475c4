from django.conf import settings
from django.urls import reverse

from escalation.paging.channels import twilio_client


def send(notification) -> str:
    """Send the SMS; returns Twilio's message SID."""
    client = twilio_client.client()
    try:
        message = client.messages.create(
            to=notification.recipient,
            from_=settings.TWILIO_FROM_NUMBER,
            body=notification.body,
            status_callback=twilio_client.callback_url(reverse("twilio-status")),
        )
    except Exception as exc:
        raise twilio_client.classify(exc) from exc
    return message.sid
