from django.urls import path

from escalation.paging import webhooks

urlpatterns = [
    path("twilio/status/", webhooks.status_callback, name="twilio-status"),
    path("twilio/sms/inbound/", webhooks.inbound_sms, name="twilio-sms-inbound"),
    path("twilio/voice/ack/<int:notification_id>/", webhooks.voice_acknowledge, name="twilio-voice-ack"),
]
