"""What the escalation admin screens share: evidence shown read-only to everyone."""

from django.contrib import admin

from tickets.admin import ReadOnlyAdmin


class AuditRecordAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Evidence (what fired, who was told, what the ledger promised): readable here, never added,
    changed or deleted, by anyone, superusers included (no delete action either)."""
