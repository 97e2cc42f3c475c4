from django.conf import settings
from django.urls import reverse
from twilio.twiml.voice_response import Gather, VoiceResponse

from escalation.paging.channels import twilio_client


def twiml(notification) -> str:
    """Read the page aloud (its spoken body: ticket, severity, the deadline in the recipient's zone);
    pressing 1 acknowledges it."""
    words = f"{notification.body} Press 1 to acknowledge."
    response = VoiceResponse()
    action = twilio_client.callback_url(reverse("twilio-voice-ack", args=[notification.pk]))
    gather = Gather(num_digits=1, timeout=10, **({"action": action, "method": "POST"} if action else {}))
    gather.say(words)
    gather.pause(length=1)
    gather.say(words)
    response.append(gather)
    response.say("No key pressed. The page stays open.")
    return str(response)


def send(notification) -> str:
    """Place the call; returns Twilio's call SID."""
    client = twilio_client.client()
    try:
        call = client.calls.create(
            to=notification.recipient,
            from_=settings.TWILIO_FROM_NUMBER,
            twiml=twiml(notification),
            status_callback=twilio_client.callback_url(reverse("twilio-status")),
        )
    except Exception as exc:
        raise twilio_client.classify(exc) from exc
    return call.sid
