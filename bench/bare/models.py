"""A bench-only table shaped like tickets_ticket, for the bare DRF create endpoint to write into."""

from django.db import models

from tickets.models import new_access_token


class BareTicket(models.Model):
    subject = models.CharField(max_length=200)
    description = models.TextField(max_length=100_000)
    severity = models.CharField(
        max_length=20, choices=[("general", "general"), ("urgent", "urgent"), ("major", "major")]
    )
    status = models.CharField(max_length=30, default="new")
    plan = models.CharField(max_length=20, default="standard")
    requester_email = models.EmailField()
    requester_name = models.CharField(max_length=200, blank=True)
    access_token = models.CharField(max_length=64, unique=True, default=new_access_token)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    first_response_due_at = models.DateTimeField(null=True)
    resolution_due_at = models.DateTimeField(null=True)
    next_due_at = models.DateTimeField(null=True)

    class Meta:
        app_label = "bare"
        indexes = [
            models.Index(fields=["status", "severity"], name="bare_status_severity"),
            models.Index(fields=["created_at"], name="bare_created"),
            models.Index(fields=["next_due_at"], name="bare_next_due"),
        ]

    def __str__(self) -> str:
        return self.subject
