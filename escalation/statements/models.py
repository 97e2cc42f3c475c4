"""A customer's SLA statement for one calendar month (UTC), written once and never changed."""

import json
from datetime import date

from django.db import models


class Statement(models.Model):
    """The month's figures and ledger rows of one customer, frozen with a checkpoint of the ledger's head
    signed when the statement was made. `body` is the canonical JSON that `signature` signs
    (`escalation/statements/document.py`); the pages and downloads are rendered from it alone."""

    customer = models.ForeignKey("tickets.Customer", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the calendar month (UTC).")
    made_at = models.DateTimeField()
    checkpoint_seq = models.PositiveBigIntegerField()
    checkpoint_hash = models.CharField(max_length=64)
    body = models.TextField(editable=False)
    signature = models.CharField(max_length=64, blank=True, help_text="Empty when no key was configured.")

    class Meta:
        ordering = ["customer", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="statement_once_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="statement_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"statement {self.month:%Y-%m} of customer {self.customer_id}"

    @property
    def document(self) -> dict:
        return json.loads(self.body)

    @property
    def signed(self) -> bool:
        return bool(self.signature)

    @staticmethod
    def month_label(month: date) -> str:
        return f"{month:%Y-%m}"
