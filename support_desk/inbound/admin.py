"""Inbound email and bouncing addresses in the admin: the quarantine to read and release (the API's
`mail/quarantine/` does the same), and the addresses no mail goes to (delete a row to send again)."""

from django.contrib import admin, messages
from django.utils import timezone

from tickets.models import BouncingAddress, InboundMail

from .services import ReleaseRefused, inbound_mail_release


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "status", "sender", "subject", "reason", "ticket", "size"]
    list_filter = ["status"]
    search_fields = ["sender", "subject", "message_id"]
    readonly_fields = [f.name for f in InboundMail._meta.fields]
    actions = ["release"]

    def has_add_permission(self, request) -> bool:
        return False  # only the mailbox reader records them

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # never lost

    @admin.action(description="Release the selected quarantined emails", permissions=["change"])
    def release(self, request, queryset) -> None:
        now = timezone.now()
        for inbound in queryset.filter(status=InboundMail.Status.QUARANTINED):
            try:
                inbound_mail_release(inbound=inbound, actor=request.user, now=now)
            except ReleaseRefused as exc:
                self.message_user(request, f"{inbound}: {exc}", messages.WARNING)
            else:
                self.message_user(request, f"Released {inbound}.", messages.SUCCESS)


@admin.register(BouncingAddress)
class BouncingAddressAdmin(admin.ModelAdmin):
    list_display = ["address", "since", "reason"]
    search_fields = ["address"]
    readonly_fields = ["address", "since", "reason"]

    def has_add_permission(self, request) -> bool:
        return False  # recorded from delivery-status reports
