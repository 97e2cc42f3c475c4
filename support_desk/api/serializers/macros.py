"""Canned replies (macros), and one filled in for a ticket."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.macros import PLACEHOLDERS
from tickets.models import MACRO_BODY_MAX_LENGTH, MACRO_NAME_MAX_LENGTH
from tickets.services.macros import MACRO_STATUS_CHOICES

from .tickets import USERNAME

STATUS_CHOICES = MACRO_STATUS_CHOICES
PLACEHOLDER_HELP = "Placeholders, replaced when the macro is used on a ticket: " + "; ".join(
    f"`{{{{{name}}}}}`: {words}" for name, words in PLACEHOLDERS.items()
)


class MacroSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    body = serializers.CharField(help_text=PLACEHOLDER_HELP)
    status = serializers.ChoiceField(
        choices=STATUS_CHOICES, allow_null=True, help_text="The status a reply with it sets; null: none."
    )
    shared = serializers.BooleanField(help_text="Every engineer sees it; only managers change it.")
    owner = serializers.SerializerMethodField(help_text="Whose personal macro it is; null: shared.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, macro):
        data = super().to_representation(macro)
        data["status"] = macro.status or None
        return data

    @extend_schema_field(USERNAME)
    def get_owner(self, macro) -> str | None:
        return macro.owner.get_username() if macro.owner_id else None


class MacroWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=MACRO_NAME_MAX_LENGTH)
    body = serializers.CharField(max_length=MACRO_BODY_MAX_LENGTH, help_text=PLACEHOLDER_HELP)
    status = serializers.ChoiceField(
        choices=STATUS_CHOICES,
        allow_null=True,
        required=False,
        help_text="The status to set with the reply; null or absent: none.",
    )
    shared = serializers.BooleanField(
        required=False,
        help_text="Shared with every engineer (managers only) or personal (default): only you see it.",
    )

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if "status" in values:
            values["status"] = values["status"] or ""
        if not self.partial:
            values.setdefault("status", "")
            values.setdefault("shared", False)
        return values


class RenderQuerySerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=30, help_text="The ticket's reference, e.g. SD-1042.")


class RenderedMacroSerializer(serializers.Serializer):
    macro = serializers.IntegerField()
    ticket = serializers.CharField(help_text="The ticket's reference.")
    body = serializers.CharField(help_text="The body with its placeholders filled in for the ticket.")
    status = serializers.ChoiceField(choices=STATUS_CHOICES, allow_null=True)
