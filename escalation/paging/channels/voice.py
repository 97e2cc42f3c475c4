from django.conf import settings
from django.urls import reverse
from twilio.twiml.voice_response import Gather, VoiceResponse

from escalation.paging.channels import twilio_client


def twiml(message, ack_notification_id: int | None = None) -> str:
    """Read the page aloud (its spoken body: ticket, severity, the deadline in the recipient's zone);
    pressing 1 acknowledges it (a grouped page: every ticket on it, through one of its notifications)."""
    words = f"{message.body} Press 1 to acknowledge."
    response = VoiceResponse()
    ack_id = ack_notification_id if ack_notification_id is not None else message.pk
    action = twilio_client.callback_url(reverse("twilio-voice-ack", args=[ack_id]))
    gather = Gather(num_digits=1, timeout=10, **({"action": action, "method": "POST"} if action else {}))
    gather.say(words)
    gather.pause(length=1)
    gather.say(words)
    response.append(gather)
    response.say("No key pressed. The page stays open.")
    return str(response)


def send(message, ack_notification_id: int | None = None) -> str:
    """Place the call; returns Twilio's call SID."""
    return twilio_client.create(
        lambda twilio: twilio.calls.create(
            to=message.recipient,
            from_=settings.TWILIO_FROM_NUMBER,
            twiml=twiml(message, ack_notification_id),
            status_callback=twilio_client.callback_url(reverse("twilio-status")),
        )
    )
