"""Inbound email in quarantine, as engineers see it."""

from rest_framework import serializers

from tickets.models import InboundMail

from ..fields import TicketReferenceField


class InboundMailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=InboundMail.Status.choices)
    reason = serializers.CharField(help_text="Why it was quarantined, or what releasing it did.")
    sender = serializers.CharField(help_text="The From address; empty when the message had none.")
    subject = serializers.CharField()
    message_id = serializers.CharField(help_text="Its Message-ID, without the angle brackets.")
    size = serializers.IntegerField(help_text="Bytes, as it arrived.")
    received_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)
    ticket = TicketReferenceField(source="ticket_id", allow_null=True)
