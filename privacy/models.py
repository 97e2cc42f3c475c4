"""The record of every erasure (append-only), retention settings per customer, the tickets retention has
emptied, and the files still to be removed from storage."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ErasureImmutable(Exception):
    """Erasure records are never changed or removed: an erasure cannot be undone, nor its record."""


class ErasureQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ErasureImmutable("erasure records are never updated")

    def delete(self):
        raise ErasureImmutable("erasure records are never deleted")

    _raw_delete = delete


class Erasure(models.Model):
    """Who erased whom (by pseudonym), when, why, and how much was removed: counts, never content.

    Append-only: the model refuses updates and deletes, and so does the database (a trigger of migration
    0001). `subject_digest` is a keyed hash (HMAC under SECRET_KEY) of the erased address or username,
    so a second request for the same person says when it was done, without keeping the address."""

    class Kind(models.TextChoices):
        REQUESTER = "requester", "Requester"
        ENGINEER = "engineer", "Engineer who left"
        RETENTION = "retention", "Retention (closed tickets past their period)"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    pseudonym = models.CharField(max_length=254, help_text="What the person is called from now on.")
    subject_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    reason = models.CharField(max_length=500)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    counts = models.JSONField(default=dict, help_text="What was removed or replaced, per kind of data.")

    objects = ErasureQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["at"], name="erasure_at")]

    def __str__(self) -> str:
        return f"{self.kind} erasure {self.pk}: {self.pseudonym}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ErasureImmutable("erasure records are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ErasureImmutable("erasure records are never deleted")


RETENTION_MONTHS_VALIDATORS = [MinValueValidator(1), MaxValueValidator(1200)]


class RetentionPolicy(models.Model):
    """How long a customer's closed tickets keep their messages and attachments; customers without one
    keep them PRIVACY_RETENTION_MONTHS (settings)."""

    customer = models.OneToOneField("tickets.Customer", on_delete=models.CASCADE, related_name="retention")
    months = models.PositiveSmallIntegerField(validators=RETENTION_MONTHS_VALIDATORS)

    class Meta:
        verbose_name_plural = "retention policies"
        ordering = ["customer"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(months__gte=1, months__lte=1200), name="retention_months_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer}: {self.months} months"


class ExpiredTicket(models.Model):
    """A closed ticket whose contents retention erased: once (the primary key), so a batch that runs twice
    or two workers at once empty a ticket once, and the next run resumes after the last committed batch."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    erasure = models.ForeignKey(Erasure, on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} emptied at {self.erased_at:%Y-%m-%d}"


class PendingFileDeletion(models.Model):
    """A stored file whose row an erasure removed: deleted from storage after the erasure commits, and
    retried by the retention task until storage says it is gone (record, act, record)."""

    path = models.CharField(max_length=255, unique=True)
    queued_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.path
