"""Engineers: logins with a shift in their own timezone, and who is on shift at an instant."""

from django.contrib.auth.validators import UnicodeUsernameValidator
from drf_spectacular.utils import extend_schema_field
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from escalation.models import Region
from escalation.roster.selectors import engineer_shift_at
from tickets.assignment import AssigneeShift

from ..fields import ClockTimeField, LocalDateTimeField, TimeZoneField

# Django's MinimumLengthValidator (AUTH_PASSWORD_VALIDATORS) at its default, stated in the schema.
PASSWORD_MIN_LENGTH = 8

# Path segments and filter words that a username must not shadow.
RESERVED_USERNAMES = frozenset({"me", "none", "on-shift"})
LOCAL_INSTANT = {
    "type": "string",
    "format": "date-time",
    "nullable": True,
    "example": "2025-06-11T18:00:00+09:00",
}


class EngineerSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.get_full_name")
    email = serializers.CharField(source="user.email", help_text="Empty when none is known.")
    timezone = serializers.SerializerMethodField()
    shift_start = ClockTimeField()
    shift_end = ClockTimeField(help_text="Earlier than the start: the shift crosses midnight.")
    workdays = serializers.ListField(child=serializers.IntegerField(), help_text="0=Monday .. 6=Sunday.")
    phone = serializers.SerializerMethodField()
    region = serializers.ChoiceField(choices=Region.choices)
    lead = serializers.BooleanField()
    on_call = serializers.BooleanField()
    capacity = serializers.IntegerField()
    active = serializers.BooleanField(
        help_text="In the rotation (routing and paging consider them) and able to sign in."
    )
    on_shift = serializers.SerializerMethodField(help_text="On shift now, in their own timezone.")
    shift_ends_at = serializers.SerializerMethodField(
        help_text="When the shift they are on ends, in their timezone; null when off shift."
    )
    next_shift_starts_at = serializers.SerializerMethodField(
        help_text="When their next shift starts, in their timezone; null when they have no shift to come "
        "(no workdays, or not active)."
    )

    def _shift(self, engineer) -> AssigneeShift:
        return engineer_shift_at(engineer, self.context["now"])

    def get_on_shift(self, engineer) -> bool:
        return self._shift(engineer).on_shift

    @extend_schema_field(LOCAL_INSTANT)
    def get_shift_ends_at(self, engineer) -> str | None:
        shift = self._shift(engineer)
        return shift.shift_ends_at.astimezone(shift.zone).isoformat() if shift.shift_ends_at else None

    @extend_schema_field({**LOCAL_INSTANT, "example": "2025-06-12T09:00:00+09:00"})
    def get_next_shift_starts_at(self, engineer) -> str | None:
        shift = self._shift(engineer)
        starts = shift.next_shift_starts_at
        return starts.astimezone(shift.zone).isoformat() if starts else None

    @extend_schema_field({"type": "string", "example": "Europe/Berlin"})
    def get_timezone(self, engineer) -> str:
        return engineer.timezone.key

    @extend_schema_field({"type": "string", "example": "+4930123456", "description": "E.164; empty if none."})
    def get_phone(self, engineer) -> str:
        return str(engineer.phone) if engineer.phone else ""


class EngineerUpdateSerializer(serializers.Serializer):
    """What a manager may change; every field is optional."""

    name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    email = serializers.EmailField(max_length=254, allow_blank=True, required=False)
    password = serializers.CharField(
        write_only=True,
        required=False,
        min_length=PASSWORD_MIN_LENGTH,
        max_length=128,
        error_messages={
            # Django's own words for it, as before the length was stated in the schema.
            "min_length": "This password is too short. It must contain at least "
            f"{PASSWORD_MIN_LENGTH} characters."
        },
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Sets the login's password; checked by the password rules (at least "
        f"{PASSWORD_MIN_LENGTH} characters, not common, not all digits, not like the username).",
    )
    timezone = TimeZoneField(required=False)
    shift_start = ClockTimeField(required=False)
    shift_end = ClockTimeField(
        required=False, help_text="Earlier than the start: the shift crosses midnight."
    )
    workdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        max_length=7,
        required=False,
        help_text="Weekdays on which a shift starts, 0=Monday .. 6=Sunday.",
    )
    phone = PhoneNumberField(required=False, allow_blank=True, help_text="E.164, e.g. +81312345678.")
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    lead = serializers.BooleanField(required=False)
    on_call = serializers.BooleanField(required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=500, required=False)
    active = serializers.BooleanField(
        required=False,
        help_text="`false` takes them out of the rotation and out of the desk: their sessions end, their API "
        "tokens are revoked and new logins are refused until `true` again.",
    )
    confirm_coverage_gap = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text="A change that would leave nobody on shift and nobody on call for a 24x7 ticket at some "
        "time in the coming week is refused with 409, listing those times; send `true` to save it anyway.",
    )

    def validate_workdays(self, workdays: list[int]) -> list[int]:
        if len(set(workdays)) != len(workdays):
            raise serializers.ValidationError("Each workday may appear once.")
        return sorted(workdays)

    def validate_phone(self, phone) -> str:
        return str(phone) if phone else ""


class EngineerCreateSerializer(EngineerUpdateSerializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    region = serializers.ChoiceField(choices=Region.choices)
    confirm_coverage_gap = None  # adding an engineer never takes coverage away

    def validate_username(self, username: str) -> str:
        if username.lower() in RESERVED_USERNAMES:
            raise serializers.ValidationError(f"{username!r} is reserved; choose another username.")
        return username


class OnShiftSerializer(serializers.Serializer):
    username = serializers.CharField(source="engineer.user.username")
    name = serializers.CharField(source="engineer.user.get_full_name")
    timezone = serializers.CharField(source="engineer.timezone.key")
    region = serializers.ChoiceField(source="engineer.region", choices=Region.choices)
    lead = serializers.BooleanField(source="engineer.lead")
    on_call = serializers.BooleanField(source="engineer.on_call")
    local_time = LocalDateTimeField(help_text="The instant asked about, in the engineer's timezone.")
    shift_started_at = LocalDateTimeField(help_text="In the engineer's timezone.")
    shift_ends_at = LocalDateTimeField(help_text="In the engineer's timezone.")


class OnShiftListSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    count = serializers.IntegerField()
    results = OnShiftSerializer(many=True)
