from django.conf import settings
from django.urls import reverse

from escalation.paging.channels import twilio_client


def send(message) -> str:
    """Send the SMS (a notification or a page: anything with `recipient` and `body`); Twilio's SID."""
    return twilio_client.create(
        lambda twilio: twilio.messages.create(
            to=message.recipient,
            from_=settings.TWILIO_FROM_NUMBER,
            body=message.body,
            status_callback=twilio_client.callback_url(reverse("twilio-status")),
        )
    )
