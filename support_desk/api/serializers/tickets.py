"""Tickets as engineers and integrations see them, and as their requester sees them."""

from functools import cached_property

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from escalation.models import Channel, Metric, Notification
from escalation.roster.selectors import engineer_get_assignable
from escalation.sla.selectors import ticket_sla
from support_desk.web.uploads import (
    ALLOWED_DESCRIPTION,
    AttachmentRejected,
    attachment_content_type,
    clean_name,
)
from tickets.models import (
    ATTACHMENT_MAX_BYTES,
    DESCRIPTION_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    CloseReason,
    ContactLanguage,
    EventType,
    Plan,
    Severity,
    Status,
)
from tickets.selectors import address_bouncing, public_event_data, ticket_get
from tickets.services import BULK_MAX_TICKETS, BulkAction, CheckedFile

from ..fields import DurationField, TicketReferenceField, TimeZoneField

USERNAME = {"type": "string", "nullable": True, "example": "lena"}
REFERENCE = {"type": "string", "nullable": True, "example": "SD-1041"}


class CustomerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    plan = serializers.ChoiceField(choices=Plan.choices)


class RequesterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=[("", "not chosen"), *ContactLanguage.choices],
        required=False,
        default="",
        help_text="The language the requester chose for their pages and emails (`en`, `zh-hans`, `es`, "
        "`pt-br`, `ja`, `ar`); empty: not chosen, so their customer's contact setting, else their "
        "browser's language, decides. Given when filing, it is remembered for the requester (an empty "
        "one keeps theirs).",
    )


class MetricSlaSerializer(serializers.Serializer):
    target = DurationField(allow_null=True, help_text="The promise, in business time.")
    due_at = serializers.DateTimeField(allow_null=True)
    achieved_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField()
    paused = serializers.BooleanField(help_text="Waiting on the customer (resolution only).")


class SlaSerializer(serializers.Serializer):
    first_response = MetricSlaSerializer()
    resolution = MetricSlaSerializer(help_text="The current resolution cycle.")


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField(help_text="The engineer's username; null: the requester.")
    body = serializers.CharField()
    internal = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    @extend_schema_field(USERNAME)
    def get_author(self, message) -> str | None:
        return message.author.get_username() if message.author_id else None


class EventSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=EventType.choices)
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    data = serializers.DictField(help_text="What the event records; keys depend on the type.")

    @extend_schema_field(USERNAME)
    def get_actor(self, event) -> str | None:
        return event.actor.get_username() if event.actor_id else None


class NotificationSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    recipient = serializers.CharField()
    status = serializers.ChoiceField(choices=Notification.Status.choices)
    purpose = serializers.ChoiceField(choices=Notification.Purpose.choices)
    created_at = serializers.DateTimeField()


