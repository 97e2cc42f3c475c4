"""The roster: engineers, their regions and their local working windows."""

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField
from timezone_field import TimeZoneField

from escalation.roster.shifts import Shift
from escalation.sla.models import default_workdays, validate_workdays


class Region(models.TextChoices):
    APAC = "apac", "Asia-Pacific"
    EMEA = "emea", "Europe, Middle East and Africa"
    AMERICAS = "americas", "Americas"


class EngineerQuerySet(models.QuerySet):
    """Who counts as an engineer at work, defined once for routing, paging, coverage and the pages."""

    def active(self) -> "EngineerQuerySet":
        """In the rotation, with a login that may sign in."""
        return self.filter(active=True, user__is_active=True)

    def assignable(self) -> "EngineerQuerySet":
        """Active, with a staff login: tickets may be given to them."""
        return self.active().filter(user__is_staff=True)


class Engineer(models.Model):
    """A support engineer: a staff user with a timezone and a local working window."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engineer")
    timezone = TimeZoneField(default="UTC", use_pytz=False)
    shift_start = models.TimeField(default=time(9))
    shift_end = models.TimeField(
        default=time(18), help_text="Earlier than the start: the shift crosses midnight."
    )
    workdays = models.JSONField(
        default=default_workdays,
        validators=[validate_workdays],
        help_text="Weekdays on which a shift starts, 0=Monday .. 6=Sunday.",
    )
    phone = PhoneNumberField(blank=True, help_text="E.164, e.g. +81312345678")
    region = models.CharField(max_length=20, choices=Region.choices)
    lead = models.BooleanField(default=False, help_text="Shift lead: receives step-2 escalations.")
    on_call = models.BooleanField(default=False)
    capacity = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    active = models.BooleanField(default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    objects = EngineerQuerySet.as_manager()

    class Meta:
        ordering = ["user__username"]
        indexes = [models.Index(fields=["active", "region"], name="engineer_active_region")]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def shift(self) -> Shift:
        """The engineer's working window as the pure `escalation.roster.shifts` module reads it."""
        return Shift(
            tz=self.timezone, start=self.shift_start, end=self.shift_end, workdays=frozenset(self.workdays)
        )
