"""Canned replies (macros): a named body with placeholders, and optionally a status to set with it."""

from django.conf import settings
from django.db import models
from django.db.models import Q

MACRO_NAME_MAX_LENGTH = 100
MACRO_BODY_MAX_LENGTH = 10_000


class Macro(models.Model):
    """Shared (no owner: every engineer sees it, managers edit it) or personal (only its owner sees it)."""

    name = models.CharField(max_length=MACRO_NAME_MAX_LENGTH)
    body = models.TextField(max_length=MACRO_BODY_MAX_LENGTH)
    # The status the reply sets; blank: none. Never `new` (`tickets.services.macros` checks it).
    status = models.CharField(max_length=30, blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(owner__isnull=True), name="macro_shared_name_once"
            ),
            models.UniqueConstraint(
                fields=["owner", "name"], condition=Q(owner__isnull=False), name="macro_personal_name_once"
            ),
        ]
        indexes = [models.Index(fields=["owner", "name"], name="macro_owner_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None
