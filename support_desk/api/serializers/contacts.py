"""A customer's contacts: who the desk tells of incidents, in which language and timezone."""

from rest_framework import serializers

from tickets.models import ContactLanguage

from ..fields import TimeZoneField


class CustomerContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(help_text="Lower-cased.")
    name = serializers.CharField()
    language = serializers.ChoiceField(choices=ContactLanguage.choices)
    timezone = TimeZoneField()
    notify_incidents = serializers.BooleanField()


class CustomerContactWriteSerializer(serializers.Serializer):
    email = serializers.EmailField(
        max_length=254, help_text="Stored lower-cased; a customer has each address once at most, in any case."
    )
    name = serializers.CharField(max_length=200, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=ContactLanguage.choices,
        default=ContactLanguage.ENGLISH,
        help_text="The language the desk writes to them in.",
    )
    timezone = TimeZoneField(default="UTC", help_text="Times in emails to them are in this IANA zone.")
    notify_incidents = serializers.BooleanField(
        default=True, help_text="Told of incidents that affect the customer (the notice and public updates)."
    )