class TicketSerializer(serializers.Serializer):
    """A ticket in the queue; needs `now` in the context and tickets fetched through `with_sla`."""

    reference = serializers.CharField()
    subject = serializers.CharField()
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    plan = serializers.ChoiceField(choices=Plan.choices, help_text="The plan in force when it was filed.")
    customer = CustomerBriefSerializer(allow_null=True)
    requester = RequesterSerializer()
    requester_timezone = TimeZoneField(
        help_text="The zone the requester's pages and emails show times in: their browser's when they filed "
        "on the web form (or `timezone` when filed through the API), else their customer's, else UTC."
    )
    language = serializers.CharField(
        help_text="The language the customer's page spoke when the ticket was filed (their choice or their "
        "browser's Accept-Language); empty when filed through the API. The requester's emails are in "
        "`requester.language`, else their customer contact's language, else this, else English."
    )
    requester_trusted = serializers.BooleanField(
        help_text="The requester is one of the customer's contacts, confirmed their address, or an engineer "
        "filed the ticket. False: filed from an unconfirmed address, so no customer, the standard plan and "
        "no voice pages until the address is confirmed (by its emailed link, or by an engineer: "
        "`POST .../confirm-requester/`)."
    )
    assignee = serializers.SerializerMethodField()
    assignment_pinned_until = serializers.DateTimeField(
        allow_null=True,
        help_text="Assigned by hand: no automatic handoff before this instant (the end of the assignee's "
        "shift, or of their next shift when they were assigned off shift). Null: routing's choice, handed "
        "off when the assignee's shift ends.",
    )
    follow_up_of = TicketReferenceField(source="follow_up_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    first_responded_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    next_due_at = serializers.DateTimeField(allow_null=True, help_text="The earliest running deadline.")
    escalation_level = serializers.IntegerField()
    breached = serializers.SerializerMethodField(help_text="True when any metric is breached.")
    sla = serializers.SerializerMethodField()

    @extend_schema_field(USERNAME)
    def get_assignee(self, ticket) -> str | None:
        return ticket.assignee.get_username() if ticket.assignee_id else None

    def get_breached(self, ticket) -> bool:
        return ticket.is_breached(self.context["now"])

    @cached_property
    def _sla_serializer(self) -> SlaSerializer:
        # One for the whole page: building a serializer copies its fields, which per row and metric
        # was half the time of a list page.
        return SlaSerializer()

    @extend_schema_field(SlaSerializer)
    def get_sla(self, ticket) -> dict:
        return self._sla_serializer.to_representation(ticket_sla(ticket, now=self.context["now"]))


class BouncingSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    reason = serializers.CharField(help_text="The report's status and diagnostic, e.g. `5.1.1 ... unknown`.")


class TicketDetailSerializer(TicketSerializer):
    """One ticket with its thread, timeline and notifications (fetched by `ticket_detail_get`)."""

    messages = MessageSerializer(many=True, source="messages.all")
    events = EventSerializer(many=True, source="events.all")
    notifications = NotificationSerializer(many=True, source="notifications.all")
    close_reason = serializers.CharField(
        help_text="`spam` or `duplicate` when closed without a reply; else empty."
    )
    duplicate_of = TicketReferenceField(source="duplicate_of_id", allow_null=True)
    requester_bouncing = serializers.SerializerMethodField(
        help_text="Mail to the requester's address bounces (a delivery-status report said so): since when "
        "and why; no more email is sent to it. Null: it does not."
    )

    @extend_schema_field(BouncingSerializer(allow_null=True))
    def get_requester_bouncing(self, ticket) -> dict | None:
        bouncing = address_bouncing(ticket.requester.email)
        return {"since": bouncing.since.isoformat(), "reason": bouncing.reason} if bouncing else None


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
    requester = RequesterSerializer()
    timezone = TimeZoneField(
        required=False,
        help_text="The requester's timezone, for showing promises (default: their customer's, else UTC).",
    )


class TicketUpdateSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    assignee = serializers.CharField(
        max_length=150,
        required=False,
        allow_null=True,
        help_text="An active engineer's username; null unassigns. Someone off shift (other than yourself) "
        "is refused with 409 saying when their next shift starts, unless `confirm_off_shift` is true.",
    )
    confirm_off_shift = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text="Assign the engineer although they are off shift: the ticket then stays with them (no "
        "automatic handoff) until their next shift ends, or until someone reassigns it.",
    )
    status = serializers.ChoiceField(
        choices=[choice for choice in Status.choices if choice[0] != Status.NEW],
        required=False,
        help_text="`new` is not asked for: unassigning a ticket makes it new.",
    )
    close_reason = serializers.ChoiceField(
        choices=CloseReason.choices,
        required=False,
        help_text="With `status: closed`, close without a reply: `spam` (the requester is told nothing, "
        "the SLA cycles are voided) or `duplicate` (of `duplicate_of`).",
    )
    duplicate_of = serializers.CharField(
        max_length=32, required=False, help_text="The reference of the ticket this one duplicates."
    )
    block_sender = serializers.BooleanField(
        required=False, help_text="With `close_reason: spam`, block the requester's address too."
    )

    def validate_duplicate_of(self, reference: str):
        target = ticket_get(reference=reference)
        if target is None:
            raise serializers.ValidationError(f"No ticket {reference!r}.")
        return target

    def validate_assignee(self, username: str | None):
        if username is None:
            return None
        engineer = engineer_get_assignable(username=username)
        if engineer is None:
            raise serializers.ValidationError(f"No active engineer is called {username!r}.")
        return engineer.user


ATTACHMENTS_PER_MESSAGE = 5


class MessageCreateSerializer(serializers.Serializer):
    """JSON, or multipart/form-data when files go with it (`attachments`, repeated). `oversized` in the
    context names the fields whose file the upload handler cut off (support_desk/web/uploads.py)."""

    body = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)
    internal = serializers.BooleanField(default=False, help_text="An internal note the customer never sees.")
    status = serializers.ChoiceField(
        choices=[choice for choice in Status.choices if choice[0] != Status.NEW],
        required=False,
        allow_blank=True,
        help_text="Set this status after the message, in the same transaction: a change the state machine "
        "refuses is a 400 under `status`, and then nothing is written (no message either).",
    )
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        max_length=ATTACHMENTS_PER_MESSAGE,
        help_text=f"Files (multipart only): {ALLOWED_DESCRIPTION}, each at most "
        f"{ATTACHMENT_MAX_BYTES // (1024 * 1024)} MiB, checked by their content. On an internal note they "
        "are never shown to the customer.",
    )

    def validate_attachments(self, uploads) -> list[CheckedFile]:
        checked = []
        for upload in uploads:
            try:
                content_type = attachment_content_type(upload)
            except AttachmentRejected as rejected:
                raise serializers.ValidationError(f"{clean_name(upload.name)}: {rejected}") from None
            checked.append(CheckedFile(file=upload, name=clean_name(upload.name), content_type=content_type))
        return checked

    def validate(self, data):
        if "attachments" in self.context.get("oversized", ()):
            raise serializers.ValidationError(
                {"attachments": [f"A file is larger than {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MiB."]}
            )
        return data


