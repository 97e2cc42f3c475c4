"""The customer's rating of a resolution: good or bad, with an optional comment, once per resolution cycle."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .customers import Customer
from .tickets import Severity, Status, Ticket

RATING_COMMENT_MAX_LENGTH = 2000
# A ticket whose latest cycle was resolved can be rated, closed since or not.
RATABLE_STATUSES = (Status.RESOLVED, Status.CLOSED)


class Score(models.TextChoices):
    GOOD = "good", _("Good")
    BAD = "bad", _("Bad")


class Rating(models.Model):
    """How the requester judged one resolution of a ticket.

    One row per ticket and resolution cycle (`rating_once_per_cycle`): a ticket reopened and resolved
    again can be rated again. Who resolved it, for whom and at which severity are copied from the
    ticket when the rating is given, so the satisfaction report groups one table without joins and a
    later change to the ticket does not move an old rating. Never touches the SLA ledger.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="ratings")
    cycle = models.PositiveSmallIntegerField()
    score = models.CharField(max_length=10, choices=Score.choices)
    comment = models.TextField(max_length=RATING_COMMENT_MAX_LENGTH, blank=True)
    # The ticket's assignee when it was resolved (a resolved ticket cannot be reassigned).
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    severity = models.CharField(max_length=20, choices=Severity.choices)
    # When this cycle was resolved: the satisfaction report's period and weeks are on this instant.
    resolved_at = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-resolved_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "cycle"], name="rating_once_per_cycle"),
        ]
        indexes = [models.Index(fields=["resolved_at"], name="rating_resolved_at")]

    def __str__(self) -> str:
        return f"{self.score} on {self.ticket_id} (cycle {self.cycle})"
