"""Integrations (alert senders) and the incidents their alerts open."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from escalation.incidents.models import Impact, IncidentStatus, Kind
from escalation.incidents.services.incidents import UPDATE_MAX_LENGTH
from escalation.incidents.severity import SOURCE_SEVERITIES, validate_severity_map
from escalation.roster.services.engineers import is_engineer
from tickets.models import Customer, Severity


class CustomerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IntegrationSerializer(serializers.Serializer):
    """An integration as listed: never its key, only the key's first characters to tell keys apart."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    key_prefix = serializers.CharField(help_text="The first 8 characters of the key, to recognise it.")
    enabled = serializers.BooleanField()
    customer_label = serializers.CharField()
    default_customer = CustomerRefSerializer(allow_null=True)
    severity_map = serializers.DictField(child=serializers.CharField(allow_null=True))
    auto_resolve = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class IntegrationWithKeySerializer(IntegrationSerializer):
    key = serializers.CharField(help_text="Shown in this answer only; stored hashed.")


def _validate_severity_map(value):
    try:
        validate_severity_map(value)
    except DjangoValidationError as refused:
        raise serializers.ValidationError(refused.messages) from None
    return value


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            source: {"type": "string", "enum": [*Severity.values, None], "nullable": True}
            for source in SOURCE_SEVERITIES
        },
        "additionalProperties": False,
        "example": {"warning": "urgent", "info": None},
    }
)
class SeverityMapField(serializers.JSONField):
    """The source severities an integration maps, each to a ticket severity or null (none: no ticket)."""


class IntegrationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Kind.choices)
    customer_label = serializers.RegexField(
        r"^[A-Za-z_][A-Za-z0-9_]{0,99}$",
        default="customer",
        help_text="The alert label (Alertmanager) or custom_details key (Events v2) naming the customer.",
    )
    default_customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), allow_null=True, default=None
    )
    severity_map = SeverityMapField(
        required=False,
        help_text='critical/error/warning/info to a ticket severity or null, e.g. {"warning": "urgent"}.',
    )
    auto_resolve = serializers.BooleanField(default=False)
    enabled = serializers.BooleanField(default=True)

    def validate_severity_map(self, value):
        return _validate_severity_map(value)


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    severity = serializers.ChoiceField(
        choices=Severity.choices, allow_null=True, help_text="null: only info alerts, recorded."
    )
    impact = serializers.ChoiceField(choices=Impact.choices)
    started_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    impact_ended_at = serializers.DateTimeField(allow_null=True)
    dedup_key = serializers.CharField()
    integration = serializers.SerializerMethodField()
    customers = CustomerRefSerializer(many=True, source="customers.all")
    tickets = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField()
    commander = serializers.SerializerMethodField(help_text="The commander's username, or null.")

    def get_integration(self, incident) -> dict:
        return {"id": incident.integration_id, "name": incident.integration.name}

    def get_commander(self, incident) -> str | None:
        return incident.commander.username if incident.commander_id else None

    def get_tickets(self, incident) -> list[str]:
        """References of its tickets: those opened for its customers, then those linked to it."""
        return [link.ticket.reference for link in incident.ticket_links.all()]

    def get_alerts(self, incident) -> dict:
        return {
            "count": incident.alert_count,
            "last_received_at": serializers.DateTimeField().to_representation(incident.last_alert_at)
            if incident.last_alert_at
            else None,
        }


class IncidentWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[IncidentStatus.ACKNOWLEDGED, IncidentStatus.RESOLVED])
    impact = serializers.ChoiceField(choices=Impact.choices)
    commander = serializers.CharField(
        max_length=150, allow_null=True, help_text="An engineer's username (paged at once); null for nobody."
    )
    customers = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        many=True,
        help_text="The affected customers' ids (all of them: a replacement); each new one gets its ticket "
        "and its contacts a notice.",
    )
    public_update = serializers.CharField(
        max_length=UPDATE_MAX_LENGTH,
        trim_whitespace=True,
        help_text="Posted as a public reply on every linked ticket that is not closed, and emailed to the "
        "affected customers' incident contacts. With `status: resolved` it is the final word.",
    )
    resolve_tickets = serializers.BooleanField(
        help_text="With `status: resolved`: resolve every linked ticket too (after the update).",
    )
    started_at = serializers.DateTimeField(
        help_text="Managers: correct the impact window's start (needs `reason`)."
    )
    impact_ended_at = serializers.DateTimeField(
        allow_null=True, help_text="Managers: correct the impact window's end, or null (needs `reason`)."
    )
    reason = serializers.CharField(
        max_length=500, help_text="Why the impact window changes; kept on the incident's timeline."
    )

    def validate(self, attrs):
        window = {"started_at", "impact_ended_at"} & set(attrs)
        if window and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": ["Say why the impact window changes."]})
        if "reason" in attrs and not window:
            raise serializers.ValidationError(
                {"reason": ["A reason goes with started_at or impact_ended_at."]}
            )
        if attrs.get("resolve_tickets") and attrs.get("status") != IncidentStatus.RESOLVED:
            raise serializers.ValidationError({"resolve_tickets": ["Only together with status: resolved."]})
        return attrs

    def validate_commander(self, username):
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not is_engineer(user):
            raise serializers.ValidationError(f"{username} is not an active engineer.")
        return user


class TicketIncidentSerializer(serializers.Serializer):
    incident = serializers.IntegerField(
        allow_null=True, min_value=1, help_text="The incident to link the ticket to; null unlinks it."
    )


class TicketIncidentLinkSerializer(serializers.Serializer):
    ticket = serializers.CharField(help_text="The ticket's reference.")
    incident = serializers.IntegerField(allow_null=True)


class AlertmanagerAcceptedSerializer(serializers.Serializer):
    status = serializers.CharField()
    alerts = serializers.IntegerField(help_text="Alerts in the post.")
    opened = serializers.IntegerField(help_text="Incidents opened.")
    reopened = serializers.IntegerField(help_text="Resolved incidents reopened (flapping).")
    ignored = serializers.IntegerField(help_text="Resolves for keys without an incident.")


class EventAcceptedSerializer(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    dedup_key = serializers.CharField()


class EventRefusedSerializer(serializers.Serializer):
    """PagerDuty's error shape, which Events v2 senders log."""

    status = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())