class AcknowledgementSerializer(serializers.Serializer):
    ticket = serializers.CharField(source="ticket.reference")
    metric = serializers.ChoiceField(choices=Metric.choices)
    cycle = serializers.IntegerField()
    step = serializers.IntegerField(help_text="0 is the warning before the breach.")
    fired_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField()
    acknowledged_by = serializers.CharField(source="acknowledged_by.username")
    acknowledged_via = serializers.CharField()


# --- The requester's view -------------------------------------------------------------------------


class PublicMessageSerializer(serializers.Serializer):
    author = serializers.SerializerMethodField(help_text="The engineer's first name; null: you.")
    from_requester = serializers.BooleanField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True, read_only=True, source="public_attachments")

    @extend_schema_field({"type": "string", "nullable": True, "example": "Lena"})
    def get_author(self, message) -> str | None:
        if message.author_id is None:
            return None
        return message.author.first_name or "Support"


class PublicEventSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[EventType.CREATED, EventType.STATUS_CHANGED, EventType.REOPENED])
    at = serializers.DateTimeField()
    data = serializers.SerializerMethodField()

    def get_data(self, event) -> dict:
        return public_event_data(event)


class PublicTicketSerializer(serializers.Serializer):
    """A `tickets.selectors.PublicTicket`: the ticket, its public messages and a customer-safe timeline."""

    reference = serializers.CharField(source="ticket.reference")
    access_token = serializers.CharField(source="ticket.access_token", help_text="The key to this ticket.")
    subject = serializers.CharField(source="ticket.subject")
    description = serializers.CharField(source="ticket.description")
    severity = serializers.ChoiceField(source="ticket.severity", choices=Severity.choices)
    status = serializers.ChoiceField(source="ticket.status", choices=Status.choices)
    requester = RequesterSerializer(source="ticket.requester")
    follow_up_of = TicketReferenceField(source="ticket.follow_up_of_id", allow_null=True)
    created_at = serializers.DateTimeField(source="ticket.created_at")
    first_response_due_at = serializers.DateTimeField(source="ticket.first_response_due_at", allow_null=True)
    first_responded_at = serializers.DateTimeField(source="ticket.first_responded_at", allow_null=True)
    resolution_due_at = serializers.DateTimeField(source="ticket.resolution_due_at", allow_null=True)
    resolved_at = serializers.DateTimeField(source="ticket.resolved_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="ticket.closed_at", allow_null=True)
    messages = PublicMessageSerializer(many=True)
    events = PublicEventSerializer(many=True)


class PublicMessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)


class RequesterConfirmationSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text="The requester's address, now confirmed.")
    confirmed_at = serializers.DateTimeField(help_text="When it was first confirmed.")
    confirmed_by = serializers.CharField(
        allow_null=True, help_text="The engineer who confirmed it first; null: the requester, by the link."
    )
    upgraded = serializers.ListField(
        child=serializers.CharField(),
        help_text="The requester's open tickets this confirmation trusted: the customer, its plan, and their "
        "deadlines recomputed from the filing time. Empty when it was confirmed before.",
    )


class BulkActionSerializer(serializers.Serializer):
    references = serializers.ListField(
        child=serializers.CharField(max_length=32),
        min_length=1,
        max_length=BULK_MAX_TICKETS,
        help_text=f"Ticket references, at most {BULK_MAX_TICKETS}.",
    )
    action = serializers.ChoiceField(choices=BulkAction.ALL)
    value = serializers.JSONField(
        required=False,
        allow_null=True,
        default=None,
        help_text="assign: a username or null; status: a status; severity: a severity; close_spam: "
        "true to block the senders too.",
    )
    confirm_off_shift = serializers.BooleanField(required=False, default=False)

    def validate(self, data):
        action, value = data["action"], data["value"]
        if action == BulkAction.ASSIGN:
            if value is not None:
                engineer = engineer_get_assignable(username=value) if isinstance(value, str) else None
                if engineer is None:
                    raise serializers.ValidationError({"value": [f"No active engineer is called {value!r}."]})
                data["value"] = engineer.user
        elif action == BulkAction.STATUS:
            allowed = [s for s in Status.values if s != Status.NEW]
            if value not in allowed:
                raise serializers.ValidationError({"value": [f"One of {', '.join(allowed)}."]})
        elif action == BulkAction.SEVERITY and value not in Severity.values:
            raise serializers.ValidationError({"value": [f"One of {', '.join(Severity.values)}."]})
        elif action == BulkAction.CLOSE_SPAM and value not in (None, True, False):
            raise serializers.ValidationError({"value": ["true (block the senders), false or null."]})
        return data


class BulkResultSerializer(serializers.Serializer):
    reference = serializers.CharField()
    ok = serializers.BooleanField()
    error = serializers.CharField(help_text="Why the action was refused for this ticket; empty when done.")


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True, help_text="One per reference, in the order sent.")
